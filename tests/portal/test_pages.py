"""The public pages: what a citizen reads, filters, pages, language, caching headers and pinned query counts."""

import re
from datetime import date

import pytest
from django.urls import reverse

from backend.portal.models import Portal
from backend.strategy.models import Goal, ItemKind, Measure
from backend.strategy.services import strategy_create, strategy_item_add
from tests.factories import ProjectFactory
from tests.factories.portal import ProjectUpdateFactory
from workflows.services import project_transition

pytestmark = pytest.mark.django_db


def _public(town, count: int, **fields):
    return [
        ProjectFactory(
            lead_department=town.env,
            manager=town.user("manager"),
            is_public=True,
            public_summary="Pro občany.",
            **fields,
        )
        for _ in range(count)
    ]


def test_the_portal_home_lists_open_portals_only(client, town, portal):
    Portal.objects.create(municipality=town.other_municipality, slug="lhota", is_open=False)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Město Vzorov" in text
    assert "Obec Lhota" not in text
    assert client.get(reverse("portal:municipality", args=["lhota"])).status_code == 404
    assert client.get(reverse("portal:municipality", args=["nikde"])).status_code == 404


def test_the_list_shows_public_projects_of_this_municipality_only(client, town, portal):
    _public(town, 2, title="Veřejný projekt")
    ProjectFactory(lead_department=town.env, title="Interní projekt")
    response = client.get(reverse("portal:municipality", args=["vzorov"]))
    text = response.content.decode()
    assert text.count("Veřejný projekt") == 2
    assert "Interní projekt" not in text
    assert "2 projekty" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("thematic_area=mobility", {"Kola"}),
        ("stage=implementation", {"Stavba"}),
        ("q=kola", {"Kola"}),
        ("year=2031", {"Stavba"}),
        ("", {"Kola", "Stavba"}),
    ],
)
def test_filters(client, town, portal, query, expected):
    _public(
        town, 1, title="Kola", thematic_area="mobility", planned_start=date(2026, 3, 1), planned_end=date(2026, 9, 1)
    )
    _public(
        town, 1, title="Stavba", stage="implementation", planned_start=date(2030, 1, 1), planned_end=date(2032, 1, 1)
    )
    text = client.get(reverse("portal:municipality", args=["vzorov"]) + "?" + query).content.decode()
    assert {title for title in ("Kola", "Stavba") if f">{title}</a>" in text} == expected


def test_the_strategic_goal_filter_lists_projects_serving_its_measures_and_its_specific_goals(client, town, portal):
    coordinator = town.user("coordinator")
    strategy = strategy_create(
        actor=coordinator, municipality=town.municipality, title="Strategie", period_start=2024, period_end=2030
    )
    for kind, data in (
        (ItemKind.GOAL, {"code": "1", "title": "Úsporné město"}),
        (ItemKind.GOAL, {"code": "1.1", "title": "Úspory v budovách", "parent": "1"}),
        (ItemKind.GOAL, {"code": "2", "title": "Doprava"}),
        (ItemKind.MEASURE, {"code": "1.0.1", "title": "Solár", "goal": "1", "department": town.env.pk}),
        (ItemKind.MEASURE, {"code": "1.1.1", "title": "Zateplení", "goal": "1.1", "department": town.env.pk}),
        (ItemKind.MEASURE, {"code": "2.0.1", "title": "Cyklostezky", "goal": "2", "department": town.env.pk}),
    ):
        strategy_item_add(actor=coordinator, strategy=strategy, kind=kind, data=data)
    solar, insulation, bikes = (_public(town, 1, title=title)[0] for title in ("Panely", "Izolace", "Kola"))
    measures = {measure.code: measure for measure in Measure.objects.filter(strategy=strategy)}
    measures["1.0.1"].projects.add(solar)
    measures["1.1.1"].projects.add(insulation, solar)
    measures["2.0.1"].projects.add(bikes)
    goal = Goal.objects.get(strategy=strategy, code="1")
    page = client.get(reverse("portal:municipality", args=["vzorov"]) + f"?goal={goal.pk}").content.decode()
    assert {title for title in ("Panely", "Izolace", "Kola") if f">{title}</a>" in page} == {"Panely", "Izolace"}
    assert page.count(">Panely</a>") == 1
    assert "2 projekty" in page
    assert "Strategický cíl" in page and "1 Úsporné město" in page
    # Only top-level goals are choices; a specific goal's id is not one.
    specific = Goal.objects.get(strategy=strategy, code="1.1")
    response = client.get(reverse("portal:municipality", args=["vzorov"]) + f"?goal={specific.pk}")
    assert response.status_code == 400
    api = client.get(reverse("api:public_projects", args=["vzorov"]) + f"?goal={goal.pk}").json()
    assert {project["title"] for project in api["results"]} == {"Panely", "Izolace"}


