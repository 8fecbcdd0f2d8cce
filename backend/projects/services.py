"""Writes to projects and what hangs on them. Stage changes are not here: see workflows.services.

Closed projects
---------------
A completed or rejected project is a record, not work in progress. Its fields, tasks, funding applications,
KPIs, partner invitations and attachments no longer change; every service below refuses it with a
``ValidationError`` (code ``project_closed``), so the API, the web forms and HTMX all show the same message.
What stays open, because people expect it after the end:

- comments (and the files attached to them), for questions and follow-up;
- watching, and taking a partner organisation's access away;
- on a completed project only, corrections of its evaluation: the evaluation summary and the KPIs' actual
  values. Each needs a reason, is recorded as an ``evaluation_corrected`` event on the timeline, and cannot
  empty what the completion gate required (a summary, an actual value for every KPI).

Public updates of the portal (backend.projects.updates) belong to the open list.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from backend.accounts.models import Department, Municipality, PartnerOrganization, User
from backend.accounts.selectors import groups_of, user_access
from backend.core.errors import ConcurrentChange, NotFound, PermissionDenied
from backend.core.text import MENTION_PATTERN, trimmed
from backend.projects.access import project_access, project_access_forget
from backend.projects.attachments import attachment_create
from backend.projects.choices import CommentVisibility, PartnerAccessLevel, TaskStatus
from backend.projects.closed import closed_message as _closed_message
from backend.projects.closed import project_is_closed
from backend.projects.closed import require_open as _require_open
from backend.projects.models import (
    Comment,
    Event,
    EventKind,
    FundingApplication,
    Kpi,
    Project,
    ProjectPartner,
    Task,
)
from backend.projects.programmes import programme_require_usable
from backend.projects.selectors import mention_candidates, project_list_visible
from backend.projects.signals import event_recorded
from backend.projects.stages import ACTIVE_STAGES, Stage
from backend.projects.town_cache import coverage_inputs_changed

# Fields a project's editors may change; the stage is never among them.
EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "lead_department",
    "manager",
    "thematic_area",
    "estimated_cost",
    "assessment_score",
    "assessment_summary",
    "evaluation_summary",
    "is_public",
    "public_summary",
    "address",
    "ruian_code",
    "latitude",
    "longitude",
    "planned_start",
    "planned_end",
)


def event_record(*, project: Project, kind: str, actor: User | None, **payload: Any) -> Event:
    """Announce what happened; callers run it inside the transaction of the change itself.

    Listeners of ``event_recorded`` (the notification outbox) write in this same transaction, so an
    event and what it causes commit together or not at all.
    """
    event = Event.objects.create(project=project, kind=kind, actor=actor, payload=payload)
    event_announce(event)
    return event


def event_announce(event: Event) -> None:
    """Tell the listeners of ``event_recorded`` of an event just written (by ``event_record``, or by a caller that
    writes it in one statement with the change it records: ``workflows.services``)."""
    event_recorded.send(sender=Event, event=event)


def municipal_event_record(
    *, municipality: Municipality, kind: str, actor: User | None, subject: str, **payload: Any
) -> Event:
    """Announce what happened to a municipality's own matter (its strategy), not to a project: as ``event_record``,
    in the caller's transaction; ``subject`` is what notifications call it ("Strategie …: Změna …")."""
    event = Event.objects.create(
        municipality=municipality, kind=kind, actor=actor, payload={"subject": subject, **payload}
    )
    event_recorded.send(sender=Event, event=event)
    return event


def require_editor(*, actor: User, project: Project) -> None:
    """Refuse anyone but the project's editors (``ProjectAccess.may_edit``)."""
    if not project_access(user=actor, project=project).may_edit:
        raise PermissionDenied(
            _("Only the project manager, a head of an involved department or the coordinator may do this.")
        )


def _correction_reason(reason: str) -> str:
    reason = trimmed(reason or "")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for correcting the evaluation of a completed project.")})
    return reason


def _require_visible(*, actor: User, project: Project) -> None:
    """Services are called by trusted code, but never let anyone act on what they cannot see."""
    if not user_can_see_project(user=actor, project=project):
        raise NotFound(_("Project not found."))


def _check_departments(municipality: Municipality, departments: Iterable[Department], field: str) -> None:
    if any(department.municipality_id != municipality.pk for department in departments):
        raise ValidationError({field: _("The department belongs to another municipality.")})


