"""Builds the demo from ``backend.demo.data`` and ``backend.demo.stories`` through the real services.

Idempotence: every row is found by a stable natural key before anything is created: users by username,
municipalities by IČO, departments and strategic measures by code, partner organisations by name,
memberships by their whole shape, groups by name. Accounts, their password ``demo``, memberships, groups
and the small municipality's approval policies are brought back to the demo's state on every run. A
project is created and walked through its story only when its municipality has no project of that title
yet; an existing one is left exactly as it is, because replaying a story would duplicate its history,
and history is never edited. So a second run adds nothing, and after a demo project was deleted a run
recreates just that one.

Dates are computed from the day of the run (planned starts from the first day of the current month), so
the demo always looks current. The services stamp what they write with the moment of the run; right after a
story is told, and only here, its own rows are backdated (``_story_backdate``), so that a card does not say
"0 days in stage": the project entered its stage ``days_in_stage`` days ago, each earlier stage lasted a
plausible while, and every step keeps its place in the story. This rewrites rows the seed created a moment
before in the same transaction, never anything else; the application itself never edits history.
"""

import zlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Department, Membership, Municipality, PartnerOrganization, User
from backend.accounts.services import department_create, membership_grant, municipality_create, organization_create
from backend.core.errors import DomainError, TransitionBlocked
from backend.demo.data import ACCOUNTS, DEMO_PASSWORD, GROUPS, MUNICIPALITIES, READ_ONLY_MODELS
from backend.demo.public import IDEAS, PORTALS, PUBLIC_PROFILES
from backend.demo.specs import (
    AccountSpec,
    AddKpi,
    AddTask,
    Apply,
    Assess,
    Attach,
    Award,
    Decide,
    Edit,
    Evaluate,
    GroupSpec,
    Invite,
    InviteGuest,
    Move,
    MunicipalitySpec,
    ProjectStory,
    RecordKpi,
    Refuse,
    Remark,
    ShareWith,
)
from backend.demo.stories import STORIES
from backend.demo.strategies import STRATEGIES, strategy_ensure
from backend.energy.demo import energy_demo_seed
from backend.integrations.seed import funding_calls_seed
from backend.notifications.models import Delivery, Notification
from backend.portal.ideas import idea_to_project
from backend.portal.models import Idea, IdeaDecision, IdeaStatus, Portal
from backend.projects.attachments import attachment_create
from backend.projects.choices import KPI_FIXED_UNITS, CommentVisibility, FundingStatus, TaskStatus
from backend.projects.invitations import invitation_create
from backend.projects.models import (
    Attachment,
    Comment,
    Event,
    FundingApplication,
    Kpi,
    Project,
    ProjectPartner,
    ProjectUpdate,
    Task,
)
from backend.projects.services import (
    comment_create,
    funding_create,
    funding_update,
    kpi_create,
    kpi_update,
    project_create,
    project_partner_grant,
    project_update,
    project_watch,
    task_create,
    task_set_status,
)
from backend.projects.sharing import project_share
from backend.projects.stages import Stage
from backend.projects.updates import project_update_publish
from backend.strategy.models import Measure
from workflows.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStatus,
    Decision,
    TransitionRecord,
)
from workflows.policies import policy_defaults_create
from workflows.services import approval_decide, project_transition


class DemoDataError(Exception):
    """The demo tables do not fit the services any more (a guard, a permission or a validation said no)."""


@dataclass
class World:
    """The demo's rows by their natural keys, as the stories refer to them."""

    today: date
    users: dict[str, User] = field(default_factory=dict)
    municipalities: dict[str, Municipality] = field(default_factory=dict)
    departments: dict[tuple[str, str], Department] = field(default_factory=dict)
    organizations: dict[str, PartnerOrganization] = field(default_factory=dict)
    measures: dict[tuple[str, str], Measure] = field(default_factory=dict)

    def user(self, username: str | None) -> User | None:
        return None if username is None else self.users[username]


@dataclass
class SeedReport:
    accounts: list[str]
    projects_created: list[str]
    projects_skipped: list[str]


