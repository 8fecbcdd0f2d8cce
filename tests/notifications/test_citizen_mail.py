"""Citizen mails through the real pieces: a Celery worker, Redis and an SMTP server (aiosmtpd). The news of a
followed project reaches the SMTP server once, with the one-click unsubscribe headers of RFC 8058; a citizen's
confirmation mail that first meets a refusing server is retried and sent by the sweep."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.notifications import outbox
from backend.notifications.models import Delivery, DeliveryStatus, MailKind
from backend.notifications.tasks import sweep_pending_deliveries
from backend.portal.ideas import idea_submit
from backend.portal.models import Portal, ProjectFollower
from backend.projects.stages import Stage
from tests.notifications.conftest import WORKER_SITE_URL, plain_text, queue_drained, use_broker, wait_for
from workflows.services import project_transition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CITIZEN = "eva@example.org"
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _broker_not_paused():
    outbox._broker_paused_until = 0.0
    yield
    outbox._broker_paused_until = 0.0


@pytest.fixture(autouse=True)
def _own_rate_limits(monkeypatch):
    """Count submissions under this test's own cache keys (the test Redis is shared by the whole run)."""
    from backend.portal import ideas

    monkeypatch.setattr(ideas, "RATE_KEY_PREFIX", f"test:{uuid.uuid4().hex}")


@pytest.fixture
def portal(town) -> Portal:
    return Portal.objects.create(municipality=town.municipality, slug="vzorov")


def test_the_worker_mails_a_followers_news_once_with_the_unsubscribe_headers(
    town, portal, smtp_server, worker, celery_queue
):
    project = town.project(Stage.IDEA, title="Nové lavičky v parku", is_public=True)
    ProjectFollower.objects.create(project=project, email=CITIZEN, confirmed_at=timezone.now())
    worker.wait_ready()

    project_transition(project=project, actor=town.user("manager"), transition="submit")

    wait_for(lambda: any(m["To"] == CITIZEN for m in smtp_server.messages), message="the follower's news")
    wait_for(lambda: queue_drained(celery_queue), message="the tasks done")
    [message] = [m for m in smtp_server.messages if m["To"] == CITIZEN]
    unsubscribe = re.fullmatch(
        rf"<({re.escape(WORKER_SITE_URL)}/obec/odber/odhlasit/[^/\s>]+/)>", message["List-Unsubscribe"]
    )
    assert unsubscribe is not None
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Nové lavičky v parku" in plain_text(message)
    delivery = Delivery.objects.get(kind=MailKind.FOLLOW_UPDATE)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_with_the_broker_down_the_sweep_sends_the_idea_confirmation_once(
    town, portal, redis_broker, celery_queue, smtp_server, start_worker
):
    use_broker(UNREACHABLE_BROKER)
    try:
        idea = idea_submit(
            portal=portal,
            title="Pítko na náměstí",
            description="V létě by se hodilo.",
            thematic_area="",
            place="",
            name="Eva",
            email=CITIZEN,
            consent=True,
            honeypot="",
            client_address="192.0.2.10",
        )
    finally:
        use_broker(redis_broker)
    assert Delivery.objects.get(kind=MailKind.IDEA_CONFIRMATION, object_id=idea.pk).status == DeliveryStatus.PENDING

    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    start_worker().wait_ready()
    sweep_pending_deliveries.delay()
    wait_for(lambda: smtp_server.count() >= 1, timeout=60, message="the confirmation mail")
    wait_for(lambda: queue_drained(celery_queue), message="the sweep done")
    sweep_pending_deliveries.delay()  # a second sweep finds nothing left to send
    wait_for(lambda: queue_drained(celery_queue), message="the second sweep done")

    assert smtp_server.count() == 1
    assert "/obec/podnety/potvrdit/" in plain_text(smtp_server.messages[0])
