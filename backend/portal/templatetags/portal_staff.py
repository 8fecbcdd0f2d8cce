"""The citizen ideas on the staff's pages (the dashboard's panel), without the web app importing the portal:
a page loads this library and asks for the panel."""

from django import template

from backend.portal.ideas import idea_counts_moderated
from backend.portal.models import IdeaStatus

register = template.Library()


@register.inclusion_tag("portal/staff/_ideas_panel.html", takes_context=True)
def ideas_panel(context) -> dict:
    """Counts of the ideas the user moderates by status, linked to the queue; nothing for anyone else."""
    counts = idea_counts_moderated(user=context["request"].user)
    if counts is None:
        return {"rows": None}
    labels = dict(IdeaStatus.choices)
    return {
        "rows": [(status, labels[status], count) for status, count in counts.items()],
        "total": sum(counts.values()),
    }
