"""What anyone may see of a project without signing in: the one allow-list of the public side.

A project is public only with ``is_public``; of a public project the public sees only what this module copies
into the frozen records below (``PublicProject``, ``PublicProjectDetail`` and what they hold). The portal's
pages, its feeds and the public API render these records, never a model instance, so an internal field
(comments, assessments, internal notes, approvals, people other than the manager, partners, internal files)
cannot reach them by a template's or a serializer's mistake. The access module names this the anonymous
audience.

Each read costs a fixed number of queries: a page of cards one, a project's public page seven.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, DecimalField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.lookups import IsNull
from django.utils.translation import gettext as _

from backend.accounts.models import Municipality
from backend.core.errors import NotFound
from backend.energy.selectors import energy_figures_of
from backend.portal.models import Idea, IdeaStatus
from backend.projects.choices import FundingStatus, KpiKind, ThematicArea
from backend.projects.models import Attachment, FundingApplication, Kpi, Project, ProjectUpdate
from backend.projects.programmes import programme_labels
from backend.projects.stages import Stage
from backend.projects.town_cache import town_figures
from backend.strategy.models import (
    AmendmentAction,
    AmendmentChange,
    CommentStatus,
    Consultation,
    ConsultationComment,
    Goal,
    ItemKind,
    Measure,
)
from workflows.models import TransitionRecord

# The columns of a project the public may read; nothing else is ever loaded for the public side.
PUBLIC_PROJECT_FIELDS = (
    "id",
    "municipality_id",
    "title",
    "public_summary",
    "thematic_area",
    "stage",
    "stage_changed_at",
    "created_at",
    "planned_start",
    "planned_end",
    "estimated_cost",
    "address",
    "ruian_code",
    "latitude",
    "longitude",
    "updated_at",
)
# The stages a project passes on its way, in order: the public progress line.
PROGRESS_STAGES = (
    Stage.IDEA,
    Stage.ASSESSMENT,
    Stage.FUNDING,
    Stage.IMPLEMENTATION,
    Stage.EVALUATION,
    Stage.COMPLETED,
)
SEARCH_MAX_LENGTH = 200
# The town's public energy figures and project count are kept in the cache under this name (per town version).
SUMMARY_CACHE_NAME = "portal-summary"


@dataclass(frozen=True)
class PublicProject:
    """A public project as a card, a feed item or a row of the open data."""

    id: int
    municipality_id: int
    title: str
    public_summary: str
    thematic_area: str
    thematic_area_label: str
    stage: str
    stage_label: str
    in_stage_since: datetime.datetime
    created_at: datetime.datetime
    planned_start: datetime.date | None
    planned_end: datetime.date | None
    estimated_cost: Decimal | None
    address: str
    ruian_code: int | None
    latitude: Decimal | None
    longitude: Decimal | None
    updated_at: datetime.datetime


@dataclass(frozen=True)
class PublicMilestone:
    """A stage on the progress line: when the project entered it (None: not yet, or not on its way)."""

    stage: str
    label: str
    reached_at: datetime.datetime | None
    is_current: bool


@dataclass(frozen=True)
class PublicFunding:
    """Secured money by programme: the approved applications only, never requests, notes or negotiations."""

    programme: str
    programme_label: str
    amount: Decimal


@dataclass(frozen=True)
class PublicKpi:
    name: str
    kind: str
    unit: str
    baseline: Decimal | None
    target: Decimal
    actual: Decimal | None


@dataclass(frozen=True)
class KpiTotal:
    """The KPIs of one first-class kind summed: targets, and the actual values measured so far."""

    target: Decimal
    actual: Decimal | None


@dataclass(frozen=True)
class PublicAttachment:
    id: int
    name: str
    type_label: str
    size: int


@dataclass(frozen=True)
class PublicUpdate:
    id: int
    project_id: int
    project_title: str
    title: str
    body: str
    published_at: datetime.datetime
    attachments: tuple[PublicAttachment, ...]


@dataclass(frozen=True)
class PublicMeasure:
    code: str
    title: str


@dataclass(frozen=True)
class PublicProjectDetail:
    project: PublicProject
    manager_name: str
    lead_department_name: str
    milestones: tuple[PublicMilestone, ...]
    actual_start: datetime.datetime | None
    actual_end: datetime.datetime | None
    funding: tuple[PublicFunding, ...]
    funding_total: Decimal
    kpis: tuple[PublicKpi, ...]
    energy_savings: KpiTotal | None
    co2_reduction: KpiTotal | None
    updates: tuple[PublicUpdate, ...]
    measures: tuple[PublicMeasure, ...]


@dataclass(frozen=True)
class PublicEnergy:
    """The town's planned and achieved energy savings and renewable production (MWh/year) and CO₂ reduction
    (t CO₂/year), summed over its public projects only."""

    projects: int
    mwh_planned: Decimal
    mwh_achieved: Decimal
    co2_planned: Decimal
    co2_achieved: Decimal


# --- querysets (the anonymous audience) ------------------------------------------------------------------------


def public_project_queryset(*, municipality: Municipality | None = None) -> QuerySet[Project]:
    """Public projects (of one municipality), with the public columns only."""
    queryset = Project.objects.filter(is_public=True).only(*PUBLIC_PROJECT_FIELDS)
    if municipality is not None:
        queryset = queryset.filter(municipality=municipality)
    return queryset


def public_update_queryset() -> QuerySet[ProjectUpdate]:
    """Updates the public may read: not withdrawn, of a public project."""
    return ProjectUpdate.objects.filter(withdrawn_at__isnull=True, project__is_public=True)


def public_attachment_queryset() -> QuerySet[Attachment]:
    """Files the public may download: those of an update it may read, and no other."""
    return Attachment.objects.filter(update__in=public_update_queryset())


# --- reads -----------------------------------------------------------------------------------------------------


def public_project_list(
    *,
    municipality: Municipality,
    thematic_area: str = "",
    stage: str = "",
    measure_id: int | None = None,
    goal_id: int | None = None,
    year: int | None = None,
    search: str = "",
) -> QuerySet[Project]:
    """The municipality's public projects matching the filters, newest change first (turn rows into cards with
    ``public_project_card``). An unknown choice matches nothing rather than everything."""
    queryset = public_project_queryset(municipality=municipality)
    if thematic_area:
        queryset = queryset.filter(thematic_area=thematic_area)
    if stage:
        queryset = queryset.filter(stage=stage)
    if measure_id is not None:
        queryset = queryset.filter(strategic_measures__id=measure_id)
    if goal_id is not None:
        # The goal's own measures and those of its specific goals; a subquery, so a project is listed once.
        serving = Measure.projects.through.objects.filter(
            Q(measure__goal_id=goal_id) | Q(measure__goal__parent_id=goal_id)
        ).values("project_id")
        queryset = queryset.filter(pk__in=serving)
    if year is not None:
        # Planned to run at some time in that year.
        queryset = queryset.filter(planned_start__year__lte=year).filter(
            Q(planned_end__isnull=True) | Q(planned_end__year__gte=year)
        )
    search = search.strip()[:SEARCH_MAX_LENGTH]
    if search:
        queryset = queryset.filter(Q(title__icontains=search) | Q(public_summary__icontains=search))
    return queryset.order_by("-stage_changed_at", "-id")


def public_project_card(project: Project) -> PublicProject:
    return PublicProject(
        id=project.pk,
        municipality_id=project.municipality_id,
        title=project.title,
        public_summary=project.public_summary,
        thematic_area=project.thematic_area,
        thematic_area_label=str(ThematicArea(project.thematic_area).label) if project.thematic_area else "",
        stage=project.stage,
        stage_label=str(Stage(project.stage).label),
        in_stage_since=project.stage_changed_at,
        created_at=project.created_at,
        planned_start=project.planned_start,
        planned_end=project.planned_end,
        estimated_cost=project.estimated_cost,
        address=project.address,
        ruian_code=project.ruian_code,
        latitude=project.latitude,
        longitude=project.longitude,
        updated_at=project.updated_at,
    )


def public_project_cards(projects: Iterable[Project]) -> list[PublicProject]:
    return [public_project_card(project) for project in projects]


def public_project_get(*, municipality: Municipality, pk: int | str) -> PublicProjectDetail:
    """A public project's public page; NotFound alike when it is missing, internal or of another municipality."""
    try:
        project = (
            public_project_queryset(municipality=municipality)
            .select_related("manager", "lead_department")
            .only(
                *PUBLIC_PROJECT_FIELDS,
                "manager__first_name",
                "manager__last_name",
                "manager__username",
                "lead_department__name",
            )
            .get(pk=int(pk))
        )
    except (Project.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Project not found.")) from None
    records = list(
        TransitionRecord.objects.filter(project=project).only("target", "created_at").order_by("created_at", "id")
    )
    funding = _secured_funding(project)
    kpis = tuple(
        PublicKpi(
            name=kpi.name,
            kind=kpi.kind,
            unit=kpi.unit_label,
            baseline=kpi.baseline,
            target=kpi.target,
            actual=kpi.actual,
        )
        for kpi in Kpi.objects.filter(project=project).only("name", "kind", "unit", "baseline", "target", "actual")
    )
    measures = tuple(
        PublicMeasure(code=measure.code, title=measure.title)
        for measure in Measure.objects.filter(projects=project).only("code", "title").order_by("code")
    )
    return PublicProjectDetail(
        project=public_project_card(project),
        manager_name=_person_name(project.manager),
        lead_department_name=project.lead_department.name if project.lead_department else "",
        milestones=_milestones(project, records),
        actual_start=_first_entry(records, Stage.IMPLEMENTATION),
        actual_end=_first_entry(records, Stage.COMPLETED),
        funding=funding,
        funding_total=sum((item.amount for item in funding), Decimal(0)),
        kpis=kpis,
        energy_savings=kpi_total(kpis, KpiKind.ENERGY_SAVINGS),
        co2_reduction=kpi_total(kpis, KpiKind.CO2_REDUCTION),
        updates=tuple(public_update_list(projects=[project.pk])),
        measures=measures,
    )


def public_update_list(
    *, projects: Iterable[int] | None = None, municipality: Municipality | None = None, limit: int | None = None
) -> list[PublicUpdate]:
    """Readable updates, newest first, of the given public projects or of a municipality (two queries)."""
    queryset = (
        public_update_queryset()
        .select_related("project")
        # The project's stage too: the state machine reads it whenever a project is loaded.
        .only("id", "project_id", "project__title", "project__stage", "title", "body", "published_at")
    )
    if projects is not None:
        queryset = queryset.filter(project_id__in=list(projects))
    if municipality is not None:
        queryset = queryset.filter(project__municipality=municipality)
    queryset = queryset.order_by("-published_at", "-id").prefetch_related(
        Prefetch(
            "attachments",
            queryset=Attachment.objects.only("id", "update_id", "original_name", "content_type", "size").order_by(
                "created_at", "id"
            ),
        )
    )
    if limit is not None:
        queryset = queryset[:limit]
    return [
        PublicUpdate(
            id=update.pk,
            project_id=update.project_id,
            project_title=update.project.title,
            title=update.title,
            body=update.body,
            published_at=update.published_at,
            attachments=tuple(
                PublicAttachment(
                    id=attachment.pk,
                    name=attachment.original_name,
                    type_label=attachment.type_label,
                    size=attachment.size,
                )
                for attachment in update.attachments.all()
            ),
        )
        for update in queryset
    ]


def public_attachment_get(*, municipality: Municipality, pk: int | str) -> Attachment:
    """A file of a readable update of the municipality; NotFound alike for every other file."""
    try:
        return public_attachment_queryset().get(pk=int(pk), project__municipality=municipality)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Attachment not found.")) from None


def public_goals(*, municipality: Municipality) -> QuerySet[Goal]:
    """The strategic goals (top level) whose measures, or those of their specific goals, serve a public project."""
    links = _links_to_public_projects(municipality=municipality)
    return (
        Goal.objects.filter(strategy__municipality=municipality, parent__isnull=True)
        .filter(
            _one_exists(links.filter(measure__goal_id=OuterRef("pk")))
            | _one_exists(links.filter(measure__goal__parent_id=OuterRef("pk")))
        )
        .order_by("code")
    )


def _links_to_public_projects(*, municipality: Municipality) -> QuerySet:
    """Links of strategic measures to the municipality's public projects: each goal or measure asks for one of its
    own, instead of joining every link of the strategy to its project and removing the duplicates (100,000 public
    projects linked to 10 measures: 133,334 links joined and grouped, 1.1 s, for 10 choices)."""
    return Measure.projects.through.objects.filter(project__is_public=True, project__municipality=municipality)


def _one_exists(rows: QuerySet) -> IsNull:
    """Whether ``rows`` (correlated to the outer row) has one, as a scalar subquery of its first row.

    Not ``EXISTS``: PostgreSQL turns that into a semi-join and hashes every link of each measure (5 ms a measure at
    13,000 links) where the first link it reads answers; a subquery with ``LIMIT 1`` it plans to find that first row
    (from the links or from the public projects, whichever side is smaller: 0.02 ms a measure).
    """
    return IsNull(Subquery(rows.values("pk")[:1]), False)


def public_energy(*, municipality: Municipality) -> PublicEnergy | None:
    """The energy figures of the municipality's public projects, None when none has any (kept in the cache: see
    ``public_summary``)."""
    figures = public_summary(municipality=municipality)["energy"]
    return PublicEnergy(**figures) if figures["projects"] else None


def public_project_count(*, municipality: Municipality) -> int:
    """How many public projects the municipality has: the unfiltered list's count (kept in the cache)."""
    return public_summary(municipality=municipality)["projects"]


def public_summary(*, municipality: Municipality) -> dict:
    """The town's public energy figures and its number of public projects.

    Summed by an aggregate over every public KPI and a count of every public project of the town, which grow with
    the town; so they are kept in the cache under the town's version (``backend.projects.town_cache``: any change of
    a project, KPI or CO₂ effect of the town renews it, and the next read sums again).
    """
    read = town_figures(name=SUMMARY_CACHE_NAME, municipality_ids=[municipality.pk])
    if municipality.pk in read.found:
        return read.found[municipality.pk]
    projects = public_project_queryset(municipality=municipality)
    summary = {"energy": energy_figures_of(projects=projects), "projects": projects.count()}
    read.store({municipality.pk: summary})
    return summary


def public_measures(*, municipality: Municipality) -> QuerySet[Measure]:
    """The strategic measures served by at least one public project: the list's filter choices."""
    links = _links_to_public_projects(municipality=municipality)
    return Measure.objects.filter(
        _one_exists(links.filter(measure_id=OuterRef("pk"))), municipality=municipality
    ).order_by("code")


# --- helpers ---------------------------------------------------------------------------------------------------


def _person_name(user) -> str:
    """The manager's name as people know it; never their e-mail or user name."""
    if user is None:
        return ""
    return user.get_full_name().strip()


def _milestones(project: Project, records: list[TransitionRecord]) -> tuple[PublicMilestone, ...]:
    """The progress line: each stage of the way with the day the project last entered it.

    Entering a stage again after a return overwrites the earlier date; stages after the current one have none.
    A rejected or held project shows where it got to; its current stage is then off the line.
    """
    entered: dict[str, datetime.datetime] = {Stage.IDEA: project.created_at}
    for record in records:
        entered[record.target] = record.created_at
    current = project.stage
    if current in PROGRESS_STAGES:
        position = PROGRESS_STAGES.index(current)
    else:
        reached = [stage for stage in PROGRESS_STAGES if stage in entered]
        position = PROGRESS_STAGES.index(reached[-1]) if reached else 0
    return tuple(
        PublicMilestone(
            stage=stage,
            label=str(stage.label),
            reached_at=entered.get(stage) if index <= position else None,
            is_current=stage == current,
        )
        for index, stage in enumerate(PROGRESS_STAGES)
    )


def _first_entry(records: list[TransitionRecord], stage: str) -> datetime.datetime | None:
    return next((record.created_at for record in records if record.target == stage), None)


def _secured_funding(project: Project) -> tuple[PublicFunding, ...]:
    by_programme: dict[str, Decimal] = defaultdict(Decimal)
    approved = FundingApplication.objects.filter(project=project, status=FundingStatus.APPROVED).only(
        "programme", "amount_approved"
    )
    for application in approved:
        by_programme[application.programme] += application.amount_approved or Decimal(0)
    labels = programme_labels(by_programme)
    return tuple(
        PublicFunding(programme=programme, programme_label=labels[programme], amount=amount)
        for programme, amount in sorted(by_programme.items(), key=lambda item: -item[1])
    )


def kpi_total(kpis: Iterable[PublicKpi], kind: str) -> KpiTotal | None:
    """None when no KPI is of that kind; the actual total only counts measured values."""
    of_kind = [kpi for kpi in kpis if kpi.kind == kind]
    if not of_kind:
        return None
    measured = [kpi.actual for kpi in of_kind if kpi.actual is not None]
    return KpiTotal(
        target=sum((kpi.target for kpi in of_kind), Decimal(0)),
        actual=sum(measured, Decimal(0)) if measured else None,
    )


# --- open data: milestones and ideas -------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMilestoneRow:
    """A row of the open data of milestones: a public project entered a stage of its way on that day."""

    project_id: int
    project_title: str
    stage: str
    stage_label: str
    reached_at: datetime.datetime
    is_current: bool


@dataclass(frozen=True)
class PublicIdea:
    """A published citizen idea as open data: never its author's name or e-mail, nor a moderation note."""

    id: int
    title: str
    description: str
    thematic_area: str
    thematic_area_label: str
    place: str
    answer_state: str
    answer_state_label: str
    answer: str
    published_at: datetime.datetime | None
    support_count: int
    project_id: int | None


def public_milestone_rows(*, municipality: Municipality) -> Iterable[PublicMilestoneRow]:
    """The dated milestones of every public project of the municipality, project by project (two queries).

    The same dates as the progress line of a project's public page: only stages it has reached."""
    projects = public_project_queryset(municipality=municipality).order_by("id")
    records: dict[int, list[TransitionRecord]] = defaultdict(list)
    for record in (
        TransitionRecord.objects.filter(project__in=projects.values("pk"))
        .only("project_id", "target", "created_at")
        .order_by("project_id", "created_at", "id")
    ):
        records[record.project_id].append(record)
    for project in projects.iterator(chunk_size=500):
        for milestone in _milestones(project, records.get(project.pk, [])):
            if milestone.reached_at is not None:
                yield PublicMilestoneRow(
                    project_id=project.pk,
                    project_title=project.title,
                    stage=milestone.stage,
                    stage_label=milestone.label,
                    reached_at=milestone.reached_at,
                    is_current=milestone.is_current,
                )


def public_idea_card(idea) -> PublicIdea:
    """A published idea (a row of ``backend.portal.ideas.idea_list_public``) as its public record; the project it
    became is named only when that project is public."""
    project = idea.project if idea.project_id else None
    return PublicIdea(
        id=idea.pk,
        title=idea.title,
        description=idea.description,
        thematic_area=idea.thematic_area,
        thematic_area_label=str(ThematicArea(idea.thematic_area).label) if idea.thematic_area else "",
        place=idea.place,
        answer_state=idea.answer_state,
        answer_state_label=idea.get_answer_state_display(),
        answer=idea.answer,
        published_at=idea.published_at,
        support_count=getattr(idea, "support_count", 0),
        project_id=project.pk if project is not None and project.is_public else None,
    )


# --- places: public projects and published ideas by where they are --------------------------------------------

PLACE_KIND_PROJECT = "project"
PLACE_KIND_IDEA = "idea"


@dataclass(frozen=True)
class PublicPlace:
    """A public project or a published idea at a place: its text (address or locality) and, for a project, the
    coordinates it carries."""

    place: str
    kind: str
    id: int
    title: str
    latitude: Decimal | None
    longitude: Decimal | None


@dataclass(frozen=True)
class PlaceCursor:
    """Where a page of places starts or ends: a row's place, kind and id, the order of the list. In an address as
    ``<kind>.<id>.<place>``."""

    place: str
    kind: str
    id: int

    @property
    def token(self) -> str:
        return f"{self.kind}.{self.id}.{self.place}"

    @classmethod
    def parse(cls, token: str) -> "PlaceCursor":
        """Raises ValueError for anything that is not a cursor of this list."""
        kind, _dot, rest = token.partition(".")
        number, dot, place = rest.partition(".")
        if kind not in (PLACE_KIND_PROJECT, PLACE_KIND_IDEA) or not dot or not number.isascii():
            raise ValueError(token)
        if not number.isdigit() or len(number) > 18 or len(place) > PLACE_CURSOR_MAX_LENGTH:
            raise ValueError(token)
        return cls(place=place, kind=kind, id=int(number))


@dataclass(frozen=True)
class PlacePage:
    """A page of places, and the cursors of the pages before and after it (None: there is none)."""

    places: list["PublicPlace"]
    previous: PlaceCursor | None
    next: PlaceCursor | None


PLACE_CURSOR_MAX_LENGTH = 1000


def public_place_page(
    *, municipality: Municipality, size: int, after: PlaceCursor | None = None, before: PlaceCursor | None = None
) -> PlacePage:
    """Public projects with an address and published ideas with a place, in one list ordered by place, kind and id:
    ``size`` of them after ``after`` (or the first ones), or the last ``size`` before ``before``, in one query.

    Each part (projects, ideas) reads at most ``size + 1`` rows from its index after (or before) the cursor, and
    only those are sorted together: the same time at any number of places. No count, so no "page N of M"."""
    backwards = before is not None
    cursor = before if backwards else after
    projects, ideas = _place_parts(municipality)
    parts = []
    for part, kind, column in ((projects, PLACE_KIND_PROJECT, "address"), (ideas, PLACE_KIND_IDEA, "place")):
        if cursor is not None:
            part = part.filter(_beyond(cursor, kind=kind, column=column, backwards=backwards))
        if connection.features.supports_slicing_ordering_in_compound:
            order = (f"-{column}", "-id") if backwards else (column, "id")
            part = part.order_by(*order)[: size + 1]
        parts.append(part)
    order = ("-place", "-kind", "-id") if backwards else ("place", "kind", "id")
    rows = [public_place(row) for row in parts[0].union(parts[1], all=True).order_by(*order)[: size + 1]]
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    first = _cursor_of(rows[0]) if rows else None
    last = _cursor_of(rows[-1]) if rows else None
    return PlacePage(
        places=rows,
        previous=first if (more if backwards else cursor is not None) else None,
        next=last if (True if backwards else more) else None,
    )


def _place_parts(municipality: Municipality) -> tuple[QuerySet, QuerySet]:
    """The two parts of the list of places, as rows of the same columns (each read by its partial index)."""
    projects = (
        public_project_queryset(municipality=municipality)
        .exclude(address="")
        .annotate(place=F("address"), kind=Value(PLACE_KIND_PROJECT, output_field=CharField()))
        .order_by()  # a part of a UNION carries no order of its own (SQLite refuses one): the union is ordered
        .values_list("place", "kind", "id", "title", "latitude", "longitude")
    )
    no_coordinate = Value(None, output_field=DecimalField(max_digits=9, decimal_places=6))
    ideas = (
        Idea.objects.filter(municipality=municipality, status=IdeaStatus.PUBLISHED)
        .exclude(place="")
        .annotate(
            kind=Value(PLACE_KIND_IDEA, output_field=CharField()), latitude=no_coordinate, longitude=no_coordinate
        )
        .order_by()
        .values_list("place", "kind", "id", "title", "latitude", "longitude")
    )
    return projects, ideas


def _beyond(cursor: PlaceCursor, *, kind: str, column: str, backwards: bool) -> Q:
    """The rows of one part (all of ``kind``) after the cursor in the order (place, kind, id), or before it.

    Bounded by the place (``>=``/``<=``), so that the index is read from the cursor on rather than filtered."""
    if not backwards:
        if kind > cursor.kind:
            return Q(**{f"{column}__gte": cursor.place})
        if kind < cursor.kind:
            return Q(**{f"{column}__gt": cursor.place})
        return Q(**{f"{column}__gte": cursor.place}) & (Q(**{f"{column}__gt": cursor.place}) | Q(id__gt=cursor.id))
    if kind < cursor.kind:
        return Q(**{f"{column}__lte": cursor.place})
    if kind > cursor.kind:
        return Q(**{f"{column}__lt": cursor.place})
    return Q(**{f"{column}__lte": cursor.place}) & (Q(**{f"{column}__lt": cursor.place}) | Q(id__lt=cursor.id))


def _cursor_of(place: "PublicPlace") -> PlaceCursor:
    return PlaceCursor(place=place.place, kind=place.kind, id=place.id)


def public_place(row: tuple) -> PublicPlace:
    place, kind, pk, title, latitude, longitude = row
    return PublicPlace(place=place, kind=kind, id=pk, title=title, latitude=latitude, longitude=longitude)


@dataclass(frozen=True)
class BoundingBox:
    """An area of the map in degrees (WGS 84): west and east longitudes, south and north latitudes."""

    west: Decimal
    south: Decimal
    east: Decimal
    north: Decimal


@dataclass(frozen=True)
class PublicPoints:
    """At most ``limit`` markers of the map, and whether more public projects have coordinates there."""

    points: list[PublicPlace]
    truncated: bool


def public_points(*, municipality: Municipality, limit: int, bbox: BoundingBox | None = None) -> PublicPoints:
    """The public projects that carry coordinates (within ``bbox``, if given): the markers of the map, at most
    ``limit`` of them in one query, which reads one row more to know whether there were more."""
    projects = public_project_queryset(municipality=municipality).filter(
        latitude__isnull=False, longitude__isnull=False
    )
    if bbox is not None:
        projects = projects.filter(
            latitude__gte=bbox.south, latitude__lte=bbox.north, longitude__gte=bbox.west, longitude__lte=bbox.east
        )
    rows = list(projects.order_by("id").values_list("address", "id", "title", "latitude", "longitude")[: limit + 1])
    points = [
        PublicPlace(place=address, kind=PLACE_KIND_PROJECT, id=pk, title=title, latitude=latitude, longitude=longitude)
        for address, pk, title, latitude, longitude in rows[:limit]
    ]
    return PublicPoints(points=points, truncated=len(rows) > limit)


# --- public consultations of strategy amendments ------------------------------------------------------------------

CONSULTATION_RECENT_DAYS = 90
CONSULTATION_LIST_LIMIT = 50


@dataclass(frozen=True)
class PublicAmendmentChange:
    """What one change of an amendment does, from its proposed content's title and code only."""

    action_label: str
    kind_label: str
    code: str
    title: str


@dataclass(frozen=True)
class PublicConsultation:
    """An amendment in (or recently after) public consultation: its title, reason, changes and period; never the
    proposer's or an approver's name, nor the amendment's approval settings."""

    id: int
    title: str
    reason: str
    strategy_title: str
    starts_on: datetime.date
    ends_on: datetime.date
    is_open: bool
    changes: tuple[PublicAmendmentChange, ...]


@dataclass(frozen=True)
class PublicConsultationComment:
    """A published comment: the name its author gave, the text and the proposer's answer (never the e-mail)."""

    id: int
    author_name: str
    body: str
    answer: str
    created_at: datetime.datetime
    answered_at: datetime.datetime | None


def public_consultation_queryset(*, municipality: Municipality, today: datetime.date) -> QuerySet[Consultation]:
    """Consultations of the municipality that have started and ended at most ``CONSULTATION_RECENT_DAYS`` ago."""
    return (
        Consultation.objects.filter(
            amendment__strategy__municipality=municipality,
            starts_on__lte=today,
            ends_on__gte=today - datetime.timedelta(days=CONSULTATION_RECENT_DAYS),
        )
        .select_related("amendment__strategy")
        .only(
            "id",
            "starts_on",
            "ends_on",
            "amendment__id",
            "amendment__title",
            "amendment__reason",
            "amendment__strategy__id",
            "amendment__strategy__title",
        )
        .order_by("-ends_on", "-id")
    )


def public_consultation_list(*, municipality: Municipality, today: datetime.date) -> list[PublicConsultation]:
    consultations = public_consultation_queryset(municipality=municipality, today=today)[:CONSULTATION_LIST_LIMIT]
    return [_public_consultation(consultation, today=today, changes=()) for consultation in consultations]


def public_consultation_get(*, municipality: Municipality, pk: int | str, today: datetime.date) -> Consultation:
    """The consultation model (for the comment service) of a public consultation; NotFound for every other."""
    try:
        return public_consultation_queryset(municipality=municipality, today=today).get(pk=int(pk))
    except (Consultation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Consultation not found.")) from None


def public_consultation_detail(*, consultation: Consultation, today: datetime.date) -> PublicConsultation:
    changes = tuple(
        PublicAmendmentChange(
            action_label=str(AmendmentAction(change.action).label),
            kind_label=str(ItemKind(change.kind).label),
            code=str((change.data or {}).get("code", "")),
            title=str((change.data or {}).get("title") or (change.data or {}).get("name") or ""),
        )
        for change in AmendmentChange.objects.filter(amendment_id=consultation.amendment_id).only(
            "action", "kind", "data"
        )
    )
    return _public_consultation(consultation, today=today, changes=changes)


def public_consultation_comments(*, consultation: Consultation) -> list[PublicConsultationComment]:
    comments = ConsultationComment.objects.filter(consultation=consultation, status=CommentStatus.PUBLISHED).only(
        "id", "author_name", "body", "answer", "created_at", "answered_at"
    )
    return [
        PublicConsultationComment(
            id=comment.pk,
            author_name=comment.author_name,
            body=comment.body,
            answer=comment.answer,
            created_at=comment.created_at,
            answered_at=comment.answered_at,
        )
        for comment in comments
    ]


def _public_consultation(consultation: Consultation, *, today: datetime.date, changes: tuple) -> PublicConsultation:
    amendment = consultation.amendment
    return PublicConsultation(
        id=consultation.pk,
        title=amendment.title,
        reason=amendment.reason,
        strategy_title=amendment.strategy.title,
        starts_on=consultation.starts_on,
        ends_on=consultation.ends_on,
        is_open=consultation.is_open_on(today),
        changes=changes,
    )


def public_consultation_running(*, municipality: Municipality, today: datetime.date) -> bool:
    """Whether an amendment of the municipality's strategy is in public consultation today (the portal links it)."""
    return Consultation.objects.filter(
        amendment__strategy__municipality=municipality, starts_on__lte=today, ends_on__gte=today
    ).exists()
