"""The API takes the web's "my projects" and "assigned to me" filters (one ProjectFilterSet for both)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from backend.projects.stages import Stage
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

URL = reverse("api:project-list")


@pytest.fixture
def titles(town):
    staff, manager = town.user("staff"), town.user("manager")
    town.project(Stage.IDEA, title="Spravuji", manager=manager)
    town.project(Stage.IDEA, title="Sleduji", manager=staff).watchers.add(manager)
    tasked = town.project(Stage.FUNDING, title="Mám úkol", manager=staff)
    TaskFactory(project=tasked, assignee=manager, status="open")
    town.project(Stage.IDEA, title="Cizí", manager=staff)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("mine=true", {"Spravuji", "Sleduji"}),
        ("assigned_to_me=true", {"Mám úkol"}),
        ("mine=false", {"Spravuji", "Sleduji", "Mám úkol", "Cizí"}),
        ("", {"Spravuji", "Sleduji", "Mám úkol", "Cizí"}),
    ],
)
def test_mine_and_assigned_to_me(town, titles, query, shown):
    client = APIClient()
    client.force_authenticate(town.user("manager"))
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert {project["title"] for project in response.json()["results"]} == shown


def test_the_schema_documents_both_filters(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    parameters = {
        parameter["name"]: parameter for parameter in schema["paths"]["/api/v1/projects/"]["get"]["parameters"]
    }
    assert parameters["mine"]["schema"]["type"] == "boolean"
    assert parameters["assigned_to_me"]["schema"]["type"] == "boolean"
