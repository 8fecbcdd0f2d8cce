"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task

from backend.integrations import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_webhook_delivery(delivery_id: int, manual: bool = False) -> bool:
    # One attempt; a failure sets the next attempt's time (exponential backoff) and the sweep makes it.
    return services.webhook_delivery_attempt(delivery_id=delivery_id, manual=manual)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_webhook_deliveries() -> int:
    return services.webhook_deliveries_sweep()