@transaction.atomic
def demo_seed(*, today: date | None = None, log: Callable[[str], None] | None = None) -> SeedReport:
    """Bring the database to the demo's state; one transaction, so a failure leaves nothing half-seeded."""
    world = World(today=today or timezone.localdate())
    for spec in MUNICIPALITIES:
        _municipality_ensure(spec=spec, world=world)
        if spec.members:
            world.municipalities[spec.key].members.set([world.municipalities[key] for key in spec.members])
    groups = {spec.name: _group_ensure(spec=spec) for spec in GROUPS}
    password = _demo_password_hash(usernames=[spec.username for spec in ACCOUNTS])
    for spec in ACCOUNTS:
        _account_ensure(spec=spec, world=world, groups=groups, password=password)
    for strategy_spec in STRATEGIES:
        key = strategy_spec.municipality
        departments = {code: department for (owner, code), department in world.departments.items() if owner == key}
        measures = strategy_ensure(
            spec=strategy_spec, municipality=world.municipalities[key], departments=departments, users=world.users
        )
        world.measures.update({(key, code): measure for code, measure in measures.items()})
    created, skipped = [], []
    for story in STORIES:
        municipality = world.municipalities[story.municipality]
        if Project.objects.filter(municipality=municipality, title=story.title).exists():
            skipped.append(story.title)
            continue
        project = _story_tell(story=story, world=world)
        created.append(story.title)
        if log:
            log(f"  {municipality.name}: {project.title} → {project.stage}")
    _ideas_ensure(world=world)
    energy_demo_seed(municipality=world.municipalities[MUNICIPALITIES[0].key], today=world.today)
    funding_calls_seed()  # the shared catalogue of real calls (backend.integrations.seed)
    return SeedReport(accounts=[spec.username for spec in ACCOUNTS], projects_created=created, projects_skipped=skipped)


# ---------------------------------------------------------------- organisation and people


def _municipality_ensure(*, spec: MunicipalitySpec, world: World) -> Municipality:
    municipality = Municipality.objects.filter(ico=spec.ico).first()
    if municipality is None:
        municipality = municipality_create(name=spec.name, ico=spec.ico, region=spec.region)
    _fields_ensure(instance=municipality, values={"name": spec.name, "region": spec.region, "kind": spec.kind})
    world.municipalities[spec.key] = municipality
    for code, name in spec.departments:
        department = Department.objects.filter(municipality=municipality, code=code).first()
        if department is None:
            department = department_create(municipality=municipality, code=code, name=name)
        else:
            _fields_ensure(instance=department, values={"name": name})
        world.departments[spec.key, code] = department
    for organization_spec in spec.organizations:
        organization = PartnerOrganization.objects.filter(
            municipality=municipality, name=organization_spec.name
        ).first()
        if organization is None:
            organization = organization_create(
                municipality=municipality,
                name=organization_spec.name,
                kind=organization_spec.kind,
                ico=organization_spec.ico,
            )
        else:
            _fields_ensure(instance=organization, values={"kind": organization_spec.kind, "ico": organization_spec.ico})
        world.organizations[organization_spec.key] = organization
    if spec.key in PORTALS:
        slug, introduction = PORTALS[spec.key]
        portal = Portal.objects.filter(municipality=municipality).first() or Portal(municipality=municipality)
        portal.slug, portal.introduction, portal.is_open = slug, introduction, True
        portal.full_clean()
        portal.save()
    policy_defaults_create(municipality_id=municipality.pk)
    if spec.coordinator_approves_all:
        _policies_let_coordinator_approve(municipality=municipality)
    return municipality


def _policies_let_coordinator_approve(*, municipality: Municipality) -> None:
    """Every gated transition needs one approval, which the coordinator alone may give, their own request
    included.

    Approvals are data: a village with one official (its mayor as coordinator) has no second pair of eyes,
    configures its policies so, and the demo shows it.
    """
    for policy in ApprovalPolicy.objects.filter(municipality=municipality, required_approvals__gt=0):
        _fields_ensure(
            instance=policy,
            values={
                "coordinator_approves": True,
                "required_approvals": 1,
                "each_role_must_approve": False,
                "forbid_self_approval": False,
            },
        )


