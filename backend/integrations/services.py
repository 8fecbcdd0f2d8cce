"""Webhooks: endpoints kept by the coordinator, deliveries written with their event, attempts sent by Celery.

- ``webhook_deliveries_record`` runs inside the transaction that wrote the event (called from the notification
  fan-out): the deliveries commit with the change or not at all, and one Celery task per delivery is published
  after commit. If the broker is down, ``webhook_deliveries_sweep`` (on beat) sends them.
- ``webhook_delivery_attempt`` locks the delivery, POSTs it once, logs the attempt and schedules the next one
  with exponential backoff; after WEBHOOK_MAX_ATTEMPTS it gives up. An endpoint that failed
  WEBHOOK_DISABLE_AFTER_FAILURES times in a row is disabled and its municipality's coordinators are told.
"""

import logging
from datetime import timedelta
from functools import cache, partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backend.accounts.models import Municipality, Role, User
from backend.accounts.selectors import user_access
from backend.core.compiled import CompiledQuery, query_compile
from backend.core.errors import PermissionDenied
from backend.integrations import payloads, signing, targets
from backend.integrations.models import (
    TEST_EVENT_TYPE,
    CalendarFeed,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEventType,
    WebhookSecret,
    feed_token_generate,
)
from backend.notifications.services import site_url
from backend.projects.models import Event

logger = logging.getLogger(__name__)


def _require_coordinator(*, actor: User, municipality_id: int) -> None:
    if not user_access(user=actor).is_coordinator_in(municipality_id):
        raise PermissionDenied(_("Only the municipality's Smart City coordinator may manage its webhooks."))


def _clean_event_types(event_types: list[str]) -> list[str]:
    unknown = [value for value in event_types if value not in WebhookEventType.values]
    if unknown or not event_types:
        raise ValidationError({"event_types": _("Choose at least one of the offered kinds of events.")})
    return [value for value in WebhookEventType.values if value in event_types]


