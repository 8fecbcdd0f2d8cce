"""Broker down: transitions still commit at once, and the sweep later sends every e-mail exactly once."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.notifications.models import Channel, Delivery, DeliveryStatus
from backend.notifications.tasks import sweep_pending_deliveries
from backend.projects.stages import Stage
from tests.notifications.conftest import queue_drained, use_broker, wait_for
from workflows.models import ApprovalRequest, ApprovalStatus
from workflows.services import project_transition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TRANSITIONS = 50
# Nothing listens there: connections are refused at once, as when Redis is stopped.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def test_with_the_broker_down_transitions_commit_at_once_and_the_sweep_sends_each_email_once(
    town, redis_broker, celery_queue, smtp_server, start_worker
):
    projects = [town.project(Stage.ASSESSMENT) for _ in range(TRANSITIONS)]
    manager = town.user("manager")

    errors, durations = [], []
    use_broker(UNREACHABLE_BROKER)
    try:
        started = time.perf_counter()
        for project in projects:
            began = time.perf_counter()
            try:
                project_transition(project=project, actor=manager, transition="approve_for_funding")
            except Exception as error:
                errors.append(repr(error))
            durations.append(time.perf_counter() - began)
        total = time.perf_counter() - started
    finally:
        use_broker(redis_broker)
    print(
        f"\n{TRANSITIONS} approval requests with the broker down: {total:.2f} s in all, "
        f"slowest {max(durations) * 1000:.0f} ms, median {sorted(durations)[len(durations) // 2] * 1000:.0f} ms"
    )

    assert errors == []
    assert total < 30
    assert ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING).count() == TRANSITIONS
    deliveries = Delivery.objects.filter(channel=Channel.IMMEDIATE)
    assert deliveries.filter(status=DeliveryStatus.PENDING).count() == TRANSITIONS == deliveries.count()

    # The broker is back. Beat runs the sweep every minute for deliveries pending over 30 s: age them.
    deliveries.update(created_at=timezone.now() - timedelta(minutes=1))
    start_worker()
    sweep_pending_deliveries.delay()
    wait_for(
        lambda: smtp_server.count() >= TRANSITIONS and not deliveries.exclude(status=DeliveryStatus.SENT).exists(),
        timeout=60,
        message=lambda: f"{TRANSITIONS} e-mails; the server has {smtp_server.count()}",
    )
    wait_for(lambda: queue_drained(celery_queue), timeout=20, message="the sweep done")

    messages = smtp_server.messages
    assert len(messages) == TRANSITIONS
    assert sorted(message["Message-ID"] for message in messages) == sorted(
        f"<delivery-{pk}@ramec>" for pk in deliveries.values_list("pk", flat=True)
    )

    sweep_pending_deliveries.delay()  # a second sweep finds nothing left to send
    wait_for(lambda: queue_drained(celery_queue), timeout=20, message="the second sweep done")
    assert smtp_server.count() == TRANSITIONS
    assert set(deliveries.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
