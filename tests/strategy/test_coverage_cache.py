"""The coverage is cached per strategy: after each kind of change the coverage sums, through the API and the web,
the API and the page show what a full recomputation shows; a read between changes answers from the cache."""

from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from backend.projects.models import Project
from backend.projects.services import project_update
from backend.projects.stages import Stage
from backend.strategy.coverage import strategy_coverage
from backend.strategy.selectors import goal_list, measure_list
from tests.factories import FundingApplicationFactory, KpiFactory, ProjectFactory

# A new, empty cache: whatever it answers is computed from the tables.
EMPTY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "recomputed"}}


def _api(town, role: str = "manager") -> APIClient:
    client = APIClient()
    client.force_authenticate(town.user(role))
    return client


def _api_coverage(client: APIClient, strategy) -> dict:
    response = client.get(f"/api/v1/strategies/{strategy.pk}/coverage/")
    assert response.status_code == 200
    return response.json()


def _page_coverage(client, strategy) -> dict:
    response = client.get(reverse("strategy:detail", kwargs={"pk": strategy.pk}))
    assert response.status_code == 200
    coverage = response.context["coverage"]
    return {
        "total": asdict(coverage.total),
        "goals": {pk: asdict(figures) for pk, figures in coverage.goals.items()},
        "measures": {pk: asdict(figures) for pk, figures in coverage.measures.items()},
    }


def _recomputed(read):
    with override_settings(CACHES=EMPTY_CACHE):
        return read()


def _assert_both_current(town, as_role, strategy):
    api, web = _api(town, "coordinator"), as_role("coordinator")
    assert _api_coverage(api, strategy) == _recomputed(lambda: _api_coverage(api, strategy))
    assert _page_coverage(web, strategy) == _recomputed(lambda: _page_coverage(web, strategy))


@pytest.fixture
def project(town, measures):
    """An idea ready to be submitted, with approved funding and an energy KPI, linked to 1.1.1."""
    project = town.project(Stage.IDEA, estimated_cost=Decimal("1000000"))
    project.strategic_measures.set([measures["1.1.1"]])
    return project


def _api_changes(town, measures, project):
    """Each kind of change the coverage sums, through the API as the project's manager."""
    api = _api(town)
    base = f"/api/v1/projects/{project.pk}"
    funding = FundingApplicationFactory(project=project, status="submitted", amount_requested=Decimal("900000"))
    kpi = KpiFactory(project=project, kind="energy_savings", target=Decimal("10"), actual=None)
    return {
        "a project created with measures": lambda: api.post(
            "/api/v1/projects/",
            {"title": "Chytré lampy", "estimated_cost": "250000", "measures": [measures["2.1"].pk]},
            format="json",
        ),
        "the cost": lambda: api.patch(f"{base}/", {"estimated_cost": "3000000"}, format="json"),
        "the measures": lambda: api.patch(f"{base}/", {"measures": [measures["2.1"].pk]}, format="json"),
        "the stage": lambda: api.post(f"{base}/transitions/", {"name": "submit"}, format="json"),
        "new approved funding": lambda: api.post(
            f"{base}/funding/",
            {"programme": "irop", "amount_requested": "500000", "amount_approved": "400000", "status": "approved"},
            format="json",
        ),
        "funding approved": lambda: api.patch(
            f"{base}/funding/{funding.pk}/", {"status": "approved", "amount_approved": "800000"}, format="json"
        ),
        "a new KPI": lambda: api.post(
            f"{base}/kpis/",
            {"name": "CO₂", "kind": "co2_reduction", "unit": "t CO₂/year", "target": "7"},
            format="json",
        ),
        "a KPI's actual value": lambda: api.patch(f"{base}/kpis/{kpi.pk}/", {"actual": "4"}, format="json"),
    }


API_CHANGES = [
    "a project created with measures",
    "the cost",
    "the measures",
    "the stage",
    "new approved funding",
    "funding approved",
    "a new KPI",
    "a KPI's actual value",
]


@pytest.mark.parametrize("change", API_CHANGES)
def test_after_each_change_through_the_api_both_show_a_full_recomputation(
    town, as_role, strategy, measures, project, change
):
    changes = _api_changes(town, measures, project)
    before = _api_coverage(_api(town, "coordinator"), strategy)  # cached now
    _page_coverage(as_role("coordinator"), strategy)
    response = changes[change]()
    assert response.status_code in (200, 201), response.content
    _assert_both_current(town, as_role, strategy)
    assert _api_coverage(_api(town, "coordinator"), strategy) != before


