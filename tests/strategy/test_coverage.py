"""Coverage: per measure and goal, linked projects by stage, cost, secured funding and KPI totals, with flags for
measures without projects or with only stalled or rejected ones; a fixed number of queries however many projects."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.projects.models import Project
from backend.projects.stages import Stage
from backend.projects.town_cache import coverage_inputs_changed
from backend.strategy.coverage import strategy_coverage
from backend.strategy.selectors import goal_list, measure_list
from tests.factories import FundingApplicationFactory, KpiFactory


def _coverage(strategy):
    goals = list(goal_list(strategy=strategy))
    measures = list(measure_list(strategy=strategy))
    return strategy_coverage(strategy=strategy, goals=goals, measures=measures), goals, measures


@pytest.fixture
def linked(town, measures):
    lighting = town.project(Stage.IMPLEMENTATION, ready=False, estimated_cost=Decimal("1000000"))
    FundingApplicationFactory(project=lighting, status="approved", amount_approved=Decimal("800000"))
    FundingApplicationFactory(project=lighting, status="rejected", amount_approved=None)
    KpiFactory(project=lighting, kind="energy_savings", target=Decimal("100"), actual=Decimal("40"))
    KpiFactory(project=lighting, kind="co2_reduction", unit="t CO₂/year", target=Decimal("70"), actual=None)
    lighting.strategic_measures.set([measures["1.1.1"], measures["1.1.2"]])
    held = town.project(Stage.ON_HOLD, ready=False, estimated_cost=Decimal("200000"))
    rejected = town.project(Stage.REJECTED, ready=False, estimated_cost=Decimal("50000"))
    for project in (held, rejected):
        project.strategic_measures.set([measures["2.1"]])
    return lighting


def test_measures_show_their_projects_by_stage_cost_funding_and_kpis(strategy, measures, linked):
    coverage, _, _ = _coverage(strategy)
    insulation = coverage.of_measure(measures["1.1.1"])
    assert (insulation.projects, insulation.by_stage) == (1, {"implementation": 1})
    assert (insulation.cost, insulation.funding) == (Decimal("1000000"), Decimal("800000"))
    assert insulation.kpi("energy_savings") == (Decimal("100"), Decimal("40"))
    assert (insulation.co2_target, insulation.co2_actual) == (Decimal("70"), Decimal("0"))
    assert not insulation.has_no_project and not insulation.all_stalled
    traffic = coverage.of_measure(measures["2.1"])
    assert (traffic.projects, traffic.stalled, traffic.all_stalled) == (2, 2, True)


def test_a_goal_counts_a_project_once_even_when_it_serves_two_of_its_measures(strategy, linked):
    coverage, goals, _ = _coverage(strategy)
    by_code = {goal.code: coverage.of_goal(goal) for goal in goals}
    for code in ("1", "1.1"):
        assert (by_code[code].projects, by_code[code].cost, by_code[code].funding) == (
            1,
            Decimal("1000000"),
            Decimal("800000"),
        )
        assert by_code[code].energy_target == Decimal("100")
    assert (by_code["2"].projects, by_code["2"].cost, by_code["2"].stalled) == (2, Decimal("250000"), 2)
    assert (coverage.total.projects, coverage.total.cost) == (3, Decimal("1250000"))


def test_measures_without_projects_are_flagged(strategy, measures):
    coverage, _, _ = _coverage(strategy)
    assert all(coverage.of_measure(measure).has_no_project for measure in measures.values())


def test_a_project_long_without_a_move_counts_as_stalled(town, strategy, measures):
    idle = town.project(Stage.ASSESSMENT, ready=False)
    Project.objects.filter(pk=idle.pk).update(stage_changed_at=timezone.now() - timedelta(days=200))
    idle.strategic_measures.set([measures["2.1"]])
    assert _coverage(strategy)[0].of_measure(measures["2.1"]).all_stalled


def test_coverage_costs_the_same_queries_for_one_project_and_for_thirty(town, strategy, measures):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            _coverage(strategy)
        return len(queries)

    town.project(Stage.FUNDING).strategic_measures.set([measures["1.1.1"]])
    one = count()
    for _ in range(29):
        town.project(Stage.IMPLEMENTATION).strategic_measures.set([measures["1.1.1"], measures["2.1"]])
    coverage_inputs_changed(municipality_ids=[town.municipality.pk])  # written past the services, which say so
    # goals, measures, their indicators; projects, funding and KPIs of every measure, goal and the whole strategy,
    # and the municipalities of the projects counted
    assert count() == one == 7
