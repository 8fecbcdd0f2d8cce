"""Celery tasks of the core app: the audit log's retention."""

from celery import shared_task

from backend.core.audit import audit_prune_expired


@shared_task(acks_late=True, reject_on_worker_lost=True)
def audit_prune() -> int:
    return audit_prune_expired()