def _check_staff(municipality: Municipality, user: User | None, field: str) -> None:
    if user is not None and not user_access(user=user).is_staff_in(municipality.pk):
        raise ValidationError({field: _("This person does not work for the municipality.")})


def _check_measures(municipality_id: int, measures: list[Any]) -> None:
    """``measures`` are ``backend.strategy`` measures (that app links them to projects; this one does not import
    it): each of the project's municipality or of a DSO or MAS it is a member of, and none retired by an
    amendment."""
    allowed = {municipality_id}
    if any(measure.municipality_id != municipality_id for measure in measures):
        allowed.update(groups_of(municipality_ids=[municipality_id]).values_list("pk", flat=True))
    if any(measure.municipality_id not in allowed for measure in measures):
        raise ValidationError({"strategic_measures": _("The measure belongs to another municipality's strategy.")})
    if any(measure.is_retired for measure in measures):
        raise ValidationError({"strategic_measures": _("A retired measure cannot be linked to a project.")})


@transaction.atomic
def project_create(
    *,
    actor: User,
    municipality: Municipality,
    title: str,
    summary: str = "",
    description: str = "",
    lead_department: Department | None = None,
    departments: Iterable[Department] = (),
    manager: User | None = None,
    thematic_area: str = "",
    estimated_cost: Decimal | None = None,
    planned_start: date | None = None,
    planned_end: date | None = None,
    is_public: bool = False,
    strategic_measures: Iterable[Any] = (),
    assessment_score: int | None = None,
    assessment_summary: str = "",
    evaluation_summary: str = "",
    public_summary: str = "",
    address: str = "",
    ruian_code: int | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Project:
    """A new project idea. Any municipal user may create one; it always starts at the idea stage."""
    if not user_access(user=actor).is_staff_in(municipality.pk):
        raise PermissionDenied(_("You may create projects only in your own municipality."))
    departments = list(departments)
    strategic_measures = list(strategic_measures)
    _check_departments(municipality, departments, "departments")
    _check_staff(municipality, manager, "manager")
    _check_measures(municipality.pk, strategic_measures)
    project = Project(
        municipality=municipality,
        title=title,
        summary=summary,
        description=description,
        lead_department=lead_department,
        manager=manager or actor,
        author=actor,
        thematic_area=thematic_area,
        estimated_cost=estimated_cost,
        planned_start=planned_start,
        planned_end=planned_end,
        is_public=is_public,
        assessment_score=assessment_score,
        assessment_summary=assessment_summary,
        evaluation_summary=evaluation_summary,
        public_summary=public_summary,
        address=address,
        ruian_code=ruian_code,
        latitude=latitude,
        longitude=longitude,
    )
    project.full_clean()
    project.save()
    project.departments.set(departments)
    project.strategic_measures.set(strategic_measures)
    if strategic_measures:
        coverage_inputs_changed(
            municipality_ids=[municipality.pk], strategy_ids={measure.strategy_id for measure in strategic_measures}
        )
    event_record(project=project, kind=EventKind.PROJECT_CREATED, actor=actor, title=project.title)
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, reason: str = "", **changes: Any) -> Project:
    """Edit a project's fields (never its stage). Unknown fields are refused, nothing is half-saved.

    A closed project refuses every change but, once completed, a correction of its evaluation summary with
    a ``reason`` (values sent unchanged are not changes).
    """
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"departments", "strategic_measures"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    require_editor(actor=actor, project=project)
    if project_is_closed(project):
        return _project_evaluation_correct(actor=actor, project=project, reason=reason, changes=changes)
    departments = changes.pop("departments", None)
    measures = changes.pop("strategic_measures", None)
    if "manager" in changes:
        _check_staff(project.municipality, changes["manager"], "manager")
    for name, value in changes.items():
        setattr(project, name, value)
    project.full_clean()
    try:
        project.save()
    except ConcurrentTransition:
        raise ConcurrentChange(_("Someone else changed the project's stage in the meantime; reload it.")) from None
    if departments is not None:
        departments = list(departments)
        _check_departments(project.municipality, departments, "departments")
        project.departments.set(departments)
    if measures is not None:
        measures = list(measures)
        _check_measures(project.municipality_id, measures)
        project.strategic_measures.set(measures)
    if measures is not None or "estimated_cost" in changes:
        # The measures the project leaves: their strategies counted this municipality's projects, so its stamp.
        coverage_inputs_changed(
            municipality_ids=[project.municipality_id],
            strategy_ids={measure.strategy_id for measure in measures or ()},
        )
    return project


