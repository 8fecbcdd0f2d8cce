"""Celery tasks of the portal: the retention of unconfirmed citizen ideas, supports and project subscriptions."""

from celery import shared_task

from backend.portal.ideas import idea_prune_unconfirmed
from backend.portal.subscriptions import followers_prune_unconfirmed


@shared_task(acks_late=True, reject_on_worker_lost=True)
def ideas_prune_unconfirmed() -> int:
    # The one nightly job of the portal's retention: ideas, and subscriptions never confirmed.
    return idea_prune_unconfirmed() + followers_prune_unconfirmed()
