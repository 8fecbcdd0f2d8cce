"""The town's public energy figures are kept in the cache (the portal list reads them without summing every public
KPI of the town) and are right after every kind of change, through every way in.

Each test reads the figures first, so that they are in the cache when the change comes. The admin shows projects
and KPIs read-only and the XLSX import creates projects without KPIs, so neither way changes the figures: no test
of them here (a project created with ``is_public`` is the API's and the web form's case below).
"""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from backend.energy.services import kpi_emission_compute
from backend.portal import public
from backend.portal.public import public_energy
from backend.projects import town_cache
from backend.projects.models import Kpi
from backend.projects.stages import Stage
from backend.projects.town_cache import town_cache_keys
from tests.api.conftest import api_client
from tests.factories import DepartmentFactory, ProjectFactory
from tests.factories.projects import KpiFactory
from workflows.services import project_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def solar(town, portal):
    """A public project with one electricity KPI: 100 MWh/year planned (86 t CO₂ with the statutory factor)."""
    project = town.project(Stage.IMPLEMENTATION, ready=False, is_public=True, planned_end=datetime.date(2024, 12, 31))
    kpi = KpiFactory(project=project, carrier="electricity", target=Decimal("100"), actual=None)
    kpi_emission_compute(actor=town.user("coordinator"), kpi=kpi)
    return project


def _planned(town) -> tuple[int, Decimal, Decimal] | None:
    energy = public_energy(municipality=town.municipality)
    return None if energy is None else (energy.projects, energy.mwh_planned, energy.co2_planned)


def _kpi_form(**fields) -> dict:
    return {"name": "Úspora plynu", "kind": "energy_savings", "carrier": "natural_gas", "unit": "", **fields}


def test_a_second_read_sums_nothing(town, solar, django_assert_num_queries):
    assert _planned(town) == (1, Decimal(100), Decimal(86))
    with django_assert_num_queries(0):
        assert _planned(town) == (1, Decimal(100), Decimal(86))


def test_a_kpi_added_and_edited_on_the_web(town, solar, client):
    assert _planned(town) == (1, Decimal(100), Decimal(86))
    client.force_login(town.user("manager"))
    response = client.post(reverse("web:project_kpi_create", args=[solar.pk]), _kpi_form(target="300"))
    assert response.status_code in (200, 302)
    assert _planned(town) == (1, Decimal(400), Decimal(86))  # its CO₂ is not computed yet
    gas = Kpi.objects.get(project=solar, carrier="natural_gas")
    response = client.post(reverse("web:project_kpi_update", args=[solar.pk, gas.pk]), _kpi_form(target="250"))
    assert response.status_code in (200, 302)
    assert _planned(town) == (1, Decimal(350), Decimal(86))


