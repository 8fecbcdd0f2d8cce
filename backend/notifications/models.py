"""In-app notifications: one row per recipient and event, read or unread."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.projects.models import Event


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("event"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("recipient", "event"), name="notification_once_per_event"),
        ]
        indexes = [models.Index(fields=("recipient", "read_at"), name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.event}"
