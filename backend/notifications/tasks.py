"""Celery tasks: thin wrappers that take ids and call a service (acks late, retried with backoff).

Services import this module to publish tasks; the tasks import the services in their bodies, so that the
arrow between the two points one way when the modules load.
"""

from celery import shared_task

MAX_RETRIES = 6


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_event_deliveries(self, event_id: int) -> int:
    from backend.notifications import outbox, services

    failed = services.event_deliveries_send(event_id=event_id)
    if failed:
        raise self.retry(countdown=outbox.retry_delay_seconds(self.request.retries + 1))
    return 0


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_delivery(self, delivery_id: int) -> int:
    """One mail of the outbox that is not an event's (an invitation, a citizen's mail)."""
    from backend.notifications import outbox

    try:
        outbox.delivery_send(delivery_id=delivery_id)
    except outbox.DeliveryFailed:
        raise self.retry(countdown=outbox.retry_delay_seconds(self.request.retries + 1)) from None
    return 0


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_topic_deliveries(self, kind: str, topic: str) -> int:
    """The mails of one kind and topic (a project's news to its followers)."""
    from backend.notifications import outbox

    if outbox.topic_deliveries_send(kind=kind, topic=topic):
        raise self.retry(countdown=outbox.retry_delay_seconds(self.request.retries + 1))
    return 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_pending_deliveries() -> int:
    from backend.notifications import outbox

    # The outbox's one sweep, over every kind of mail: whatever the broker missed goes out within a minute.
    return outbox.deliveries_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_daily_digests() -> int:
    from backend.notifications import services

    return services.digests_send()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_reminders() -> int:
    from backend.notifications import reminders

    return reminders.reminders_send()
