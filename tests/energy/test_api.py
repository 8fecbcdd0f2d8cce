"""The energy figures in the API: the same totals as the page, factor sets with their citations, 404 for guests."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.energy.services import factor_set_create, kpi_emission_compute
from backend.projects.stages import Stage
from tests.factories.projects import KpiFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def led(town):
    project = town.project(Stage.COMPLETED, ready=False, planned_end=datetime.date(2024, 10, 31))
    kpi = KpiFactory(project=project, carrier="electricity", target=Decimal(620), actual=Decimal(648))
    kpi_emission_compute(actor=town.user("coordinator"), kpi=kpi)
    return project


def test_the_portfolio_gives_the_pages_figures(client, town, led):
    client.force_login(town.user("staff"))
    body = client.get(reverse("api:energy_portfolio")).json()
    assert body["savings"] == {
        "mwh_planned": "620.000",
        "mwh_achieved": "648.000",
        "co2_planned": "533.200",
        "co2_achieved": "557.280",
    }
    assert body["rows"] == [
        {
            "kind": "energy_savings",
            "carrier": "electricity",
            "stage": "completed",
            "thematic_area": "energy",
            "year": 2024,
            "mwh_planned": "620.000",
            "mwh_achieved": "648.000",
            "co2_planned": "533.200",
            "co2_achieved": "557.280",
        }
    ]


def test_partner_guests_get_404(client, town, led):
    client.force_login(town.user("partner"))
    assert client.get(reverse("api:energy_portfolio")).status_code == 404


def test_factor_sets_are_the_shared_ones_and_the_towns_own(client, town, django_assert_max_num_queries):
    for municipality, coordinator in (
        (town.municipality, "coordinator"),
        (town.other_municipality, "other_coordinator"),
    ):
        factor_set_create(
            actor=town.user(coordinator),
            municipality=municipality,
            name=f"Teplo {municipality.name}",
            source="x",
            valid_from=datetime.date(2025, 1, 1),
            factors={"district_heat": Decimal("0.2")},
        )
    client.force_login(town.user("manager"))
    with django_assert_max_num_queries(6):
        body = client.get(reverse("api:energy_factor_sets")).json()
    names = [row["name"] for row in body["results"]]
    assert "Teplo Město Vzorov" in names and "Teplo Obec Lhota" not in names
    statutory = next(row for row in body["results"] if row["is_statutory"])
    assert {"carrier": "electricity", "t_co2_per_mwh": "0.8600", "is_confirmed": False}.items() <= next(
        factor for factor in statutory["factors"] if factor["carrier"] == "electricity"
    ).items()
