"""Panels of integrations on other pages: the calendar address on the profile, calls closing soon on the dashboard."""

from django import template
from django.utils import timezone

from backend.integrations import selectors

register = template.Library()
CLOSING_SOON_DAYS = 30


@register.inclusion_tag("integrations/calendar_panel.html", takes_context=True)
def calendar_panel(context) -> dict:
    user = context["user"]
    return {
        "feed_url": selectors.calendar_feed_url(user=user) or "",
        "keeps_webhooks": selectors.webhook_municipalities_for(user=user).exists(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("integrations/calls_closing_soon.html", takes_context=True)
def calls_closing_soon(context) -> dict:
    """The dashboard's panel: the next calls of the catalogue to close within CLOSING_SOON_DAYS (at most five)."""
    from backend.integrations.funding_calls import funding_calls_closing_soon
    from backend.projects.programmes import with_programme_names

    today = timezone.localdate()
    calls = with_programme_names(funding_calls_closing_soon(user=context["user"], today=today, days=CLOSING_SOON_DAYS))
    return {"calls": list(calls.order_by("closes", "id")[:5]), "days": CLOSING_SOON_DAYS}
