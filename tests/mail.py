"""What a worker does with the outbox, run in the test's own process: send the one mail about a subject."""

from datetime import timedelta

from backend.notifications.models import Delivery
from backend.notifications.outbox import deliveries_sweep, delivery_send


def mail_send(*, kind: str, object_id: int) -> bool:
    """Send the outbox's mail of ``kind`` about ``object_id`` now (as its task would); True when it went now."""
    return delivery_send(delivery_id=Delivery.objects.get(kind=kind, object_id=object_id, event=None).pk)


def invitation_send(*, invitation_id: int) -> bool:
    return mail_send(kind="invitation", object_id=invitation_id)


def outbox_send_all() -> int:
    """Send every pending mail of the outbox now, as the worker and the sweep would; how many went."""
    return deliveries_sweep(older_than=timedelta(0))
