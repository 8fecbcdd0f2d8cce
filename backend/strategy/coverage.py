"""How far the pipeline carries a strategy: per measure and goal, linked projects by stage, their estimated cost,
secured funding and energy and CO₂ KPI totals, and flags for measures nobody works on.

Computed, never typed in, from a fixed number of aggregate queries whatever the number of projects: per
measure by grouping the project links, per goal by one row per project that says which goals it serves (a
project linked to two measures of one goal counts once there).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from backend.projects.choices import FundingStatus, KpiKind
from backend.projects.models import FundingApplication, Kpi, Project
from backend.projects.stages import Stage
from backend.strategy.models import Goal, Measure, Strategy

# A project in an active stage that has not moved for this long counts as stalled, like one on hold.
STALLED_AFTER = timedelta(days=180)
_ACTIVE = (Stage.IDEA, Stage.ASSESSMENT, Stage.FUNDING, Stage.IMPLEMENTATION, Stage.EVALUATION)
_ZERO = Decimal(0)


def _stalled(prefix: str = "") -> Q:
    """Stalled or rejected: on hold, rejected, or in an active stage without a move for ``STALLED_AFTER``."""
    since = timezone.now() - STALLED_AFTER
    return Q(**{f"{prefix}stage__in": (Stage.ON_HOLD, Stage.REJECTED)}) | Q(
        **{f"{prefix}stage__in": _ACTIVE, f"{prefix}stage_changed_at__lt": since}
    )


@dataclass
class Figures:
    projects: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    stalled: int = 0
    cost: Decimal = _ZERO
    funding: Decimal = _ZERO
    energy_target: Decimal = _ZERO
    energy_actual: Decimal = _ZERO
    co2_target: Decimal = _ZERO
    co2_actual: Decimal = _ZERO

    @property
    def has_no_project(self) -> bool:
        return self.projects == 0

    @property
    def all_stalled(self) -> bool:
        return self.projects > 0 and self.stalled == self.projects

    @property
    def stages(self) -> list[tuple[Stage, int]]:
        return [(stage, self.by_stage[stage.value]) for stage in Stage if self.by_stage.get(stage.value)]

    def kpi(self, kind: str) -> tuple[Decimal, Decimal]:
        """(planned, achieved) totals of the projects' KPIs of this kind."""
        if kind == KpiKind.ENERGY_SAVINGS:
            return self.energy_target, self.energy_actual
        if kind == KpiKind.CO2_REDUCTION:
            return self.co2_target, self.co2_actual
        return _ZERO, _ZERO


@dataclass
class Coverage:
    strategy: Strategy
    total: Figures
    goals: dict[int, Figures]
    measures: dict[int, Figures]

    def of_goal(self, goal: Goal) -> Figures:
        return self.goals.get(goal.pk) or Figures()

    def of_measure(self, measure: Measure) -> Figures:
        return self.measures.get(measure.pk) or Figures()


def _links(strategy: Strategy):
    return Measure.projects.through.objects.filter(measure__strategy=strategy)


def _measure_figures(strategy: Strategy) -> dict[int, Figures]:
    figures: dict[int, Figures] = {}
    rows = (
        _links(strategy)
        .order_by()
        .values("measure_id", "project__stage")
        .annotate(
            count=Count("id"),
            stalled=Count("id", filter=_stalled("project__")),
            cost=Sum("project__estimated_cost"),
        )
    )
    for row in rows:
        item = figures.setdefault(row["measure_id"], Figures())
        item.by_stage[row["project__stage"]] = row["count"]
        item.projects += row["count"]
        item.stalled += row["stalled"]
        item.cost += row["cost"] or _ZERO
    funding = (
        FundingApplication.objects.filter(status=FundingStatus.APPROVED, project__strategic_measures__strategy=strategy)
        .order_by()
        .values("project__strategic_measures")
        .annotate(total=Sum("amount_approved"))
    )
    for row in funding:
        figures.setdefault(row["project__strategic_measures"], Figures()).funding = row["total"] or _ZERO
    kpis = (
        Kpi.objects.filter(
            kind__in=(KpiKind.ENERGY_SAVINGS, KpiKind.CO2_REDUCTION), project__strategic_measures__strategy=strategy
        )
        .order_by()
        .values("project__strategic_measures", "kind")
        .annotate(target=Sum("target"), actual=Sum("actual"))
    )
    for row in kpis:
        _kpi_add(figures.setdefault(row["project__strategic_measures"], Figures()), row["kind"], row)
    return figures


