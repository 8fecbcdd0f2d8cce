"""Single-line names lose invisible characters, in the normaliser and wherever a title comes in."""

import pytest

from backend.core.text import single_line
from backend.projects.models import Project
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Osvětlení\u202e.exe", "Osvětlení.exe"),  # right-to-left override
        ("\u2066Parkování\u2069", "Parkování"),  # isolates
        ("Cyklo\u200bstezky", "Cyklostezky"),  # zero-width space
        ("Zelená\u200c\u200d střecha", "Zelená střecha"),  # zero-width non-joiner and joiner
        ("\ufeffBOM na začátku", "BOM na začátku"),
        ("Roz\u00addělení", "Rozdělení"),  # soft hyphen
        ("Dva\nřádky\tse\u0000 slijí", "Dva řádky se  slijí"),
        ("  Obyčejný název  ", "Obyčejný název"),
        ("ČSN 73 6110 – 2 %", "ČSN 73 6110 – 2 %"),
    ],
)
def test_single_line_drops_invisible_characters(raw, clean):
    assert single_line(raw) == clean


def test_a_title_from_the_api_is_stored_without_invisible_characters(town):
    response = api_client(town.user("manager")).post(
        "/api/v1/projects/", {"title": "\u202eLED osvětlení\u200b", "lead_department": town.env.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "LED osvětlení"
    assert Project.objects.get(pk=response.json()["id"]).title == "LED osvětlení"


def test_a_title_of_invisible_characters_only_is_empty_and_refused(town):
    response = api_client(town.user("manager")).post(
        "/api/v1/projects/", {"title": "\u200b\u202e\ufeff", "lead_department": town.env.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["title"]


def test_kpi_names_and_units_from_the_web_are_cleaned(client, town):
    from django.urls import reverse

    from backend.projects.stages import Stage

    project = town.project(Stage.EVALUATION, ready=False)
    client.force_login(town.user("manager"))
    client.post(
        reverse("web:project_kpi_create", args=[project.pk]),
        {"name": "Úspora\u202e energie", "kind": "custom", "unit": "MWh\u200b/rok", "target": "10"},
    )
    kpi = project.kpis.get()
    assert (kpi.name, kpi.unit) == ("Úspora energie", "MWh/rok")
