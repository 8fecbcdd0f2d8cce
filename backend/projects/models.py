"""The project record and what hangs on it: partners, tasks, comments, funding, KPIs, events.

The strategic measures a project serves link to it from ``backend.strategy`` (``project.strategic_measures``).
"""

import uuid
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from backend.accounts.models import Department, Municipality, PartnerOrganization
from backend.core.fields import SingleLineCharField
from backend.core.models import TimeStampedModel
from backend.projects.choices import (
    COVENANT_KPI_KINDS,
    ENERGY_KPI_KINDS,
    KPI_FIXED_UNIT_LABELS,
    KPI_FIXED_UNITS,
    CommentVisibility,
    CovenantSector,
    EnergyCarrier,
    FundingStatus,
    KpiKind,
    PartnerAccessLevel,
    TaskStatus,
    ThematicArea,
)
from backend.projects.stages import ACTIVE_STAGES, Stage
from backend.projects.town_cache import TOWN_PARTS
from backend.projects.uploads import attachment_storage, type_label

_NON_NEGATIVE = [MinValueValidator(0)]


def _money(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, validators=_NON_NEGATIVE, **kwargs)


class Project(ConcurrentTransitionMixin, TimeStampedModel):
    """A Smart City project. Its stage is moved only by ``workflows.services.project_transition``, on the
    ``workflows.models.PipelineProject`` proxy that carries the state machine: this package knows no workflows."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="projects", verbose_name=_("municipality")
    )
    title = SingleLineCharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
        verbose_name=_("lead department"),
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="involved_projects", verbose_name=_("involved departments")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_projects",
        verbose_name=_("project manager"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authored_projects",
        verbose_name=_("author"),
    )
    thematic_area = models.CharField(_("thematic area"), max_length=16, choices=ThematicArea.choices, blank=True)
    estimated_cost = _money(_("estimated cost (CZK)"), null=True, blank=True)
    assessment_score = models.PositiveSmallIntegerField(
        _("assessment score"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    assessment_summary = models.TextField(_("assessment summary"), blank=True)
    evaluation_summary = models.TextField(_("evaluation summary"), blank=True)
    is_public = models.BooleanField(_("public"), default=False, help_text=_("Shown on the public portal."))
    # What citizens read on the portal (backend.portal.public): written for them, never the internal summary.
    public_summary = models.TextField(
        _("public summary"),
        blank=True,
        validators=[MaxLengthValidator(5_000)],
        help_text=_("Shown on the public portal instead of the internal summary; Markdown."),
    )
    # Optional place: the address as people write it, its RÚIAN address point code, and WGS 84 coordinates.
    address = SingleLineCharField(_("address"), max_length=300, blank=True)
    ruian_code = models.PositiveIntegerField(
        _("RÚIAN address code"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(999_999_999)],
        help_text=_("The code of the address point in the RÚIAN register."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    stage = FSMField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.IDEA, protected=True, db_index=True
    )
    stage_before_hold = models.CharField(
        _("stage before hold"),
        max_length=16,
        choices=[(s.value, s.label) for s in ACTIVE_STAGES],
        blank=True,
        editable=False,
    )
    stage_changed_at = models.DateTimeField(_("in stage since"), default=timezone.now, editable=False)
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watched_projects", verbose_name=_("watchers")
    )
    shared_with = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="shared_projects",
        verbose_name=_("shared with municipalities"),
        help_text=_("Other municipalities whose staff may read this project."),
    )
    partner_organizations = models.ManyToManyField(
        PartnerOrganization,
        through="ProjectPartner",
        blank=True,
        related_name="projects",
        verbose_name=_("partner organisations"),
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ("-created_at", "-id")
        indexes = [
            # The board's columns: a stage's cards, longest in the stage first.
            models.Index(fields=("stage", "stage_changed_at", "id"), name="project_board_column"),
            # The portal map's markers (backend.portal.public.public_points): the first of a town's public
            # projects with coordinates, read up to the limit instead of sorting all of them.
            models.Index(
                fields=("municipality", "id"),
                condition=Q(is_public=True, latitude__isnull=False),
                name="project_public_point",
            ),
            # The portal's list (backend.portal.public.public_project_list): a town's public projects, latest
            # change first, a page read from the index (backwards) instead of sorting all of them.
            models.Index(
                fields=("municipality", "stage_changed_at", "id"),
                condition=Q(is_public=True),
                name="project_public_newest",
            ),
            # The portal's places (backend.portal.public.public_place_page): a page of them by address.
            models.Index(
                fields=("municipality", "address", "id"),
                condition=Q(is_public=True) & ~Q(address=""),
                name="project_public_place",
            ),
            # The project list's default order (web.views.projects.DEFAULT_SORT, newest first): its first page
            # read from the index up to the limit instead of sorting every visible project (EXPLAIN at 2,000:
            # 4.8 ms -> 0.3 ms).
            models.Index(fields=("-created_at", "-id"), name="project_list_newest"),
            # What every "on a project the user sees and holds a role on" check reads of a project (the approvals
            # inbox's counts, the visibility semi-joins): from the index alone, without the project's wide row.
            # The inbox's two capped counts at 100,000 projects read every project's row (EXPLAIN: 322 -> 68 ms,
            # 12,903 -> 4,017 buffers); still a scan of the installation's requests, but not of its projects' rows.
            models.Index(fields=("id",), include=("municipality", "lead_department"), name="project_scope"),
            # A part of a slice of a town's projects (backend.projects.town_cache.project_part), summed again by the
            # first dashboard read after a change of one of them: read from the index instead of the whole town's
            # rows (a slice, at 10,000: 313 rows instead of 10,000 filtered, 9.3 ms -> 2.6 ms; a part, at 100,000:
            # some 100 rows instead of a slice's 3,125).
            models.Index(F("municipality_id"), Mod("id", TOWN_PARTS), name="project_town_part"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="project_cost_non_negative"),
            models.CheckConstraint(condition=Q(assessment_score__lte=100), name="project_score_at_most_100"),
            models.CheckConstraint(condition=Q(planned_end__gte=F("planned_start")), name="project_dates_in_order"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="project_coordinates_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean_fields(self, exclude=None) -> None:
        # The stage is protected: only transitions set it, so cleaning must not write it back.
        super().clean_fields(exclude={*(exclude or ()), "stage"})

    def clean(self) -> None:
        errors = {}
        if not self.title.strip():
            errors["title"] = _("The project needs a title.")
        # The one home of this rule: the services' full_clean runs it for the web forms and the API alike.
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = _("The planned end is before the planned start.")
        if self.lead_department_id and self.lead_department.municipality_id != self.municipality_id:
            errors["lead_department"] = _("The lead department belongs to another municipality.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = _(
                "Give both coordinates of the place, or neither."
            )
        if errors:
            raise ValidationError(errors)


class ProjectPartner(TimeStampedModel):
    """A partner organisation's access to one project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partner_accesses")
    organization = models.ForeignKey(
        PartnerOrganization,
        on_delete=models.CASCADE,
        related_name="project_accesses",
        verbose_name=_("partner organisation"),
    )
    access_level = models.CharField(
        _("access"), max_length=16, choices=PartnerAccessLevel.choices, default=PartnerAccessLevel.CONTRIBUTE
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )

    class Meta:
        verbose_name = _("partner access")
        verbose_name_plural = _("partner accesses")
        constraints = [
            models.UniqueConstraint(fields=("project", "organization"), name="project_partner_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.project}"

    def clean(self) -> None:
        if (
            self.organization_id
            and self.project_id
            and self.organization.municipality_id != self.project.municipality_id
        ):
            raise ValidationError({"organization": _("The organisation is registered with another municipality.")})


TASK_STAGE_CHOICES = [(stage.value, stage.label) for stage in ACTIVE_STAGES]


class Task(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("project"))
    title = SingleLineCharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("assignee"),
    )
    # Work belongs to a stage the project works in: never completed, rejected or on hold.
    stage = models.CharField(_("stage"), max_length=16, choices=TASK_STAGE_CHOICES, default=Stage.IDEA)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    # May fall before the project's planned start: preparation (a grant application, a tender) comes first.
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ("due_date", "id")
        indexes = [
            # The assignee's open tasks on the projects they see (my tasks' capped counts, the dashboard's list): read
            # with the project and the due date from the index alone, then each project's scope, instead of walking
            # the tasks by project and filtering (a manager with 41,000 open tasks at 100,000 projects: 12,648 task
            # rows read to count 1,001; the counts 19.3 -> 5.4 ms, fastest of 30 runs).
            models.Index(
                fields=("assignee", "status"), include=("project", "due_date"), name="task_assignee_status_scope"
            ),
            # My tasks: the assignee's, soonest due first.
            models.Index(fields=("assignee", "due_date", "id"), name="task_assignee_due"),
        ]

    def __str__(self) -> str:
        return self.title


class Comment(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments", verbose_name=_("project"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"), validators=[MaxLengthValidator(10_000)])
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=CommentVisibility.choices, default=CommentVisibility.INTERNAL
    )
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in", verbose_name=_("mentioned people")
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:50]}"