def _fields_ensure(*, instance: Any, values: dict[str, Any]) -> None:
    """Bring an existing row back to the demo's values, saving only when something differs."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean()
    instance.save()


def _group_ensure(*, spec: GroupSpec) -> Group:
    for app_label in {*spec.full_apps, *spec.view_apps}:
        # Permissions are made by post_migrate; a flushed database may lack them, so make sure they exist.
        create_permissions(global_apps.get_app_config(app_label), verbosity=0)
    group, _ = Group.objects.get_or_create(name=spec.name)
    group.permissions.set(_group_permissions(spec=spec))
    return group


def _group_permissions(*, spec: GroupSpec) -> list[Permission]:
    read_only = {tuple(label.split(".")) for label in READ_ONLY_MODELS}
    changeable = {tuple(label.split(".")) for label in spec.change_models}
    chosen = []
    for permission in Permission.objects.select_related("content_type").filter(
        content_type__app_label__in={*spec.full_apps, *spec.view_apps}
    ):
        model = (permission.content_type.app_label, permission.content_type.model)
        action = permission.codename.split("_", 1)[0]
        everything = model[0] in spec.full_apps and model not in read_only
        if action == "view" or everything or (action == "change" and model in changeable):
            chosen.append(permission)
    return chosen


def _demo_password_hash(*, usernames: list[str]) -> str:
    """One hash of ``demo`` shared by every demo account.

    A strong hash takes half a second to compute or check; hashing once instead of per account keeps the
    command and its tests fast, and a shared salt costs nothing for a password everyone knows.
    """
    for encoded in set(User.objects.filter(username__in=usernames).values_list("password", flat=True)):
        if encoded and check_password(DEMO_PASSWORD, encoded):
            return encoded
    return make_password(DEMO_PASSWORD)


def _account_ensure(*, spec: AccountSpec, world: World, groups: dict[str, Group], password: str) -> User:
    values = {
        "first_name": spec.first_name,
        "last_name": spec.last_name,
        "email": spec.email,
        "is_staff": spec.is_staff,
        "is_superuser": False,
        "is_active": True,
        "language": "cs",
    }
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        user = User(username=spec.username, password=password, **values)
        user.full_clean()
        user.save()
    else:
        _fields_ensure(instance=user, values={**values, "password": password})
    for membership in spec.memberships:
        department = (
            world.departments[membership.municipality, membership.department] if membership.department else None
        )
        organization = world.organizations[membership.organization] if membership.organization else None
        municipality = world.municipalities[membership.municipality]
        exists = Membership.objects.filter(
            user=user, role=membership.role, municipality=municipality, department=department, organization=organization
        ).exists()
        if not exists:
            membership_grant(
                user=user,
                role=membership.role,
                municipality=municipality,
                department=department,
                organization=organization,
            )
    user.groups.set([groups[spec.group]] if spec.group else [])
    world.users[spec.username] = user
    return user


# ---------------------------------------------------------------- projects


@dataclass
class Scene:
    """One story being told: the project as it stands now and the approval request last made on it."""

    world: World
    story: ProjectStory
    project: Project
    request: ApprovalRequest | None = None

    def actor(self, username: str) -> User:
        return self.world.users[username]

    def reload(self) -> None:
        # A transition saves a freshly locked copy of the project; carry on with what is in the database.
        self.project = Project.objects.select_related("municipality").get(pk=self.project.pk)


def _month_start(*, today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _planned_dates(*, story: ProjectStory, today: date) -> tuple[date | None, date | None]:
    if story.start_in_months is None:
        return None, None
    start = _month_start(today=today, months=story.start_in_months)
    end = _month_start(today=today, months=story.start_in_months + story.months) - timedelta(days=1)
    return start, end


def _czk(amount: int | Decimal | None) -> Decimal | None:
    return None if amount is None else Decimal(amount)


def _story_tell(*, story: ProjectStory, world: World) -> Project:
    key = story.municipality
    planned_start, planned_end = _planned_dates(story=story, today=world.today)
    author = world.users[story.author]
    profile = PUBLIC_PROFILES.get(story.title)
    public_fields = (
        {
            "public_summary": profile.summary,
            "address": profile.address,
            "latitude": profile.latitude,
            "longitude": profile.longitude,
        }
        if profile
        else {}
    )
    try:
        project = project_create(
            actor=author,
            municipality=world.municipalities[key],
            title=story.title,
            summary=story.summary,
            description=story.description,
            lead_department=world.departments[key, story.lead],
            departments=[world.departments[key, code] for code in story.involved],
            manager=world.user(story.manager),
            thematic_area=story.area,
            estimated_cost=_czk(story.cost),
            planned_start=planned_start,
            planned_end=planned_end,
            is_public=story.is_public,
            strategic_measures=[
                *(world.measures[key, code] for code in story.measures),
                *(world.measures[group, code] for group, code in story.group_measures),
            ],
            **public_fields,
        )
    except (DomainError, ValidationError) as error:
        raise DemoDataError(f"Demo project “{story.title}” cannot be created: {_describe(error)}") from error
    scene = Scene(world=world, story=story, project=project)
    clock = StoryClock(started=project.created_at)
    for number, step in enumerate(story.steps, start=1):
        clock.step_begins(stage=scene.project.stage)
        try:
            STEP_RUNNERS[type(step)](step, scene)
        except (DomainError, ValidationError) as error:
            raise DemoDataError(
                f"Demo project “{story.title}”, step {number} ({step!r}) failed: {_describe(error)}"
            ) from error
        clock.step_ended(stage=scene.project.stage)
    for username in story.watchers:
        project_watch(user=world.users[username], project=scene.project)
    _story_backdate(story=story, project=scene.project, clock=clock)
    if profile:
        _updates_publish(profile=profile, scene=scene)
    scene.reload()
    if scene.project.stage != story.stage:
        raise DemoDataError(
            f"Demo project “{story.title}” ended in the stage “{scene.project.stage}”, its story says “{story.stage}”."
        )
    return scene.project


def _ideas_ensure(*, world: World) -> None:
    """Citizens' ideas in every state, found by title; confirmed e-mails of fictional citizens."""
    coordinator = world.users["coordinator"]
    now = timezone.now()
    for key, specs in IDEAS.items():
        municipality = world.municipalities[key]
        for number, spec in enumerate(specs, start=1):
            if Idea.objects.filter(municipality=municipality, title=spec.title).exists():
                continue
            moment = now - timedelta(days=40 - 5 * number)
            published = spec.status == IdeaStatus.PUBLISHED
            idea = Idea(
                municipality=municipality,
                title=spec.title,
                description=spec.description,
                thematic_area=spec.area,
                place=spec.place,
                author_name=f"Občan {number}",
                author_email=f"obcan{number}@example.org",
                status=spec.status,
                answer_state=spec.answer_state,
                answer=spec.answer,
                rejection_reason="Wi-Fi v autobusech zajišťuje dopravce, ne město."
                if spec.status == "rejected"
                else "",
                created_at=moment,
                confirmed_at=moment,
                published_at=moment + timedelta(days=1) if published else None,
            )
            idea.full_clean()
            idea.save()
            if published:
                IdeaDecision.objects.create(idea=idea, actor=coordinator, kind="publish", created_at=moment)
            if spec.to_project:
                project = idea_to_project(actor=coordinator, idea=idea)
                # Like the stories' rows: the project came from the idea days ago, not at the seed's moment.
                born = moment + timedelta(days=2)
                Project.objects.filter(pk=project.pk).update(created_at=born, updated_at=born, stage_changed_at=born)
                Event.objects.filter(project=project).update(created_at=born)
                IdeaDecision.objects.filter(idea=idea, kind="to_project").update(created_at=born)


