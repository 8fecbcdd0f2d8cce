"""Celery tasks of the portal: the retention of unconfirmed citizen ideas."""

from celery import shared_task

from backend.portal.ideas import idea_prune_unconfirmed


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ideas_prune_unconfirmed() -> int:
    return idea_prune_unconfirmed()