class Programme(TimeStampedModel):
    """A funding programme an application or a call names by its ``code``. Without a municipality it is offered to
    every municipality of the installation (seeded from ``FundingProgramme``); a coordinator adds their town's own.
    A code is unique in the installation, so that a stored code always names one programme."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = SingleLineCharField(_("name"), max_length=200)
    provider = SingleLineCharField(_("provider"), max_length=200, blank=True)
    is_active = models.BooleanField(_("offered for new applications"), default=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="programmes",
        verbose_name=_("municipality"),
        help_text=_("Empty: a programme every municipality sees."),
    )

    class Meta:
        verbose_name = _("funding programme")
        verbose_name_plural = _("funding programmes")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class FundingApplication(TimeStampedModel):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="funding_applications", verbose_name=_("project")
    )
    # The code of a ``Programme`` (kept as text: every stored and API value stays what it was).
    programme = models.CharField(_("programme"), max_length=32)
    call_name = SingleLineCharField(_("call"), max_length=200, blank=True)
    amount_requested = _money(_("amount requested (CZK)"))
    amount_approved = _money(_("amount approved (CZK)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FundingStatus.choices, default=FundingStatus.PLANNED)
    call_deadline = models.DateField(_("call deadline"), null=True, blank=True)
    internal_note = models.TextField(_("internal note"), blank=True, help_text=_("Never shown to partners."))

    class Meta:
        verbose_name = _("funding application")
        verbose_name_plural = _("funding applications")
        ordering = ("call_deadline", "id")
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gte=0), name="funding_requested_non_negative"),
            models.CheckConstraint(condition=Q(amount_approved__gte=0), name="funding_approved_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_programme_display()} – {self.project}"

    def get_programme_display(self) -> str:
        """The programme's name; a list sets ``programme_name`` on its rows from one bulk lookup."""
        if getattr(self, "programme_name", None):
            return self.programme_name
        from backend.projects.programmes import programme_label

        return programme_label(self.programme)

    def clean(self) -> None:
        errors = {}
        if self.status == FundingStatus.APPROVED and self.amount_approved is None:
            errors["amount_approved"] = _("An approved application needs the approved amount.")
        if self.status != FundingStatus.APPROVED and self.amount_approved is not None:
            errors["amount_approved"] = _("Only an approved application has an approved amount.")
        if (
            self.amount_approved is not None
            and self.amount_requested is not None
            and self.amount_approved > self.amount_requested
        ):
            errors["amount_approved"] = _("The approved amount exceeds the amount requested.")
        if errors:
            raise ValidationError(errors)


