"""The outbox every mail goes through, whatever it is about: a row written in the transaction that caused the
mail (a ``Delivery`` of an event; an ``Invitation``'s own sending columns), published to Celery after commit,
retried with backoff, and swept up on beat when the broker was down (``tasks.sweep_pending_deliveries``: one
sweep for both kinds of row). This module holds what the senders share: publishing, backoff, and what is due.
"""

import logging
import random
import time
from datetime import timedelta

from celery import Task
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)

# A row is swept only once its own task had time to send it.
SWEEP_AFTER = timedelta(seconds=30)

# After a failed publish, skip the broker for a while: the sweep sends what is pending, and a
# transition must never wait for an unreachable broker, let alone fifty of them.
BROKER_PAUSE_SECONDS = 30
_broker_paused_until = 0.0


def task_publish(*, task: Task, object_id: int, waiting: str) -> None:
    """Hand a sending task to Celery; never raise into the request that already committed.

    When the broker cannot be reached, publishing stops for BROKER_PAUSE_SECONDS (for every kind of mail:
    the broker is down for all of them), so requests do not each wait for its timeout; the sweep on beat
    sends whatever is left. ``waiting`` names the mail in the log line.
    """
    global _broker_paused_until
    if time.monotonic() < _broker_paused_until:
        return
    try:
        task.apply_async(args=[object_id], retry=False)
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