def test_the_filter_offers_the_goals_and_measures_that_serve_a_public_project(client, town, portal):
    coordinator = town.user("coordinator")
    strategy = strategy_create(
        actor=coordinator, municipality=town.municipality, title="Strategie", period_start=2024, period_end=2030
    )
    for kind, data in (
        (ItemKind.GOAL, {"code": "1", "title": "Úsporné město"}),
        (ItemKind.GOAL, {"code": "2", "title": "Doprava"}),
        (ItemKind.GOAL, {"code": "2.1", "title": "Cyklistika", "parent": "2"}),
        (ItemKind.GOAL, {"code": "3", "title": "Voda"}),
        (ItemKind.GOAL, {"code": "4", "title": "Školy"}),
        (ItemKind.MEASURE, {"code": "1.0.1", "title": "Solár", "goal": "1", "department": town.env.pk}),
        (ItemKind.MEASURE, {"code": "1.0.2", "title": "Zateplení", "goal": "1", "department": town.env.pk}),
        (ItemKind.MEASURE, {"code": "2.1.1", "title": "Cyklostezky", "goal": "2.1", "department": town.env.pk}),
        (ItemKind.MEASURE, {"code": "3.0.1", "title": "Retence", "goal": "3", "department": town.env.pk}),
        (ItemKind.MEASURE, {"code": "4.0.1", "title": "Jídelny", "goal": "4", "department": town.env.pk}),
    ):
        strategy_item_add(actor=coordinator, strategy=strategy, kind=kind, data=data)
    measures = {measure.code: measure for measure in Measure.objects.filter(strategy=strategy)}
    goals = {goal.code: goal for goal in Goal.objects.filter(strategy=strategy)}
    internal = ProjectFactory(lead_department=town.env, manager=town.user("manager"), is_public=False)
    panels, paths = _public(town, 2)
    measures["1.0.1"].projects.add(panels, internal)
    measures["2.1.1"].projects.add(paths)
    measures["3.0.1"].projects.add(internal)  # served by an internal project only: no choice
    page = client.get(reverse("portal:municipality", args=["vzorov"])).content.decode()

    def offered(name: str, items: dict) -> set[str]:
        select = re.search(rf'<select name="{name}".*?</select>', page, re.DOTALL).group(0)
        return {code for code, item in items.items() if f'<option value="{item.pk}"' in select}

    # A top-level goal is offered for its own measures' projects and for those of its specific goals.
    assert offered("goal", goals) == {"1", "2"}
    assert offered("measure", measures) == {"1.0.1", "2.1.1"}


def test_a_bad_filter_is_a_clear_400_in_czech(client, town, portal):
    response = client.get(reverse("portal:municipality", args=["vzorov"]) + "?year=abc&stage=nope")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Zadejte celé číslo." in text
    assert "Vyberte platnou možnost" in text


