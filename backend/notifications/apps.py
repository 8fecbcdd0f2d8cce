from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Turns events into in-app notifications and e-mails (built in its own issue)."""

    name = "backend.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
