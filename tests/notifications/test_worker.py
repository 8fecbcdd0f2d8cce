"""A real Celery worker on the real Redis broker sending to a real SMTP server: delivered once, even when killed.

The worker is a subprocess (``celery -A backend worker``) on the test database; the web side is this
test process, which commits a transition and publishes the task after commit, as in production.
"""

import json
import os
import signal
import time
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from backend.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from backend.notifications.tasks import send_event_deliveries, sweep_pending_deliveries
from backend.projects.models import EventKind
from backend.projects.stages import Stage
from tests.notifications.conftest import (
    WORKER_SITE_URL,
    broker_url,
    plain_text,
    queue_drained,
    unacked_routing_key,
    wait_for,
)
from workflows.services import project_transition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The Czech catalogue's msgstr of "Your approval is requested." (backend/locale/cs/LC_MESSAGES/django.po).
CZECH_APPROVAL_REQUESTED = "Žádáme vás o schválení."
# How long the slow SMTP server holds a message before accepting it: the window in which a worker dies.
SLOW_SERVER_SECONDS = 3


def request_funding_approval(town):
    """The manager asks for approve_for_funding: the lead head must approve and gets an immediate e-mail."""
    project = town.project(Stage.ASSESSMENT)
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    return project


def the_delivery() -> Delivery:
    return Delivery.objects.select_related("recipient").get(channel=Channel.IMMEDIATE)


def delivery_status() -> str:
    return the_delivery().status


def redeliver_unacknowledged(queue: str, *, task: str) -> int:
    """Put ``queue``'s unacknowledged messages of ``task`` back, as kombu does once their visibility timeout
    (an hour) passed; return how many."""
    client = redis.Redis.from_url(broker_url())
    restored = 0
    try:
        for tag, payload in client.hgetall("unacked").items():
            if unacked_routing_key(payload) != queue:
                continue
            message = json.loads(payload)[0]
            if message["headers"]["task"] != task:
                continue
            client.lpush(queue, json.dumps(message))
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
            restored += 1
    finally:
        client.close()
    return restored


def test_a_real_worker_emails_the_approver_in_czech_with_a_link_to_the_project(town, worker, smtp_server):
    head = town.user("lead_head")
    head.language = "cs"
    head.save(update_fields=["language"])

    worker.wait_ready()

    started = time.monotonic()
    project = request_funding_approval(town)  # commits, then publishes the task to Redis
    wait_for(smtp_server.count, timeout=20, message=lambda: f"the e-mail at the SMTP server:\n{worker.output()}")
    elapsed = time.monotonic() - started

    [message] = smtp_server.messages
    body = plain_text(message)
    assert message["To"] == head.email
    assert CZECH_APPROVAL_REQUESTED in body
    assert "Dobrý den" in body
    assert "Vyžádáno schválení" in message["Subject"]
    # The approver's link leads to the request in their inbox, where it is decided.
    request_link = f"{WORKER_SITE_URL}/approvals/#approval-{project.approval_requests.get().pk}"
    assert request_link in body
    assert request_link in message.get_body(preferencelist=("html",)).get_content()
    delivery = the_delivery()
    assert message["Message-ID"] == f"<delivery-{delivery.pk}@ramec>"
    # The worker commits "sent" right after the server accepted the message.
    wait_for(lambda: delivery_status() == DeliveryStatus.SENT, timeout=10, message="the delivery marked sent")
    delivery.refresh_from_db()
    assert (delivery.recipient, delivery.attempts) == (head, 1)
    assert Notification.objects.filter(recipient=head, event__kind=EventKind.APPROVAL_REQUESTED).count() == 1
    print(f"\ncommit → e-mail accepted by the SMTP server: {elapsed * 1000:.0f} ms")


def test_the_same_delivery_task_run_twice_sends_one_email(town, start_worker, smtp_server, celery_queue):
    request_funding_approval(town)  # the first task, published after commit
    send_event_deliveries.delay(the_delivery().event_id)  # the same task again, as a redelivery would
    start_worker()

    wait_for(lambda: queue_drained(celery_queue) and delivery_status() == DeliveryStatus.SENT, timeout=20)

    assert smtp_server.count() == 1
    assert the_delivery().attempts == 1


