"""Celery tasks of the strategy: announcing the public consultations that ended."""

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, reject_on_worker_lost=True)
def consultations_closed_announce() -> int:
    from backend.strategy.notices import consultations_closed_announce as announce

    return announce(today=timezone.localdate())
