"""Web forms for what was service/admin-only: CO₂ entered by hand on a KPI, heating degree days per month."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.energy.models import ClimateTarget, DegreeDays, EmissionInventory, KpiEmission
from backend.projects.stages import Stage
from tests.factories.projects import KpiFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpi(town):
    project = town.project(Stage.IMPLEMENTATION, ready=False, planned_end=datetime.date(2024, 12, 31))
    return KpiFactory(project=project, carrier="district_heat", target=Decimal(200), actual=None)


def _url(kpi):
    return reverse("energy:kpi_co2_manual", kwargs={"project_pk": kpi.project_id, "pk": kpi.pk})


def test_the_manager_enters_co2_by_hand_and_the_kpi_tab_shows_it(client, town, kpi):
    client.force_login(town.user("manager"))
    response = client.post(
        _url(kpi), {"co2_target": "49,5", "co2_actual": "", "reason": "Faktor dodavatele tepla 0,245."}
    )
    assert response["Location"] == reverse("web:project_tab", kwargs={"pk": kpi.project_id, "tab": "kpis"})
    emission = KpiEmission.objects.get(kpi=kpi)
    assert (emission.co2_target, emission.co2_actual, emission.is_manual) == (Decimal("49.5"), None, True)
    html = client.get(response["Location"]).content.decode()
    assert "CO₂: plánováno 49,5 t/rok" in html
    assert "Faktor dodavatele tepla 0,245." in html


def test_without_a_reason_nothing_is_saved_and_the_error_is_czech(client, town, kpi):
    client.force_login(town.user("manager"))
    response = client.post(_url(kpi), {"co2_target": "49,5", "reason": "  "})
    assert response.status_code == 400
    assert "Toto pole je vyžadováno." in response.content.decode()
    assert not KpiEmission.objects.filter(kpi=kpi).exists()


def test_a_negative_tonnage_is_refused(client, town, kpi):
    client.force_login(town.user("coordinator"))
    response = client.post(_url(kpi), {"co2_target": "-1", "reason": "audit"})
    assert response.status_code == 400
    assert not KpiEmission.objects.filter(kpi=kpi).exists()


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("partner", 403), ("other_coordinator", 404)])
def test_only_editors_of_a_visible_project_enter_co2(client, town, kpi, role, status):
    client.force_login(town.user(role))
    assert client.post(_url(kpi), {"co2_target": "1", "reason": "x"}).status_code == status
    assert not KpiEmission.objects.filter(kpi=kpi).exists()


DD_URL = reverse("energy:degree_days")


def _months(**values):
    return {f"month_{month}": values.get(f"m{month}", "") for month in range(1, 13)}


def test_the_coordinator_enters_a_years_degree_days(client, town):
    client.force_login(town.user("coordinator"))
    response = client.post(DD_URL, {"year": "2024", **_months(m1="512,3", m2="430", m12="498,1")})
    assert response.status_code == 302
    rows = DegreeDays.objects.filter(municipality=town.municipality).order_by("month")
    assert [(row.month, row.value) for row in rows] == [
        (1, Decimal("512.3")),
        (2, Decimal(430)),
        (12, Decimal("498.1")),
    ]
    page = client.get(response["Location"]).content.decode()
    assert 'value="512,3"' in page
    assert "1\u00a0440,4" in page  # the year's total in the table of years
    # A second entry corrects one month and leaves the others.
    client.post(DD_URL, {"year": "2024", **_months(m2="441,5")})
    assert DegreeDays.objects.get(municipality=town.municipality, year=2024, month=2).value == Decimal("441.5")
    assert DegreeDays.objects.filter(municipality=town.municipality).count() == 3


def test_a_bad_month_saves_no_month(client, town):
    client.force_login(town.user("coordinator"))
    response = client.post(DD_URL, {"year": "2024", **_months(m1="500", m2="-3")})
    assert response.status_code == 400
    assert "Hodnota musí být větší nebo rovna 0." in response.content.decode()
    assert not DegreeDays.objects.exists()


def test_an_empty_year_is_refused(client, town):
    client.force_login(town.user("coordinator"))
    response = client.post(DD_URL, {"year": "2024", **_months()})
    assert response.status_code == 400
    assert "Zadejte denostupně alespoň jednoho měsíce." in response.content.decode()


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("partner", 404)])
def test_only_the_coordinator_enters_degree_days(client, town, role, status):
    client.force_login(town.user(role))
    assert client.post(DD_URL, {"year": "2024", **_months(m1="1")}).status_code == status
    assert not DegreeDays.objects.exists()


def test_another_towns_degree_days_are_not_listed(client, town):
    DegreeDays.objects.create(municipality=town.other_municipality, year=2019, month=1, value=Decimal(1))
    client.force_login(town.user("coordinator"))
    assert "?rok=2019" not in client.get(DD_URL).content.decode()


@pytest.mark.parametrize("years", [1, 20])
def test_the_degree_days_page_has_the_same_queries_for_1_and_20_years(client, town, years, django_assert_num_queries):
    DegreeDays.objects.bulk_create(
        DegreeDays(municipality=town.municipality, year=2000 + offset, month=month, value=Decimal(100))
        for offset in range(years)
        for month in range(1, 13)
    )
    client.force_login(town.user("coordinator"))
    with django_assert_num_queries(6):
        html = client.get(DD_URL + "?rok=2000").content.decode()
    assert html.count('href="?rok=') == years


TARGET_URL = reverse("energy:climate_target")


@pytest.fixture
def inventories(town):
    return {
        "ours": EmissionInventory.objects.create(municipality=town.municipality, year=2019),
        "theirs": EmissionInventory.objects.create(municipality=town.other_municipality, year=2018),
    }


def test_the_coordinator_sets_the_climate_target(client, town, inventories):
    client.force_login(town.user("coordinator"))
    data = {"baseline": inventories["ours"].pk, "target_year": "2030", "reduction_percent": "55", "kind": "covenant"}
    response = client.post(TARGET_URL, data)
    assert response.status_code == 302
    target = ClimateTarget.objects.get(municipality=town.municipality)
    assert (target.baseline, target.target_year, target.reduction_percent) == (inventories["ours"], 2030, 55)
    assert "Snížení CO₂ do roku 2030 oproti roku 2019:" in client.get(response["Location"]).content.decode()
    # Changing it replaces the one target.
    client.post(TARGET_URL, data | {"reduction_percent": "60,5"})
    assert ClimateTarget.objects.get(municipality=town.municipality).reduction_percent == Decimal("60.5")


def test_a_target_year_before_the_baseline_is_refused_in_czech(client, town, inventories):
    client.force_login(town.user("coordinator"))
    data = {"baseline": inventories["ours"].pk, "target_year": "2015", "reduction_percent": "55", "kind": "own"}
    response = client.post(TARGET_URL, data)
    assert response.status_code == 400
    assert "Cílový rok musí následovat po výchozím roce." in response.content.decode()
    assert not ClimateTarget.objects.exists()


def test_another_towns_inventory_is_not_offered(client, town, inventories):
    client.force_login(town.user("coordinator"))
    data = {"baseline": inventories["theirs"].pk, "target_year": "2030", "reduction_percent": "55", "kind": "own"}
    assert client.post(TARGET_URL, data).status_code == 400
    assert f'value="{inventories["theirs"].pk}"' not in client.get(TARGET_URL).content.decode()


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("partner", 404)])
def test_only_the_coordinator_sets_the_target(client, town, inventories, role, status):
    client.force_login(town.user(role))
    assert client.get(TARGET_URL).status_code == status
