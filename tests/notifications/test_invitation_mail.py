"""The invitation e-mail through the real pieces: a Celery worker, Redis and an SMTP server (aiosmtpd).

Sent after commit by the worker; with the broker down the invitation still commits at once and the sweep
sends its mail later, once, with the same working link.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.accounts.invitations import invitation_from_token
from backend.accounts.models import Invitation
from backend.notifications import outbox
from backend.notifications.models import Delivery, DeliveryStatus
from backend.notifications.tasks import sweep_pending_deliveries
from backend.projects.invitations import invitation_create
from tests.notifications.conftest import WORKER_SITE_URL, plain_text, queue_drained, use_broker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
GUEST = "eva.svobodova@zelena-vzorov.cz"


@pytest.fixture(autouse=True)
def _broker_not_paused():
    outbox._broker_paused_until = 0.0
    yield
    outbox._broker_paused_until = 0.0


def _invite(town) -> Invitation:
    return invitation_create(actor=town.user("manager"), email=GUEST, organization=town.ngo, projects=[town.project()])


def _linked_invitation(message) -> Invitation | None:
    """The invitation the mail's acceptance link opens. The token carries the second it was signed, so the
    link is compared by what it opens, not as text made again later."""
    match = re.search(rf"{re.escape(WORKER_SITE_URL)}/invitations/accept/([^/\s]+)/", plain_text(message))
    return invitation_from_token(token=match.group(1)) if match else None


def test_the_worker_sends_the_invitation_after_commit(town, smtp_server, worker, celery_queue):
    worker.wait_ready()
    invitation = _invite(town)

    wait_for(lambda: smtp_server.count() >= 1, message="the invitation mail")
    wait_for(lambda: queue_drained(celery_queue), message="the task done")
    [message] = smtp_server.messages
    assert message["To"] == GUEST
    assert message["Message-ID"] == f"<invitation-{invitation.pk}@ramec>"
    assert _linked_invitation(message) == invitation
    delivery = Delivery.objects.get(kind="invitation", object_id=invitation.pk)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_with_the_broker_down_the_sweep_sends_the_invitation_once(
    town, redis_broker, celery_queue, smtp_server, start_worker
):
    use_broker(UNREACHABLE_BROKER)
    try:
        invitation = _invite(town)
    finally:
        use_broker(redis_broker)
    assert Delivery.objects.filter(kind="invitation", object_id=invitation.pk, status=DeliveryStatus.PENDING).exists()

    # The broker is back; beat sweeps every minute what waits longer than 30 s: age it.
    Delivery.objects.filter(kind="invitation").update(created_at=timezone.now() - timedelta(minutes=1))
    start_worker().wait_ready()
    sweep_pending_deliveries.delay()
    wait_for(lambda: smtp_server.count() >= 1, timeout=60, message="the invitation mail")
    wait_for(lambda: queue_drained(celery_queue), message="the sweep done")
    sweep_pending_deliveries.delay()  # a second sweep finds nothing left to send
    wait_for(lambda: queue_drained(celery_queue), message="the second sweep done")

    assert smtp_server.count() == 1
    assert _linked_invitation(smtp_server.messages[0]) == invitation