def _clean_url(url: str) -> str:
    try:
        targets.url_validate(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    return url


@transaction.atomic
def webhook_endpoint_create(
    *, actor: User, municipality: Municipality, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its secret, which is shown this once."""
    _require_coordinator(actor=actor, municipality_id=municipality.pk)
    endpoint = WebhookEndpoint.objects.create(
        municipality=municipality,
        url=_clean_url(url),
        event_types=_clean_event_types(event_types),
        description=description.strip(),
        created_by=actor,
    )
    secret = WebhookSecret.objects.create(endpoint=endpoint)
    return endpoint, secret.secret


@transaction.atomic
def webhook_endpoint_update(*, actor: User, endpoint: WebhookEndpoint, **fields) -> WebhookEndpoint:
    """Change the URL, the kinds, the description or switch it on and off; re-enabling clears the failures."""
    _require_coordinator(actor=actor, municipality_id=endpoint.municipality_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if "url" in fields:
        endpoint.url = _clean_url(fields["url"])
    if "event_types" in fields:
        endpoint.event_types = _clean_event_types(fields["event_types"])
    if "description" in fields:
        endpoint.description = fields["description"].strip()
    if "is_active" in fields and fields["is_active"] != endpoint.is_active:
        endpoint.is_active = fields["is_active"]
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None if endpoint.is_active else timezone.now()
        endpoint.disabled_reason = "" if endpoint.is_active else _("Disabled by %(name)s.") % {"name": actor}
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    _require_coordinator(actor=actor, municipality_id=endpoint.municipality_id)
    endpoint.delete()


@transaction.atomic
def webhook_secret_rotate(*, actor: User, endpoint: WebhookEndpoint) -> str:
    """A new secret, shown this once; the current one keeps signing beside it for WEBHOOK_SECRET_OVERLAP_HOURS,
    so the receiver can switch to the new one without losing or refusing an event."""
    _require_coordinator(actor=actor, municipality_id=endpoint.municipality_id)
    now = timezone.now()
    WebhookSecret.objects.filter(endpoint=endpoint, expires_at__isnull=True).update(
        expires_at=now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    )
    return WebhookSecret.objects.create(endpoint=endpoint, created_at=now).secret


def signing_secrets(*, endpoint: WebhookEndpoint) -> list[str]:
    """Secrets that sign now, newest first."""
    now = timezone.now()
    return list(
        endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at", "-id")
        .values_list("secret", flat=True)
    )


def webhook_deliveries_record(*, event: Event, endpoint_ids: list[int] | None = None) -> int:
    """Write the event's deliveries to the endpoints that subscribed to it, in the caller's transaction;
    ``endpoint_ids`` are those endpoints when the caller asked for them already (``webhook_subscribers_sql``)."""
    event_type = payloads.webhook_event_type(event)
    if event_type is None or endpoint_ids == []:
        return 0
    if endpoint_ids is None:
        endpoints = _subscribed(municipality_id=event.project.municipality_id, event_type=event_type)
    else:
        endpoints = list(WebhookEndpoint.objects.filter(pk__in=endpoint_ids).order_by("pk"))
    if not endpoints:
        return 0
    body = payloads.event_body(event=event, event_type=event_type)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint, event=event, event_type=event_type, body=body, created_at=event.created_at
            )
            for endpoint in endpoints
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(partial(_dispatch_event, event.pk))
    return len(deliveries)


def webhook_subscribers_sql(*, event: Event) -> tuple[str, list] | None:
    """The SQL and parameters of the ids of the active endpoints of the event's town subscribed to it (one column,
    in the order of the ids), for a caller that asks it inside a statement of its own on PostgreSQL (a transition's
    fan-out: the endpoints were a query of their own with every event, and most towns have none); then
    ``webhook_deliveries_record`` takes the ids. None for events webhooks do not carry."""
    event_type = payloads.webhook_event_type(event)
    if event_type is None:
        return None
    return _subscriber_ids_sql(), [event.project.municipality_id, event_type]


@cache
def _subscriber_ids_sql() -> str:
    """``_subscribed``'s endpoints as SQL alone, ids only (its kinds are a JSON array: ``@>`` is PostgreSQL's)."""
    meta = WebhookEndpoint._meta
    quote = connection.ops.quote_name
    pk, kinds = quote(meta.pk.column), quote(meta.get_field("event_types").column)
    return (
        f"SELECT {pk} FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('municipality').column)} = %s "  # noqa: S608
        f"AND {quote(meta.get_field('is_active').column)} AND {kinds} @> jsonb_build_array(%s::text) ORDER BY {pk}"
    )


def _subscribed(*, municipality_id: int, event_type: str) -> list[WebhookEndpoint]:
    return [
        endpoint
        for endpoint in _active_endpoints().objects(municipality=municipality_id)
        if event_type in endpoint.event_types
    ]


@cache
def _active_endpoints() -> CompiledQuery:
    """A town's active endpoints, compiled once per process: every event of every project asks, and most towns
    have none, so building the queryset was all the lookup cost. In the order of their ids: the default ordering
    (by municipality) joined the municipality for nothing."""
    return query_compile(
        lambda *, municipality: WebhookEndpoint.objects.filter(municipality_id=municipality, is_active=True).order_by(
            "pk"
        ),
        "municipality",
    )


def webhook_messages_record(*, municipality: Municipality, event_type: str, timestamp, data: dict) -> int:
    """Write deliveries of a message that is no project's event (a published citizen idea) to the endpoints that
    subscribed to it, in the caller's transaction; ``data`` goes through the kind's payload serializer."""
    endpoints = _subscribed(municipality_id=municipality.pk, event_type=event_type)
    if not endpoints:
        return 0
    body = payloads.body_render(event_type=event_type, municipality=municipality, timestamp=timestamp, data=data)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=endpoint, event_type=event_type, body=body, created_at=timestamp)
            for endpoint in endpoints
        ]
    )
    for delivery in deliveries:
        transaction.on_commit(partial(_dispatch, delivery.pk))
    return len(deliveries)


def _dispatch_event(event_id: int) -> None:
    pending = WebhookDelivery.objects.filter(event_id=event_id, status=WebhookDeliveryStatus.PENDING)
    for delivery_id in pending.values_list("pk", flat=True):
        _dispatch(delivery_id)


def _dispatch(delivery_id: int, *, manual: bool = False) -> None:
    """Publish the sending task; never raise into the request that already committed (the sweep sends it)."""
    from backend.integrations import tasks

    try:
        tasks.send_webhook_delivery.apply_async(args=[delivery_id], kwargs={"manual": manual}, retry=False)
    except Exception:  # any broker error: the sweep will send it
        logger.warning("Broker unreachable; webhook delivery %s waits for the sweep.", delivery_id, exc_info=True)


@transaction.atomic
def webhook_test_send(*, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``webhook.test`` message to the endpoint (also when it is disabled, to check it before enabling)."""
    _require_coordinator(actor=actor, municipality_id=endpoint.municipality_id)
    body = payloads.body_render(
        event_type=TEST_EVENT_TYPE,
        municipality=endpoint.municipality,
        timestamp=timezone.now(),
        data={"message": _("A test event from Rámec, sent by %(name)s.") % {"name": actor}},
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type=TEST_EVENT_TYPE, body=body)
    transaction.on_commit(partial(_dispatch, delivery.pk))
    return delivery


