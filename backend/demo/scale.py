"""A large installation for benchmarks and for trying Rámec at size: one big town beside many of 200 projects.

Rows go in by bulk (PostgreSQL's COPY, plain multi-row INSERTs elsewhere), never through the services: the
data is realistic in shape (stages, history, tasks, comments, funding, KPIs, approvals, notifications), not
in the events the services would write. Every account's password is ``demo``, hashed once.
"""

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from backend.accounts.models import Department, Membership, Municipality, PartnerOrganization, User
from backend.core.validators import ico_check_digit
from backend.demo.data import DEMO_PASSWORD
from backend.notifications.models import Notification
from backend.projects.models import Comment, Event, EventKind, FundingApplication, Kpi, Project, ProjectPartner, Task
from backend.projects.stages import Stage
from backend.projects.town_cache import town_figures_changed
from workflows.models import ApprovalRequest, TransitionRecord

SMALL_TOWN_PROJECTS = 200
BIG_TOWN_NAME = "Statutární město Velkov"
TOWN_PREFIX = "Obec Škálov"
USERNAME_PREFIX = "scale."
DEPARTMENTS = (
    ("ENV", "Odbor životního prostředí a energetiky"),
    ("TRA", "Odbor dopravy"),
    ("ICT", "Odbor informatiky"),
    ("SOC", "Odbor sociálních věcí"),
)
TITLES = (
    "LED veřejné osvětlení",
    "Fotovoltaika na střeše školy",
    "Chytré parkování v centru",
    "Energetický management budov",
    "Portál otevřených dat",
    "Detekce úniků vody",
    "Sdílená kola",
    "Zelená střecha radnice",
    "Digitální úřední deska",
    "Měření kvality ovzduší",
)
AREAS = ("energy", "mobility", "ict", "environment", "social", "safety", "governance")
# Share of projects in each stage (per thousand): most are early or running, some finished or stopped.
STAGE_SHARES = (
    (Stage.IDEA, 200),
    (Stage.ASSESSMENT, 150),
    (Stage.FUNDING, 150),
    (Stage.IMPLEMENTATION, 200),
    (Stage.EVALUATION, 100),
    (Stage.COMPLETED, 120),
    (Stage.REJECTED, 50),
    (Stage.ON_HOLD, 30),
)
# The transitions that led to each stage from idea, in order: (name, source, target).
FORWARD = (
    ("submit", Stage.IDEA, Stage.ASSESSMENT),
    ("approve_for_funding", Stage.ASSESSMENT, Stage.FUNDING),
    ("start_implementation", Stage.FUNDING, Stage.IMPLEMENTATION),
    ("finish_implementation", Stage.IMPLEMENTATION, Stage.EVALUATION),
    ("complete", Stage.EVALUATION, Stage.COMPLETED),
)
ORDER = (Stage.IDEA, Stage.ASSESSMENT, Stage.FUNDING, Stage.IMPLEMENTATION, Stage.EVALUATION, Stage.COMPLETED)
TASK_TITLES = ("příprava", "rozpočet", "zadávací řízení", "realizace", "vyhodnocení")
TASKS_PER_PROJECT = len(TASK_TITLES)
COMMENTS_PER_PROJECT = 10
# The head of the big town's first department (the benches' approver) heads a big department: at least this many
# requests wait for their decision at any size, a full page of the API's 50 and more than the inbox's 20. From the
# stage shares alone they had ~4 at 200 projects and ~67 at 2,000, and each size showed a different page.
HEAD_INBOX = 60


class ScaleDataError(Exception):
    pass


@dataclass
class ScaleReport:
    municipalities: int = 0
    projects: int = 0
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class _Town:
    municipality: Municipality
    departments: list[int]
    coordinator: int
    heads: list[int]  # by department
    managers: list[int]
    staff: list[int]
    partner: int
    organization: int