def test_the_same_task_on_two_workers_at_once_sends_one_email(town, start_worker, smtp_server, celery_queue):
    smtp_server.slow_down_next(2)  # the first worker is still sending when the second takes its copy
    start_worker()
    start_worker()
    request_funding_approval(town)
    send_event_deliveries.delay(the_delivery().event_id)

    wait_for(lambda: queue_drained(celery_queue) and delivery_status() == DeliveryStatus.SENT, timeout=20)

    assert smtp_server.count() == 1


def test_a_worker_killed_while_sending_is_replaced_and_the_email_arrives_once(
    town, start_worker, smtp_server, celery_queue
):
    """The whole worker dies (SIGKILL, solo pool): nobody is left to requeue its task.

    The SMTP server waits before accepting DATA, and the kill lands during that wait: the client never got
    "250", so the server drops the message (an MTA that had already queued it would deliver it, and only
    the stable Message-ID would let the mailbox drop the resend: that window cannot be closed by the
    sender). The dead worker's database connection closes, so PostgreSQL releases its lock on the delivery
    row, which is still pending. Its task message stays unacknowledged in Redis until the visibility
    timeout (an hour); meanwhile the sweep on beat sends the delivery through the new worker.
    """
    smtp_server.slow_down_next(SLOW_SERVER_SECONDS)
    first = start_worker()
    request_funding_approval(town)
    assert smtp_server.data_started.wait(60), f"the worker never reached DATA:\n{first.output()}"
    killed_at = time.monotonic()
    first.kill()

    assert delivery_status() == DeliveryStatus.PENDING
    start_worker()
    # The sweep takes deliveries pending for over 30 s (beat runs it every minute): let them be that old.
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=1))

    def swept() -> bool:
        # The lock of the dead connection may outlive the process by a moment; a sweep that found the row
        # locked skipped it, so sweep again until it went out.
        sweep_pending_deliveries.delay()
        return bool(wait_until(lambda: delivery_status() == DeliveryStatus.SENT, seconds=2))

    wait_for(swept, timeout=20, interval=0, message="the sweep sending the delivery")
    assert smtp_server.count() == 1

    # An hour later Redis hands the dead worker's task out again: it finds the delivery sent.
    assert redeliver_unacknowledged(celery_queue, task=send_event_deliveries.name) == 1
    wait_for(lambda: queue_drained(celery_queue), timeout=20, message="the redelivered task done")
    # The slow server's wait is over: the message the dead worker had sent was never accepted.
    time.sleep(max(0.0, killed_at + SLOW_SERVER_SECONDS + 0.5 - time.monotonic()))
    assert smtp_server.count() == 1
    assert the_delivery().status == DeliveryStatus.SENT


def test_a_pool_process_killed_while_sending_is_requeued_and_the_email_arrives_once(
    town, start_worker, smtp_server, celery_queue
):
    """The pool process dies (prefork): the worker rejects the task (acks_late, reject_on_worker_lost),
    Redis requeues it and the new pool process sends the delivery, whose row lock died with the old one.
    The SMTP server waits before accepting, and the kill lands then (see the solo test for why)."""
    smtp_server.slow_down_next(SLOW_SERVER_SECONDS)
    worker = start_worker(pool="prefork")
    request_funding_approval(town)
    assert smtp_server.data_started.wait(60), f"the worker never reached DATA:\n{worker.output()}"
    [child] = worker.pool_children()
    killed_at = time.monotonic()
    os.kill(child, signal.SIGKILL)

    wait_for(lambda: delivery_status() == DeliveryStatus.SENT, timeout=20, message=worker.output)
    wait_for(lambda: queue_drained(celery_queue), timeout=10, message="the requeued task done")
    time.sleep(max(0.0, killed_at + SLOW_SERVER_SECONDS + 0.5 - time.monotonic()))
    assert smtp_server.count() == 1
    assert "WorkerLostError" in worker.output()  # the kill landed inside the task, not before or after it


def wait_until(condition, *, seconds: float) -> object:
    """Like ``wait_for`` but answers False instead of failing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    return False
