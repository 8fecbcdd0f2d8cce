"""Abstract base models shared by every app, and the audit log of refusals (``AuditEntry``)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    TRANSITION_REFUSED = "transition_refused", _("Transition refused")
    APPROVAL_REFUSED = "approval_refused", _("Approval decision refused")
    ACCESS_REFUSED = "access_refused", _("Access refused")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out after repeated failed sign-ins")
    # Coordinators' decisions about who may do what on the public portal.
    PORTAL_SETTINGS_CHANGED = "portal_settings_changed", _("Portal settings changed")
    IDEA_MODERATORS_CHANGED = "idea_moderators_changed", _("Moderators of citizen ideas changed")
    # Changes of a municipality's configuration that its coordinator should be able to trace.
    PROGRAMME_ADDED = "programme_added", _("Funding programme added")
    PROGRAMME_DEACTIVATED = "programme_deactivated", _("Funding programme deactivated")
    PROGRAMME_RESUMED = "programme_resumed", _("Funding programme offered again")


class AuditImmutableError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    """Bulk updates and deletes would bypass the model's guards: refuse them too (retention prunes raw)."""

    def update(self, **kwargs):
        raise AuditImmutableError("Audit entries are never edited.")

    def delete(self):
        raise AuditImmutableError("Audit entries are deleted only by the retention prune.")


class AuditEntry(models.Model):
    """One security-relevant refusal (who tried what, when, from where) or a coordinator's decision about access.
    Written by ``backend.core.audit`` only.

    The municipality scopes who may read it (its coordinator); an entry about a person of two municipalities
    is written once for each. Entries are never edited; they are deleted only by the retention prune.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    username = models.CharField(_("user name"), max_length=150, blank=True, help_text=_("As typed or as it was then."))
    municipality = models.ForeignKey(
        "accounts.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    action = models.CharField(_("what"), max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    path = models.CharField(_("address"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ("-at", "-pk")
        indexes = [models.Index(fields=("municipality", "-at"), name="core_audit_municipality_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.username}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AuditImmutableError("Audit entries are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("Audit entries are deleted only by the retention prune.")
