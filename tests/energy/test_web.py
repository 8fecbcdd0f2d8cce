"""The energy portfolio page, the dashboard card and the CO₂ button: totals recomputed by hand, pinned queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.energy.models import ClimateTarget, EmissionInventory, InventoryEntry
from backend.energy.services import kpi_emission_compute
from backend.projects.services import project_watch
from backend.projects.stages import Stage
from tests.factories.projects import KpiFactory

pytestmark = pytest.mark.django_db

URL = reverse("energy:overview")


def _energy_project(town, *, stage, year=2024, carrier="electricity", target="100", actual=None, compute=True):
    project = town.project(stage, ready=False, planned_end=datetime.date(year, 12, 31))
    kpi = KpiFactory(
        project=project,
        carrier=carrier,
        target=Decimal(target),
        actual=None if actual is None else Decimal(actual),
    )
    if compute:
        kpi_emission_compute(actor=town.user("coordinator"), kpi=kpi)
    return project


@pytest.fixture
def portfolio(town):
    """LED lighting completed (620 → 648 MWh electricity), school insulation in implementation (gas 300),
    a PV plant planned (renewable, 50 MWh electricity), and a mobility project with a hand-typed CO₂ KPI."""
    _energy_project(town, stage=Stage.COMPLETED, target="620", actual="648")
    _energy_project(town, stage=Stage.IMPLEMENTATION, carrier="natural_gas", target="300", actual="120")
    pv = _energy_project(town, stage=Stage.FUNDING, compute=False)
    pv.kpis.update(kind="renewable_production", target=Decimal(50))
    kpi_emission_compute(actor=town.user("coordinator"), kpi=pv.kpis.get())
    bikes = town.project(Stage.IDEA, ready=False)
    KpiFactory(project=bikes, kind="co2_reduction", unit="t CO₂/year", target=Decimal(12), actual=None)


def _cells(html: str, table_id: str, row_label: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    row = table[table.index(f">{row_label}</th>") :]
    row = row[: row.index("</tr>")]
    return [cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split('<td class="number"')[1:]]


def test_totals_are_factor_times_mwh_summed_by_hand(client, town, portfolio):
    client.force_login(town.user("coordinator"))
    html = client.get(URL).content.decode()
    # Electricity 620 and 648 MWh × 0.86; gas 300 and 120 × 0.2; PV 50 × 0.86; by hand 12 t planned.
    assert _cells(html, "energy-totals", "Úspora energie") == ["920,0", "768,0", "593,2", "581,3"]
    assert _cells(html, "energy-totals", "Výroba energie z obnovitelných zdrojů") == ["50,0", "0,0", "43,0", "0,0"]
    assert _cells(html, "energy-by-carrier", "Elektřina") == ["670,0", "648,0", "576,2", "557,3"]
    assert _cells(html, "energy-by-carrier", "Zemní plyn") == ["300,0", "120,0", "60,0", "24,0"]
    assert _cells(html, "energy-by-stage", "Realizace") == ["300,0", "120,0", "60,0", "24,0"]
    assert _cells(html, "energy-by-year", "2024") == ["970,0", "768,0", "636,2", "581,3"]
    planned = Decimal("620") * Decimal("0.86") + 300 * Decimal("0.2") + 50 * Decimal("0.86") + 12
    assert f'id="co2-total-planned">{planned:.1f}'.replace(".", ",") in html


def test_the_page_title_is_plain_text_and_each_table_appears_once(client, town, portfolio):
    """The breakdown tables were once pasted into the title block too: markup inside <title>, every table twice."""
    client.force_login(town.user("coordinator"))
    html = client.get(URL).content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and "Energie a klima" in title
    assert html.count('id="energy-by-area"') == 1 and html.count('id="energy-by-year"') == 1


def test_the_climate_target_shows_progress(client, town, portfolio):
    inventory = EmissionInventory.objects.create(municipality=town.municipality, year=2022)
    InventoryEntry.objects.create(inventory=inventory, sector="municipal_buildings", carrier="electricity", mwh=5000)
    InventoryEntry.objects.create(inventory=inventory, sector="residential", carrier="natural_gas", mwh=10000)
    ClimateTarget.objects.create(
        municipality=town.municipality, baseline=inventory, target_year=2030, reduction_percent=Decimal(55)
    )
    client.force_login(town.user("coordinator"))
    html = client.get(URL).content.decode()
    # 5000 × 0.86 + 10000 × 0.2 = 6300 t; 55 % of it is 3465 t to reduce.
    assert "6\xa0300,0 t CO₂" in html
    assert "3\xa0465,0 t CO₂" in html


@pytest.mark.parametrize("role", ["partner", "partner_not_invited"])
def test_partner_guests_get_404(client, town, portfolio, role):
    client.force_login(town.user(role))
    assert client.get(URL).status_code == 404


def test_another_town_sees_none_of_it(client, town, portfolio):
    client.force_login(town.user("other_coordinator"))
    html = client.get(URL).content.decode()
    assert "Žádné energetické KPI zatím nejsou." in html


# session, user, roles, the totals, by measure, by programme (the programmes, then their aggregate), the KPIs
# without CO₂, the climate target
OVERVIEW_QUERIES = 9


def test_query_count_is_the_same_for_1_and_20_projects(client, town, django_assert_num_queries):
    _energy_project(town, stage=Stage.IMPLEMENTATION)
    client.force_login(town.user("staff"))
    # No approved funding application: the programmes' aggregate is not run (tests/energy/test_groups.py pins it).
    with django_assert_num_queries(OVERVIEW_QUERIES - 1):
        assert client.get(URL).status_code == 200
    for index in range(19):
        _energy_project(town, stage=Stage.IMPLEMENTATION, carrier=("electricity", "natural_gas")[index % 2])
    with django_assert_num_queries(OVERVIEW_QUERIES - 1):
        response = client.get(URL)
    assert _cells(response.content.decode(), "energy-by-stage", "Realizace")[0] == "2\xa0000,0"


def test_the_dashboard_shows_the_town_totals(client, town, portfolio):
    client.force_login(town.user("lead_head"))
    html = client.get(reverse("web:dashboard")).content.decode()
    assert _cells(html, "dashboard-energy", "Úspora energie") == ["920,0", "768,0", "593,2", "581,3"]


def test_a_partner_dashboard_has_no_energy_card(client, town, portfolio):
    client.force_login(town.user("partner"))
    assert 'id="dashboard-energy"' not in client.get(reverse("web:dashboard")).content.decode()


def test_the_co2_button_computes_and_reports_a_missing_factor(client, town):
    project = _energy_project(town, stage=Stage.IMPLEMENTATION, carrier="district_heat", compute=False)
    kpi = project.kpis.get()
    client.force_login(town.user("manager"))
    url = reverse("energy:kpi_co2_compute", args=[project.pk, kpi.pk])
    response = client.post(url, follow=True)
    assert "„Dálkové teplo“ nemá v roce 2024 platný emisní faktor" in response.content.decode()
    kpi.carrier = "electricity"
    kpi.save()
    response = client.post(url, follow=True)
    assert "86,0 t CO₂" in response.content.decode()
    project_watch(user=town.user("manager"), project=project)


def test_the_co2_button_is_404_for_an_unseen_project(client, town):
    project = _energy_project(town, stage=Stage.IMPLEMENTATION, compute=False)
    client.force_login(town.user("other_coordinator"))
    url = reverse("energy:kpi_co2_compute", args=[project.pk, project.kpis.get().pk])
    assert client.post(url).status_code == 404


def test_the_actual_comes_from_a_buildings_measured_consumption(client, town):
    from backend.energy.models import Building, MonthlyConsumption

    building = Building.objects.create(municipality=town.municipality, code="ZS-01", name="ZŠ Vzorová")
    for year, mwh in ((2023, "10"), (2025, "8")):
        for month in range(1, 13):
            MonthlyConsumption.objects.create(building=building, carrier="electricity", year=year, month=month, mwh=mwh)
    project = _energy_project(town, stage=Stage.EVALUATION, compute=False)
    kpi = project.kpis.get()
    client.force_login(town.user("manager"))
    url = reverse("energy:kpi_measured_actual", args=[project.pk, kpi.pk])
    refused = client.post(url, {"building": building.pk, "baseline_year": 2023, "reporting_year": 2024})
    assert refused.status_code == 400
    assert "nemá v roce 2024 odečet" in refused.content.decode()
    response = client.post(url, {"building": building.pk, "baseline_year": 2023, "reporting_year": 2025}, follow=True)
    assert "je nyní 24,0 MWh/rok" in response.content.decode()
    kpi.refresh_from_db()
    assert kpi.actual == Decimal(24)


def test_another_towns_building_cannot_be_chosen(client, town):
    from backend.energy.models import Building

    other = Building.objects.create(municipality=town.other_municipality, code="L-1", name="Lhota")
    project = _energy_project(town, stage=Stage.EVALUATION, compute=False)
    client.force_login(town.user("manager"))
    url = reverse("energy:kpi_measured_actual", args=[project.pk, project.kpis.get().pk])
    response = client.post(url, {"building": other.pk, "baseline_year": 2023, "reporting_year": 2025})
    assert response.status_code == 400
