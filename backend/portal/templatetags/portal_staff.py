"""The citizen ideas on the staff's pages (the dashboard's panel, the board's list by the idea column), without
the web app importing the portal: a page loads this library and asks for them."""

from django import template

from backend.accounts.selectors import user_access
from backend.portal.ideas import idea_counts_moderated, idea_list_waiting
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


BOARD_IDEAS = 5


@register.inclusion_tag("portal/staff/_board_ideas.html", takes_context=True)
def board_ideas(context) -> dict:
    """The oldest ideas waiting for the town, at most ``BOARD_IDEAS``, with their count (two queries); nothing,
    and no query, for a user who moderates no ideas."""
    user = context["request"].user
    if not user_access(user=user).coordinator_of:
        return {"ideas": None}
    waiting = idea_list_waiting(user=user)
    return {"ideas": list(waiting[:BOARD_IDEAS]), "count": waiting.count()}
