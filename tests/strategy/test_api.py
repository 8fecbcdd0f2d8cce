"""The strategy API: the tree, coverage and amendments under /api/v1/, scoped to the caller's municipality,
with the API's error contract and pinned query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from backend.projects.stages import Stage
from backend.projects.town_cache import coverage_inputs_changed


@pytest.fixture
def api(town):
    def client(role: str) -> APIClient:
        api_client = APIClient()
        api_client.force_authenticate(town.user(role))
        return api_client

    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("staff", 200), ("manager", 200), ("partner", 404), ("other_coordinator", 404)],
)
def test_who_sees_a_strategy(api, strategy, role, status):
    assert api(role).get(f"/api/v1/strategies/{strategy.pk}/").status_code == status
    assert api(role).get(f"/api/v1/strategies/{strategy.pk}/coverage/").status_code == status
    listed = [row["id"] for row in api(role).get("/api/v1/strategies/").json()["results"]]
    assert listed == ([strategy.pk] if status == 200 else [])


def test_the_detail_carries_the_tree(api, strategy):
    body = api("staff").get(f"/api/v1/strategies/{strategy.pk}/").json()
    assert (body["status"], body["revision"], body["resolution_number"]) == ("in_force", 1, "ZM 12/2024")
    assert [(g["code"], g["parent"]) for g in body["goals"]] == [("1", None), ("1.1", "1"), ("2", None)]
    measure = next(m for m in body["measures"] if m["code"] == "1.1.1")
    assert measure["goal"] == "1.1"
    assert [(i["name"], i["kind"], i["target"]) for i in measure["indicators"]] == [
        ("Úspora energie", "energy_savings", "200.00")
    ]


def test_coverage_costs_the_same_for_one_and_for_thirty_projects(api, town, strategy, measures):
    client = api("coordinator")
    url = f"/api/v1/strategies/{strategy.pk}/coverage/"
    town.project(Stage.FUNDING).strategic_measures.set([measures["1.1.1"]])
    with CaptureQueriesContext(connection) as one:
        first = client.get(url).json()
    for _ in range(29):
        town.project(Stage.IMPLEMENTATION).strategic_measures.set([measures["1.1.1"], measures["2.1"]])
    coverage_inputs_changed(municipality_ids=[town.municipality.pk])  # written past the services, which say so
    with CaptureQueriesContext(connection) as thirty:
        body = client.get(url).json()
    # computed both times: the strategy, goals, measures, indicators, the coverage's four aggregates
    assert len(one) == len(thirty) == 7
    assert first["total"]["projects"] == 1 and body["total"]["projects"] == 30
    by_code = {row["code"]: row for row in body["measures"]}
    assert by_code["1.1.2"]["has_no_project"] is True
    assert by_code["2.1"]["by_stage"] == {"implementation": 29}


def test_an_amendment_is_proposed_and_approved_through_the_api(api, strategy, measures):
    response = api("staff").post(
        f"/api/v1/strategies/{strategy.pk}/amendments/",
        {
            "title": "Nové opatření 2.2",
            "reason": "Sdílená kola.",
            "changes": [
                {"action": "add", "kind": "measure", "data": {"code": "2.2", "title": "Bikesharing", "goal": "2"}}
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    amendment = response.json()
    assert amendment["status"] == "pending"
    assert api("staff").post(f"/api/v1/amendments/{amendment['id']}/approve/").status_code == 403
    assert api("other_coordinator").post(f"/api/v1/amendments/{amendment['id']}/approve/").status_code == 404
    approved = api("coordinator").post(f"/api/v1/amendments/{amendment['id']}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    codes = [m["code"] for m in api("staff").get(f"/api/v1/strategies/{strategy.pk}/").json()["measures"]]
    assert "2.2" in codes


def test_an_invalid_amendment_answers_400_in_czech_and_saves_nothing(api, strategy):
    response = api("staff").post(
        f"/api/v1/strategies/{strategy.pk}/amendments/",
        {"title": "Chyba", "reason": "Test.", "changes": [{"action": "add", "kind": "measure", "data": {"code": "9"}}]},
        format="json",
    )
    assert response.status_code == 400
    assert "Vyberte cíl, kterému opatření slouží." in str(response.json())
    assert not strategy.amendments.exists()


def test_partners_cannot_propose(api, strategy):
    response = api("partner").post(
        f"/api/v1/strategies/{strategy.pk}/amendments/", {"title": "x", "reason": "y", "changes": []}, format="json"
    )
    assert response.status_code == 404