class Kpi(TimeStampedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="kpis", verbose_name=_("project"))
    name = SingleLineCharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=KpiKind.choices, default=KpiKind.CUSTOM)
    # The carrier saved or produced: what the emission factors are looked up by (backend.energy). Rows written
    # before carriers existed have none; their CO₂ cannot be computed until someone states it.
    carrier = models.CharField(
        _("energy carrier"),
        max_length=16,
        choices=EnergyCarrier.choices,
        blank=True,
        help_text=_("For energy savings and renewable production: the carrier saved or produced."),
    )
    # The Covenant of Mayors report needs each action's sector, which the project's area does not determine
    # (an LED project is public lighting, a PV roof local electricity production).
    sector = models.CharField(
        _("Covenant of Mayors sector"),
        max_length=24,
        choices=CovenantSector.choices,
        blank=True,
        help_text=_("For energy and CO₂ KPIs: the sector the Covenant of Mayors report lists the project under."),
    )
    unit = SingleLineCharField(
        _("unit"), max_length=32, blank=True, help_text=_("Set automatically for energy savings and CO₂ reduction.")
    )
    baseline = models.DecimalField(_("baseline"), max_digits=16, decimal_places=3, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=3)
    actual = models.DecimalField(_("actual value"), max_digits=16, decimal_places=3, null=True, blank=True)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.unit_label})"

    @property
    def unit_label(self) -> str:
        """The unit in the reader's language: ``MWh/rok`` in Czech for the fixed units, else as typed."""
        return str(KPI_FIXED_UNIT_LABELS.get(self.kind, self.unit))

    def clean(self) -> None:
        fixed_unit = KPI_FIXED_UNITS.get(self.kind)
        if fixed_unit:
            self.unit = fixed_unit
        if not self.unit.strip():
            raise ValidationError({"unit": _("A KPI needs a unit.")})
        if self.carrier and self.kind not in ENERGY_KPI_KINDS:
            raise ValidationError(
                {"carrier": _("Only energy savings and renewable production KPIs have an energy carrier.")}
            )
        if self.sector and self.kind not in COVENANT_KPI_KINDS:
            raise ValidationError({"sector": _("Only energy and CO₂ KPIs have a Covenant of Mayors sector.")})


