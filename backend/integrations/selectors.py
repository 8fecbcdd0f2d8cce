"""Webhook endpoints and their deliveries, as far as the user may see them: their municipality's, if coordinator."""

from django.db.models import QuerySet
from django.urls import reverse

from backend.accounts.models import Municipality, User
from backend.accounts.selectors import user_access
from backend.integrations.models import CalendarFeed, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from backend.notifications.services import site_url


def webhook_municipalities_for(*, user: User) -> QuerySet[Municipality]:
    """Municipalities whose webhooks the user keeps."""
    access = user_access(user=user)
    if access.is_platform_admin:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=access.coordinator_of)


def webhook_endpoint_list_visible(*, user: User) -> QuerySet[WebhookEndpoint]:
    access = user_access(user=user)
    qs = WebhookEndpoint.objects.select_related("municipality")
    if access.is_platform_admin:
        return qs
    return qs.filter(municipality_id__in=access.coordinator_of)


def webhook_delivery_list_visible(*, user: User, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries, newest first; ``endpoint`` must come from ``webhook_endpoint_list_visible``."""
    if not webhook_endpoint_list_visible(user=user).filter(pk=endpoint.pk).exists():
        return WebhookDelivery.objects.none()
    return WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


def webhook_attempts_for(*, deliveries: list[WebhookDelivery]) -> dict[int, list[WebhookAttempt]]:
    """The log of each of these deliveries, oldest attempt first, in one query."""
    log: dict[int, list[WebhookAttempt]] = {delivery.pk: [] for delivery in deliveries}
    for attempt in WebhookAttempt.objects.filter(delivery_id__in=log).order_by("attempted_at", "id"):
        log[attempt.delivery_id].append(attempt)
    return log


def calendar_feed_owner(*, token: str) -> User | None:
    """Whose calendar this secret address is; None for an unknown or revoked one, or a deactivated person."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    return feed.user if feed is not None else None


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_url(*, user: User) -> str | None:
    """The person's secret calendar address, or None while they have none."""
    feed = calendar_feed_of(user=user)
    return site_url(reverse("integrations:calendar_personal", args=[feed.token])) if feed is not None else None
