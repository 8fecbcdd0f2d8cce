"""Funding programmes as data (issue 17): the seeded list, a town's own programme, its scope and deactivation."""

import pytest
from django.urls import reverse

from backend.projects.choices import FundingProgramme
from backend.projects.models import FundingApplication, Programme
from backend.projects.stages import Stage
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

NAME = "Krajský dotační program Energie 2027"


def test_the_migration_seeded_every_former_choice_with_its_code():
    seeded = set(Programme.objects.filter(municipality__isnull=True).values_list("code", flat=True))
    assert set(FundingProgramme.values) <= seeded


def _add(client) -> Programme:
    response = client.post("/integrations/programmes/", {"name": NAME, "provider": "Kraj Vysočina"})
    assert response.status_code == 302
    return Programme.objects.get(name=NAME)


def test_a_coordinators_programme_is_used_shown_and_refused_elsewhere(client, town):
    client.force_login(town.user("coordinator"))
    programme = _add(client)
    assert NAME in client.get("/integrations/programmes/").content.decode()
    project = town.project(Stage.FUNDING)
    created = api_client(town.user("coordinator")).post(
        f"/api/v1/projects/{project.pk}/funding/", {"programme": programme.code, "amount_requested": "1000"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["programme"] == programme.code
    page = client.get(reverse("web:project_tab", args=[project.pk, "funding"]))
    assert NAME in page.content.decode()

    refused = api_client(town.user("other_coordinator")).post(
        "/api/v1/funding-calls/",
        {"programme": programme.code, "number": "K-1", "name": "Výzva", "closes": "2027-01-01"},
    )
    assert refused.status_code == 400
    assert "programme" in refused.json()


def test_a_deactivated_programme_is_not_offered_but_old_applications_keep_its_name(client, town):
    client.force_login(town.user("coordinator"))
    programme = _add(client)
    project = town.project(Stage.FUNDING)
    api = api_client(town.user("coordinator"))
    assert (
        api.post(
            f"/api/v1/projects/{project.pk}/funding/", {"programme": programme.code, "amount_requested": "1"}
        ).status_code
        == 201
    )
    assert client.post(f"/integrations/programmes/{programme.pk}/active/", {"active": "0"}).status_code == 302
    again = api.post(f"/api/v1/projects/{project.pk}/funding/", {"programme": programme.code, "amount_requested": "1"})
    assert again.status_code == 400
    kept = FundingApplication.objects.filter(project=project, programme=programme.code)
    assert kept.count() == 1
    assert kept.get().get_programme_display() == NAME


def test_other_roles_are_refused_and_other_towns_rows_are_404(client, town):
    client.force_login(town.user("coordinator"))
    programme = _add(client)
    client.force_login(town.user("manager"))
    assert client.get("/integrations/programmes/").status_code == 403
    client.force_login(town.user("other_coordinator"))
    assert client.post(f"/integrations/programmes/{programme.pk}/active/", {"active": "0"}).status_code == 404
    assert NAME not in client.get("/integrations/programmes/").content.decode()