@transaction.atomic
def webhook_redeliver(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again by hand (after a fix on the receiver's side), whatever its state; the message keeps
    its ``webhook-id``, so a receiver that got it already can tell."""
    _require_coordinator(actor=actor, municipality_id=delivery.endpoint.municipality_id)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = WebhookDeliveryStatus.PENDING
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "next_attempt_at"])
    transaction.on_commit(partial(_dispatch, delivery.pk, manual=True))
    return delivery


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s after the first failure, then 2 min, 8 min, 32 min … at most 12 hours."""
    return timedelta(seconds=min(12 * 3600, settings.WEBHOOK_RETRY_BASE_SECONDS * 4 ** max(0, attempts - 1)))


def webhook_delivery_attempt(*, delivery_id: int, manual: bool = False) -> bool:
    """POST one pending delivery once; True when the receiver accepted it. Skips a delivery another worker is
    sending, one already settled, and (unless it is a test) one whose endpoint is disabled."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return False
        endpoint = delivery.endpoint
        is_test = delivery.event_type == TEST_EVENT_TYPE
        if not endpoint.is_active and not is_test:
            return False
        now = timezone.now()
        headers = signing.signed_headers(
            secrets=signing_secrets(endpoint=endpoint),
            message_id=delivery.message_id,
            timestamp=int(now.timestamp()),
            body=delivery.body,
        )
        answer = targets.post(url=endpoint.url, body=delivery.body.encode(), headers=headers)
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=answer.status_code,
            duration_ms=answer.duration_ms,
            succeeded=answer.succeeded,
            error=answer.error
            or ("" if answer.succeeded else _("The receiver answered %(status)s.") % {"status": answer.status_code}),
            response_excerpt=answer.excerpt,
            manual=manual,
        )
        delivery.attempts += 1
        if answer.succeeded:
            delivery.status = WebhookDeliveryStatus.SUCCEEDED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or is_test:
            delivery.status = WebhookDeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])
        if not is_test:
            _endpoint_count(endpoint_id=endpoint.pk, succeeded=answer.succeeded)
    return answer.succeeded


def _endpoint_count(*, endpoint_id: int, succeeded: bool) -> None:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    if succeeded:
        if endpoint.consecutive_failures:
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["consecutive_failures"])
        return
    endpoint.consecutive_failures += 1
    fields = ["consecutive_failures"]
    if endpoint.is_active and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
        endpoint.is_active = False
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = _("Disabled automatically after %(count)s failed attempts in a row.") % {
            "count": endpoint.consecutive_failures
        }
        fields += ["is_active", "disabled_at", "disabled_reason"]
        transaction.on_commit(partial(_disabled_notice_send, endpoint.pk))
    endpoint.save(update_fields=fields)


def _disabled_notice_send(endpoint_id: int) -> None:
    """E-mail the municipality's coordinators (in each one's language) that an endpoint was switched off."""
    from django.urls import reverse

    endpoint = WebhookEndpoint.objects.select_related("municipality").get(pk=endpoint_id)
    coordinators = User.objects.filter(
        is_active=True,
        memberships__role=Role.COORDINATOR,
        memberships__municipality_id=endpoint.municipality_id,
    ).exclude(email="")
    link = site_url(reverse("integrations:webhook_detail", args=[endpoint.pk]))
    for coordinator in coordinators.distinct():
        context = {"endpoint": endpoint, "recipient": coordinator, "link": link}
        with translation.override(coordinator.language):
            subject = " ".join(render_to_string("integrations/emails/webhook_disabled_subject.txt", context).split())
            text = render_to_string("integrations/emails/webhook_disabled.txt", context)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[coordinator.email])
        try:
            message.send()
        except Exception:  # the endpoint stays disabled and says so on its page; the mail is a courtesy
            logger.warning(
                "Notice of disabled webhook %s to user %s not sent.", endpoint.pk, coordinator.pk, exc_info=True
            )


def webhook_deliveries_sweep() -> int:
    """Attempt every delivery that is due (a retry whose time came, or one the broker never got); return how many
    were delivered."""
    now = timezone.now()
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(seconds=30))
    pending = (
        WebhookDelivery.objects.filter(due, status=WebhookDeliveryStatus.PENDING, endpoint__is_active=True)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    delivered = 0
    for delivery_id in list(pending[:500]):
        try:
            delivered += webhook_delivery_attempt(delivery_id=delivery_id)
        except Exception:  # one broken delivery must never stop the rest
            logger.exception("Webhook delivery %s could not be attempted.", delivery_id)
    return delivered


# --- calendar feeds -------------------------------------------------------------------------------------------


def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """Give the person a (new) secret calendar address; the previous address stops working at once."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if not created:
        feed.token = feed_token_generate()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


def calendar_feed_revoke(*, user: User) -> None:
    """The person's calendar address stops working; they may make a new one later."""
    CalendarFeed.objects.filter(user=user).delete()
