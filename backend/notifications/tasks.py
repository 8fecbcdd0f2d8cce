"""Celery tasks: thin wrappers that take ids and call a service (acks late, retried with backoff)."""

from celery import shared_task

from backend.notifications import reminders, services

MAX_RETRIES = 6


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_event_deliveries(self, event_id: int) -> int:
    failed = services.event_deliveries_send(event_id=event_id)
    if failed:
        raise self.retry(countdown=services.retry_delay_seconds(self.request.retries + 1))
    return 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_pending_deliveries() -> int:
    return services.deliveries_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_daily_digests() -> int:
    return services.digests_send()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_reminders() -> int:
    return reminders.reminders_send()
