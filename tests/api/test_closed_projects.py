"""Completed and rejected projects are read-only through the API but for comments and evaluation corrections.

The rule lives in the services (backend/projects/services.py, "Closed projects"); the web tests check the
same refusals through the forms.
"""

from decimal import Decimal

import pytest

from backend.projects.models import Event, EventKind, FundingApplication, Kpi, Task
from backend.projects.stages import Stage
from tests.api.conftest import api_client
from tests.factories import TaskFactory

pytestmark = pytest.mark.usefixtures("own_throttle_cache")

COMPLETED = "Projekt je dokončen a už jej nelze měnit, kromě komentářů a oprav jeho vyhodnocení."
REJECTED = "Projekt byl zamítnut a už jej nelze měnit, kromě komentářů."


@pytest.fixture
def manager(town):
    return api_client(town.user("manager"))


def _corrections(project) -> list[dict]:
    return list(
        Event.objects.filter(project=project, kind=EventKind.EVALUATION_CORRECTED).values_list("payload", flat=True)
    )


def test_funding_cannot_be_added_to_a_rejected_project(town, manager):
    project = town.project(Stage.REJECTED)
    before = FundingApplication.objects.count()
    response = manager.post(
        f"/api/v1/projects/{project.pk}/funding/", {"programme": "irop", "amount_requested": "1000"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"non_field_errors": [REJECTED]}
    assert FundingApplication.objects.count() == before


@pytest.mark.parametrize("stage", [Stage.COMPLETED, Stage.REJECTED])
def test_a_partner_cannot_reopen_a_task_of_a_closed_project(town, stage):
    project = town.project(stage)
    task = TaskFactory(project=project, assignee=town.user("partner"), status="done")
    response = api_client(town.user("partner")).patch(f"/api/v1/tasks/{task.pk}/", {"status": "open"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"status": [COMPLETED if stage == Stage.COMPLETED else REJECTED]}
    task.refresh_from_db()
    assert task.status == "done"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/projects/{project}/", {"title": "Nový název"}),
        ("patch", "/projects/{project}/", {"evaluation_summary": "Jinak.", "reason": "Překlep"}),
        ("post", "/projects/{project}/kpis/", {"name": "Úspora", "unit": "MWh", "target": "1"}),
        ("patch", "/projects/{project}/kpis/{kpi}/", {"actual": "5", "reason": "Nový odečet"}),
        ("patch", "/projects/{project}/funding/{funding}/", {"amount_approved": "1"}),
        ("post", "/tasks/", {"project": "{project}", "title": "Ještě něco"}),
        ("patch", "/tasks/{task}/", {"title": "Přejmenováno"}),
        ("post", "/projects/{project}/partners/", {"organization": "{firm}", "access_level": "view"}),
    ],
)
def test_a_rejected_project_refuses_every_change(town, manager, method, path, body):
    project = town.project(Stage.REJECTED)
    ids = {
        "project": project.pk,
        "kpi": project.kpis.get().pk,
        "funding": project.funding_applications.get().pk,
        "task": TaskFactory(project=project).pk,
        "firm": town.firm.pk,
    }
    body = {key: int(value.format(**ids)) if value.startswith("{") else value for key, value in body.items()}
    events = Event.objects.count()
    response = getattr(manager, method)("/api/v1" + path.format(**ids), body, format="json")
    assert response.status_code == 400, response.content
    assert REJECTED in str(response.json())
    assert Event.objects.count() == events


def test_a_completed_project_still_takes_comments(town, manager):
    project = town.project(Stage.COMPLETED)
    response = manager.post(
        f"/api/v1/projects/{project.pk}/comments/", {"body": "Díky všem.", "visibility": "shared"}, format="json"
    )
    assert response.status_code == 201, response.content


def test_a_completed_projects_other_fields_are_refused_by_name(town, manager):
    project = town.project(Stage.COMPLETED)
    response = manager.patch(
        f"/api/v1/projects/{project.pk}/",
        {"title": "Jiný", "estimated_cost": "1", "evaluation_summary": project.evaluation_summary},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"estimated_cost": [COMPLETED], "title": [COMPLETED]}


