"""The Covenant of Mayors-shaped report: XLSX that LibreOffice opens (converted back to CSV headless), and CSV."""

import csv
import datetime
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.energy.models import EmissionInventory, InventoryEntry
from backend.energy.services import kpi_emission_compute
from backend.projects.stages import Stage
from tests.factories.projects import KpiFactory

pytestmark = pytest.mark.django_db

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def led(town):
    project = town.project(
        Stage.COMPLETED,
        ready=False,
        title="LED veřejné osvětlení",
        planned_start=datetime.date(2023, 3, 1),
        planned_end=datetime.date(2024, 10, 31),
        estimated_cost=Decimal("1250000"),
    )
    kpi = KpiFactory(
        project=project, carrier="electricity", sector="public_lighting", target=Decimal(620), actual=Decimal(648)
    )
    kpi_emission_compute(actor=town.user("coordinator"), kpi=kpi)
    inventory = EmissionInventory.objects.create(municipality=town.municipality, year=2022)
    InventoryEntry.objects.create(inventory=inventory, sector="public_lighting", carrier="electricity", mwh=1500)
    return project


EXPECTED_HEADER = [
    "Opatření",
    "Sektor",
    "Oblast působení",
    "Odpovědný odbor",
    "Rok zahájení",
    "Rok ukončení",
    "Stav realizace",
    "Náklady (Kč)",
    "Odhadovaná úspora energie (MWh/rok)",
    "Dosažená úspora energie (MWh/rok)",
    "Výroba energie z obnovitelných zdrojů (MWh/rok)",
    "Odhadované snížení CO₂ (t/rok)",
    "Dosažené snížení CO₂ (t/rok)",
]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc-nogui) is not installed")
def test_the_xlsx_opens_in_libreoffice_with_its_cells(client, town, led, tmp_path):
    client.force_login(town.user("coordinator"))
    response = client.get(reverse("energy:report_xlsx"))
    assert response.status_code == 200
    workbook = tmp_path / "vykaz.xlsx"
    workbook.write_bytes(response.content)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):59,34,76,1", "--outdir", str(tmp_path), str(workbook)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO((tmp_path / "vykaz.csv").read_text("utf-8")), delimiter=";"))
    assert rows[0] == EXPECTED_HEADER
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Opatření"] == "LED veřejné osvětlení"
    assert row["Sektor"] == "Veřejné osvětlení"  # the KPI's Covenant sector
    assert (row["Rok zahájení"], row["Rok ukončení"], row["Stav realizace"]) == ("2023", "2024", "Dokončeno")
    # LibreOffice writes the cells as their number formats show them: one decimal for MWh and t CO₂.
    assert float(row["Odhadovaná úspora energie (MWh/rok)"].replace("\xa0", "").replace(",", ".")) == 620
    assert float(row["Odhadované snížení CO₂ (t/rok)"].replace("\xa0", "").replace(",", ".")) == 533.2
    assert float(row["Dosažené snížení CO₂ (t/rok)"].replace("\xa0", "").replace(",", ".")) == 557.3
    assert row["Náklady (Kč)"].replace("\xa0", " ").replace(",", " ").startswith("1 250 000")


def test_the_xlsx_has_the_inventory_sheet(client, town, led):
    import openpyxl

    client.force_login(town.user("coordinator"))
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("energy:report_xlsx")).content))
    inventory = workbook["Bilance emisí"]
    assert [cell.value for cell in inventory[2]] == [2022, "Veřejné osvětlení", "Elektřina", 1500, 1290]
    actions = workbook["Seznam opatření"]
    assert actions["H2"].value == 1250000 and actions["H2"].number_format == '#,##0 "Kč"'


def test_the_csv_uses_semicolons_and_decimal_commas(client, town, led):
    client.force_login(town.user("coordinator"))
    content = client.get(reverse("energy:report_csv")).content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0] == EXPECTED_HEADER
    assert rows[1][11] == "533,2" and rows[1][12] == "557,28"
    assert rows[1][1] == "Veřejné osvětlení"


def test_the_sector_is_edited_in_the_kpi_form_and_exported(client, town):
    project = town.project(Stage.IMPLEMENTATION, ready=False, title="FVE na střeše ZŠ")
    client.force_login(town.user("manager"))
    data = {"name": "Výroba FVE", "kind": "renewable_production", "carrier": "electricity", "target": "50"}
    client.post(reverse("web:project_kpi_create", args=[project.pk]), data | {"sector": "local_electricity"})
    kpi = project.kpis.get()
    assert kpi.sector == "local_electricity"
    html = client.get(reverse("web:project_tab", kwargs={"pk": project.pk, "tab": "kpis"})).content.decode()
    assert "Místní výroba elektřiny" in html
    response = client.post(
        reverse("web:project_kpi_update", args=[project.pk, kpi.pk]), data | {"sector": "municipal_buildings"}
    )
    assert response.status_code == 302
    client.force_login(town.user("coordinator"))
    rows = list(csv.reader(io.StringIO(client.get(reverse("energy:report_csv")).content.decode()[1:]), delimiter=";"))
    assert rows[1][:2] == ["FVE na střeše ZŠ", "Obecní budovy a zařízení"]


def test_a_custom_kpi_has_no_covenant_sector(client, town):
    project = town.project(Stage.IMPLEMENTATION, ready=False)
    client.force_login(town.user("manager"))
    data = {"name": "Počet uživatelů", "kind": "custom", "unit": "osob", "target": "50", "sector": "transport"}
    response = client.post(reverse("web:project_kpi_create", args=[project.pk]), data)
    assert response.status_code == 400
    assert "Sektor Paktu starostů mají jen ukazatele energie a CO₂." in response.content.decode()
    assert not project.kpis.exists()


def test_without_a_kpi_sector_the_cell_is_left_for_the_town(client, town, led):
    led.kpis.update(sector="")
    client.force_login(town.user("coordinator"))
    rows = list(csv.reader(io.StringIO(client.get(reverse("energy:report_csv")).content.decode()[1:]), delimiter=";"))
    assert rows[1][1] == ""  # nothing says it: left for the town to fill in


@pytest.mark.parametrize("url", ["energy:report_xlsx", "energy:report_csv"])
def test_partners_get_404(client, town, led, url):
    client.force_login(town.user("partner"))
    assert client.get(reverse(url)).status_code == 404


def test_another_town_exports_nothing_of_ours(client, town, led):
    client.force_login(town.user("other_coordinator"))
    content = client.get(reverse("energy:report_csv")).content.decode("utf-8")
    assert "LED" not in content
