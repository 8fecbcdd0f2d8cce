"""The current user's notifications and notification preferences; nobody reads anyone else's."""

from django.db.models import QuerySet

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.notifications.models import MENTION, Channel, Notification, NotificationPreference
from backend.notifications.recipients import PARTNER_KINDS
from backend.notifications.services import DEFAULT_CHANNELS
from backend.projects.models import EventKind


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return notification_list_of(recipient_id=user.pk)


def notification_list_of(*, recipient_id: int) -> QuerySet[Notification]:
    """The notifications of the user of this id (signed in: ``notification_list_for``)."""
    queryset = Notification.objects.filter(recipient_id=recipient_id)
    return queryset.select_related("event", "event__project", "event__actor")


# The kinds a person may choose a channel for, in the order the preferences screen lists them.
PREFERENCE_ORDER = (
    EventKind.APPROVAL_REQUESTED,
    EventKind.APPROVAL_REMINDER,
    EventKind.APPROVAL_ESCALATED,
    EventKind.APPROVAL_GRANTED,
    EventKind.APPROVAL_REJECTED,
    EventKind.APPROVAL_CANCELLED,
    MENTION,
    EventKind.COMMENT_POSTED,
    EventKind.TASK_ASSIGNED,
    EventKind.TASK_DUE_SOON,
    EventKind.TASK_OVERDUE,
    EventKind.TASK_STATUS_CHANGED,
    EventKind.PROJECT_CREATED,
    EventKind.PROJECT_TRANSITIONED,
    EventKind.FUNDING_DEADLINE,
    EventKind.PARTNER_INVITED,
    EventKind.AMENDMENT_PROPOSED,
    EventKind.AMENDMENT_APPROVED,
    EventKind.AMENDMENT_REJECTED,
    EventKind.CONSULTATION_OPENED,
    EventKind.CONSULTATION_COMMENT_WAITING,
    EventKind.CONSULTATION_CLOSED,
)


def preference_kinds_for(*, user: User) -> list[str]:
    """The kinds of event this person can hear of: a partner guest hears of no internal matter."""
    if user_access(user=user).is_partner_only:
        return [kind for kind in PREFERENCE_ORDER if kind in PARTNER_KINDS or kind == MENTION]
    return list(PREFERENCE_ORDER)


def notification_preferences_for(*, user: User) -> dict[str, str]:
    """Kind → channel for each kind the person can hear of: their choice, else the kind's default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return {
        kind: chosen.get(kind, DEFAULT_CHANNELS.get(kind, Channel.IN_APP)) for kind in preference_kinds_for(user=user)
    }