def test_a_kpi_added_and_edited_through_the_api(town, solar):
    assert _planned(town) == (1, Decimal(100), Decimal(86))
    client = api_client(town.user("manager"))
    response = client.post(
        f"/api/v1/projects/{solar.pk}/kpis/",
        {"name": "Úspora plynu", "kind": "energy_savings", "carrier": "natural_gas", "target": "300"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert _planned(town) == (1, Decimal(400), Decimal(86))
    response = client.patch(
        f"/api/v1/projects/{solar.pk}/kpis/{response.json()['id']}/", {"target": "50"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert _planned(town) == (1, Decimal(150), Decimal(86))


def test_a_kpis_co2_computed_and_its_kpi_deleted(town, solar, client):
    gas = KpiFactory(project=solar, carrier="natural_gas", target=Decimal("300"), actual=None)
    assert _planned(town) == (1, Decimal(400), Decimal(86))
    client.force_login(town.user("manager"))
    response = client.post(reverse("energy:kpi_co2_compute", args=[solar.pk, gas.pk]))
    assert response.status_code in (200, 302)
    assert _planned(town) == (1, Decimal(400), Decimal(146))  # 300 MWh of gas × 0.2
    gas.delete()
    assert _planned(town) == (1, Decimal(100), Decimal(86))


def test_a_project_hidden_and_made_public_again_through_the_api(town, solar):
    assert _planned(town) == (1, Decimal(100), Decimal(86))
    client = api_client(town.user("manager"))
    assert client.patch(f"/api/v1/projects/{solar.pk}/", {"is_public": False}, format="json").status_code == 200
    assert _planned(town) is None
    assert client.patch(f"/api/v1/projects/{solar.pk}/", {"is_public": True}, format="json").status_code == 200
    assert _planned(town) == (1, Decimal(100), Decimal(86))


def test_a_project_rejected_and_a_project_deleted(town, solar):
    other = town.project(Stage.ASSESSMENT, ready=False, is_public=True)
    KpiFactory(project=other, carrier="electricity", target=Decimal("10"), actual=None)
    assert _planned(town) == (2, Decimal(110), Decimal(86))
    town.allow_self_approval("reject")
    outcome = project_transition(project=other, actor=town.user("coordinator"), transition="reject", comment="Drahé.")
    assert outcome.executed
    assert _planned(town) == (1, Decimal(100), Decimal(86))
    solar.delete()
    assert _planned(town) is None


def test_the_portal_page_shows_the_new_figure_after_a_change(client, town, solar):
    url = reverse("portal:municipality", args=["vzorov"])
    assert "100,0" in client.get(url).content.decode()
    kpi = Kpi.objects.get(project=solar)
    kpi.target = Decimal("123")
    kpi.save()
    html = client.get(url).content.decode()
    assert "123,0" in html and "100,0" not in html


def test_a_change_in_another_town_leaves_this_towns_figures_in_the_cache(town, solar, django_assert_num_queries):
    assert _planned(town) == (1, Decimal(100), Decimal(86))
    lhota = ProjectFactory(lead_department=DepartmentFactory(municipality=town.other_municipality), is_public=True)
    elsewhere = KpiFactory(project=lhota, target=Decimal("5"))
    elsewhere.target = Decimal("6")
    elsewhere.save()
    with django_assert_num_queries(0):
        assert _planned(town) == (1, Decimal(100), Decimal(86))


def test_the_commit_renews_the_version_again(town, solar):
    """A read that summed between the change and its commit stored the old figures under the version the change
    made (renewed by a read in the changing transaction); the commit's renewal leaves them behind."""
    assert _planned(town) == (1, Decimal(100), Decimal(86))
    kpi = Kpi.objects.get(project=solar)
    kpi.target = Decimal("200")
    kpi.save()
    # The test's transaction never commits: its renewal on commit (one for every change of the transaction) is run
    # by hand below.
    renewal = town_cache._pending(connection)
    assert renewal is not None
    assert _planned(town) == (1, Decimal(200), Decimal(86))  # the changing transaction sees its change at once
    key, version_key = town_cache_keys(name=public.SUMMARY_CACHE_NAME, municipality_id=town.municipality.pk)
    stale = {"projects": 1, "mwh_planned": Decimal(100), "mwh_achieved": Decimal(0)}
    stale |= {"co2_planned": Decimal(86), "co2_achieved": Decimal(0)}
    cache.set(key, (cache.get(version_key), {"energy": stale, "projects": 1}))  # as a racing read would have
    assert _planned(town) == (1, Decimal(100), Decimal(86))
    renewal()
    assert _planned(town) == (1, Decimal(200), Decimal(86))  # its CO₂ stays until computed again


def test_the_unfiltered_list_counts_a_project_created_public_on_the_web_and_one_hidden_through_the_api(
    client, town, solar
):
    url = reverse("portal:municipality", args=["vzorov"])
    assert "1 projekt<" in client.get(url).content.decode()
    client.force_login(town.user("manager"))
    form = {
        "title": "Chytré lavičky",
        "summary": "Lavičky s nabíječkou.",
        "lead_department": town.env.pk,
        "thematic_area": "energy",
        "is_public": "on",
    }
    assert client.post(reverse("web:project_create"), form).status_code == 302
    client.logout()
    html = client.get(url).content.decode()
    assert "2 projekty" in html and "Chytré lavičky" in html
    api = api_client(town.user("manager"))
    assert api.patch(f"/api/v1/projects/{solar.pk}/", {"is_public": False}, format="json").status_code == 200
    html = client.get(url).content.decode()
    assert "1 projekt<" in html and "Chytré lavičky" in html
    assert public.public_project_count(municipality=town.municipality) == 1