def _updates_publish(*, profile, scene: Scene) -> None:
    """The manager's public updates, dated as the profile says (the seed alone sets those dates)."""
    manager = scene.project.manager
    now = timezone.now()
    for spec in profile.updates:
        try:
            update = project_update_publish(actor=manager, project=scene.project, title=spec.title, body=spec.body)
        except (DomainError, ValidationError) as error:
            raise DemoDataError(f"Demo update “{spec.title}” cannot be published: {_describe(error)}") from error
        moment = now - timedelta(days=spec.days_ago)
        ProjectUpdate.objects.filter(pk=update.pk).update(published_at=moment, created_at=moment, updated_at=moment)


# ---------------------------------------------------------------- dates of the story


# Typical days a project of the demo stays in a stage before it moves on (or, for its current stage, has stood
# in it so far); each story varies them by up to ±40 % so that no two cards look alike.
TYPICAL_DAYS = {
    Stage.IDEA: 21,
    Stage.ASSESSMENT: 30,
    Stage.FUNDING: 60,
    Stage.IMPLEMENTATION: 150,
    Stage.EVALUATION: 45,
    Stage.COMPLETED: 120,
    Stage.REJECTED: 60,
    Stage.ON_HOLD: 40,
}
# A request still pending was made about a day ago: inside its reminder and escalation deadlines.
PENDING_REQUEST_AGE = timedelta(days=1)
# The story's last step happened a little before the seed ran.
LAST_STEP_AGE = timedelta(hours=2)