def _web_changes(town, as_role, measures, project):
    manager = as_role("manager")
    kpi = KpiFactory(project=project, kind="energy_savings", target=Decimal("10"), actual=None)

    def detail(name: str, **kwargs) -> str:
        return reverse(f"web:{name}", kwargs={"pk": project.pk, **kwargs})

    return manager, {
        "the measures": lambda: manager.post(
            reverse("strategy:project_measures", kwargs={"project_pk": project.pk}),
            {"measures": [measures["1.1.2"].pk, measures["2.1"].pk]},
        ),
        "the stage": lambda: manager.post(detail("project_transition"), {"name": "submit", "stage": "idea"}),
        "new approved funding": lambda: manager.post(
            detail("project_funding_create"),
            {"programme": "irop", "amount_requested": "500000", "amount_approved": "400000", "status": "approved"},
        ),
        "a new KPI": lambda: manager.post(
            detail("project_kpi_create"),
            {"name": "Úspora tepla", "kind": "energy_savings", "unit": "MWh/year", "target": "55"},
        ),
        "a KPI's actual value": lambda: manager.post(
            detail("project_kpi_update", item_id=kpi.pk),
            {"name": kpi.name, "kind": kpi.kind, "unit": kpi.unit, "baseline": "0", "target": "10", "actual": "6"},
        ),
    }


@pytest.mark.parametrize(
    "change", ["the measures", "the stage", "new approved funding", "a new KPI", "a KPI's actual value"]
)
def test_after_each_change_through_the_web_both_show_a_full_recomputation(
    town, as_role, strategy, measures, project, change
):
    _manager, changes = _web_changes(town, as_role, measures, project)
    before = _page_coverage(as_role("coordinator"), strategy)  # cached now
    _api_coverage(_api(town, "coordinator"), strategy)
    response = changes[change]()
    assert response.status_code < 400, response.content
    _assert_both_current(town, as_role, strategy)
    assert _page_coverage(as_role("coordinator"), strategy) != before


def test_a_project_becomes_stalled_by_age_without_any_write(town, strategy, measures, monkeypatch):
    idle = town.project(Stage.ASSESSMENT, ready=False)
    Project.objects.filter(pk=idle.pk).update(stage_changed_at=timezone.now() - timedelta(days=170))
    idle.strategic_measures.set([measures["2.1"]])
    goals, all_measures = list(goal_list(strategy=strategy)), list(measure_list(strategy=strategy))
    assert (
        strategy_coverage(strategy=strategy, goals=goals, measures=all_measures).of_measure(measures["2.1"]).stalled
        == 0
    )
    later = timezone.now() + timedelta(days=11)
    monkeypatch.setattr(timezone, "now", lambda: later)
    coverage = strategy_coverage(strategy=strategy, goals=goals, measures=all_measures)
    assert coverage.of_measure(measures["2.1"]).all_stalled


def test_a_second_read_answers_from_the_cache_and_a_change_computes_again(town, as_role, strategy, measures, project):
    api = _api(town, "coordinator")
    with CaptureQueriesContext(connection) as computed:
        first = _api_coverage(api, strategy)
    with CaptureQueriesContext(connection) as cached:
        assert _api_coverage(api, strategy) == first
    # the strategy, its goals, measures and their indicators; on a miss the four aggregates too
    assert (len(computed), len(cached)) == (7, 3)
    _api(town).patch(f"/api/v1/projects/{project.pk}/", {"estimated_cost": "7000000"}, format="json")
    with CaptureQueriesContext(connection) as again:
        assert _api_coverage(api, strategy)["total"]["cost"] == "7000000.00"
    assert len(again) == 7


def test_another_towns_change_leaves_the_cache_alone(town, strategy, measures, project):
    api = _api(town, "coordinator")
    _api_coverage(api, strategy)
    other = ProjectFactory(lead_department__municipality=town.other_municipality)
    project_update(actor=town.user("other_coordinator"), project=other, estimated_cost=Decimal("1"))
    with CaptureQueriesContext(connection) as cached:
        _api_coverage(api, strategy)
    assert len(cached) == 3
