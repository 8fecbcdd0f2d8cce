"""Every recorded event is fanned out to its recipients in the same transaction."""

from django.dispatch import receiver

from backend.accounts.signals import invitation_recorded
from backend.integrations.services import webhook_deliveries_record
from backend.notifications.invitations import invitation_dispatch_on_commit
from backend.notifications.services import event_fanout, notifications_forget_revoked
from backend.projects.models import EventKind
from backend.projects.signals import event_recorded


@receiver(event_recorded, dispatch_uid="notifications_event_fanout")
def fan_out(sender, event, **kwargs) -> None:
    if event.kind == EventKind.PARTNER_REVOKED:
        notifications_forget_revoked(event=event)
    event_fanout(event=event)
    # Webhooks are an outbox of their own, written in the same transaction (backend.integrations).
    webhook_deliveries_record(event=event)


@receiver(invitation_recorded, dispatch_uid="notifications_invitation_send")
def send_invitation_after_commit(sender, invitation, **kwargs) -> None:
    invitation_dispatch_on_commit(invitation_id=invitation.pk)
