"""The outbox every mail goes through, whatever it is about: one ``Delivery`` row written in the transaction that
caused the mail (an event's notification, a digest's share, an invitation, a citizen's confirmation or news of a
followed project), published to Celery after commit, sent once under a row lock, retried with backoff, and swept
up on beat when the broker was down (``deliveries_sweep``: one query over every kind).

Each kind of mail has one builder, registered with ``mail_kind``: it gets the locked row and returns the message
(made from the current state of its subject, so a retry sends a working link), or raises ``Undeliverable`` when
the mail is no longer due. Modules above this one (the portal) register their builders when their app loads.
"""

import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from smtplib import SMTPException

from celery import Task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.notifications import tasks
from backend.notifications.models import Channel, Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

# A row is swept only once its own task had time to send it.
SWEEP_AFTER = timedelta(seconds=30)

# After a failed publish, skip the broker for a while: the sweep sends what is pending, and a
# transition must never wait for an unreachable broker, let alone fifty of them.
BROKER_PAUSE_SECONDS = 30
_broker_paused_until = 0.0

MailBuilder = Callable[[Delivery], EmailMessage]
_builders: dict[str, MailBuilder] = {}


class Undeliverable(Exception):
    """This mail will never go (its subject is gone, revoked, no longer public…): the row fails with the reason."""


class DeliveryFailed(Exception):
    """Sending failed and may succeed later (the task retries with backoff)."""


def mail_kind(kind: str) -> Callable[[MailBuilder], MailBuilder]:
    """Register the builder of one kind of mail (a decorator)."""

    def register(builder: MailBuilder) -> MailBuilder:
        _builders[kind] = builder
        return builder

    return register


def task_publish(*, task: Task, waiting: str, object_id: int | None = None, args: tuple = ()) -> None:
    """Hand a sending task to Celery; never raise into the request that already committed.

    When the broker cannot be reached, publishing stops for BROKER_PAUSE_SECONDS (for every kind of mail:
    the broker is down for all of them), so requests do not each wait for its timeout; the sweep on beat
    sends whatever is left. The task gets ``object_id`` (or ``args``); ``waiting`` names the mail in the log line.
    """
    global _broker_paused_until
    if time.monotonic() < _broker_paused_until:
        return
    try:
        task.apply_async(args=list(args) or [object_id], retry=False)
    except Exception:  # any broker error: the sweep will send it
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("Broker unreachable; %s waits for the sweep.", waiting, exc_info=True)


def retry_delay_seconds(attempts: int) -> int:
    """Exponential backoff with full jitter: up to 30 s after the first failure, 60 s, 120 s … at most an hour."""
    return random.randint(1, min(3600, 30 * 2 ** max(0, attempts - 1)))  # noqa: S311  (jitter, not cryptography)


def sweep_due(*, older_than: timedelta = SWEEP_AFTER) -> Q:
    """Rows (with ``created_at`` and ``next_attempt_at``) whose mail the sweep should send now: never tried and
    older than ``older_than``, or past their backoff."""
    now = timezone.now()
    return Q(next_attempt_at__isnull=True, created_at__lte=now - older_than) | Q(next_attempt_at__lte=now)


def mail_enqueue(*, kind: str, object_id: int, language: str, topic: str = "", again: bool = False) -> Delivery | None:
    """Put one mail about ``object_id`` into the outbox, in the caller's transaction; its task is published after
    commit. Once per subject and topic: asking again for a mail already there returns None, unless ``again``
    (a citizen asking for their link once more), which sends the row anew once it is no longer pending."""
    delivery, created = Delivery.objects.select_for_update().get_or_create(
        kind=kind, object_id=object_id, topic=topic, defaults={"language": language}
    )
    if not created:
        if not again or delivery.status == DeliveryStatus.PENDING:
            return None
        delivery.status, delivery.language, delivery.attempts = DeliveryStatus.PENDING, language, 0
        delivery.next_attempt_at, delivery.last_error, delivery.created_at = None, "", timezone.now()
        delivery.save(update_fields=["status", "language", "attempts", "next_attempt_at", "last_error", "created_at"])
    transaction.on_commit(partial(_publish, delivery.pk))
    return delivery


