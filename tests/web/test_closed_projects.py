"""A completed or rejected project in the web UI: no edit controls, stale forms show the services' refusal,
and a completed project's evaluation is corrected with a reason."""

import html

import pytest
from django.urls import reverse

from backend.projects.models import Event, EventKind, FundingApplication
from backend.projects.stages import Stage
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
REJECTED = "Projekt byl zamítnut a už jej nelze měnit, kromě komentářů."


def _url(name: str, project, *args) -> str:
    return reverse(f"web:{name}", args=[project.pk, *args])


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _tab(client, project, tab: str) -> str:
    response = client.get(reverse("web:project_tab", args=[project.pk, tab]))
    assert response.status_code == 200
    return _text(response)


def test_an_open_project_shows_its_edit_controls(as_role, town):
    project = town.project(Stage.IMPLEMENTATION)
    TaskFactory(project=project, assignee=town.user("manager"))
    client = as_role("manager")
    page = _text(client.get(_url("project_detail", project)))
    assert "Upravit projekt" in page
    assert "Nový úkol" in _tab(client, project, "tasks")
    assert _url("project_task_edit", project, project.tasks.get().pk) in _tab(client, project, "tasks")
    assert "Přidat ukazatel KPI" in _tab(client, project, "kpis")


@pytest.mark.parametrize("stage", [Stage.COMPLETED, Stage.REJECTED])
def test_a_closed_project_hides_its_edit_controls(as_role, town, stage):
    project = town.project(stage)
    task = TaskFactory(project=project, assignee=town.user("manager"))
    client = as_role("manager")
    page = _text(client.get(_url("project_detail", project)))
    assert "Upravit projekt" not in page
    assert ("Opravit vyhodnocení" in page) == (stage == Stage.COMPLETED)
    tasks = _tab(client, project, "tasks")
    assert "Nový úkol" not in tasks
    assert _url("project_task_edit", project, task.pk) not in tasks
    assert _url("project_task_status", project, task.pk) not in tasks
    funding = _tab(client, project, "funding")
    assert _url("project_funding_create", project) not in funding
    kpis = _tab(client, project, "kpis")
    assert "Přidat ukazatel KPI" not in kpis
    kpi_edit = _url("project_kpi_update", project, project.kpis.get().pk)
    assert (kpi_edit in kpis) == (stage == Stage.COMPLETED)
    assert _url("project_comment_create", project) in _tab(client, project, "comments")


def test_a_stale_funding_form_on_a_rejected_project_shows_the_refusal(as_role, town):
    project = town.project(Stage.REJECTED)
    before = FundingApplication.objects.count()
    response = as_role("manager").post(
        _url("project_funding_create", project), {"programme": "irop", "amount_requested": "1000", "status": "planned"}
    )
    assert REJECTED in _text(response)
    assert FundingApplication.objects.count() == before


def test_a_partner_cannot_reopen_a_task_of_a_completed_project_in_the_web(as_role, town):
    project = town.project(Stage.COMPLETED)
    task = TaskFactory(project=project, assignee=town.user("partner"), status="done")
    response = as_role("partner").post(_url("project_task_status", project, task.pk), {"status": "open"}, **HTMX)
    assert "Projekt je dokončen" in _text(response)
    task.refresh_from_db()
    assert task.status == "done"


def test_the_evaluation_of_a_completed_project_is_corrected_with_a_reason_in_the_web(as_role, town):
    project = town.project(Stage.COMPLETED, evaluation_summary="Cíle splněny.")
    client = as_role("manager")
    form = _text(client.get(_url("project_edit", project), **HTMX))
    assert 'name="evaluation_summary"' in form and 'name="reason"' in form and 'name="title"' not in form

    refused = client.post(_url("project_edit", project), {"evaluation_summary": "Cíle splněny z 90 %."}, **HTMX)
    assert "Toto pole je vyžadováno." in _text(refused)
    saved = client.post(
        _url("project_edit", project), {"evaluation_summary": "Cíle splněny z 90 %.", "reason": "Nový odečet"}, **HTMX
    )
    assert saved.status_code == 200
    project.refresh_from_db()
    assert project.evaluation_summary == "Cíle splněny z 90 %."
    event = Event.objects.get(project=project, kind=EventKind.EVALUATION_CORRECTED)
    assert event.payload["reason"] == "Nový odečet"


@pytest.mark.parametrize("name", ["complete", "put_on_hold"])
def test_a_partner_guest_is_refused_a_transition_with_403_in_the_web_whatever_the_stage(as_role, town, name):
    project = town.project(Stage.ASSESSMENT)
    response = as_role("partner").post(_url("project_transition", project), {"name": name, "stage": "assessment"})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.stage == Stage.ASSESSMENT


def test_a_closed_project_offers_no_invitation_form(as_role, town):
    project = town.project(Stage.REJECTED)
    page = _text(as_role("manager").get(_url("project_partners", project)))
    assert REJECTED in page
    assert _url("project_invite", project) not in page


def test_an_open_project_offers_the_invitation_form(as_role, town):
    project = town.project(Stage.FUNDING)
    page = _text(as_role("manager").get(_url("project_partners", project)))
    assert _url("project_invite", project) in page
    assert REJECTED not in page
