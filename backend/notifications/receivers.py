"""Every recorded event is fanned out to its recipients in the same transaction."""

from django.dispatch import receiver

from backend.notifications.services import event_fanout
from backend.projects.signals import event_recorded


@receiver(event_recorded, dispatch_uid="notifications_event_fanout")
def fan_out(sender, event, **kwargs) -> None:
    event_fanout(event=event)
