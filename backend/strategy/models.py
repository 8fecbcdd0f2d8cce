"""A municipality's strategy as a living structure: goals, measures and indicators, their versions and amendments.

Goals, measures and indicators are the live rows projects link to. Every state they were ever in is kept in
``ItemVersion`` (append-only, one row per item per strategy revision), so the changelog and the diff between
two revisions are read, never reconstructed. Amendments change the live rows only through the approval flow
of ``backend.strategy.services``.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Department, Municipality
from backend.core.fields import SingleLineCharField
from backend.core.models import TimeStampedModel
from backend.core.resolutions import ResolutionFields
from backend.projects.choices import KPI_FIXED_UNIT_LABELS, KpiKind
from backend.projects.models import Project
from workflows.models import AppendOnlyQuerySet, ApprovalStatus, ApproverRolesMixin, Decision, ImmutableRecordError


class StrategyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    UNDER_AMENDMENT = "under_amendment", _("Under amendment")
    ARCHIVED = "archived", _("Archived")


class Strategy(ResolutionFields, TimeStampedModel):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="strategies", verbose_name=_("municipality")
    )
    title = SingleLineCharField(_("title"), max_length=200)
    period_start = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=StrategyStatus.choices, default=StrategyStatus.DRAFT, db_index=True
    )
    # The number of the strategy's current revision: 1 as adopted, one more for each approved amendment.
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ("municipality__name", "-period_start", "title")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="strategy_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StrategyItem(TimeStampedModel):
    """What goals, measures and indicators share: a code within the strategy, a title, retirement."""

    code = SingleLineCharField(_("code"), max_length=32)
    title = SingleLineCharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    is_retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Goal(StrategyItem):
    """A strategic goal (``1``) or, with a parent, a specific goal (``1.2``)."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="goals", verbose_name=_("strategy"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent goal"),
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ("strategy", "code")
        constraints = [
            models.UniqueConstraint(
                fields=("strategy", "code"),
                name="strategy_goal_code_unique",
                violation_error_message=_("The strategy already has a goal with this code."),
            )
        ]


