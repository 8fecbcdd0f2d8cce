"""Celery tasks: thin wrappers that take ids and call a service (acks late, retried with backoff)."""

from celery import shared_task

from backend.notifications import invitations, reminders, services

MAX_RETRIES = 6


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_event_deliveries(self, event_id: int) -> int:
    failed = services.event_deliveries_send(event_id=event_id)
    if failed:
        raise self.retry(countdown=services.retry_delay_seconds(self.request.retries + 1))
    return 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_pending_deliveries() -> int:
    # Invitation mails share the outbox's sweep: whatever the broker missed goes out within a minute.
    return services.deliveries_sweep() + invitations.invitations_sweep()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_invitation(self, invitation_id: int) -> int:
    try:
        invitations.invitation_send(invitation_id=invitation_id)
    except invitations.InvitationSendFailed:
        raise self.retry(countdown=services.retry_delay_seconds(self.request.retries + 1)) from None
    return 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_daily_digests() -> int:
    return services.digests_send()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_reminders() -> int:
    return reminders.reminders_send()