@dataclass
class StoryClock:
    """When each step of a story really ran (a fraction of a second apart) and which ones changed the stage."""

    started: datetime
    # The moment each step began, the creation of the project first.
    marks: list[datetime] = field(default_factory=list)
    # (index in ``marks``, stage left) of every step that moved the project.
    changes: list[tuple[int, str]] = field(default_factory=list)
    _stage_before: str = ""

    def __post_init__(self) -> None:
        self.marks.append(self.started)

    def step_begins(self, *, stage: str) -> None:
        self.marks.append(timezone.now())
        self._stage_before = stage

    def step_ended(self, *, stage: str) -> None:
        if stage != self._stage_before:
            self.changes.append((len(self.marks) - 1, self._stage_before))


def _days(story: ProjectStory, stage: str, salt: int) -> timedelta:
    """A plausible stay in ``stage`` for this story, the same on every run."""
    variation = zlib.crc32(f"{story.title}/{salt}".encode()) % 81 - 40
    return timedelta(days=max(TYPICAL_DAYS[Stage(stage)] * (100 + variation) / 100, 1))


def _step_targets(*, story: ProjectStory, project: Project, clock: StoryClock, now: datetime) -> list[datetime]:
    """When each step (creation first) should seem to have happened: the stage changes at their dates, the
    steps between two changes spread evenly between them, a still pending request about a day ago."""
    in_stage = timedelta(days=story.days_in_stage) if story.days_in_stage is not None else _days(story, story.stage, 0)
    anchors = {len(clock.marks): now - LAST_STEP_AGE}
    moment = now - in_stage
    for salt, (index, stage_left) in enumerate(reversed(clock.changes), start=1):
        anchors[index] = moment
        moment -= _days(story, stage_left, salt)
    anchors[0] = moment if clock.changes else min(now - in_stage, now - LAST_STEP_AGE * 2)
    pending = ApprovalRequest.objects.filter(project=project, status=ApprovalStatus.PENDING).values_list(
        "created_at", flat=True
    )
    last_change = max((index for index, _ in clock.changes), default=0)
    for created_at in pending:
        index = bisect_right(clock.marks, created_at) - 1
        if index > last_change:
            anchors[index] = max(now - PENDING_REQUEST_AGE, anchors[last_change] + timedelta(hours=1))
    points = sorted(anchors.items())
    targets = []
    for index in range(len(clock.marks)):
        (left, start), (right, end) = next(
            (points[n], points[n + 1]) for n in range(len(points) - 1) if points[n][0] <= index < points[n + 1][0]
        )
        targets.append(start + (end - start) * (index - left) / (right - left))
    return targets


# Every row a story writes, by the path from it to its project, with its timestamps.
_STORY_ROWS = (
    (Project, "pk", ("created_at", "updated_at", "stage_changed_at")),
    (ProjectPartner, "project_id", ("created_at", "updated_at")),
    (Task, "project_id", ("created_at", "updated_at", "completed_at")),
    (Comment, "project_id", ("created_at", "updated_at")),
    (Attachment, "project_id", ("created_at",)),
    (FundingApplication, "project_id", ("created_at", "updated_at")),
    (Kpi, "project_id", ("created_at", "updated_at")),
    (Event, "project_id", ("created_at",)),
    (Notification, "event__project_id", ("created_at", "read_at")),
    (Delivery, "event__project_id", ("created_at", "next_attempt_at", "sent_at")),
    (ApprovalRequest, "project_id", ("created_at", "decided_at", "escalates_at")),
    (ApprovalDecision, "request__project_id", ("created_at",)),
    (TransitionRecord, "project_id", ("created_at",)),
)