class Measure(StrategyItem):
    """A measure (opatření) under a goal; projects serve it."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="measures", verbose_name=_("strategy")
    )
    # The strategy's municipality, kept on the row so that linking a project checks it without a join.
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="strategy_measures", verbose_name=_("municipality")
    )
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="measures", verbose_name=_("goal"))
    responsible_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="strategy_measures",
        verbose_name=_("responsible department"),
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="strategic_measures", verbose_name=_("projects")
    )

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ("strategy", "code")
        constraints = [
            models.UniqueConstraint(
                fields=("strategy", "code"),
                name="strategy_measure_code_unique",
                violation_error_message=_("The strategy already has a measure with this code."),
            )
        ]


class Indicator(TimeStampedModel):
    """What a measure is measured by; energy and CO₂ indicators are compared with the projects' KPI totals."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("measure"))
    name = SingleLineCharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=KpiKind.choices, default=KpiKind.CUSTOM)
    unit = SingleLineCharField(_("unit"), max_length=32)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(
        _("target year"), null=True, blank=True, validators=[MinValueValidator(1990)]
    )
    is_retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ("measure", "name", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def unit_label(self) -> str:
        """Energy and CO₂ units are stored in one spelling and shown in the reader's language."""
        return str(KPI_FIXED_UNIT_LABELS.get(self.kind, self.unit))


class ItemKind(models.TextChoices):
    GOAL = "goal", _("Goal")
    MEASURE = "measure", _("Measure")
    INDICATOR = "indicator", _("Indicator")


class Revision(ResolutionFields):
    """One revision of a strategy: its adoption (number 1) or an approved amendment. Never edited."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.PROTECT, related_name="revisions", verbose_name=_("strategy")
    )
    number = models.PositiveIntegerField(_("revision"))
    amendment = models.OneToOneField(
        "Amendment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="created_revision",
        verbose_name=_("amendment"),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("strategy revision")
        verbose_name_plural = _("strategy revisions")
        ordering = ("strategy", "number")
        constraints = [models.UniqueConstraint(fields=("strategy", "number"), name="strategy_revision_unique")]

    def __str__(self) -> str:
        return f"{self.strategy} – {self.number}"

    def save(self, *args, **kwargs) -> None:
        _insert_only(self, kwargs)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("Strategy history is never deleted.")


class ItemVersion(models.Model):
    """The state of one goal, measure or indicator as of one revision: written once, never edited."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.PROTECT, related_name="item_versions", verbose_name=_("strategy")
    )
    revision = models.PositiveIntegerField(_("revision"))
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    item_id = models.PositiveBigIntegerField(_("item"))
    # code, title, description, retired, and per kind: parent (goal code), goal (code), department (name),
    # measure (code), unit, baseline, target, target_year — as shown, so a later rename does not rewrite it.
    data = models.JSONField(_("content"), default=dict)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        ordering = ("strategy", "revision", "kind", "item_id")
        constraints = [
            models.UniqueConstraint(fields=("kind", "item_id", "revision"), name="strategy_item_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.data.get('code', '')} @ {self.revision}"

    def save(self, *args, **kwargs) -> None:
        _insert_only(self, kwargs)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("Strategy history is never deleted.")


def _insert_only(instance: models.Model, kwargs: dict) -> None:
    if not instance._state.adding:
        raise ImmutableRecordError("Strategy history is never edited.")
    kwargs["force_insert"] = True


class AmendmentAction(models.TextChoices):
    ADD = "add", _("Add")
    CHANGE = "change", _("Change")
    RETIRE = "retire", _("Retire")


class Amendment(ApproverRolesMixin, ResolutionFields):
    """A proposed change of a strategy between revisions, decided like a gated transition.

    The approval policy of ``amend_strategy`` is copied at proposal, as an approval request copies its
    transition's policy, so that editing the policy later does not change a pending amendment.
    """

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("strategy")
    )
    title = SingleLineCharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    # The department whose head approves where the policy asks for the "head of the lead department".
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    lead_head_approves = models.BooleanField(_("head of the lead department approves"), default=False)
    involved_heads_approve = models.BooleanField(_("heads of involved departments approve"), default=False)
    coordinator_approves = models.BooleanField(_("coordinator approves"), default=False)
    required_approvals = models.PositiveSmallIntegerField(_("approvals needed"))
    each_role_must_approve = models.BooleanField(_("every role must approve"), default=False)
    forbid_self_approval = models.BooleanField(_("the requester may not approve their own request"), default=True)
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.title


class AmendmentChange(models.Model):
    """One change an amendment makes: add an item, change an existing one, or retire it."""

    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="changes", verbose_name=_("amendment")
    )
    action = models.CharField(_("action"), max_length=16, choices=AmendmentAction.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    item_id = models.PositiveBigIntegerField(_("item"), null=True, blank=True)
    # The proposed fields, as the form or API sent them (codes for goal and measure, department id).
    data = models.JSONField(_("proposed content"), default=dict, blank=True)

    class Meta:
        verbose_name = _("amendment change")
        verbose_name_plural = _("amendment changes")
        ordering = ("amendment", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(action="add", item_id__isnull=True) | (~Q(action="add") & Q(item_id__isnull=False)),
                name="amendment_change_item_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.get_kind_display()}"


class AmendmentDecision(models.Model):
    """One approver's decision on an amendment, as ``workflows.ApprovalDecision`` is for a transition."""

    amendment = models.ForeignKey(
        Amendment, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("amendment")
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approver")
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    as_roles = models.JSONField(_("as roles"), default=list)
    comment = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("decided at"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("amendment decision")
        verbose_name_plural = _("amendment decisions")
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=("amendment", "approver"), name="amendment_decision_one_per_approver"),
        ]

    def __str__(self) -> str:
        return f"{self.approver}: {self.get_decision_display()}"

    def save(self, *args, **kwargs) -> None:
        _insert_only(self, kwargs)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("Decisions are never deleted.")


class Consultation(models.Model):
    """An amendment put to public consultation for a period; it is decided only after the period and once the
    proposer answered every published comment. The public page belongs to the portal."""

    amendment = models.OneToOneField(
        Amendment, on_delete=models.CASCADE, related_name="consultation", verbose_name=_("amendment")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        verbose_name = _("public consultation")
        verbose_name_plural = _("public consultations")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="consultation_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.amendment} ({self.starts_on} – {self.ends_on})"

    def is_open_on(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class CommentStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for e-mail confirmation")
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected by moderation")


class ConsultationComment(models.Model):
    """A citizen's comment: confirmed from its e-mail, moderated, then published and answered by the proposer."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="comments", verbose_name=_("public consultation")
    )
    author_name = SingleLineCharField(_("author's name"), max_length=120)
    # Only for the confirmation; never shown or exported.
    email = models.EmailField(_("e-mail"))
    body = models.TextField(_("text of the comment"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=16, choices=CommentStatus.choices, default=CommentStatus.UNCONFIRMED, db_index=True
    )
    # SHA-256 of the confirmation token sent by e-mail; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("consultation comment")
        verbose_name_plural = _("consultation comments")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"
