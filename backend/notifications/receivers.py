"""Every recorded event is fanned out to its recipients, and every invitation's mail queued, in the same transaction."""

from django.dispatch import receiver

from backend.accounts.signals import invitation_recorded
from backend.integrations.services import webhook_deliveries_record, webhook_subscribers_sql
from backend.notifications.invitations import invitation_mail_enqueue
from backend.notifications.services import event_fanout, notifications_forget_revoked
from backend.projects.models import EventKind
from backend.projects.signals import event_recorded


@receiver(event_recorded, dispatch_uid="notifications_event_fanout")
def fan_out(sender, event, **kwargs) -> None:
    if event.kind == EventKind.PARTNER_REVOKED:
        notifications_forget_revoked(event=event)
    # Webhooks are an outbox of their own, written in the same transaction (backend.integrations); their endpoints
    # are asked in the fan-out's statement where it is one.
    endpoint_ids = event_fanout(event=event, asked=webhook_subscribers_sql(event=event))
    webhook_deliveries_record(event=event, endpoint_ids=endpoint_ids)


@receiver(invitation_recorded, dispatch_uid="notifications_invitation_send")
def queue_invitation_mail(sender, invitation, **kwargs) -> None:
    invitation_mail_enqueue(invitation=invitation)