def _project_evaluation_correct(*, actor: User, project: Project, reason: str, changes: dict[str, Any]) -> Project:
    changes = {name: value for name, value in changes.items() if _differs(project, name, value)}
    refused = set(changes) - ({"evaluation_summary"} if project.stage == Stage.COMPLETED else set())
    if refused:
        message = _closed_message(project)
        raise ValidationError({name: ValidationError(message, code="project_closed") for name in sorted(refused)})
    if not changes:
        return project
    summary = trimmed(changes["evaluation_summary"] or "")
    if not summary:
        message = _("The evaluation summary of a completed project cannot be emptied.")
        raise ValidationError({"evaluation_summary": message})
    reason = _correction_reason(reason)
    previous = project.evaluation_summary
    project.evaluation_summary = changes["evaluation_summary"]
    project.full_clean()
    try:
        project.save()
    except ConcurrentTransition:
        raise ConcurrentChange(_("Someone else changed the project's stage in the meantime; reload it.")) from None
    event_record(
        project=project,
        kind=EventKind.EVALUATION_CORRECTED,
        actor=actor,
        field="evaluation_summary",
        previous=previous,
        value=project.evaluation_summary,
        reason=reason,
    )
    return project


def _differs(project: Project, name: str, value: Any) -> bool:
    if name in ("departments", "strategic_measures"):
        return {item.pk for item in value} != set(getattr(project, name).values_list("pk", flat=True))
    return getattr(project, name) != value


@transaction.atomic
def project_partner_grant(
    *,
    actor: User,
    project: Project,
    organization: PartnerOrganization,
    access_level: str = PartnerAccessLevel.CONTRIBUTE,
) -> ProjectPartner:
    """Give a partner organisation access to a project (idempotent: a second grant updates the level)."""
    require_editor(actor=actor, project=project)
    _require_open(project)
    access, created = ProjectPartner.objects.get_or_create(
        project=project, organization=organization, defaults={"access_level": access_level, "invited_by": actor}
    )
    if not created and access.access_level != access_level:
        access.access_level = access_level
    access.full_clean()
    access.save()
    project_access_forget(project=project)
    if created:
        event_record(project=project, kind=EventKind.PARTNER_INVITED, actor=actor, organization_id=organization.pk)
    return access


@transaction.atomic
def project_partner_revoke(*, actor: User, project: Project, organization: PartnerOrganization) -> None:
    """Take a partner organisation's access to one project away, and sign its guests out everywhere at once.

    Pending invitations of the organisation lose this project (and are withdrawn when none is left); the
    timeline records who revoked it. The guests' other projects stay; they sign in again to reach them.
    """
    from backend.accounts.models import Invitation, Membership, Role
    from backend.accounts.sessions import user_sessions_end

    _require_visible(actor=actor, project=project)
    if project_access(user=actor, project=project).is_partner_view:
        raise NotFound(_("Project not found."))
    require_editor(actor=actor, project=project)
    deleted, _details = ProjectPartner.objects.filter(project=project, organization=organization).delete()
    project_access_forget(project=project)
    if not deleted:
        raise NotFound(_("This organisation has no access to the project."))
    event_record(
        project=project,
        kind=EventKind.PARTNER_REVOKED,
        actor=actor,
        organization_id=organization.pk,
        organization=organization.name,
    )
    now = timezone.now()
    pending = Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True, projects=project
    )
    for invitation in pending:
        invitation.projects.remove(project)
        if not invitation.projects.exists():
            invitation.revoked_at, invitation.revoked_by = now, actor
            invitation.save(update_fields=["revoked_at", "revoked_by"])
    for membership in Membership.objects.filter(role=Role.PARTNER, organization=organization).select_related("user"):
        user_sessions_end(user=membership.user)


def user_can_see_project(*, user: User, project: Project) -> bool:
    return project_list_visible(user=user).filter(pk=project.pk).exists()


def _check_assignee(project: Project, assignee: User | None) -> None:
    if assignee is None:
        return
    if not user_can_see_project(user=assignee, project=project):
        raise ValidationError({"assignee": _("This person cannot see the project.")})
    if not project_access(user=assignee, project=project).may_contribute:
        raise ValidationError({"assignee": _("The partner's access to this project is read-only.")})


