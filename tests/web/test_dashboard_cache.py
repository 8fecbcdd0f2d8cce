"""The dashboard's funnel, funding and energy figures are kept in the cache per town and equal a fresh computation
after every kind of change, through the web and the API, for every audience (the town's staff, another town the
project is shared with, a partner guest).

Each test reads everyone's dashboard first, so that the figures are in the cache when the change comes; the fresh
computation is the dashboard's sums as they were before the cache (one aggregate over the visible projects each).
"""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, F, Sum
from django.urls import reverse

from backend.accounts.selectors import user_access
from backend.energy.portfolio import portfolio_build
from backend.energy.services import kpi_emission_compute
from backend.projects.access import internal_projects_filter
from backend.projects.models import FundingApplication, Kpi, Project
from backend.projects.selectors import project_list_visible
from backend.projects.stages import Stage
from backend.projects.town_cache import TOWN_SLICES, project_part, project_slice, town_figures_changed
from tests.api.conftest import api_client
from tests.factories import DepartmentFactory, MembershipFactory, MunicipalityFactory, ProjectFactory
from tests.factories.projects import KpiFactory
from workflows.services import approval_decide, project_transition

pytestmark = pytest.mark.django_db

URL = reverse("web:dashboard")
# Who reads the dashboard: the town's staff (coordinator, manager, staff of another department), the coordinator
# of Lhota (a project of the town is shared with it), a partner guest, a partner of no project.
READERS = ("coordinator", "manager", "staff", "other_coordinator", "partner", "partner_not_invited")


@pytest.fixture
def world(town, lhota_project):
    """Vzorov's solar project (100 MWh/year, its CO₂, an approved IROP application), its idea without KPIs, and a
    project of Lhota; the solar project is shared with Lhota."""
    solar = town.project(
        Stage.IMPLEMENTATION, ready=False, estimated_cost=Decimal("2000000"), planned_end=datetime.date(2026, 12, 31)
    )
    kpi = KpiFactory(project=solar, kind="renewable_production", carrier="electricity", target=Decimal("100"))
    kpi_emission_compute(actor=town.user("coordinator"), kpi=kpi)
    FundingApplication.objects.create(
        project=solar, programme="irop", status="approved", amount_requested=Decimal(1500000), amount_approved=1500000
    )
    idea = town.project(Stage.IDEA, ready=False, estimated_cost=Decimal("300000"))
    solar.shared_with.add(town.other_municipality)
    return solar, idea, lhota_project


def _observed(client, user) -> tuple:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    context = response.context
    funnel = [(step.stage, step.projects, step.cost) for step in context["funnel"]]
    funding = [(row["programme"], row["requested"], row["approved"]) for row in context["programmes"]]
    return funnel, funding, _energy(context["energy"])


def _energy(portfolio) -> tuple | None:
    if portfolio is None:
        return None
    return tuple(
        (figures.mwh_planned, figures.mwh_achieved, figures.co2_planned, figures.co2_achieved)
        for figures in (portfolio.savings, portfolio.renewables, portfolio.co2_by_hand)
    )


def _fresh(user) -> tuple:
    """The figures summed over the visible projects as the dashboard did before its cache."""
    access = user_access(user=user)
    internal = internal_projects_filter(access=access) or None
    visible = project_list_visible(user=user).order_by()
    by_stage = {
        row["stage"]: (row["projects"], row["cost"])
        for row in visible.values("stage").annotate(projects=Count("id"), cost=Sum("estimated_cost", filter=internal))
    }
    funnel = [(stage, *by_stage.get(stage, (0, None))) for stage in Stage]
    if access.is_partner_only:
        return funnel, [], None
    staff_visible = visible.filter(internal_projects_filter(access=access)).values("pk")
    funding = [
        (row["programme"], row["requested"], row["approved"])
        for row in FundingApplication.objects.filter(project_id__in=staff_visible)
        .values("programme")
        .annotate(requested=Sum("amount_requested"), approved=Sum("amount_approved"))
        .order_by("-requested", "programme")
    ]
    return funnel, funding, _energy(portfolio_build(user=user))


def _everyone_reads(client, town) -> dict:
    return {role: _observed(client, town.user(role)) for role in READERS}


def _assert_everyone_sees_fresh_figures(client, town, before: dict) -> None:
    after = _everyone_reads(client, town)
    for role in READERS:
        assert after[role] == _fresh(town.user(role)), role
    assert after != before, "the change changed nobody's figures: the test proves nothing"


