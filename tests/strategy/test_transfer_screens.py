"""The import page and API endpoint (check, then all rows or none) and the XLSX export, for the coordinator;
other people of the town are refused, other towns and partners get 404."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from backend.strategy.models import Amendment, Measure
from backend.strategy.services import strategy_create
from tests.strategy.test_transfer import _fifty_measures, _xlsx


@pytest.fixture
def draft(town):
    return strategy_create(actor=town.user("coordinator"), municipality=town.municipality, title="Nová strategie")


def _upload(rows, name="strategie.xlsx"):
    return SimpleUploadedFile(name, _xlsx(rows))


def test_the_coordinator_checks_then_imports_a_file(as_role, town, draft, assert_safe_page):
    client = as_role("coordinator")
    url = reverse("strategy:import", kwargs={"pk": draft.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert_safe_page(page)
    checked = client.post(url, {"step": "upload", "file": _upload(_fifty_measures())})
    assert checked.status_code == 200
    html = checked.content.decode()
    assert "strategie.xlsx: 54 řádků." in html and "Opatření 50" in html and "Importovat řádky" in html
    assert not Measure.objects.filter(strategy=draft).exists()  # the check saves nothing
    imported = client.post(url, {"step": "import"}, follow=True)
    assert imported.redirect_chain[-1][0] == reverse("strategy:detail", kwargs={"pk": draft.pk})
    assert "Importováno 54 položek." in imported.content.decode()
    assert Measure.objects.filter(strategy=draft).count() == 50


def test_a_wrong_row_is_named_and_nothing_can_be_imported(as_role, draft):
    client = as_role("coordinator")
    url = reverse("strategy:import", kwargs={"pk": draft.pk})
    rows = _fifty_measures()
    rows[20][4] = "9"
    checked = client.post(url, {"step": "upload", "file": _upload(rows)})
    assert checked.status_code == 400
    html = checked.content.decode()
    assert "Řádek 22: Strategie nemá cíl s kódem 9." in html and "Importovat řádky" not in html


def test_an_unreadable_file_is_refused_on_the_form(as_role, draft):
    response = as_role("coordinator").post(
        reverse("strategy:import", kwargs={"pk": draft.pk}),
        {"step": "upload", "file": SimpleUploadedFile("strategie.pdf", b"%PDF")},
    )
    assert response.status_code == 400
    assert "Nahrajte soubor XLSX nebo CSV." in response.content.decode()


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("manager", 403), ("other_coordinator", 404)])
def test_only_the_coordinator_opens_the_import(as_role, draft, role, status):
    url = reverse("strategy:import", kwargs={"pk": draft.pk})
    assert as_role(role).get(url).status_code == status
    assert as_role(role).post(url, {"step": "upload", "file": _upload([["cíl", "1", "A"]])}).status_code == status
    assert not Measure.objects.filter(strategy=draft).exists()


@pytest.mark.parametrize(("role", "status"), [("staff", 200), ("partner", 404), ("other_coordinator", 404)])
def test_the_export_is_for_those_who_see_the_strategy(as_role, strategy, role, status):
    response = as_role(role).get(reverse("strategy:export", kwargs={"pk": strategy.pk}))
    assert response.status_code == status
    if status == 200:
        workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert [row[1] for row in workbook.active.iter_rows(values_only=True)][1:4] == ["1", "1.1", "1.1.1"]


def _api(town, role):
    client = APIClient()
    client.force_authenticate(town.user(role))
    return client


def test_the_api_checks_imports_and_refuses_a_wrong_file(town, draft):
    url = f"/api/v1/strategies/{draft.pk}/import/"
    api = _api(town, "coordinator")
    dry = api.post(url, {"file": _upload(_fifty_measures()), "dry_run": "true"}, format="multipart")
    assert dry.status_code == 200 and dry.json()["imported"] == 0 and len(dry.json()["rows"]) == 54
    assert not Measure.objects.filter(strategy=draft).exists()
    rows = _fifty_measures()
    rows[20][4] = "9"
    wrong = api.post(url, {"file": _upload(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="cs")
    assert wrong.status_code == 400
    assert "Řádek 22: Strategie nemá cíl s kódem 9." in str(wrong.json())
    done = api.post(url, {"file": _upload(_fifty_measures())}, format="multipart")
    assert done.status_code == 201 and done.json()["imported"] == 54
    assert Measure.objects.filter(strategy=draft).count() == 50


def test_the_api_proposes_an_amendment_for_a_strategy_in_force(town, strategy):
    response = _api(town, "coordinator").post(
        f"/api/v1/strategies/{strategy.pk}/import/",
        {"file": _upload([["opatření", "2.2", "Sdílená kola", "", "2"]]), "reason": "Akční plán"},
        format="multipart",
    )
    assert response.status_code == 201
    amendment = Amendment.objects.get(pk=response.json()["amendment"])
    assert amendment.reason == "Akční plán" and amendment.changes.count() == 1


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("partner", 404), ("other_coordinator", 404)])
def test_the_api_import_is_for_the_coordinator(town, draft, role, status):
    response = _api(town, role).post(
        f"/api/v1/strategies/{draft.pk}/import/", {"file": _upload([["cíl", "1", "A"]])}, format="multipart"
    )
    assert response.status_code == status


def test_the_api_export_is_xlsx(town, strategy):
    response = _api(town, "staff").get(f"/api/v1/strategies/{strategy.pk}/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert _api(town, "other_coordinator").get(f"/api/v1/strategies/{strategy.pk}/export/").status_code == 404
