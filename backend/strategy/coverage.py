"""How far the pipeline carries a strategy: per measure and goal, linked projects by stage, their estimated cost,
secured funding and energy and CO₂ KPI totals, and flags for measures nobody works on.

Computed, never typed in, from four aggregate queries whatever the number of projects or measures: each
measure, each goal (with its specific goals) and the whole strategy is a group of measures, and each query sums
over the distinct (group, project) pairs of the project links (a project linked to two measures of one goal
counts once there). A project is stalled when on hold, rejected, or in an active stage without a move for
``STALLED_AFTER``.

The sums touch every linked project, so they grow with the town; the figures are cached per strategy (and shape
of its tree) until what they sum changes (the stamps of ``backend.projects.town_cache``) or a counted project
becomes stalled by age, so a page that reads them again costs the same at any size.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from backend.projects.choices import FundingStatus, KpiKind
from backend.projects.models import FundingApplication, Kpi, Project
from backend.projects.stages import Stage
from backend.projects.town_cache import clock_tick, figures_key, municipality_stamp, stamps_flush, strategy_stamp
from backend.strategy.models import Goal, Measure, Strategy

# The longest cached figures are trusted, whatever the stamps say: the bound on staleness when a stamp was lost
# (the cache unreachable during a write, or a stamp evicted while the figures were kept).
COVERAGE_CACHE_SECONDS = 15 * 60
# A project in an active stage that has not moved for this long counts as stalled, like one on hold.
STALLED_AFTER = timedelta(days=180)
_ACTIVE = (Stage.IDEA, Stage.ASSESSMENT, Stage.FUNDING, Stage.IMPLEMENTATION, Stage.EVALUATION)
_ZERO = Decimal(0)
logger = logging.getLogger(__name__)


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


def _kpi_add(item: Figures, kind: str, row: dict) -> None:
    target, actual = row["target"] or _ZERO, row["actual"] or _ZERO
    if kind == KpiKind.ENERGY_SAVINGS:
        item.energy_target += target
        item.energy_actual += actual
    else:
        item.co2_target += target
        item.co2_actual += actual


def _decimal(value) -> Decimal:
    """A sum as Decimal: PostgreSQL returns one, SQLite (the demo) a float or an int."""
    if value is None:
        return _ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _pairs_sql(groups: dict[str, list[int]]) -> tuple[str, list]:
    """A CTE of each (group, project) once: a group is a measure, a goal with its specific goals, or the whole
    strategy, listed as (group, measure) rows, so a project serving two measures of one goal is one pair there."""
    rows = [(key, measure_id) for key, ids in groups.items() for measure_id in ids]
    values = ", ".join(["(%s, %s)"] * len(rows))
    links = _table(Measure.projects.through)
    sql = (
        f"WITH coverage_group (name, measure_id) AS (VALUES {values}), "  # noqa: S608  (placeholders, model names)
        "coverage_pair AS (SELECT DISTINCT coverage_group.name, link.project_id "
        f"FROM {links} link JOIN coverage_group ON coverage_group.measure_id = link.measure_id) "
    )
    return sql, [value for row in rows for value in row]


def _figures(groups: dict[str, list[int]]) -> tuple[dict[str, Figures], list[int], datetime | None]:
    """Figures of every group in four aggregate queries over the strategy's links, whatever the number of groups;
    the municipalities whose projects they count; when the first counted project will become stalled by age.

    One pass over the (group, project) pairs per kind of row summed. The former shape (an ``EXISTS`` flag per
    group, repeated by the ORM inside each ``FILTER``) ran 40 subqueries per project: 1.3 s at 2,000 linked
    projects, 12.5 s at 10,000 (bench/scale.py).
    """
    figures = {key: Figures() for key in groups}
    if not groups:
        return figures, [], None
    pairs, params = _pairs_sql(groups)
    since = connection.ops.adapt_datetimefield_value(timezone.now() - STALLED_AFTER)
    active = ", ".join(["%s"] * len(_ACTIVE))
    active_stages = [stage.value for stage in _ACTIVE]
    with connection.cursor() as cursor:
        cursor.execute(
            f"{pairs}SELECT coverage_pair.name, project.stage, COUNT(*), "  # noqa: S608  (placeholders, model names)
            f"SUM(CASE WHEN project.stage IN (%s, %s) OR (project.stage IN ({active}) "
            "AND project.stage_changed_at < %s) THEN 1 ELSE 0 END), SUM(project.estimated_cost), "
            f"MIN(CASE WHEN project.stage IN ({active}) AND project.stage_changed_at >= %s "
            "THEN project.stage_changed_at END) "
            f"FROM coverage_pair JOIN {_table(Project)} project ON project.id = coverage_pair.project_id "
            "GROUP BY coverage_pair.name, project.stage",
            [*params, Stage.ON_HOLD.value, Stage.REJECTED.value, *active_stages, since, *active_stages, since],
        )
        moving_since = []
        for name, stage, count, stalled, cost, moved in cursor.fetchall():
            if moved is not None:
                moving_since.append(_datetime(moved))
            item = figures[name]
            item.by_stage[stage] = count
            item.projects += count
            item.stalled += stalled
            item.cost += _decimal(cost)
        cursor.execute(
            f"{pairs}SELECT coverage_pair.name, SUM(funding.amount_approved) FROM coverage_pair "  # noqa: S608
            f"JOIN {_table(FundingApplication)} funding ON funding.project_id = coverage_pair.project_id "
            "WHERE funding.status = %s GROUP BY coverage_pair.name",
            [*params, FundingStatus.APPROVED.value],
        )
        for name, total in cursor.fetchall():
            figures[name].funding = _decimal(total)
        cursor.execute(
            f"{pairs}SELECT coverage_pair.name, kpi.kind, SUM(kpi.target), SUM(kpi.actual) "  # noqa: S608
            f"FROM coverage_pair JOIN {_table(Kpi)} kpi ON kpi.project_id = coverage_pair.project_id "
            "WHERE kpi.kind IN (%s, %s) GROUP BY coverage_pair.name, kpi.kind",
            [*params, KpiKind.ENERGY_SAVINGS.value, KpiKind.CO2_REDUCTION.value],
        )
        for name, kind, target, actual in cursor.fetchall():
            _kpi_add(figures[name], kind, {"target": _decimal(target), "actual": _decimal(actual)})
        all_measures = sorted({measure_id for ids in groups.values() for measure_id in ids})
        cursor.execute(
            f"SELECT DISTINCT project.municipality_id FROM {_table(Measure.projects.through)} link "  # noqa: S608
            f"JOIN {_table(Project)} project ON project.id = link.project_id "
            f"WHERE link.measure_id IN ({', '.join(['%s'] * len(all_measures))})",
            all_measures,
        )
        municipality_ids = sorted(row[0] for row in cursor.fetchall())
    return figures, municipality_ids, min(moving_since) + STALLED_AFTER if moving_since else None


def _datetime(value) -> datetime:
    """A timestamp read by raw SQL: PostgreSQL returns an aware datetime, SQLite (the demo) UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def _cached_figures(strategy: Strategy, groups: dict[str, list[int]]) -> dict[str, Figures]:
    """The figures from the cache when none of their stamps moved since they were computed, and no project they
    count has become stalled by age since; else computed and cached (``backend.projects.town_cache``)."""
    shape = hashlib.sha256(repr(sorted(groups.items())).encode()).hexdigest()[:20]
    # The version: bumped when ``Figures`` changes, so that no deployment reads another's pickled figures.
    key = figures_key(f"coverage:v1:{strategy.pk}:{strategy.created_at.timestamp()}:{shape}")
    try:
        stamps_flush()
        entry = cache.get(key)
        if entry is not None and _fresh(entry):
            return entry["figures"]
        clock = clock_tick()
    except Exception:
        logger.exception("The strategy coverage's cache could not be read.")
        return _figures(groups)[0]
    figures, municipality_ids, until = _figures(groups)
    stamps = [strategy_stamp(strategy.pk), *(municipality_stamp(pk) for pk in municipality_ids)]
    seconds = COVERAGE_CACHE_SECONDS
    if until is not None:
        seconds = min(seconds, int((until - timezone.now()).total_seconds()))
    try:
        for stamp in stamps:
            cache.add(stamp, clock, timeout=None)  # a stamp the cache lost: as old as these figures
        if seconds > 0:
            cache.set(key, {"clock": clock, "stamps": stamps, "until": until, "figures": figures}, timeout=seconds)
    except Exception:
        logger.exception("The strategy coverage's figures could not be cached.")
    return figures


def _fresh(entry: dict) -> bool:
    if entry["until"] is not None and timezone.now() >= entry["until"]:
        return False
    stamps = cache.get_many(entry["stamps"])
    # A renewal after the figures' clock is later than it; a stamp set with the figures has its value.
    return all(stamp in stamps and stamps[stamp] <= entry["clock"] for stamp in entry["stamps"])


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
    groups |= {f"m{measure.pk}": [measure.pk] for measure in measures}
    groups["all"] = [measure.pk for measure in measures]
    figures = _cached_figures(strategy, {key: ids for key, ids in groups.items() if ids})
    return Coverage(
        strategy=strategy,
        total=figures.get("all") or Figures(),
        goals={int(key[1:]): value for key, value in figures.items() if key[0] == "g"},
        measures={int(key[1:]): value for key, value in figures.items() if key[0] == "m"},
    )