def _story_backdate(*, story: ProjectStory, project: Project, clock: StoryClock) -> None:
    """Move the story's own rows, written a moment ago, to the dates the story would have had.

    Each step's rows shift together by that step's offset, so their order and every interval inside a step
    stay as the services wrote them; a moment outside the story (a deadline to come) shifts with its row.
    The transition history refuses edits through its manager; the seed, and nothing else, uses the base one.
    """
    now = timezone.now()
    targets = _step_targets(story=story, project=project, clock=clock, now=now)
    offsets = [target - mark for target, mark in zip(targets, clock.marks, strict=True)]

    def offset(moment: datetime) -> timedelta:
        return offsets[max(bisect_right(clock.marks, moment) - 1, 0)]

    for model, path, names in _STORY_ROWS:
        rows = list(model._base_manager.filter(**{path: project.pk}))
        for row in rows:
            own = offset(row.created_at)
            for name in names:
                moment = getattr(row, name)
                if moment is not None:
                    inside = clock.started <= moment <= now
                    setattr(row, name, moment + (offset(moment) if inside else own))
        model._base_manager.bulk_update(rows, names, batch_size=500)


def _describe(error: Exception) -> str:
    if isinstance(error, TransitionBlocked):
        return f"{error} " + "; ".join(f"{blocker.code}: {blocker.message}" for blocker in error.blockers)
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


def _move(step: Move, scene: Scene) -> None:
    outcome = project_transition(
        project=scene.project, actor=scene.actor(step.by), transition=step.transition, comment=step.comment
    )
    scene.request = outcome.approval_request
    scene.reload()


def _decide(step: Decide, scene: Scene) -> None:
    if scene.request is None:
        raise DemoDataError(f"Demo project “{scene.story.title}”: a decision without a request to decide.")
    approval_decide(
        approval_request=scene.request,
        actor=scene.actor(step.by),
        decision=Decision.APPROVE if step.approve else Decision.REJECT,
        comment=step.comment,
    )
    scene.reload()


def _update(scene: Scene, by: str, **changes: Any) -> None:
    project_update(actor=scene.actor(by), project=scene.project, **changes)
    scene.reload()


def _assess(step: Assess, scene: Scene) -> None:
    _update(scene, step.by, assessment_score=step.score, assessment_summary=step.summary)


def _evaluate(step: Evaluate, scene: Scene) -> None:
    _update(scene, step.by, evaluation_summary=step.summary)


def _edit(step: Edit, scene: Scene) -> None:
    _update(scene, step.by, **step.changes)


def _invite(step: Invite, scene: Scene) -> None:
    project_partner_grant(
        actor=scene.actor(step.by),
        project=scene.project,
        organization=scene.world.organizations[step.organization],
        access_level=step.access,
    )


def _add_task(step: AddTask, scene: Scene) -> None:
    start = scene.project.planned_start or scene.world.today
    assignee = scene.world.user(step.assignee)
    task = task_create(
        actor=scene.actor(step.by),
        project=scene.project,
        title=step.title,
        assignee=assignee,
        due_date=start + timedelta(days=step.due_in_days),
        description=step.description,
    )
    if step.status != TaskStatus.OPEN:
        # Whoever works on the task moves it, partner guests included.
        task_set_status(actor=assignee or scene.actor(step.by), task=task, status=step.status)


def _remark(step: Remark, scene: Scene) -> None:
    comment_create(
        actor=scene.actor(step.by),
        project=scene.project,
        body=step.body,
        visibility=CommentVisibility.SHARED if step.shared else CommentVisibility.INTERNAL,
    )


def _share_with(step: ShareWith, scene: Scene) -> None:
    municipality = scene.world.municipalities[step.municipality]
    project_share(actor=scene.actor(step.by), project=scene.project, municipality=municipality)