class EventKind(models.TextChoices):
    PROJECT_CREATED = "project_created", _("Project created")
    PROJECT_TRANSITIONED = "project_transitioned", _("Project moved to another stage")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVAL_GRANTED = "approval_granted", _("Approval granted")
    APPROVAL_REJECTED = "approval_rejected", _("Approval rejected")
    APPROVAL_CANCELLED = "approval_cancelled", _("Approval request cancelled")
    TASK_ASSIGNED = "task_assigned", _("Task assigned")
    TASK_STATUS_CHANGED = "task_status_changed", _("Task status changed")
    COMMENT_POSTED = "comment_posted", _("Comment posted")
    PARTNER_INVITED = "partner_invited", _("Partner invited")
    PARTNER_REVOKED = "partner_revoked", _("Partner access revoked")
    TASK_DUE_SOON = "task_due_soon", _("Task due tomorrow")
    TASK_OVERDUE = "task_overdue", _("Task overdue")
    APPROVAL_REMINDER = "approval_reminder", _("Approval waiting past its deadline")
    APPROVAL_ESCALATED = "approval_escalated", _("Approval escalated to the coordinator")
    FUNDING_DEADLINE = "funding_deadline", _("Funding call deadline approaching")
    EVALUATION_CORRECTED = "evaluation_corrected", _("Evaluation of a completed project corrected")
    PROJECT_SHARED = "project_shared", _("Project shared with a municipality")
    PROJECT_UNSHARED = "project_unshared", _("Project sharing withdrawn")
    # A municipality's strategy, not a project (``Event.municipality`` names the town, the payload the amendment).
    AMENDMENT_PROPOSED = "amendment_proposed", _("Strategy amendment proposed")
    AMENDMENT_APPROVED = "amendment_approved", _("Strategy amendment approved")
    AMENDMENT_REJECTED = "amendment_rejected", _("Strategy amendment rejected")
    CONSULTATION_OPENED = "consultation_opened", _("Public consultation opened")
    CONSULTATION_CLOSED = "consultation_closed", _("Public consultation closed")
    CONSULTATION_COMMENT_WAITING = "consultation_comment", _("Consultation comment waiting for moderation")


class Event(models.Model):
    """Something that happened to a project, written in the same transaction as the change itself.

    The timeline shows events; notifications turn them into deliveries. Never edited after writing. An event of a
    municipality's own (a strategy amendment, its consultation) has no project: it names the municipality, and its
    payload names its subject and its ``subject`` title.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="events", verbose_name=_("project")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
        help_text=_("Only for an event that is not about a project."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=False, municipality__isnull=True)
                | models.Q(project__isnull=True, municipality__isnull=False),
                name="event_names_project_or_municipality",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.subject_title}"

    @property
    def subject_title(self) -> str:
        """What the event is about, in the words of a notification: the project's title, else the payload's."""
        if self.project_id is not None:
            return self.project.title
        return (self.payload or {}).get("subject", "")


class ProjectUpdate(TimeStampedModel):
    """A public update ("aktualita") the project manager writes for citizens; Markdown, shown on the portal.

    Published when written; withdrawing hides it from the portal again (the row stays for the record).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates", verbose_name=_("project"))
    title = SingleLineCharField(_("title"), max_length=200)
    body = models.TextField(_("text"), validators=[MaxLengthValidator(20_000)], help_text=_("Markdown."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now, db_index=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("public update")
        verbose_name_plural = _("public updates")
        ordering = ("-published_at", "-id")
        indexes = [models.Index(fields=("project", "-published_at"), name="project_update_newest")]

    def __str__(self) -> str:
        return self.title


def _attachment_path(attachment: "Attachment", filename: str) -> str:
    """A random name in the project's folder; the uploader's file name is never used on disk."""
    return f"project-{attachment.project_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on a project, on one of its comments (then it is as visible as the comment), or on a public update.

    Files live in settings.ATTACHMENTS_ROOT under random names and leave it after the row's deletion commits.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("project")
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("comment"),
    )
    # A file of a public update is public exactly while its update and its project are (backend.portal.public).
    update = models.ForeignKey(
        ProjectUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("public update"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), storage=attachment_storage, upload_to=_attachment_path, max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=CommentVisibility.choices, default=CommentVisibility.INTERNAL
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.original_name

    @property
    def type_label(self) -> str:
        """The type's short name for people: PDF, PNG, DOCX…"""
        return type_label(self.content_type)


@receiver(post_delete, sender=Attachment)
def _delete_attachment_file(sender, instance: Attachment, **kwargs) -> None:
    """Remove the file once the deletion commits (also when a project or comment takes its attachments along)."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(partial(storage.delete, name))