def test_the_evaluation_summary_of_a_completed_project_is_corrected_with_a_reason(town, manager):
    project = town.project(Stage.COMPLETED, evaluation_summary="Cíle splněny.")
    url = f"/api/v1/projects/{project.pk}/"

    without_reason = manager.patch(url, {"evaluation_summary": "Cíle splněny na 90 %."}, format="json")
    assert without_reason.status_code == 400
    assert without_reason.json() == {"reason": ["Uveďte důvod opravy vyhodnocení dokončeného projektu."]}

    emptied = manager.patch(url, {"evaluation_summary": "  ", "reason": "Omyl"}, format="json")
    assert emptied.status_code == 400
    assert emptied.json() == {"evaluation_summary": ["Shrnutí vyhodnocení dokončeného projektu nelze vymazat."]}
    # What looks empty is empty: zero-width spaces, a word joiner, a byte order mark.
    invisible = manager.patch(url, {"evaluation_summary": "\u200b\u2060", "reason": "Omyl"}, format="json")
    assert invisible.json() == {"evaluation_summary": ["Shrnutí vyhodnocení dokončeného projektu nelze vymazat."]}
    no_visible_reason = manager.patch(url, {"evaluation_summary": "Jinak.", "reason": "\u200b \ufeff"}, format="json")
    assert no_visible_reason.json() == {"reason": ["Uveďte důvod opravy vyhodnocení dokončeného projektu."]}
    assert _corrections(project) == []

    corrected = manager.patch(
        url, {"evaluation_summary": "Cíle splněny na 90 %.", "reason": "Doplněn odečet za prosinec"}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["evaluation_summary"] == "Cíle splněny na 90 %."
    assert _corrections(project) == [
        {
            "field": "evaluation_summary",
            "previous": "Cíle splněny.",
            "value": "Cíle splněny na 90 %.",
            "reason": "Doplněn odečet za prosinec",
        }
    ]


def test_a_kpi_actual_of_a_completed_project_is_corrected_with_a_reason_and_never_emptied(town, manager):
    project = town.project(Stage.COMPLETED)
    kpi = project.kpis.get()
    url = f"/api/v1/projects/{project.pk}/kpis/{kpi.pk}/"

    cleared = manager.patch(url, {"actual": None, "reason": "Neplatné"}, format="json")
    assert cleared.status_code == 400
    assert cleared.json() == {"actual": ["Skutečnou hodnotu KPI dokončeného projektu nelze vymazat."]}
    assert manager.patch(url, {"actual": "120"}, format="json").json() == {
        "reason": ["Uveďte důvod opravy vyhodnocení dokončeného projektu."]
    }
    renamed = manager.patch(url, {"name": "Jiný ukazatel", "reason": "Přejmenování"}, format="json")
    assert renamed.json() == {"name": [COMPLETED]}

    corrected = manager.patch(url, {"actual": "120.5", "reason": "Opravený odečet"}, format="json")
    assert corrected.status_code == 200, corrected.content
    kpi.refresh_from_db()
    assert kpi.actual == Decimal("120.5")
    assert _corrections(project) == [
        {
            "field": "kpi_actual",
            "kpi_id": kpi.pk,
            "kpi": kpi.name,
            "previous": "130.000",
            "value": "120.500",
            "reason": "Opravený odečet",
        }
    ]
    assert Kpi.objects.filter(project=project).count() == 1
    assert not Task.objects.filter(project=project).exists()


@pytest.mark.parametrize("stage", ["completed", "rejected", "on_hold"])
def test_a_task_belongs_to_an_active_stage_only(town, manager, stage):
    project = town.project(Stage.IMPLEMENTATION)
    response = manager.post("/api/v1/tasks/", {"project": project.pk, "title": "Úkol", "stage": stage}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["stage"]
    assert not Task.objects.filter(project=project).exists()


def test_a_task_of_a_project_on_hold_belongs_to_the_stage_it_left(town, manager):
    project = town.project(Stage.ON_HOLD, stage_before_hold=Stage.FUNDING)
    response = manager.post("/api/v1/tasks/", {"project": project.pk, "title": "Připravit žádost"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["stage"] == "funding"


def test_the_web_task_form_offers_active_stages_only(town, client):
    from django.urls import reverse

    client.force_login(town.user("manager"))
    project = town.project(Stage.IMPLEMENTATION)
    page = client.get(reverse("web:project_tab", args=[project.pk, "tasks"])).content.decode()
    assert 'value="implementation"' in page
    for stage in ("completed", "rejected", "on_hold"):
        assert f'<option value="{stage}"' not in page