def _kpi_add(item: Figures, kind: str, row: dict) -> None:
    target, actual = row["target"] or _ZERO, row["actual"] or _ZERO
    if kind == KpiKind.ENERGY_SAVINGS:
        item.energy_target += target
        item.energy_actual += actual
    else:
        item.co2_target += target
        item.co2_actual += actual


def _serves(measure_ids: list[int], column: str = "pk") -> Exists:
    """Whether the project in ``column`` is linked to any of ``measure_ids``."""
    return Exists(Measure.projects.through.objects.filter(project_id=OuterRef(column), measure_id__in=measure_ids))


def _group_figures(groups: dict[str, list[int]], strategy: Strategy) -> dict[str, Figures]:
    """Figures of groups of measures (a goal with its specific goals, the whole strategy), each project once."""
    groups = {key: ids for key, ids in groups.items() if ids}
    figures = {key: Figures() for key in groups}
    if not groups:
        return figures
    flags = {f"serves_{key}": _serves(ids) for key, ids in groups.items()}
    projects = Project.objects.filter(Exists(_links(strategy).filter(project_id=OuterRef("pk")))).annotate(**flags)
    columns = {}
    for key in groups:
        serves = Q(**{f"serves_{key}": True})
        columns[f"{key}_cost"] = Sum("estimated_cost", filter=serves)
        columns[f"{key}_stalled"] = Count("pk", filter=serves & _stalled())
        for stage in Stage:
            columns[f"{key}_{stage.value}"] = Count("pk", filter=serves & Q(stage=stage))
    totals = projects.aggregate(**columns)
    for key, item in figures.items():
        item.cost = totals[f"{key}_cost"] or _ZERO
        item.stalled = totals[f"{key}_stalled"]
        item.by_stage = {stage.value: totals[f"{key}_{stage.value}"] for stage in Stage}
        item.projects = sum(item.by_stage.values())
    funding_flags = {f"serves_{key}": _serves(ids, "project_id") for key, ids in groups.items()}
    # Only the rows of the strategy's projects: without this the flags were computed for every approved
    # application and KPI of every town (the page took 2 s at 2,000 projects, bench/scale.py).
    of_strategy = Exists(_links(strategy).filter(project_id=OuterRef("project_id")))
    funding = (
        FundingApplication.objects.filter(of_strategy, status=FundingStatus.APPROVED)
        .annotate(**funding_flags)
        .aggregate(**{key: Sum("amount_approved", filter=Q(**{f"serves_{key}": True})) for key in groups})
    )
    for key, item in figures.items():
        item.funding = funding[key] or _ZERO
    kpi_columns = {}
    for key in groups:
        for kind in (KpiKind.ENERGY_SAVINGS, KpiKind.CO2_REDUCTION):
            condition = Q(**{f"serves_{key}": True}, kind=kind)
            kpi_columns[f"{key}_{kind}_target"] = Sum("target", filter=condition)
            kpi_columns[f"{key}_{kind}_actual"] = Sum("actual", filter=condition)
    kpis = (
        Kpi.objects.filter(of_strategy, kind__in=(KpiKind.ENERGY_SAVINGS, KpiKind.CO2_REDUCTION))
        .annotate(**funding_flags)
        .aggregate(**kpi_columns)
    )
    for key, item in figures.items():
        for kind in (KpiKind.ENERGY_SAVINGS, KpiKind.CO2_REDUCTION):
            row = {"target": kpis[f"{key}_{kind}_target"], "actual": kpis[f"{key}_{kind}_actual"]}
            _kpi_add(item, kind, row)
    return figures


def strategy_coverage(*, strategy: Strategy, goals: list[Goal], measures: list[Measure]) -> Coverage:
    """Coverage of the strategy's tree as the caller loaded it (``goals`` and ``measures`` of the strategy)."""
    children: dict[int, list[int]] = {}
    for goal in goals:
        if goal.parent_id:
            children.setdefault(goal.parent_id, []).append(goal.pk)
    measures_of: dict[int, list[int]] = {}
    for measure in measures:
        measures_of.setdefault(measure.goal_id, []).append(measure.pk)
    groups = {
        f"g{goal.pk}": [m for g in (goal.pk, *children.get(goal.pk, ())) for m in measures_of.get(g, ())]
        for goal in goals
    }
    groups["all"] = [measure.pk for measure in measures]
    by_group = _group_figures(groups, strategy)
    return Coverage(
        strategy=strategy,
        total=by_group.get("all") or Figures(),
        goals={int(key[1:]): value for key, value in by_group.items() if key != "all"},
        measures=_measure_figures(strategy),
    )
