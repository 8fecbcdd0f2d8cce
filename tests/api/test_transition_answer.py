"""The answer to a transition that ran: the project as it stands after the move, built without reading it again."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from backend.projects.stages import Stage
from tests.strategy.conftest import measures, strategy  # noqa: F401 (the town's strategy and its measures)

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def test_the_answer_to_a_transition_is_the_project_as_its_detail_reads_it_then(town, measures):  # noqa: F811
    project = town.project(
        Stage.IDEA, is_public=True, estimated_cost=Decimal("1250000.50"), planned_start=date(2027, 3, 1)
    )
    project.departments.add(town.tra)
    project.strategic_measures.add(measures["2.1"], measures["1.1.1"])
    manager = _client(town.user("manager"))

    moved = manager.post(f"/api/v1/projects/{project.pk}/transitions/", {"name": "submit"}, format="json")

    assert moved.status_code == 200
    assert moved.content == manager.get(f"/api/v1/projects/{project.pk}/").content
    body = moved.json()
    assert (body["stage"], body["estimated_cost"], body["planned_start"]) == ("assessment", "1250000.50", "2027-03-01")
    assert body["departments"] == [town.tra.pk]
    assert set(body["measures"]) == {measures["2.1"].pk, measures["1.1.1"].pk}


def test_a_transition_over_the_api_costs_its_pinned_queries(town):
    project = town.project(Stage.IDEA)
    manager = _client(town.user("manager"))

    with CaptureQueriesContext(connection) as queries:
        moved = manager.post(f"/api/v1/projects/{project.pk}/transitions/", {"name": "submit"}, format="json")

    assert moved.status_code == 200
    # The user's roles (forced authentication: a token brings them in its own query), the project as the user may
    # see it (with its departments and measures), the service's 5 (tests/notifications/test_deliveries.py), and
    # no read of the project after the move (18 before, 14 before the preferences were read with the recipients,
    # 13 before the lock read the policy, 12 before the move's rows were one statement, 9 before the audience and
    # its rows were, 8 before the webhook endpoints were asked with them).
    assert len(queries) == 7, "\n".join(query["sql"] for query in queries.captured_queries)