def task_default_stage(project: Project) -> str:
    """The stage a new task belongs to unless told: the project's, or the one it left when put on hold."""
    if project.stage in ACTIVE_STAGES:
        return project.stage
    return project.stage_before_hold or Stage.IDEA


@transaction.atomic
def task_create(
    *,
    actor: User,
    project: Project,
    title: str,
    assignee: User | None = None,
    due_date: date | None = None,
    stage: str | None = None,
    description: str = "",
) -> Task:
    """A task on the project, by default of its current stage. Municipal users only."""
    if not project_access(user=actor, project=project).is_staff:
        raise PermissionDenied(_("Only the municipality's staff may create tasks."))
    _require_open(project)
    _check_assignee(project, assignee)
    task = Task(
        project=project,
        title=title,
        description=description,
        assignee=assignee,
        due_date=due_date,
        stage=stage or task_default_stage(project),
        created_by=actor,
    )
    task.full_clean()
    task.save()
    if assignee is not None:
        event_record(
            project=project, kind=EventKind.TASK_ASSIGNED, actor=actor, task_id=task.pk, assignee_id=assignee.pk
        )
    return task


@transaction.atomic
def task_set_status(*, actor: User, task: Task, status: str) -> Task:
    """Move a task; its assignee (partner guests included) or any municipal user of the project may."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": _("Unknown task status.")})
    _require_visible(actor=actor, project=task.project)
    access = project_access(user=actor, project=task.project)
    is_assignee = task.assignee_id is not None and task.assignee_id == actor.pk
    if not (is_assignee or access.is_staff):
        raise PermissionDenied(_("Only the assignee or the municipality's staff may change this task."))
    if not access.may_contribute:
        raise PermissionDenied(_("Your organisation's access to this project is read-only."))
    _require_open(task.project, field="status")
    previous = task.status
    if previous == status:
        return task
    task.status = status
    task.completed_at = timezone.now() if status == TaskStatus.DONE else None
    task.save(update_fields=["status", "completed_at", "updated_at"])
    event_record(
        project=task.project,
        kind=EventKind.TASK_STATUS_CHANGED,
        actor=actor,
        task_id=task.pk,
        previous=previous,
        status=status,
    )
    return task


_TASK_EDITABLE = ("title", "description", "assignee", "due_date", "status")


@transaction.atomic
def task_update(*, actor: User, task: Task, **changes: Any) -> Task:
    """Edit a task. Municipal users may change everything; an assignee from outside only the status."""
    unknown = set(changes) - set(_TASK_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    status = changes.pop("status", None)
    if changes:
        if not project_access(user=actor, project=task.project).is_staff:
            raise PermissionDenied(_("Only the municipality's staff may edit tasks."))
        _require_open(task.project)
        previous_assignee_id = task.assignee_id
        if "assignee" in changes:
            _check_assignee(task.project, changes["assignee"])
        for name, value in changes.items():
            setattr(task, name, value)
        task.full_clean()
        task.save()
        if task.assignee_id is not None and task.assignee_id != previous_assignee_id:
            event_record(
                project=task.project,
                kind=EventKind.TASK_ASSIGNED,
                actor=actor,
                task_id=task.pk,
                assignee_id=task.assignee_id,
            )
    if status is not None:
        task = task_set_status(actor=actor, task=task, status=status)
    return task


def mentioned_usernames(body: str) -> list[str]:
    """@username tokens in a comment, in order, without duplicates (usernames may contain dots)."""
    return list(dict.fromkeys(match.group(1) for match in MENTION_PATTERN.finditer(body)))


@transaction.atomic
def comment_create(
    *, actor: User, project: Project, body: str, visibility: str = CommentVisibility.INTERNAL, file: Any = None
) -> Comment:
    """Post a comment. Partners write shared comments only; mentions resolve to people who may read it.

    With ``file`` the comment and its attachment are saved together or not at all: a refused file raises
    ValidationError({"file": ...}) and no comment is left.
    """
    _require_visible(actor=actor, project=project)
    if visibility not in CommentVisibility.values:
        raise ValidationError({"visibility": _("Unknown visibility.")})
    access = project_access(user=actor, project=project)
    if access.is_partner_view and visibility != CommentVisibility.SHARED:
        raise PermissionDenied(_("Partners may write only comments shared with partners."))
    if not access.may_contribute:
        raise PermissionDenied(_("Your organisation's access to this project is read-only."))
    comment = Comment(project=project, author=actor, body=trimmed(body or ""), visibility=visibility)
    comment.full_clean()
    comment.save()
    mentioned = []
    usernames = mentioned_usernames(body)
    if usernames:
        people = User.objects.filter(username__in=usernames, is_active=True)
        if access.is_partner_view:
            # A guest reaches only whom their mention search offers: never the rest of the municipality.
            people = people.filter(pk__in=mention_candidates(user=actor, project=project).values("pk"))
        for user in people:
            if not user_can_see_project(user=user, project=project):
                continue
            internal = visibility == CommentVisibility.INTERNAL
            if internal and not project_access(user=user, project=project).sees_internals:
                continue
            mentioned.append(user)
        comment.mentions.set(mentioned)
    event_record(
        project=project,
        kind=EventKind.COMMENT_POSTED,
        actor=actor,
        comment_id=comment.pk,
        visibility=visibility,
        mentioned_ids=[user.pk for user in mentioned],
    )
    if file is not None:
        # Last, so that nothing after it can roll the comment back and leave the stored file behind.
        attachment_create(actor=actor, project=project, file=file, comment=comment)
    return comment


@transaction.atomic
def funding_create(*, actor: User, project: Project, **fields: Any) -> FundingApplication:
    require_editor(actor=actor, project=project)
    _require_open(project)
    application = FundingApplication(project=project, **fields)
    programme_require_usable(code=application.programme, municipality_id=project.municipality_id)
    application.full_clean()
    application.save()
    coverage_inputs_changed(municipality_ids=[application.project.municipality_id])
    return application


@transaction.atomic
def funding_update(*, actor: User, application: FundingApplication, **changes: Any) -> FundingApplication:
    require_editor(actor=actor, project=application.project)
    _require_open(application.project)
    previous = application.programme
    for name, value in changes.items():
        setattr(application, name, value)
    programme_require_usable(
        code=application.programme, municipality_id=application.project.municipality_id, previous=previous
    )
    application.full_clean()
    application.save()
    coverage_inputs_changed(municipality_ids=[application.project.municipality_id])
    return application


@transaction.atomic
def kpi_create(*, actor: User, project: Project, **fields: Any) -> Kpi:
    require_editor(actor=actor, project=project)
    _require_open(project)
    kpi = Kpi(project=project, **fields)
    kpi.full_clean()
    kpi.save()
    coverage_inputs_changed(municipality_ids=[kpi.project.municipality_id])
    return kpi


@transaction.atomic
def kpi_update(*, actor: User, kpi: Kpi, reason: str = "", **changes: Any) -> Kpi:
    """Edit a KPI; on a completed project only its actual value, as a correction with a ``reason``."""
    require_editor(actor=actor, project=kpi.project)
    if project_is_closed(kpi.project):
        return _kpi_actual_correct(actor=actor, kpi=kpi, reason=reason, changes=changes)
    for name, value in changes.items():
        setattr(kpi, name, value)
    kpi.full_clean()
    kpi.save()
    coverage_inputs_changed(municipality_ids=[kpi.project.municipality_id])
    return kpi


def _kpi_actual_correct(*, actor: User, kpi: Kpi, reason: str, changes: dict[str, Any]) -> Kpi:
    project = kpi.project
    changes = {name: value for name, value in changes.items() if getattr(kpi, name) != value}
    refused = set(changes) - ({"actual"} if project.stage == Stage.COMPLETED else set())
    if refused:
        message = _closed_message(project)
        raise ValidationError({name: ValidationError(message, code="project_closed") for name in sorted(refused)})
    if not changes:
        return kpi
    if changes["actual"] is None:
        raise ValidationError({"actual": _("The actual value of a KPI of a completed project cannot be emptied.")})
    reason = _correction_reason(reason)
    previous = kpi.actual
    kpi.actual = changes["actual"]
    kpi.full_clean()
    kpi.save()
    coverage_inputs_changed(municipality_ids=[project.municipality_id])
    event_record(
        project=project,
        kind=EventKind.EVALUATION_CORRECTED,
        actor=actor,
        field="kpi_actual",
        kpi_id=kpi.pk,
        kpi=kpi.name,
        previous=None if previous is None else str(previous),
        value=str(kpi.actual),
        reason=reason,
    )
    return kpi


def project_watch(*, user: User, project: Project) -> None:
    _require_visible(actor=user, project=project)
    project.watchers.add(user)
