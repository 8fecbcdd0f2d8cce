from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Turns events into in-app notifications and e-mails, through an outbox sent by Celery."""

    name = "backend.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from backend.notifications import receivers  # noqa: F401  (listens to events being recorded)
