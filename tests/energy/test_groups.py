"""Energy totals by strategic measure and by funding programme: on the page and in the API, summed by hand,
a project under two measures in both, a project's approved applications of one programme counted once."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.energy.services import kpi_emission_compute
from backend.projects.programmes import programme_create
from backend.projects.stages import Stage
from tests.energy.test_web import OVERVIEW_QUERIES, _cells
from tests.factories.projects import FundingApplicationFactory, KpiFactory
from tests.strategy.conftest import measures, strategy  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

URL = reverse("energy:overview")
API = "/api/v1/energy/portfolio/"


def _project(town, *, carrier, target, programmes=(), planned=()):
    project = town.project(Stage.IMPLEMENTATION, ready=False, planned_end=datetime.date(2024, 12, 31))
    kpi = KpiFactory(project=project, carrier=carrier, target=Decimal(target), actual=None)
    kpi_emission_compute(actor=town.user("coordinator"), kpi=kpi)
    for programme in programmes:
        FundingApplicationFactory(
            project=project, programme=programme, status="approved", amount_approved=Decimal(1000000)
        )
    for programme in planned:
        FundingApplicationFactory(project=project, programme=programme, status="planned")
    return project


@pytest.fixture
def grouped(town, measures):  # noqa: F811 (the strategy fixture)
    """A: electricity 100 MWh (86 t) under 1.1.1 and 1.1.2, approved IROP twice and NZU; B: gas 300 MWh (60 t)
    under 1.1.1, IROP only planned; C: electricity 50 MWh (43 t) under no measure, Modernisation Fund."""
    a = _project(town, carrier="electricity", target="100", programmes=("irop", "irop", "nzu"))
    b = _project(town, carrier="natural_gas", target="300", planned=("irop",))
    _project(town, carrier="electricity", target="50", programmes=("modernisation_fund",))
    measures["1.1.1"].projects.add(a, b)
    measures["1.1.2"].projects.add(a)


def test_the_page_totals_by_measure_and_programme(client, town, grouped):
    client.force_login(town.user("lead_head"))
    html = client.get(URL).content.decode()
    assert _cells(html, "energy-by-measure", "1.1.1 Zateplení budov města") == ["400,0", "0,0", "146,0", "0,0"]
    assert _cells(html, "energy-by-measure", "1.1.2 Energetický management") == ["100,0", "0,0", "86,0", "0,0"]
    assert _cells(html, "energy-by-measure", "Bez strategického opatření") == ["50,0", "0,0", "43,0", "0,0"]
    assert "2.1 Bezpečná doprava" not in html
    irop = "IROP – Integrovaný regionální operační program"
    assert _cells(html, "energy-by-programme", irop) == ["100,0", "0,0", "86,0", "0,0"]
    assert _cells(html, "energy-by-programme", "Nová zelená úsporám") == ["100,0", "0,0", "86,0", "0,0"]
    assert _cells(html, "energy-by-programme", "Modernizační fond") == ["50,0", "0,0", "43,0", "0,0"]
    # The town total counts project A once.
    assert _cells(html, "energy-totals", "Úspora energie")[0] == "450,0"
    assert 'id="chart-energy-measures"' in html and 'id="chart-energy-programmes"' in html


def test_the_api_gives_the_same_groups(client, town, grouped, measures):  # noqa: F811 (the strategy fixture)
    client.force_login(town.user("coordinator"))
    body = client.get(API).json()
    by_measure = {row["label"]: (row["key"], row["mwh_planned"], row["co2_planned"]) for row in body["by_measure"]}
    assert by_measure == {
        "1.1.1 Zateplení budov města": (str(measures["1.1.1"].pk), "400.000", "146.000"),
        "1.1.2 Energetický management": (str(measures["1.1.2"].pk), "100.000", "86.000"),
        "": ("", "50.000", "43.000"),
    }
    by_programme = {row["key"]: (row["mwh_planned"], row["co2_planned"]) for row in body["by_programme"]}
    assert by_programme == {
        "irop": ("100.000", "86.000"),
        "modernisation_fund": ("50.000", "43.000"),
        "nzu": ("100.000", "86.000"),
    }


def test_another_town_gets_no_groups_of_ours(client, town, grouped):
    client.force_login(town.user("other_coordinator"))
    body = client.get(API).json()
    assert (body["by_measure"], body["by_programme"]) == ([], [])


@pytest.mark.parametrize("url", [URL, API])
def test_the_group_queries_do_not_grow_with_projects(client, town, measures, django_assert_num_queries, url):  # noqa: F811 (the strategy fixture)
    expected = {URL: OVERVIEW_QUERIES, API: 7}[url]  # API: session, user, roles, totals, measures, programmes ×2
    first = _project(town, carrier="electricity", target="10", programmes=("irop",))
    measures["1.1.1"].projects.add(first)
    client.force_login(town.user("coordinator"))
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    for index in range(19):
        project = _project(town, carrier="electricity", target="10", programmes=(("irop", "nzu")[index % 2],))
        measures[("1.1.1", "1.1.2", "2.1")[index % 3]].projects.add(project)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


def test_a_towns_own_programme_is_a_group_by_its_name(client, town):
    own = programme_create(
        actor=town.user("coordinator"), municipality=town.municipality, name="Vzorovský fond klimatu"
    )
    _project(town, carrier="electricity", target="50", programmes=(own.code,))
    client.force_login(town.user("lead_head"))
    html = client.get(URL).content.decode()
    assert _cells(html, "energy-by-programme", "Vzorovský fond klimatu") == ["50,0", "0,0", "43,0", "0,0"]
    by_programme = client.get(API).json()["by_programme"]
    assert [(row["key"], row["label"], row["co2_planned"]) for row in by_programme] == [
        (own.code, "Vzorovský fond klimatu", "43.000")
    ]
