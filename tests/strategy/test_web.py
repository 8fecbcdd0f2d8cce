"""The strategy pages as people see them: the tree with coverage, flags and charts, amendments decided in place,
the changelog and the diff, and a project manager linking a project to measures; 404 outside the municipality."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.projects.stages import Stage
from backend.projects.town_cache import coverage_inputs_changed
from backend.strategy.models import Measure


def _page(client, strategy, **params):
    return client.get(reverse("strategy:detail", kwargs={"pk": strategy.pk}), params)


def test_the_strategy_page_shows_the_tree_coverage_and_flags(as_role, town, strategy, measures, assert_safe_page):
    project = town.project(Stage.IMPLEMENTATION, estimated_cost=Decimal("1500000"))
    project.strategic_measures.set([measures["1.1.1"]])
    response = _page(as_role("staff"), strategy)
    assert response.status_code == 200
    assert_safe_page(response)
    html = response.content.decode()
    assert "Strategie Smart City Vzorov 2024–2030" in html
    assert "usnesení zastupitelstva č. ZM 12/2024 ze dne 4. 3. 2024" in html
    assert "1.1.1 Zateplení budov města" in html and "Realizace: 1" in html
    assert "1 500 000 Kč" in html.replace("\xa0", " ")
    # 1.1.2 and 2.1 have no project: listed, and marked in the tree.
    without = html.split('id="without-heading"')[1].split("</section>")[0]
    assert "1.1.2" in without and "2.1" in without and "1.1.1" not in without
    assert html.count('<span class="strategy-flag">bez projektu</span>') == 2
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "Projekty podle cílů" in html
    assert "Úspora energie" in html and "projekty plánují 120, dosaženo 130" in html


@pytest.mark.parametrize("role", ["partner", "other_coordinator"])
def test_outsiders_get_404(as_role, strategy, role):
    assert _page(as_role(role), strategy).status_code == 404
    assert as_role(role).get(reverse("strategy:amendment_create", kwargs={"pk": strategy.pk})).status_code == 404


def test_the_list_shows_only_the_municipalitys_strategies(as_role, strategy):
    assert "Strategie Smart City Vzorov" in as_role("manager").get(reverse("strategy:list")).content.decode()
    assert (
        "Strategie Smart City Vzorov" not in as_role("other_coordinator").get(reverse("strategy:list")).content.decode()
    )


def test_the_page_costs_the_same_queries_for_one_and_for_thirty_projects(as_role, town, strategy, measures):
    client = as_role("coordinator")
    town.project(Stage.FUNDING).strategic_measures.set([measures["1.1.1"]])
    _page(client, strategy)
    with CaptureQueriesContext(connection) as cached:
        _page(client, strategy)
    with CaptureQueriesContext(connection) as one:
        coverage_inputs_changed(municipality_ids=[town.municipality.pk])  # the coverage computed again
        _page(client, strategy)
    for _ in range(29):
        town.project(Stage.IMPLEMENTATION).strategic_measures.set([measures["1.1.1"], measures["2.1"]])
    coverage_inputs_changed(municipality_ids=[town.municipality.pk])  # written past the services, which say so
    with CaptureQueriesContext(connection) as thirty:
        _page(client, strategy)
    # the 15th: the citizen ideas of each goal; from the cache without the coverage's four aggregates
    assert (len(thirty), len(one), len(cached)) == (15, 15, 11)


def test_staff_proposes_the_coordinator_approves_and_the_changelog_and_diff_show_it(as_role, strategy, measures):
    staff = as_role("staff")
    response = staff.post(
        reverse("strategy:amendment_create", kwargs={"pk": strategy.pk}),
        {
            "title": "Přejmenování 2.1",
            "reason": "Opatření zahrnuje i cyklisty.",
            "action": "change",
            "kind": "measure",
            "item": f"measure:{measures['2.1'].pk}",
            "item_title": "Bezpečná doprava pro chodce i cyklisty",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Změna byla navržena." in html and "Přejmenování 2.1" in html and "Čeká" in html
    amendment = strategy.amendments.get()

    coordinator = as_role("coordinator")
    page = _page(coordinator, strategy).content.decode()
    assert reverse("strategy:amendment_decision", kwargs={"pk": amendment.pk}) in page
    response = coordinator.post(
        reverse("strategy:amendment_decision", kwargs={"pk": amendment.pk}), {"decision": "approve"}, follow=True
    )
    html = response.content.decode()
    assert "Vaše rozhodnutí bylo zaznamenáno: Schváleno." in html
    changelog = html.split('id="changelog-heading"')[1].split("</section>")[0]
    assert "Revize 2" in changelog and "Bezpečná doprava pro chodce i cyklisty" in changelog
    diff = _page(coordinator, strategy, before=1, after=2).content.decode().split('id="diff-heading"')[1]
    assert "Revize 1 ve srovnání s revizí 2" in diff
    assert "Bezpečná doprava</td>" in diff and "Bezpečná doprava pro chodce i cyklisty</td>" in diff


def test_a_proposal_with_a_wrong_goal_code_shows_a_czech_error_and_saves_nothing(as_role, strategy):
    response = as_role("manager").post(
        reverse("strategy:amendment_create", kwargs={"pk": strategy.pk}),
        {
            "title": "Nové opatření",
            "reason": "Chybí.",
            "action": "add",
            "kind": "measure",
            "code": "9.9",
            "item_title": "Sdílení elektřiny",
            "parent": "9",
        },
    )
    assert response.status_code == 400
    assert "Strategie nemá cíl s kódem 9." in response.content.decode()
    assert not strategy.amendments.exists()


def test_the_manager_links_a_project_to_measures_and_the_coverage_changes(as_role, town, strategy, measures):
    project = town.project(Stage.ASSESSMENT)
    manager = as_role("manager")
    url = reverse("strategy:project_measures", kwargs={"project_pk": project.pk})
    form = manager.get(url).content.decode()
    assert "1.1.2 Energetický management" in form
    response = manager.post(url, {"measures": [measures["1.1.2"].pk]}, follow=True)
    assert "Strategická opatření projektu byla uložena." in response.content.decode()
    assert list(project.strategic_measures.all()) == [Measure.objects.get(code="1.1.2")]
    without = _page(manager, strategy).content.decode().split('id="without-heading"')[1].split("</section>")[0]
    assert "1.1.2" not in without


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("partner", 404), ("other_coordinator", 404)])
def test_only_editors_of_the_project_link_it(as_role, town, strategy, measures, role, status):
    project = town.project(Stage.ASSESSMENT)
    url = reverse("strategy:project_measures", kwargs={"project_pk": project.pk})
    assert as_role(role).post(url, {"measures": [measures["1.1.2"].pk]}).status_code == status
    assert not project.strategic_measures.exists()


def test_the_proposer_is_not_offered_to_approve_their_own_amendment(as_role, town, strategy, measures):
    coordinator = as_role("coordinator")
    coordinator.post(
        reverse("strategy:amendment_create", kwargs={"pk": strategy.pk}),
        {
            "title": "Vlastní návrh",
            "reason": "Test.",
            "action": "retire",
            "kind": "measure",
            "item": f"measure:{measures['2.1'].pk}",
        },
    )
    amendment = strategy.amendments.get()
    page = _page(coordinator, strategy).content.decode()
    assert reverse("strategy:amendment_decision", kwargs={"pk": amendment.pk}) not in page
    assert reverse("strategy:amendment_resolution", kwargs={"pk": amendment.pk}) in page
