"""Attacks on the pipeline board's paging (``column_page``), its stage and other filters, and the LATERAL join of
the visible projects' slice (``backend/web/views/board.py``): every odd value is a page of the caller's own cards
(or a 400), never a 500 nor a card of a project the caller does not see."""

import re

import pytest
from django.urls import reverse

from backend.projects.models import Project
from backend.projects.selectors import project_list_visible
from backend.projects.stages import Stage
from backend.web.views.board import COLUMN_SIZE
from tests.factories import DepartmentFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = reverse("web:board")
_CARD_LINK = re.compile(r'href="/[^"]*projects/(\d+)/"')


@pytest.fixture
def ideas(town):
    """More ideas than a column shows, in Vzorov and in Lhota, and one Vzorov project shared with the NGO."""
    lhota = DepartmentFactory(municipality=town.other_municipality, code="SPR", name="Správní odbor")
    vzorov = [ProjectFactory(lead_department=town.tra, title=f"Vzorov {n}") for n in range(COLUMN_SIZE + 5)]
    others = [ProjectFactory(lead_department=lhota, title=f"Lhota {n}") for n in range(COLUMN_SIZE + 5)]
    shared = town.project(Stage.IDEA, title="Sdílený")
    return {"vzorov": {p.pk for p in [*vzorov, shared]}, "lhota": {p.pk for p in others}, "shared": shared}


def _cards(response) -> set[int]:
    return {int(pk) for pk in _CARD_LINK.findall(response.content.decode())}


def _visible(user) -> set[int]:
    return set(project_list_visible(user=user).values_list("pk", flat=True))


@pytest.mark.parametrize(
    "column_page",
    [
        "0",
        "-1",
        "1.5",
        "1e3",
        "１",  # fullwidth one
        "٢",  # Arabic-Indic two
        "99999",
        "100000",
        "9" * 30,
        "9" * 5000,
        "1 OR 1=1",
        "1; DROP TABLE projects_project",
        "1\x00",
        "",
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_odd_column_page_shows_only_the_callers_cards(as_role, town, ideas, column_page, htmx):
    user = town.user("staff")
    response = as_role("staff").get(URL, {"column_page": column_page, "stage": "idea"}, **(HTMX if htmx else {}))
    assert response.status_code == 200, column_page
    assert _cards(response) <= _visible(user)
    assert not _cards(response) & ideas["lhota"]


def test_the_second_page_of_a_column_holds_the_rest_of_the_callers_own(as_role, town, ideas):
    """25 + 1 ideas of Vzorov, 25 of Lhota: Vzorov's coordinator gets 20 then 6, none of Lhota's; Lhota's the
    other way round; the partner guest only the shared one on page one, nothing on page two."""
    first = _cards(as_role("coordinator").get(URL, {"stage": "idea"}))
    second = _cards(as_role("coordinator").get(URL, {"stage": "idea", "column_page": "2"}, **HTMX))
    assert len(first) == COLUMN_SIZE
    assert first | second == ideas["vzorov"]
    assert not first & second
    lhota = _cards(as_role("other_coordinator").get(URL, {"stage": "idea"})) | _cards(
        as_role("other_coordinator").get(URL, {"stage": "idea", "column_page": "2"}, **HTMX)
    )
    assert lhota == ideas["lhota"]
    assert _cards(as_role("partner").get(URL, {"stage": "idea"})) == {ideas["shared"].pk}
    assert _cards(as_role("partner").get(URL, {"stage": "idea", "column_page": "2"})) == set()
    assert _cards(as_role("partner_not_invited").get(URL, {"stage": "idea"})) == set()


@pytest.mark.parametrize(
    "stage",
    [
        "idea' OR '1'='1",
        "idea\x00",
        "ideA",
        "{idea,funding}",
        "idea'); DROP TABLE projects_project; --",
        "%s",
        '"board_column"."stage"',
        "x" * 10_000,
    ],
)
@pytest.mark.parametrize("role", ["staff", "partner", "partner_not_invited"])
def test_a_stage_that_is_none_shows_no_hidden_card_and_no_error(as_role, town, ideas, stage, role):
    response = as_role(role).get(URL, {"stage": stage, "column_page": "1"})
    assert response.status_code in (200, 400), response.status_code
    assert _cards(response) <= _visible(town.user(role))
    assert Project.objects.count() == 51  # nothing dropped


@pytest.mark.parametrize(
    "query",
    [
        {"lead_department": "999999999"},
        {"lead_department": "x"},
        {"lead_department": "9" * 5000},
        {"search": "%"},
        {"search": "%s%s%s"},
        {"search": "' OR 1=1 --"},
        {"search": "\x00"},
        {"thematic_area": "nothing"},
        {"mine": "true", "column_page": "2"},
        {"assigned_to_me": "maybe"},
        {"stage": ["idea", "idea", "funding"], "column_page": "2"},
    ],
    ids=lambda query: "&".join(f"{k}={str(v)[:12]!r}" for k, v in query.items()),
)
@pytest.mark.parametrize("role", ["staff", "partner", "other_coordinator"])
def test_odd_filters_with_the_lateral_slice_show_only_visible_cards(as_role, town, ideas, query, role):
    response = as_role(role).get(URL, query)
    assert response.status_code in (200, 400), response.status_code
    assert _cards(response) <= _visible(town.user(role))


def test_a_user_without_roles_sees_an_empty_board_whatever_the_page(client, town, ideas):
    client.force_login(UserFactory(username="nobody"))
    for query in ({}, {"column_page": "2"}, {"stage": "idea"}, {"search": "Vzorov"}, {"stage": "bogus"}):
        response = client.get(URL, query)
        assert response.status_code == 200, query
        assert _cards(response) == set()


@pytest.mark.parametrize("query", [{}, {"column_page": "2", "stage": "idea"}])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_anonymous_are_sent_to_sign_in(client, ideas, query, htmx):
    """A page is redirected (302), an htmx request told where to go (``HX-Redirect``): no card either way."""
    response = client.get(URL, query, **(HTMX if htmx else {}))
    location = response.headers.get("HX-Redirect") if htmx else response.headers.get("Location")
    assert response.status_code == (200 if htmx else 302)
    assert location.startswith(reverse("web:login"))
    assert _cards(response) == set()