def _insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence], report: ScaleReport) -> None:
    """Rows of ``columns`` (attnames) into the model's table; other columns get their field's default."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    now = timezone.now()
    constants = {}
    for name, model_field in fields.items():
        if name in columns or model_field.primary_key:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = now
        else:
            value = model_field.get_default()
        constants[name] = model_field.get_db_prep_save(value, connection)
    names = [*columns, *constants]
    tail = tuple(constants.values())
    prepared = [fields[name] for name in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(fields[name].column) for name in names)

    def prep(row: Sequence) -> tuple:
        return (
            *(
                value
                if value is None or type(value) in (int, str, bool)
                else model_field.get_db_prep_save(value, connection)
                for model_field, value in zip(prepared, row, strict=True)
            ),
            *tail,
        )

    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(prep(row))
                    count += 1
        else:
            statement = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
            batch = []
            for row in rows:
                batch.append(prep(row))
                if len(batch) >= 2000:
                    cursor.executemany(statement, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(statement, batch)
                count += len(batch)
    report.rows[model._meta.label] = report.rows.get(model._meta.label, 0) + count


def _new_ids(model: type[models.Model], after: int, **filters) -> list[int]:
    """Ids of the rows just inserted, in insertion order (both backends hand out ascending ids)."""
    return list(model.objects.filter(pk__gt=after, **filters).order_by("pk").values_list("pk", flat=True))


def _last_id(model: type[models.Model]) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _town(number: int, name: str, password: str, report: ScaleReport) -> _Town:
    base = f"9{number:06d}"
    municipality = Municipality.objects.create(name=name, ico=base + str(ico_check_digit(base)), region="vysocina")
    departments = Department.objects.bulk_create(
        [Department(municipality=municipality, code=code, name=label) for code, label in DEPARTMENTS]
    )
    organization = PartnerOrganization.objects.create(
        municipality=municipality, name=f"Chytrý spolek {number}, z.s.", kind="ngo"
    )
    prefix = f"{USERNAME_PREFIX}{number}."
    people = [("coordinator", None), *((f"head.{d.code.lower()}", d) for d in departments)]
    people += [(f"pm.{d.code.lower()}", d) for d in departments]
    people += [(f"staff.{d.code.lower()}", d) for d in departments]
    people += [("partner", None)]
    users = User.objects.bulk_create(
        [
            User(username=prefix + suffix, email=f"{prefix}{suffix}@example.cz", password=password, first_name="Jana")
            for suffix, _ in people
        ]
    )
    by_name = {suffix: user for (suffix, _), user in zip(people, users, strict=True)}
    memberships = [Membership(user=by_name["coordinator"], municipality=municipality, role="coordinator")]
    for role, key in (("head", "head"), ("manager", "pm"), ("staff", "staff")):
        memberships += [
            Membership(user=by_name[f"{key}.{d.code.lower()}"], municipality=municipality, role=role, department=d)
            for d in departments
        ]
    memberships.append(
        Membership(user=by_name["partner"], municipality=municipality, role="partner", organization=organization)
    )
    Membership.objects.bulk_create(memberships)
    report.municipalities += 1
    return _Town(
        municipality=municipality,
        departments=[d.pk for d in departments],
        coordinator=by_name["coordinator"].pk,
        heads=[by_name[f"head.{d.code.lower()}"].pk for d in departments],
        managers=[by_name[f"pm.{d.code.lower()}"].pk for d in departments],
        staff=[by_name[f"staff.{d.code.lower()}"].pk for d in departments],
        partner=by_name["partner"].pk,
        organization=organization.pk,
    )


def _stages(count: int, rng: random.Random) -> list[str]:
    population = [stage for stage, share in STAGE_SHARES for _ in range(share)]
    return [rng.choice(population) for _ in range(count)]


def _path(stage: str, rng: random.Random) -> tuple[list[tuple[str, str, str]], str]:
    """The transitions a project in ``stage`` went through, and its stage before a hold."""
    if stage == Stage.REJECTED:
        reached = rng.choice((Stage.IDEA, Stage.ASSESSMENT, Stage.FUNDING))
        steps = list(FORWARD[: ORDER.index(reached)])
        return [*steps, ("reject", reached, Stage.REJECTED)], ""
    if stage == Stage.ON_HOLD:
        held = rng.choice((Stage.ASSESSMENT, Stage.FUNDING, Stage.IMPLEMENTATION))
        steps = list(FORWARD[: ORDER.index(held)])
        return [*steps, ("put_on_hold", held, Stage.ON_HOLD)], held
    return list(FORWARD[: ORDER.index(stage)]), ""


def _fill_first_head_inbox(stages: list[str], lead: list[int], minimum: int) -> None:
    """The newest projects move to assessment under the first department until ``minimum`` of them (at most half
    the town's) wait for its head's approval: recently submitted ones, as in a big department."""
    minimum = min(minimum, len(stages) // 2)
    waiting = sum(
        1 for stage, department in zip(stages, lead, strict=True) if stage == Stage.ASSESSMENT and not department
    )
    for i in reversed(range(len(stages))):
        if waiting >= minimum:
            return
        if stages[i] != Stage.ASSESSMENT or lead[i]:
            stages[i], lead[i] = Stage.ASSESSMENT, 0
            waiting += 1


def _projects(
    town: _Town,
    count: int,
    rng: random.Random,
    report: ScaleReport,
    log: Callable | None,
    *,
    head_inbox: int = 0,
) -> None:
    """``count`` projects of one town with everything that hangs on them; at least ``head_inbox`` of them wait for
    the approval of the head of its first department."""
    now = timezone.now()
    stages = _stages(count, rng)
    paths = [_path(stage, rng) for stage in stages]
    # Created over the last four years, oldest first (as they would have been): the list's order is meaningful.
    span = 4 * 365 * 24 * 3600
    created = sorted(now - timedelta(seconds=rng.randrange(3600, span)) for _ in range(count))
    lead = [rng.randrange(len(town.departments)) for _ in range(count)]
    if head_inbox:
        _fill_first_head_inbox(stages, lead, head_inbox)
        paths = [
            _path(stage, rng) if stage == Stage.ASSESSMENT else path for stage, path in zip(stages, paths, strict=True)
        ]
    changed = [
        created[i] + (now - created[i]) * (len(paths[i][0]) / (len(paths[i][0]) + 1)) if paths[i][0] else created[i]
        for i in range(count)
    ]
    after = _last_id(Project)
    _insert(
        Project,
        (
            "municipality_id",
            "title",
            "summary",
            "description",
            "lead_department_id",
            "manager_id",
            "author_id",
            "thematic_area",
            "estimated_cost",
            "assessment_score",
            "assessment_summary",
            "is_public",
            "planned_start",
            "planned_end",
            "stage",
            "stage_before_hold",
            "stage_changed_at",
            "created_at",
            "updated_at",
        ),
        (
            (
                town.municipality.pk,
                f"{TITLES[i % len(TITLES)]} č. {i + 1}",
                "Projekt chytrého města: úspory energie a lepší služby občanům.",
                "Cílem projektu je snížit spotřebu energie a zlepšit služby. " * 4,
                town.departments[lead[i]],
                town.managers[lead[i]],
                town.managers[lead[i]],
                AREAS[i % len(AREAS)],
                Decimal(100_000 + (i * 7919) % 9_900_000),
                None if stages[i] == Stage.IDEA else 40 + (i * 37) % 61,
                "" if stages[i] == Stage.IDEA else "Přínosný projekt s jasnými ukazateli.",
                i % 3 == 0,
                (created[i] + timedelta(days=60)).date(),
                (created[i] + timedelta(days=400)).date(),
                stages[i],
                paths[i][1],
                changed[i],
                created[i],
                changed[i],
            )
            for i in range(count)
        ),
        report,
    )
    ids = _new_ids(Project, after, municipality=town.municipality)
    if len(ids) != count:
        raise ScaleDataError(f"expected {count} new projects in {town.municipality}, found {len(ids)}")
    report.projects += count
    if log:
        log(f"  {town.municipality.name}: {count} projects")

    departments = len(town.departments)
    _insert(
        Project.departments.through,
        ("project_id", "department_id"),
        ((pk, town.departments[(lead[i] + offset) % departments]) for i, pk in enumerate(ids) for offset in range(2)),
        report,
    )
    # Every tenth project has the town's partner organisation on board.
    _insert(
        ProjectPartner,
        ("project_id", "organization_id", "access_level", "invited_by_id", "created_at"),
        (
            (pk, town.organization, "contribute", town.managers[lead[i]], created[i])
            for i, pk in enumerate(ids)
            if i % 10 == 0
        ),
        report,
    )
    _insert(
        Project.watchers.through,
        ("project_id", "user_id"),
        ((pk, town.coordinator) for i, pk in enumerate(ids) if i % 4 == 0),
        report,
    )

    def task_rows():
        for i, pk in enumerate(ids):
            current = ORDER.index(stages[i]) if stages[i] in ORDER else 1
            for number in range(TASKS_PER_PROJECT):
                stage = ORDER[min(number, 4)]
                done = ORDER.index(stage) < current
                if i % 10 == 0 and number == 0:
                    assignee = town.partner
                elif number % 2:
                    assignee = town.staff[(lead[i] + number) % departments]
                else:
                    assignee = town.managers[lead[i]]
                yield (
                    pk,
                    f"Úkol {number + 1}: {TASK_TITLES[number]}",
                    assignee,
                    stage,
                    "done" if done else ("in_progress" if number == current else "open"),
                    (created[i] + timedelta(days=30 * (number + 1))).date(),
                    town.managers[lead[i]],
                    changed[i] if done else None,
                    created[i],
                )

    _insert(
        Task,
        (
            "project_id",
            "title",
            "assignee_id",
            "stage",
            "status",
            "due_date",
            "created_by_id",
            "completed_at",
            "created_at",
        ),
        task_rows(),
        report,
    )
    _insert(
        Comment,
        ("project_id", "author_id", "body", "visibility", "created_at"),
        (
            (
                pk,
                (town.managers[lead[i]], town.staff[lead[i]], town.heads[lead[i]])[number % 3],
                f"Komentář {number + 1}: průběh projektu odpovídá plánu, další krok je domluven.",
                "shared" if number % 4 == 0 else "internal",
                created[i] + (now - created[i]) * (number / COMMENTS_PER_PROJECT),
            )
            for i, pk in enumerate(ids)
            for number in range(COMMENTS_PER_PROJECT)
        ),
        report,
    )
    funded = [stage in ORDER and ORDER.index(stage) >= ORDER.index(Stage.IMPLEMENTATION) for stage in stages]
    _insert(
        FundingApplication,
        ("project_id", "programme", "amount_requested", "amount_approved", "status", "call_deadline", "created_at"),
        (
            (
                pk,
                ("irop", "op_zp", "modernisation_fund", "nzu", "municipal_budget")[i % 5],
                Decimal(100_000 + (i * 7919) % 9_900_000),
                Decimal(100_000 + (i * 7919) % 9_900_000) if funded[i] else None,
                "approved" if funded[i] else "submitted",
                (created[i] + timedelta(days=90)).date(),
                created[i],
            )
            for i, pk in enumerate(ids)
        ),
        report,
    )
    _insert(
        Kpi,
        ("project_id", "name", "kind", "unit", "baseline", "target", "actual"),
        (
            row
            for i, pk in enumerate(ids)
            for row in (
                (pk, "Úspora energie", "energy_savings", "MWh/year", Decimal(0), Decimal(120), None),
                (pk, "Snížení emisí CO₂", "co2_reduction", "t CO₂/year", Decimal(0), Decimal(60), None),
            )
        ),
        report,
    )

    # History: a transition record and its event for each step; pending approvals where a gate waits.
    def history():
        for i, pk in enumerate(ids):
            steps = paths[i][0]
            for step, (name, source, target) in enumerate(steps):
                at = created[i] + (changed[i] - created[i]) * ((step + 1) / len(steps))
                actor = town.managers[lead[i]] if name == "submit" else town.heads[lead[i]]
                yield pk, name, source, target, actor, at

    steps = list(history())
    _insert(
        TransitionRecord,
        ("project_id", "transition", "source", "target", "actor_id", "created_at"),
        (row for row in steps),
        report,
    )
    after_event = _last_id(Event)
    _insert(
        Event,
        ("project_id", "kind", "actor_id", "payload", "created_at"),
        (
            (pk, EventKind.PROJECT_TRANSITIONED, actor, {"transition": name, "source": source, "target": target}, at)
            for pk, name, source, target, actor, at in steps
        ),
        report,
    )
    # The manager hears of every step of their projects (the actor, when it was them, included: it is bulk data).
    # Read whole before the COPY starts: one connection cannot stream a cursor and a COPY at once.
    event_rows = list(
        Event.objects.filter(pk__gt=after_event, project__municipality=town.municipality).values_list(
            "pk", "project__manager_id", "created_at"
        )
    )
    _insert(
        Notification,
        ("recipient_id", "event_id", "created_at", "read_at"),
        ((manager, event, at, at if event % 3 else None) for event, manager, at in event_rows),
        report,
    )
    # A pending approval for every project in assessment (the head of its lead department decides).
    _insert(
        ApprovalRequest,
        (
            "project_id",
            "transition",
            "status",
            "requested_by_id",
            "lead_head_approves",
            "required_approvals",
            "created_at",
            "escalates_at",
        ),
        (
            (
                pk,
                "approve_for_funding",
                "pending",
                town.managers[lead[i]],
                True,
                1,
                changed[i],
                changed[i] + timedelta(days=6),
            )
            for i, pk in enumerate(ids)
            if stages[i] == Stage.ASSESSMENT
        ),
        report,
    )


def scale_seed(
    *,
    municipalities: int,
    projects: int,
    town_projects: int = SMALL_TOWN_PROJECTS,
    seed: int = 12,
    log: Callable[[str], None] | None = None,
) -> ScaleReport:
    """One town with ``projects`` projects beside ``municipalities`` towns of ``town_projects``, in one transaction."""
    if Municipality.objects.filter(name=BIG_TOWN_NAME).exists():
        raise ScaleDataError("this database already holds the scale data set; use a fresh database")
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    report = ScaleReport()
    password = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        big = _town(0, BIG_TOWN_NAME, password, report)
        _projects(big, projects, rng, report, log, head_inbox=HEAD_INBOX)
        for number in range(1, municipalities + 1):
            town = _town(number, f"{TOWN_PREFIX} {number}", password, report)
            _projects(town, town_projects, rng, report, log)
        # Bulk rows send no signals: the cached figures of these towns (the portal's, the dashboard's) are renewed
        # here (a cache shared with an earlier database of the same name would otherwise show that one's figures).
        for municipality_id in Municipality.objects.values_list("pk", flat=True):
            town_figures_changed(municipality_id=municipality_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Outside a transaction (the command, the benches) VACUUM too, as autovacuum would soon after a bulk
            # load: without the visibility map no count is answered from an index alone, and the plans measured
            # at 100,000 projects would not be a live database's. (VACUUM cannot run in a transaction: in one, as
            # in the tests, the statistics alone.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return report