def test_the_list_is_paginated(client, town, portal):
    _public(town, 21)
    first = client.get(reverse("portal:municipality", args=["vzorov"]) + "?thematic_area=energy").content.decode()
    assert first.count("public-project-card") == 20
    assert "thematic_area=energy&amp;page=2" in first
    second = client.get(reverse("portal:municipality", args=["vzorov"]) + "?thematic_area=energy&page=2")
    assert second.content.decode().count("public-project-card") == 1


@pytest.mark.parametrize("count", [1, 15])
def test_the_list_costs_the_same_queries_for_1_and_many_projects(
    client, town, portal, count, django_assert_num_queries
):
    for project in _public(town, count):
        ProjectUpdateFactory(project=project)
    # Portal, the town's energy figures and count of public projects (summed on the first visit), the page, the
    # goals and the measures of the filter, the latest updates and their files, whether a consultation runs.
    with django_assert_num_queries(9):
        response = client.get(reverse("portal:municipality", args=["vzorov"]))
    assert response.status_code == 200
    # The next visits read the energy figures and the count from the cache: no sum over the town's projects.
    with django_assert_num_queries(7):
        response = client.get(reverse("portal:municipality", args=["vzorov"]) + "?page=1")
    assert response.status_code == 200


@pytest.mark.parametrize("updates", [1, 6])
def test_a_project_page_costs_fixed_queries(client, town, portal, updates, django_assert_num_queries):
    (project,) = _public(town, 1)
    for _ in range(updates):
        ProjectUpdateFactory(project=project)
    # Portal, project, history, funding, KPIs, measures, updates and their files, the ideas it came from.
    with django_assert_num_queries(9):
        response = client.get(reverse("portal:project", args=["vzorov", project.pk]))
    assert response.status_code == 200


def test_pages_are_cacheable_and_answer_304_when_unchanged(client, town, portal):
    (project,) = _public(town, 1)
    for address in (
        reverse("portal:home"),
        reverse("portal:municipality", args=["vzorov"]),
        reverse("portal:project", args=["vzorov", project.pk]),
    ):
        response = client.get(address)
        assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
        assert {"Accept-Language", "Cookie"} <= {value.strip() for value in response["Vary"].split(",")}
        assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies
        again = client.get(address, headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304, address


def test_a_change_changes_the_etag(client, town, portal):
    (project,) = _public(town, 1)
    address = reverse("portal:project", args=["vzorov", project.pk])
    before = client.get(address)["ETag"]
    ProjectUpdateFactory(project=project, title="Nová aktualita")
    after = client.get(address, headers={"If-None-Match": before})
    assert after.status_code == 200
    assert "Nová aktualita" in after.content.decode()


def test_the_progress_line_dates_the_stages_from_the_history(client, town, portal):
    (project,) = _public(town, 1, title="Projekt", thematic_area="energy")
    project_transition(project=project, actor=town.user("manager"), transition="submit", comment="")
    text = client.get(reverse("portal:project", args=["vzorov", project.pk])).content.decode()
    line = text[text.index('class="progress-line"') : text.index("</ol>")]
    assert line.count("<time") == 2  # Námět and Posouzení
    assert 'aria-current="step"' in line
    assert "Posouzení" in line


def test_the_english_switch(client, town, portal):
    address = reverse("portal:municipality", args=["vzorov"])
    assert "Veřejné projekty" in client.get(address).content.decode()
    response = client.get(reverse("portal:language") + f"?language=en&next={address}")
    assert response.status_code == 302 and response["Location"] == address
    assert "Public projects" in client.get(address).content.decode()


def test_the_language_switch_goes_nowhere_else(client):
    response = client.get(reverse("portal:language") + "?language=en&next=https://evil.example/")
    assert response["Location"] == "/"


def test_pages_carry_no_script(client, town, portal):
    (project,) = _public(town, 1)
    for address in (
        reverse("portal:municipality", args=["vzorov"]),
        reverse("portal:project", args=["vzorov", project.pk]),
    ):
        assert "<script" not in client.get(address).content.decode()
