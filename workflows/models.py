"""The pipeline project (a proxy with the state machine), approval policies, approval requests with their
decisions, and the immutable transition history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Municipality
from backend.core.resolutions import ResolutionFields
from backend.projects.models import Project
from backend.projects.stages import Stage
from workflows.machine import TRANSITION_LABELS, TRANSITION_NAMES, ProjectPipeline

TRANSITION_CHOICES = [(name, TRANSITION_LABELS[name]) for name in TRANSITION_NAMES]
# Not a stage change: the policy for amendments of a municipality's strategy (backend.strategy), which are
# approved with the same machinery as the pipeline's gates.
AMEND_STRATEGY = "amend_strategy"
POLICY_CHOICES = [*TRANSITION_CHOICES, (AMEND_STRATEGY, _("Strategy amendment"))]


class PipelineProject(ProjectPipeline, Project):
    """A project with the pipeline's transitions: the same row, the state machine of ``workflows.machine``.

    A proxy, so that ``backend.projects`` knows nothing of workflows (dependencies point one way) while the
    transitions stay django-fsm-2 methods on a model class. ``project_transition`` loads the project it locks
    through this class; everything else reads plain projects.
    """

    class Meta:
        proxy = True
        verbose_name = _("project")
        verbose_name_plural = _("projects")


class ApproverRole(models.TextChoices):
    LEAD_HEAD = "lead_head", _("Head of the lead department")
    INVOLVED_HEAD = "involved_head", _("Heads of involved departments")
    COORDINATOR = "coordinator", _("Smart City coordinator")


class ApproverRolesMixin:
    """Reads the three "who approves" flags of a policy or of a request's copy of it."""

    lead_head_approves: bool
    involved_heads_approve: bool
    coordinator_approves: bool

    @property
    def approver_roles(self) -> list[str]:
        return approver_roles_of(self.lead_head_approves, self.involved_heads_approve, self.coordinator_approves)


def approver_roles_of(lead_head_approves: bool, involved_heads_approve: bool, coordinator_approves: bool) -> list[str]:
    """The roles the three "who approves" flags name, in the policy's order."""
    roles = []
    if lead_head_approves:
        roles.append(ApproverRole.LEAD_HEAD.value)
    if involved_heads_approve:
        roles.append(ApproverRole.INVOLVED_HEAD.value)
    if coordinator_approves:
        roles.append(ApproverRole.COORDINATOR.value)
    return roles


