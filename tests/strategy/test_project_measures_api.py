"""The project API's writable ``measures``: ids of the municipality's measures, set on create and edit, read
back on the detail and the list (no extra query); retired or foreign measures refused in Czech."""

from rest_framework.test import APIClient

from backend.projects.stages import Stage
from backend.strategy.models import Measure
from backend.strategy.services import strategy_create, strategy_item_add


def _api(town, role):
    client = APIClient()
    client.force_authenticate(town.user(role))
    return client


def test_the_manager_sets_the_measures_and_reads_them_back(town, measures):
    project = town.project(Stage.IDEA)
    api = _api(town, "manager")
    ids = sorted([measures["1.1.1"].pk, measures["2.1"].pk])
    response = api.patch(f"/api/v1/projects/{project.pk}/", {"measures": ids}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(response.json()["measures"]) == ids
    assert sorted(project.strategic_measures.values_list("pk", flat=True)) == ids
    listed = next(row for row in api.get("/api/v1/projects/").json()["results"] if row["id"] == project.pk)
    assert sorted(listed["measures"]) == ids


def test_a_new_project_is_created_with_its_measures(town, measures):
    response = _api(town, "coordinator").post(
        "/api/v1/projects/",
        {"title": "Chytré lampy", "lead_department": town.env.pk, "measures": [measures["1.1.2"].pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["measures"] == [measures["1.1.2"].pk]


def test_a_retired_measure_is_refused_in_czech(town, measures):
    Measure.objects.filter(pk=measures["2.1"].pk).update(is_retired=True)
    project = town.project(Stage.IDEA)
    response = _api(town, "manager").patch(
        f"/api/v1/projects/{project.pk}/", {"measures": [measures["2.1"].pk]}, format="json", HTTP_ACCEPT_LANGUAGE="cs"
    )
    assert response.status_code == 400
    assert response.json() == {"measures": ["K vyřazenému opatření nelze připojit projekt."]}
    assert not project.strategic_measures.exists()


def test_another_towns_measure_is_refused_as_unknown(town, measures):
    lhota = town.user("other_coordinator")
    programme = strategy_create(actor=lhota, municipality=town.other_municipality, title="Program Lhota")
    strategy_item_add(actor=lhota, strategy=programme, kind="goal", data={"code": "1", "title": "Náves"})
    foreign = strategy_item_add(
        actor=lhota, strategy=programme, kind="measure", data={"code": "1.1", "title": "Osvětlení", "goal": "1"}
    )
    project = town.project(Stage.IDEA)
    response = _api(town, "manager").patch(
        f"/api/v1/projects/{project.pk}/", {"measures": [foreign.pk]}, format="json", HTTP_ACCEPT_LANGUAGE="cs"
    )
    assert response.status_code == 400
    assert response.json() == {"measures": [f'Chybný primární klíč "{foreign.pk}" - objekt neexistuje.']}
    assert not project.strategic_measures.exists()


def test_the_project_form_offers_the_active_measures_and_links_the_chosen(as_role, town, measures):
    from django.urls import reverse

    from backend.projects.models import Project

    Measure.objects.filter(pk=measures["2.1"].pk).update(is_retired=True)
    client = as_role("manager")
    page = client.get(reverse("web:project_create")).content.decode()
    assert "Opatření strategie" in page and "1.1.1 Zateplení budov města" in page
    assert "2.1 Bezpečná doprava" not in page  # retired: not offered
    response = client.post(
        reverse("web:project_create"),
        {"title": "Zateplení školy", "lead_department": town.env.pk, "strategic_measures": [measures["1.1.1"].pk]},
    )
    assert response.status_code == 302
    assert list(Project.objects.get(title="Zateplení školy").strategic_measures.all()) == [measures["1.1.1"]]
    refused = client.post(
        reverse("web:project_create"),
        {"title": "Bezpečná škola", "lead_department": town.env.pk, "strategic_measures": [measures["2.1"].pk]},
    )
    assert refused.status_code == 422 and not Project.objects.filter(title="Bezpečná škola").exists()