def _invite_guest(step: InviteGuest, scene: Scene) -> None:
    invitation_create(
        actor=scene.actor(step.by),
        email=step.email,
        organization=scene.world.organizations[step.organization],
        projects=[scene.project],
    )


def _attach(step: Attach, scene: Scene) -> None:
    attachment_create(
        actor=scene.actor(step.by),
        project=scene.project,
        file=ContentFile(step.content.encode(), name=step.name),
        visibility=CommentVisibility.SHARED if step.shared else CommentVisibility.INTERNAL,
    )


def _apply(step: Apply, scene: Scene) -> None:
    deadline = None if step.deadline_in_days is None else scene.world.today + timedelta(days=step.deadline_in_days)
    funding_create(
        actor=scene.actor(step.by),
        project=scene.project,
        programme=step.programme,
        call_name=step.call,
        amount_requested=_czk(step.requested),
        amount_approved=_czk(step.approved),
        status=step.status,
        call_deadline=deadline,
        internal_note=step.note,
    )


def _application(scene: Scene, programme: str) -> FundingApplication:
    return FundingApplication.objects.get(project=scene.project, programme=programme)


def _award(step: Award, scene: Scene) -> None:
    application = _application(scene, step.programme)
    changes: dict[str, Any] = {"status": FundingStatus.APPROVED, "amount_approved": _czk(step.amount)}
    if step.note:
        changes["internal_note"] = step.note
    funding_update(actor=scene.actor(step.by), application=application, **changes)


def _refuse(step: Refuse, scene: Scene) -> None:
    application = _application(scene, step.programme)
    changes: dict[str, Any] = {"status": FundingStatus.REJECTED, "amount_approved": None}
    if step.note:
        changes["internal_note"] = step.note
    funding_update(actor=scene.actor(step.by), application=application, **changes)


def _add_kpi(step: AddKpi, scene: Scene) -> None:
    kpi_create(
        actor=scene.actor(step.by),
        project=scene.project,
        name=step.name,
        kind=step.kind,
        carrier=step.carrier,
        sector=step.sector,
        # The service refuses a blank unit even for the kinds whose unit is fixed, so pass the fixed one.
        unit=KPI_FIXED_UNITS.get(step.kind, step.unit),
        baseline=_czk(step.baseline),
        target=_czk(step.target),
    )


def _record_kpi(step: RecordKpi, scene: Scene) -> None:
    kpi = Kpi.objects.get(project=scene.project, name=step.name)
    kpi_update(actor=scene.actor(step.by), kpi=kpi, actual=_czk(step.actual))


STEP_RUNNERS: dict[type, Callable[[Any, Scene], None]] = {
    Move: _move,
    Decide: _decide,
    Assess: _assess,
    Evaluate: _evaluate,
    Edit: _edit,
    Invite: _invite,
    ShareWith: _share_with,
    InviteGuest: _invite_guest,
    AddTask: _add_task,
    Remark: _remark,
    Attach: _attach,
    Apply: _apply,
    Award: _award,
    Refuse: _refuse,
    AddKpi: _add_kpi,
    RecordKpi: _record_kpi,
}


# ---------------------------------------------------------------- summary


def demo_summary() -> list[str]:
    """What the demo holds now, for the command's closing lines."""
    lines = []
    for spec in MUNICIPALITIES:
        municipality = Municipality.objects.filter(ico=spec.ico).first()
        if municipality is None:
            continue
        per_stage = Counter(Project.objects.filter(municipality=municipality).values_list("stage", flat=True))
        stages = ", ".join(f"{stage.value} {per_stage[stage.value]}" for stage in Stage if per_stage[stage.value])
        lines.append(f"{municipality.name}: {sum(per_stage.values())} projects ({stages})")
    requests = Counter(
        ApprovalRequest.objects.filter(
            project__municipality__ico__in=[spec.ico for spec in MUNICIPALITIES]
        ).values_list("status", flat=True)
    )
    lines.append("Approval requests: " + ", ".join(f"{status} {count}" for status, count in sorted(requests.items())))
    return lines
