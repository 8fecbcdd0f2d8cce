"""The current user's notifications; nobody reads anyone else's."""

from django.db.models import QuerySet

from backend.accounts.models import User
from backend.notifications.models import Notification


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related("event", "event__project", "event__actor")
