"""The integrations panel of the profile page: the calendar address, and the way to webhooks for coordinators."""

from django import template
from django.urls import reverse

from backend.integrations import selectors
from backend.notifications.services import site_url

register = template.Library()


@register.inclusion_tag("integrations/calendar_panel.html", takes_context=True)
def calendar_panel(context) -> dict:
    user = context["user"]
    feed = selectors.calendar_feed_of(user=user)
    return {
        "feed_url": site_url(reverse("integrations:calendar_personal", args=[feed.token])) if feed else "",
        "keeps_webhooks": selectors.webhook_municipalities_for(user=user).exists(),
        "csrf_token": context.get("csrf_token"),
    }
