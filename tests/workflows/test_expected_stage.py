"""The optimistic stage check lives in ``project_transition``: a button pressed on a page (or an API call made
after a read) that shows a stage the project has left moves nothing, whichever way in it came."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from backend.core.errors import ConcurrentChange
from backend.projects.models import Project
from backend.projects.stages import Stage
from workflows.models import TransitionRecord
from workflows.services import project_transition

pytestmark = pytest.mark.django_db


def test_the_service_refuses_a_stage_the_project_has_left(town):
    project = town.project(Stage.ASSESSMENT)

    with pytest.raises(ConcurrentChange) as refused:
        project_transition(project=project, actor=town.user("manager"), transition="submit", expected_stage=Stage.IDEA)

    assert refused.value.code == "stage_changed"
    assert str(Stage.ASSESSMENT.label) in str(refused.value)
    assert not TransitionRecord.objects.filter(project=project).exists()


def test_the_service_runs_when_the_stage_is_the_one_seen(town):
    project = town.project(Stage.IDEA)

    outcome = project_transition(
        project=project, actor=town.user("manager"), transition="submit", expected_stage=Stage.IDEA
    )

    assert outcome.executed and outcome.project.stage == Stage.ASSESSMENT


def test_a_partner_is_refused_as_such_whatever_stage_they_name(town):
    project = town.project(Stage.ASSESSMENT)
    client = APIClient()
    client.force_authenticate(town.user("partner"))

    response = client.post(
        f"/api/v1/projects/{project.pk}/transitions/", {"name": "submit", "expected_stage": "idea"}, format="json"
    )

    assert response.status_code == 403


def test_the_api_takes_the_same_parameter(town):
    project = town.project(Stage.ASSESSMENT)
    client = APIClient()
    client.force_authenticate(town.user("manager"))
    url = f"/api/v1/projects/{project.pk}/transitions/"

    stale = client.post(url, {"name": "submit", "expected_stage": "idea"}, format="json")
    unknown = client.post(url, {"name": "submit", "expected_stage": "nowhere"}, format="json")

    assert stale.status_code == 409
    assert stale.json()["code"] == "stage_changed"
    assert stale.json()["blockers"] == [{"code": "stage_changed", "message": stale.json()["detail"]}]
    assert unknown.status_code == 400 and "expected_stage" in unknown.json()
    assert Project.objects.get(pk=project.pk).stage == Stage.ASSESSMENT


def test_the_web_panel_shows_the_same_refusal(client, town):
    project = town.project(Stage.ASSESSMENT)
    client.force_login(town.user("manager"))

    response = client.post(reverse("web:project_transition", args=[project.pk]), {"name": "submit", "stage": "idea"})

    assert response.status_code == 409
    assert "mezitím" in response.content.decode()
    assert Project.objects.get(pk=project.pk).stage == Stage.ASSESSMENT