def _kpi_form(**fields) -> dict:
    return {"name": "Úspora plynu", "kind": "energy_savings", "carrier": "natural_gas", "unit": "", **fields}


def test_the_figures_are_right_before_any_change_and_a_second_read_sums_only_what_is_shared_in(
    client, town, world, django_assert_num_queries
):
    before = _everyone_reads(client, town)
    for role in READERS:
        assert before[role] == _fresh(town.user(role)), role
    client.force_login(town.user("manager"))
    # Session, user, roles, the funnel of what is shared in, my tasks, the projects I manage or watch, their recent
    # activity, calls closing soon (the manager waits for no approval); cold it sums the town's funnel, funding and
    # energy too.
    with django_assert_num_queries(8):
        assert client.get(URL).status_code == 200
    # Lhota's coordinator: its own town from the cache, the shared project summed live with its funding.
    client.force_login(town.user("other_coordinator"))
    # A coordinator's approvals and citizen ideas waiting too, and the shared project's funding.
    with django_assert_num_queries(10):  # it manages and watches nothing: no activity read
        html = client.get(URL).content.decode()
    assert "IROP" in html  # the shared project's funding
    assert before["other_coordinator"][0][list(Stage).index(Stage.IMPLEMENTATION)][1:] == (1, Decimal("2000000"))


def _kpi_on_the_web(client, town, world):
    client.force_login(town.user("manager"))
    response = client.post(reverse("web:project_kpi_create", args=[world[0].pk]), _kpi_form(target="300"))
    assert response.status_code in (200, 302)
    assert Kpi.objects.filter(project=world[0], carrier="natural_gas").exists()


def _kpi_through_the_api(client, town, world):
    body = {"name": "Úspora tepla", "kind": "energy_savings", "carrier": "district_heat", "target": "40"}
    response = api_client(town.user("manager")).post(f"/api/v1/projects/{world[0].pk}/kpis/", body, format="json")
    assert response.status_code == 201, response.json()


def _kpi_edited_through_the_api(client, town, world):
    kpi = Kpi.objects.get(project=world[0])
    response = api_client(town.user("manager")).patch(
        f"/api/v1/projects/{world[0].pk}/kpis/{kpi.pk}/", {"actual": "80"}, format="json"
    )
    assert response.status_code == 200, response.json()


def _co2_computed_again(client, town, world):
    kpi = Kpi.objects.get(project=world[0])
    Kpi.objects.filter(pk=kpi.pk).update(target=Decimal("200"))  # as a bulk fix would; the emission says so
    kpi.refresh_from_db()
    kpi_emission_compute(actor=town.user("coordinator"), kpi=kpi)


def _funding_on_the_web(client, town, world):
    client.force_login(town.user("manager"))
    form = {"programme": "nzu", "amount_requested": "250000", "status": "planned"}
    response = client.post(reverse("web:project_funding_create", args=[world[1].pk]), form)
    assert response.status_code in (200, 302)
    assert FundingApplication.objects.filter(project=world[1], programme="nzu").exists()


def _funding_through_the_api(client, town, world):
    body = {"programme": "irop", "amount_requested": "100"}
    response = api_client(town.user("manager")).post(f"/api/v1/projects/{world[0].pk}/funding/", body, format="json")
    assert response.status_code == 201, response.json()


def _funding_deleted(client, town, world):
    FundingApplication.objects.filter(project=world[0]).delete()


def _stage_transition(client, town, world):
    request = project_transition(
        project=world[0], actor=town.user("lead_head"), transition="put_on_hold", comment="Čekáme."
    ).approval_request
    approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")
    assert Project.objects.get(pk=world[0].pk).stage == Stage.ON_HOLD