class ApprovalPolicy(ApproverRolesMixin, models.Model):
    """Who must approve one transition in one municipality, how many of them, and by when."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="approval_policies", verbose_name=_("municipality")
    )
    transition = models.CharField(_("transition"), max_length=32, choices=POLICY_CHOICES)
    lead_head_approves = models.BooleanField(_("head of the lead department approves"), default=False)
    involved_heads_approve = models.BooleanField(_("heads of involved departments approve"), default=False)
    coordinator_approves = models.BooleanField(_("coordinator approves"), default=False)
    required_approvals = models.PositiveSmallIntegerField(
        _("approvals needed"), default=0, help_text=_("0 means the transition runs without approval.")
    )
    each_role_must_approve = models.BooleanField(
        _("every role must approve"),
        default=False,
        help_text=_("When set, at least one person of every approving role must approve."),
    )
    forbid_self_approval = models.BooleanField(
        _("the requester may not approve their own request"),
        default=True,
        help_text=_(
            "Four-eyes principle: whoever asked for the transition does not count among its approvers, "
            "even when they hold an approving role."
        ),
    )
    requires_resolution = models.BooleanField(
        _("approval needs a council resolution"),
        default=False,
        help_text=_("When set, whoever approves must give the board's or the assembly's resolution (number and date)."),
    )
    reminder_after_days = models.PositiveSmallIntegerField(_("remind approvers after (days)"), default=3)
    escalate_after_days = models.PositiveSmallIntegerField(_("escalate to the coordinator after (days)"), default=6)

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")
        ordering = ("municipality__name", "transition")
        constraints = [
            models.UniqueConstraint(fields=("municipality", "transition"), name="approval_policy_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.transition}"

    def clean(self) -> None:
        if self.required_approvals and not self.approver_roles:
            raise ValidationError(_("Choose at least one approving role, or set the approvals needed to 0."))
        if self.escalate_after_days and self.escalate_after_days < self.reminder_after_days:
            raise ValidationError({"escalate_after_days": _("Escalation cannot come before the reminder.")})


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ApprovalRequest(ApproverRolesMixin, models.Model):
    """A requested transition waiting for approvals; the policy is copied so later edits do not change it."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="approval_requests", verbose_name=_("project")
    )
    transition = models.CharField(_("transition"), max_length=32, choices=TRANSITION_CHOICES)
    status = models.CharField(
        _("status"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approval_requests",
        verbose_name=_("requested by"),
    )
    comment = models.TextField(_("reason"), blank=True)
    lead_head_approves = models.BooleanField(_("head of the lead department approves"), default=False)
    involved_heads_approve = models.BooleanField(_("heads of involved departments approve"), default=False)
    coordinator_approves = models.BooleanField(_("coordinator approves"), default=False)
    required_approvals = models.PositiveSmallIntegerField(_("approvals needed"))
    each_role_must_approve = models.BooleanField(_("every role must approve"), default=False)
    # Copied from the policy like the rest; requests made before the switch existed keep the old rule.
    forbid_self_approval = models.BooleanField(_("the requester may not approve their own request"), default=False)
    requires_resolution = models.BooleanField(_("approval needs a council resolution"), default=False)
    reminder_after_days = models.PositiveSmallIntegerField(_("remind approvers after (days)"), default=3)
    escalate_after_days = models.PositiveSmallIntegerField(_("escalate after (days)"), default=6)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # From this moment a pending request is escalated: the coordinator may decide it alone, whatever the
    # policy says (empty when the policy never escalates).
    escalates_at = models.DateTimeField(_("escalates to the coordinator at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ("-created_at", "-id")
        # The approvals inbox: pending requests, newest first; every request a user sees (the API list, the inbox's
        # history), newest first; and one requester's own (a project manager's history). At 100,000 projects each
        # page otherwise hashed every project and sorted every request it saw (EXPLAIN: 245-310 ms → 0.5-1.4 ms).
        indexes = [
            models.Index(fields=("status", "-created_at", "-id"), name="approval_status_newest"),
            models.Index(fields=("-created_at", "-id"), name="approval_newest"),
            models.Index(fields=("requested_by", "-created_at", "-id"), name="approval_requester_newest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=("project", "transition"),
                condition=Q(status="pending"),
                name="approval_request_one_pending_per_transition",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.transition} ({self.get_status_display()})"

    def forbids_approval_by(self, user) -> bool:
        """Whether ``user`` asked for this request under a policy that forbids approving one's own request."""
        return self.forbid_self_approval and user is not None and self.requested_by_id == user.pk

    @property
    def is_escalated(self) -> bool:
        """Pending past its escalation period: the coordinator may now decide it alone."""
        return approval_is_escalated(self.status, self.escalates_at)


def approval_is_escalated(status: str, escalates_at) -> bool:
    """``ApprovalRequest.is_escalated`` from the two columns it reads."""
    return status == ApprovalStatus.PENDING and escalates_at is not None and escalates_at <= timezone.now()


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class ApprovalDecision(ResolutionFields):
    """One approver's decision; an approval may cite the council resolution it rests on."""

    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("approval request")
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approval_decisions",
        verbose_name=_("approver"),
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    as_roles = models.JSONField(_("as roles"), default=list)
    comment = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=("request", "approver"), name="approval_decision_one_per_approver"),
        ]

    def __str__(self) -> str:
        return f"{self.approver}: {self.get_decision_display()}"


class ImmutableRecordError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes would bypass the model's guards: refuse them too."""

    def update(self, **kwargs):
        raise ImmutableRecordError("Transition history is never edited.")

    def delete(self):
        raise ImmutableRecordError("Transition history is never deleted.")


class TransitionRecord(models.Model):
    """One stage change, written with the change in one transaction and never edited or deleted."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="transition_records", verbose_name=_("project")
    )
    transition = models.CharField(_("transition"), max_length=32, choices=TRANSITION_CHOICES)
    source = models.CharField(_("from"), max_length=16, choices=Stage.choices)
    target = models.CharField(_("to"), max_length=16, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transition_records", verbose_name=_("actor")
    )
    comment = models.TextField(_("comment"), blank=True)
    approval_request = models.OneToOneField(
        ApprovalRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transition_record",
        verbose_name=_("approval request"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("transition record")
        verbose_name_plural = _("transition history")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.project}: {self.source} → {self.target}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRecordError("Transition history is never edited.")
        # A new object carrying an existing id must not turn into an UPDATE of that row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("Transition history is never deleted.")
