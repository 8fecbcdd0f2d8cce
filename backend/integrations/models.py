"""Webhook endpoints of a municipality, their secrets, deliveries and attempts; calendar feeds; funding calls."""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Municipality
from backend.projects.models import Event, FundingApplication

SECRET_PREFIX = "whsec_"


def secret_generate() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64 (the bytes are the HMAC key)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id_generate() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookEventType(models.TextChoices):
    """What an endpoint may subscribe to. The names are part of the versioned payload contract (v1)."""

    PROJECT_TRANSITIONED = "project.transitioned", _("Project moved to another stage")
    APPROVAL_REQUESTED = "approval.requested", _("Approval requested")
    APPROVAL_DECIDED = "approval.decided", _("Approval decided")
    TASK_ASSIGNED = "task.assigned", _("Task assigned")
    TASK_DONE = "task.done", _("Task done")
    COMMENT_SHARED = "comment.shared", _("Comment shared with partners")
    IDEA_PUBLISHED = "idea.published", _("Citizen idea published")


# Sent by the "send test event" button only; nobody subscribes to it.
TEST_EVENT_TYPE = "webhook.test"


class WebhookEndpoint(models.Model):
    """A URL of the town's own systems that receives the chosen kinds of events of the municipality's projects."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="webhook_endpoints", verbose_name=_("municipality")
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event kinds"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    # Failed attempts in a row; a success resets it. Reaching WEBHOOK_DISABLE_AFTER_FAILURES disables the endpoint.
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ("municipality", "id")

    def __str__(self) -> str:
        return self.url


class WebhookSecret(models.Model):
    """A signing secret. A rotated one keeps signing (a second signature) until ``expires_at``, so receivers can
    switch over without losing events. Kept in the clear: an HMAC needs the key itself."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets", verbose_name=_("endpoint")
    )
    secret = models.CharField(_("secret"), max_length=80, default=secret_generate)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook secret")
        verbose_name_plural = _("webhook secrets")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.endpoint} ({self.created_at:%Y-%m-%d})"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One message to one endpoint, written in the transaction of its event; the body is fixed at writing, so
    every attempt sends the same bytes under the same ``webhook-id``."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    message_id = models.CharField(_("message id"), max_length=40, unique=True, default=message_id_generate)
    event_type = models.CharField(_("event kind"), max_length=40)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-created_at", "-id")
        constraints = [
            # An event reaches an endpoint once, however often the fan-out runs.
            models.UniqueConstraint(
                fields=("endpoint", "event"), condition=models.Q(event__isnull=False), name="webhook_delivery_once"
            ),
        ]
        indexes = [models.Index(fields=("status", "next_attempt_at"), name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """The log: one row per HTTP attempt with what the receiver answered and how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="log", verbose_name=_("delivery")
    )
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("response time (ms)"), default=0)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_excerpt = models.CharField(_("start of the response"), max_length=1000, blank=True)
    manual = models.BooleanField(_("sent by hand"), default=False)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ("delivery", "attempted_at", "id")

    def __str__(self) -> str:
        return f"{self.delivery} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"


def feed_token_generate() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret calendar address: whoever has the URL reads that person's calendar, so it can be revoked
    and replaced. Calendar programs cannot sign in; the token in the URL is the only credential."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("user")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=feed_token_generate)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"


class FundingCall(models.Model):
    """A call for proposals (výzva) of a programme: the catalogue a funding application may point at. A call
    without a municipality is shared by every municipality of the installation; a coordinator adds their own."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="funding_calls",
        verbose_name=_("municipality"),
        help_text=_("Empty: a call every municipality sees."),
    )
    programme = models.CharField(_("programme"), max_length=32)  # the code of a projects.Programme
    number = models.CharField(_("call number"), max_length=64)
    name = models.CharField(_("name"), max_length=300)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    opens = models.DateField(_("opens"), null=True, blank=True)
    closes = models.DateField(_("closes"))
    allocation = models.DecimalField(_("allocation (CZK)"), max_digits=16, decimal_places=2, null=True, blank=True)
    max_support_rate = models.DecimalField(
        _("maximum support rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    max_amount = models.DecimalField(_("maximum support (CZK)"), max_digits=16, decimal_places=2, null=True, blank=True)
    min_savings = models.DecimalField(_("minimum savings (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    eligible_applicants = models.CharField(_("eligible applicants"), max_length=500, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("funding call")
        verbose_name_plural = _("funding calls")
        ordering = ("closes", "id")
        constraints = [
            models.UniqueConstraint(fields=("programme", "number"), name="funding_call_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_programme_display(self) -> str:
        if getattr(self, "programme_name", None):
            return self.programme_name
        from backend.projects.programmes import programme_label

        return programme_label(self.programme)


class FundingApplicationCall(models.Model):
    """Which call a funding application answers; the application's deadline follows the call's closing date."""

    application = models.OneToOneField(
        FundingApplication, on_delete=models.CASCADE, related_name="call_link", verbose_name=_("funding application")
    )
    call = models.ForeignKey(
        FundingCall, on_delete=models.PROTECT, related_name="application_links", verbose_name=_("funding call")
    )

    class Meta:
        verbose_name = _("funding application's call")
        verbose_name_plural = _("funding applications' calls")

    def __str__(self) -> str:
        return f"{self.application} → {self.call}"
