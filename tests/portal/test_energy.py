"""The town's energy and CO₂ figures on its public portal: public projects only, through the allow-list."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.energy.services import kpi_emission_compute
from backend.portal.public import PublicEnergy, public_energy
from backend.projects.stages import Stage
from tests.factories.projects import KpiFactory

pytestmark = pytest.mark.django_db


def _energy_project(town, *, public, target, carrier="electricity", actual=None, stage=Stage.IMPLEMENTATION):
    project = town.project(stage, ready=False, is_public=public, planned_end=datetime.date(2024, 12, 31))
    kpi = KpiFactory(
        project=project, carrier=carrier, target=Decimal(target), actual=None if actual is None else Decimal(actual)
    )
    kpi_emission_compute(actor=town.user("coordinator"), kpi=kpi)
    return project


@pytest.fixture
def energy(town, portal):
    """Public: electricity 100 MWh (86 t) with 80 achieved, gas 300 MWh (60 t). Not public: 7777 MWh of
    electricity, and a public but rejected project of 5555 MWh."""
    _energy_project(town, public=True, target="100", actual="80")
    _energy_project(town, public=True, target="300", carrier="natural_gas")
    _energy_project(town, public=False, target="7777")
    _energy_project(town, public=True, target="5555", stage=Stage.REJECTED)


def test_the_record_sums_public_projects_only(town, energy):
    assert public_energy(municipality=town.municipality) == PublicEnergy(
        projects=2,
        mwh_planned=Decimal(400),
        mwh_achieved=Decimal(80),
        co2_planned=Decimal("146.000"),
        co2_achieved=Decimal("68.800"),
    )


def test_the_portal_page_shows_the_towns_figures_and_no_internal_one(client, town, energy):
    response = client.get(reverse("portal:municipality", args=["vzorov"]))
    html = response.content.decode()
    table = html[html.index('id="portal-energy"') : html.index("</table>", html.index('id="portal-energy"'))]
    assert "400,0" in table and "80,0" in table and "146,0" in table and "68,8" in table
    assert "Počet veřejných projektů s ukazatelem energie nebo CO₂: 2." in html
    flat = html.replace("\xa0", "").replace(" ", "")
    for hidden in ("7777", "5555", "8177", "4177", "6688"):  # alone or added to the public figures
        assert hidden not in flat
    assert "public" in response["Cache-Control"]


def test_without_public_energy_projects_there_is_no_card(client, town, portal):
    _energy_project(town, public=False, target="100")
    html = client.get(reverse("portal:municipality", args=["vzorov"])).content.decode()
    assert 'id="portal-energy"' not in html


def test_another_towns_projects_are_not_counted(town, energy):
    assert public_energy(municipality=town.other_municipality) is None