def _stage_transition_through_the_api(client, town, world):
    body = {"name": "put_on_hold", "comment": "Čekáme."}
    response = api_client(town.user("lead_head")).post(
        f"/api/v1/projects/{world[0].pk}/transitions/", body, format="json"
    )
    assert response.status_code == 202, response.json()
    approval = response.json()["id"]
    response = api_client(town.user("coordinator")).post(f"/api/v1/approvals/{approval}/approve/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert Project.objects.get(pk=world[0].pk).stage == Stage.ON_HOLD


def _new_project_on_the_web(client, town, world):
    client.force_login(town.user("manager"))
    form = {
        "title": "Chytré lavičky",
        "summary": "Lavičky s nabíječkou.",
        "lead_department": town.env.pk,
        "thematic_area": "energy",
        "estimated_cost": "45000",
    }
    assert client.post(reverse("web:project_create"), form).status_code == 302
    assert Project.objects.filter(title="Chytré lavičky").exists()


def _cost_edited_through_the_api(client, town, world):
    response = api_client(town.user("manager")).patch(
        f"/api/v1/projects/{world[1].pk}/", {"estimated_cost": "310000"}, format="json"
    )
    assert response.status_code == 200, response.json()


def _shared_on_the_web(client, town, world):
    client.force_login(town.user("coordinator"))
    response = client.post(
        reverse("web:project_share", args=[world[1].pk]), {"municipality": town.other_municipality.pk}
    )
    assert response.status_code == 302


def _unshared_on_the_web(client, town, world):
    client.force_login(town.user("coordinator"))
    url = reverse("web:project_unshare", args=[world[0].pk, town.other_municipality.pk])
    assert client.post(url).status_code == 302


def _shared_through_the_api(client, town, world):
    response = api_client(town.user("coordinator")).post(
        f"/api/v1/projects/{world[1].pk}/shared-with/", {"municipality": town.other_municipality.pk}, format="json"
    )
    assert response.status_code == 201, response.json()


def _unshared_through_the_api(client, town, world):
    response = api_client(town.user("coordinator")).delete(
        f"/api/v1/projects/{world[0].pk}/shared-with/{town.other_municipality.pk}/"
    )
    assert response.status_code == 204


def _project_deleted(client, town, world):
    world[0].delete()  # the admin or a data fix: no page deletes a project


def _lhota_project_changed(client, town, world):
    lhota = world[2]
    KpiFactory(project=lhota, kind="energy_savings", carrier="natural_gas", target=Decimal("7"))
    lhota.estimated_cost = Decimal("64000")
    lhota.save()


@pytest.mark.parametrize(
    "change",
    [
        _kpi_on_the_web,
        _kpi_through_the_api,
        _kpi_edited_through_the_api,
        _co2_computed_again,
        _funding_on_the_web,
        _funding_through_the_api,
        _funding_deleted,
        _stage_transition,
        _stage_transition_through_the_api,
        _new_project_on_the_web,
        _cost_edited_through_the_api,
        _shared_on_the_web,
        _unshared_on_the_web,
        _shared_through_the_api,
        _unshared_through_the_api,
        _project_deleted,
        _lhota_project_changed,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_after_each_kind_of_change_everyone_sees_fresh_figures(client, town, world, change):
    before = _everyone_reads(client, town)
    change(client, town, world)
    _assert_everyone_sees_fresh_figures(client, town, before)


def test_what_a_partner_or_another_town_sees_never_comes_from_the_towns_cache(client, town, world):
    """The town's staff fill the cache with everything of the town; a partner guest on its projects sees their
    count only, Lhota the shared project only, a third town nothing of it."""
    third = MunicipalityFactory(name="Obec Dolní Újezd")
    ProjectFactory(lead_department__municipality=third, stage=Stage.IDEA, estimated_cost=Decimal("10"))
    town_view = _observed(client, town.user("coordinator"))
    implementation = list(Stage).index(Stage.IMPLEMENTATION)
    assert town_view[0][implementation][1:] == (1, Decimal("2000000"))
    assert town_view[1] == [("irop", Decimal("1500000"), Decimal("1500000"))]

    partner = _observed(client, town.user("partner"))
    assert partner[0][implementation] == (Stage.IMPLEMENTATION, 1, None)  # no costs, no funding, no energy
    assert partner[1:] == ([], None)
    assert _observed(client, town.user("partner_not_invited")) == ([(stage, 0, None) for stage in Stage], [], None)

    lhota = _observed(client, town.user("other_coordinator"))
    assert lhota[0][implementation][1:] == (1, Decimal("2000000"))  # shared: with its cost and funding
    assert lhota[1] == [("irop", Decimal("1500000"), Decimal("1500000"))]
    assert lhota[2] == ((0,) * 4,) * 3  # energy: its own town's only

    # A partner guest who also works for Lhota: the shared project's cost is a guest's view (no internals).
    partner_of_lhota = town.user("partner")
    MembershipFactory(
        user=partner_of_lhota, role="staff", department=DepartmentFactory(municipality=town.other_municipality)
    )
    partner_of_lhota = type(partner_of_lhota).objects.get(pk=partner_of_lhota.pk)
    mixed = _observed(client, partner_of_lhota)
    assert mixed == _fresh(partner_of_lhota)
    assert mixed[0][implementation] == (Stage.IMPLEMENTATION, 1, None)


def test_without_a_reachable_cache_the_dashboard_sums_live(client, town, world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for role in ("manager", "other_coordinator", "partner"):
        assert _observed(client, town.user(role)) == _fresh(town.user(role))


def test_after_a_change_of_one_project_only_the_slice_it_is_in_is_summed_again(client, town, world):
    """The first read after a change of a project sums again the slice of the town's projects it is in and adds the
    other slices kept: a cost written past the services (no renewal) in another slice shows only once the whole
    town is renewed (as a bulk loader does)."""
    solar, idea, _ = world
    assert project_slice(solar.pk) != project_slice(idea.pk)
    implementation, idea_stage = list(Stage).index(Stage.IMPLEMENTATION), list(Stage).index(Stage.IDEA)
    before = _observed(client, town.user("coordinator"))[0]
    Project.objects.filter(pk=idea.pk).update(estimated_cost=F("estimated_cost") + 100000)  # no signal, no renewal
    response = api_client(town.user("manager")).patch(
        f"/api/v1/projects/{solar.pk}/", {"estimated_cost": "2500000"}, format="json"
    )
    assert response.status_code == 200

    after = _observed(client, town.user("coordinator"))[0]
    assert after[implementation][1:] == (1, Decimal("2500000"))  # the changed project's slice: summed again
    assert after[idea_stage] == before[idea_stage]  # the idea's slice: kept
    town_figures_changed(municipality_id=town.municipality.pk)
    renewed = _observed(client, town.user("coordinator"))[0]
    assert renewed[idea_stage][2] == before[idea_stage][2] + 100000
    assert renewed == _fresh(town.user("coordinator"))[0]


def test_after_a_change_of_one_project_only_its_part_of_the_slice_is_summed_again(client, town, world):
    """A big town's slice is some 3,000 projects: the first read after a change sums again only the part of the slice
    the project is in and adds the other parts kept. A project of the same slice in another part, its cost written
    past the services (no renewal), shows its old cost until the whole town is renewed.

    The parts of a slice are kept from the first change in it on: a town summed whole keeps its slices only (its
    1,024 parts' stamps are not read for it), so that first change sums the slice."""
    solar, _, _ = world
    # The same slice as the solar project, another part of it (ids far apart: the factory's sequence never gets there).
    neighbour = town.project(Stage.EVALUATION, ready=False, id=solar.pk + TOWN_SLICES * 100, estimated_cost=1000)
    assert project_slice(neighbour.pk) == project_slice(solar.pk)
    assert project_part(neighbour.pk) != project_part(solar.pk)
    implementation, evaluation = list(Stage).index(Stage.IMPLEMENTATION), list(Stage).index(Stage.EVALUATION)
    manager = api_client(town.user("manager"))
    _observed(client, town.user("coordinator"))
    assert (
        manager.patch(f"/api/v1/projects/{solar.pk}/", {"estimated_cost": "2400000"}, format="json").status_code == 200
    )
    before = _observed(client, town.user("coordinator"))[0]  # the slice summed by its parts, and they kept
    assert before[implementation][1:] == (1, Decimal("2400000"))
    assert before[evaluation][1:] == (1, Decimal("1000"))
    Project.objects.filter(pk=neighbour.pk).update(estimated_cost=5000)  # no signal, no renewal
    assert (
        manager.patch(f"/api/v1/projects/{solar.pk}/", {"estimated_cost": "2500000"}, format="json").status_code == 200
    )

    after = _observed(client, town.user("coordinator"))[0]
    assert after[implementation][1:] == (1, Decimal("2500000"))  # the changed project's part: summed again
    assert after[evaluation][1:] == (1, Decimal("1000"))  # the other part of the same slice: kept
    town_figures_changed(municipality_id=town.municipality.pk)
    renewed = _observed(client, town.user("coordinator"))[0]
    assert renewed[evaluation][1:] == (1, Decimal("5000"))
    assert renewed == _fresh(town.user("coordinator"))[0]