def mails_enqueue(*, kind: str, languages: dict[int, str], topic: str, event_id: int | None = None) -> int:
    """One mail of ``kind`` and ``topic`` about each of many subjects (the news of a project to each of its
    followers: subject id → language), in one insert; one task sends them after commit."""
    if not languages:
        return 0
    Delivery.objects.bulk_create(
        [
            Delivery(kind=kind, object_id=object_id, topic=topic, event_id=event_id, language=language)
            for object_id, language in languages.items()
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(partial(_publish_topic, kind, topic))
    return len(languages)


def _publish(delivery_id: int) -> None:
    task_publish(task=tasks.send_delivery, object_id=delivery_id, waiting=f"delivery {delivery_id}")


def _publish_topic(kind: str, topic: str) -> None:
    """One task for all the mails of a topic (the news of a project to each of its followers)."""
    task_publish(task=tasks.send_topic_deliveries, args=(kind, topic), waiting=f"the {kind} mails of {topic}")


def topic_deliveries_send(*, kind: str, topic: str) -> list[int]:
    """Send every pending mail of one kind and topic; return the ids that failed for now (their task retries)."""
    return deliveries_send(
        delivery_ids=Delivery.objects.filter(kind=kind, topic=topic, status=DeliveryStatus.PENDING).values_list(
            "pk", flat=True
        )
    )


def deliveries_send(*, delivery_ids: Iterable[int]) -> list[int]:
    """Send each of these mails (one task's worth); return the ids that failed for now."""
    failed = []
    for delivery_id in list(delivery_ids):
        try:
            delivery_send(delivery_id=delivery_id)
        except DeliveryFailed:
            failed.append(delivery_id)
        except Exception:  # one broken mail must never stop the others
            logger.exception("Delivery %s could not be sent.", delivery_id)
    return failed


def delivery_send(*, delivery_id: int) -> bool:
    """Send one pending immediate mail of any kind; True when it was sent now, False when there was nothing to do.

    The row stays locked while sending and is marked sent in the same transaction, so a mail goes once however
    often its task runs. Raises ``DeliveryFailed`` after recording the attempt when the mail server refused or
    was unreachable.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "event", "event__project", "event__actor")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, channel=Channel.IMMEDIATE)
            .first()
        )
        if delivery is None:
            return False
        try:
            message = _builders[delivery.kind](delivery)
        except Undeliverable as reason:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, str(reason)[:2000]
            delivery.save(update_fields=["status", "last_error"])
            return False
        # A stable Message-ID lets mail systems drop the rare duplicate of a resend after a crash.
        message.extra_headers.setdefault("Message-ID", f"<delivery-{delivery.pk}@ramec>")
        try:
            _send(message)
        except ValueError as error:
            # An address the mail library refuses will never work: fail this one, keep the outbox moving.
            delivery.status = DeliveryStatus.FAILED
            delivery.attempts += 1
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            delivery.save(update_fields=["status", "attempts", "last_error"])
            return False
        except (SMTPException, OSError) as error:
            error_text = f"{type(error).__name__}: {error}"
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.attempts += 1
            delivery.save(update_fields=["status", "sent_at", "attempts"])
            return True
    _record_failure(delivery_id=delivery_id, error_text=error_text)
    raise DeliveryFailed(error_text)


def _send(message: EmailMessage) -> None:
    message.send()


def _record_failure(*, delivery_id: int, error_text: str) -> None:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        delivery.attempts += 1
        delivery.last_error = error_text[:2000]
        # The sweep must respect the backoff too, or a short SMTP outage would use up every attempt in minutes.
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay_seconds(delivery.attempts))
        if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def deliveries_sweep(*, older_than: timedelta = SWEEP_AFTER) -> int:
    """Send every immediate mail left pending (broker down at commit, worker lost, SMTP failing), of every kind,
    oldest first; return how many were sent."""
    pending = (
        Delivery.objects.filter(
            sweep_due(older_than=older_than), channel=Channel.IMMEDIATE, status=DeliveryStatus.PENDING
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for delivery_id in list(pending[:1000]):
        try:
            sent += delivery_send(delivery_id=delivery_id)
        except DeliveryFailed:
            continue
        except Exception:  # one broken mail must never stop the rest of the outbox
            logger.exception("Delivery %s could not be sent.", delivery_id)
    return sent


def subject_mails_forget(*, kind: str, object_ids: list[int]) -> int:
    """Delete the outbox rows about these subjects (a citizen who unsubscribed: nothing of theirs is kept)."""
    deleted, _by_model = Delivery.objects.filter(kind=kind, object_id__in=object_ids).delete()
    return deleted
