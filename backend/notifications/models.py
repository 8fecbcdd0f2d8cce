"""Notifications: in-app rows, the e-mail outbox (one row per mail of any kind), preferences, reminder marks."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.projects.models import Event, EventKind


class Notification(models.Model):
    """An in-app notification: one row per recipient and event, read or unread."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("event"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # A comment that names the recipient: shown and filtered apart from the other comments.
    is_mention = models.BooleanField(_("mention"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("recipient", "event"), name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=("recipient", "read_at"), name="notification_unread"),
            # The list: a recipient's, newest first.
            models.Index(fields=("recipient", "-created_at", "-id"), name="notification_recipient_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.event}"


class Channel(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail at once")
    DIGEST = "digest", _("Daily digest e-mail")
    IN_APP = "in_app", _("In the application only")
    OFF = "off", _("Off")


# Being mentioned in a comment is chosen apart from other comments (it is an event kind of its own to people).
MENTION = "mention"
PREFERENCE_KINDS = [*EventKind.choices, (MENTION, _("Mention in a comment"))]


class NotificationPreference(models.Model):
    """How one person wants to hear about one kind of event; without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("event kind"), max_length=32, choices=PREFERENCE_KINDS)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=("user", "kind"), name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class MailKind(models.TextChoices):
    """What a row of the outbox is a mail about; each kind has one builder (``outbox.mail_kind``)."""

    EVENT = "event", _("Notification of an event")
    INVITATION = "invitation", _("Invitation")
    IDEA_CONFIRMATION = "idea_confirmation", _("Confirmation of a citizen idea")
    IDEA_REJECTION = "idea_rejection", _("Rejection of a citizen idea")
    SUPPORT_CONFIRMATION = "support_confirmation", _("Confirmation of supporting a citizen idea")
    IDEA_NEWS = "idea_news", _("News of a citizen idea to its author")
    IDEA_SUPPORT_NEWS = "idea_support_news", _("News of a citizen idea to its supporter")
    FOLLOW_CONFIRMATION = "follow_confirmation", _("Confirmation of following a project")
    FOLLOW_UPDATE = "follow_update", _("News of a followed project")
    CONSULTATION_COMMENT_CONFIRMATION = (
        "consultation_comment",
        _("Confirmation of a comment in a public consultation"),
    )


class Delivery(models.Model):
    """One e-mail to send (the outbox), whatever it is about, written in the transaction that caused it and sent
    after commit. An event's rows name the event and the user; every other kind names its subject by
    ``object_id`` (an invitation, an idea, a subscription) and the address is read from that row when sending, so
    the outbox keeps no copy of a citizen's e-mail."""

    kind = models.CharField(_("kind"), max_length=32, choices=MailKind.choices, default=MailKind.EVENT)
    object_id = models.PositiveBigIntegerField(_("object"), null=True, blank=True)
    # What the mail about ``object_id`` tells, when that subject gets more than one mail ("event-12", "update-3"
    # for the news of a followed project); empty for a subject's one mail.
    topic = models.CharField(_("topic"), max_length=40, blank=True, default="")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="cs")
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries", verbose_name=_("event")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.IMMEDIATE)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"), null=True, blank=True, help_text=_("After a failure, not retried before this.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ("-created_at", "-id")
        constraints = [
            # The idempotency keys: an event reaches a person once per channel, whatever retries happen; any
            # other mail goes once per subject and topic.
            models.UniqueConstraint(fields=("event", "recipient", "channel"), name="delivery_once"),
            models.UniqueConstraint(
                fields=("kind", "object_id", "topic"),
                condition=~models.Q(kind="event"),
                name="delivery_once_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="event", event__isnull=False, recipient__isnull=False)
                | (~models.Q(kind="event") & models.Q(object_id__isnull=False, recipient__isnull=True)),
                name="delivery_names_its_subject",
            ),
        ]
        indexes = [
            models.Index(fields=("channel", "status"), name="delivery_pending_by_channel"),
            models.Index(fields=("kind", "object_id"), name="delivery_by_subject"),
        ]

    def __str__(self) -> str:
        to = self.recipient if self.recipient_id else f"{self.get_kind_display()} #{self.object_id}"
        return f"{self.get_channel_display()} → {to} ({self.get_status_display()})"


class ReminderMark(models.Model):
    """That a time-driven reminder was sent, so each threshold fires once for each object."""

    kind = models.CharField(_("kind"), max_length=32)
    object_id = models.PositiveBigIntegerField(_("object"))
    threshold = models.CharField(_("threshold"), max_length=32)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=("kind", "object_id", "threshold"), name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} @ {self.threshold}"
