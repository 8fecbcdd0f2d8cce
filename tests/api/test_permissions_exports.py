"""Exports and search hold the permission matrix: nobody finds or exports what they may not see.

The world of tests/api/conftest.py, with distinctive titles: ``shared`` (Vzorov's ENV project, the
partner's NGO invited), ``private`` (Vzorov's TRA project, no partner) and ``lhota`` (Obec Lhota's). Each
internal comment carries a word that appears nowhere else. For every role and every way of finding
projects (the API list's ``search``, the web list, the board, the CSV export of the API and of the web),
the found ids must be exactly the visible ones among those searched for; the @mention search offers
exactly the people the role may know; a partner's CSV has no internal column and no internal value.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from backend.accounts.models import User
from backend.projects.exports import defuse
from backend.projects.models import Project, ProjectPartner
from tests.api.conftest import ANONYMOUS, ROLES, World, api_client
from tests.factories import CommentFactory, MembershipFactory, ProjectFactory, ProjectPartnerFactory

pytestmark = pytest.mark.usefixtures("own_throttle_cache")

TITLES = {"shared": "LED osvětlení Vzorov", "private": "Chytré parkování u nádraží", "lhota": "Lhota náves"}
INTERNAL_WORD = "Kompenzace-dodavatele-INTERNI"
EXPORT = "/api/v1/projects/export/"
ENGLISH = {"Accept-Language": "en"}  # the CSV's header row is in the request's language
VZOROV_STAFF = ("coordinator", "lead_head", "other_head", "manager", "staff")

# What each role sees; anonymous sees nothing and is asked to sign in (API 401, web redirect).
VISIBLE = {
    **{role: {"shared", "private"} for role in VZOROV_STAFF},
    "partner": {"shared"},
    "partner_not_invited": set(),
    "other_coordinator": {"lhota"},
}
# The searches every channel runs: each project's title, a word of an internal comment, and nothing at all.
SEARCHES = {**{name: title for name, title in TITLES.items()}, "internal word": INTERNAL_WORD, "everything": ""}


def _expected(role: str, search: str) -> set[str]:
    if search == "everything":
        return VISIBLE[role]
    return VISIBLE[role] & {search}


@pytest.fixture
def named(world: World) -> World:
    for name, title in TITLES.items():
        project = world.bundle(name).project
        Project.objects.filter(pk=project.pk).update(title=title, estimated_cost=Decimal("987654.00"))
        CommentFactory(
            project=project, author=world.town.user("coordinator"), visibility="internal", body=INTERNAL_WORD
        )
    return world


def _web(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False, headers=ENGLISH)
    if role != ANONYMOUS:
        client.force_login(world.user(role))
    return client


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "UTF-8 with a byte order mark, for Excel"
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))


_LIST_ROW = re.compile(r'<th scope="row"><a href="/projects/(\d+)/">')
_CARD = re.compile(r'id="project-card-(\d+)"')

# Each channel: how to ask, and how to read the ids found from a 200 answer.
CHANNELS = {
    "api list": (lambda world, role, q: world.client(role).get("/api/v1/projects/", {"search": q}, headers=ENGLISH),
                 lambda response: {row["id"] for row in response.json()["results"]}),
    "web list": (lambda world, role, q: _web(world, role).get(reverse("web:project_list"), {"search": q}),
                 lambda response: {int(pk) for pk in _LIST_ROW.findall(response.content.decode())}),
    "board": (lambda world, role, q: _web(world, role).get(reverse("web:board"), {"search": q}),
              lambda response: {int(pk) for pk in _CARD.findall(response.content.decode())}),
    "api export": (lambda world, role, q: world.client(role).get(EXPORT, {"search": q}, headers=ENGLISH),
                   lambda response: {int(row[0]) for row in _csv_rows(response)[1:]}),
    "web export": (lambda world, role, q: _web(world, role).get(reverse("web:project_export"), {"search": q}),
                   lambda response: {int(row[0]) for row in _csv_rows(response)[1:]}),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_each_search_finds_exactly_what_the_role_may_see(named, channel, role):
    ask, found = CHANNELS[channel]
    ids = {name: named.bundle(name).project.pk for name in TITLES}
    observed, expected = {}, {}
    for search, q in SEARCHES.items():
        response = ask(named, role, q)
        if role == ANONYMOUS:
            observed[search] = response.status_code
            expected[search] = 401 if channel.startswith("api") else 302
            continue
        assert response.status_code == 200, (search, response.content[:300])
        observed[search] = found(response)
        expected[search] = {ids[name] for name in _expected(role, search)}
    assert observed == expected


# --- the @mention search of comments --------------------------------------------------------------------------

# Usernames offered on each project with an empty query (everyone the role may mention); None: 404.
# Vzorov's people on ``shared`` include the NGO's guest; a partner is offered only the people they may see: the
# project's manager and the assignees of the tasks they see (here the partner themself).
VZOROV_PEOPLE = {"coordinator", "lead.head", "other.head", "manager", "staff"}
MENTIONS = {
    "shared": {
        **{role: VZOROV_PEOPLE | {"partner"} for role in VZOROV_STAFF},
        "partner": {"manager", "partner"},
        "partner_not_invited": None,
        "other_coordinator": None,
    },
    "private": {
        **{role: VZOROV_PEOPLE for role in VZOROV_STAFF},
        "partner": None,
        "partner_not_invited": None,
        "other_coordinator": None,
    },
    "lhota": {
        **{role: None for role in (*VZOROV_STAFF, "partner", "partner_not_invited")},
        "other_coordinator": {"other.coordinator"},
    },
}


@pytest.mark.parametrize("role", ROLES)
def test_the_mention_search_offers_exactly_the_people_the_role_may_know(named, role):
    client = _web(named, role)
    for name, offered in MENTIONS.items():
        url = reverse("web:project_mention_search", kwargs={"pk": named.bundle(name).project.pk})
        response = client.get(url, {"q": ""})
        if role == ANONYMOUS:
            assert response.status_code == 302
            continue
        expected = offered[role]
        if expected is None:
            assert response.status_code == 404, (name, role)
            continue
        assert {person["username"] for person in response.json()["results"]} == expected, (name, role)


@pytest.mark.parametrize("query", ["manager", "staff", "coordinator", "Jana", "lead"])
def test_a_partner_searching_for_municipal_staff_finds_nobody_they_do_not_know(named, query):
    url = reverse("web:project_mention_search", kwargs={"pk": named.shared.project.pk})
    results = _web(named, "partner").get(url, {"q": query}).json()["results"]
    assert {person["username"] for person in results} <= {"manager", "partner"}


# --- what the CSV holds ------------------------------------------------------------------------------------

INTERNAL_HEADERS = {"project manager", "estimated cost (CZK)", "assessment score", "created at"}


@pytest.mark.parametrize("channel", ["api export", "web export"])
def test_a_partners_csv_has_only_the_partner_fields(named, channel):
    ask, _ = CHANNELS[channel]
    response = ask(named, "partner", "")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ramec-projects-')
    rows = _csv_rows(response)
    header, (row,) = rows[0], rows[1:]
    assert not INTERNAL_HEADERS & set(header)
    assert header == [
        "id", "title", "summary", "stage", "thematic area", "municipality", "lead department",
        "planned start", "planned end", "public", "in stage since",
    ]  # fmt: skip
    text = ";".join(row)
    manager = named.town.user("manager")
    for secret in ("987654", manager.last_name, INTERNAL_WORD):
        assert secret not in text
    assert row[1] == TITLES["shared"]


def test_staff_get_the_internal_columns(named):
    client = api_client(named.town.user("manager"))
    rows = _csv_rows(client.get("/api/v1/projects/export/", {"ordering": "title"}, headers=ENGLISH))
    header = rows[0]
    assert set(header) >= INTERNAL_HEADERS
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_title) == [TITLES["private"], TITLES["shared"]]  # ordered by title
    assert by_title[TITLES["shared"]]["estimated cost (CZK)"] == "987654,00"
    assert by_title[TITLES["shared"]]["project manager"] == str(named.town.user("manager"))


def test_a_person_both_staff_and_guest_sees_internals_only_of_their_own_municipality(named):
    """Lhota's coordinator, also a guest of Vzorov's NGO: Vzorov's shared project comes without internals."""
    other = named.town.user("other_coordinator")
    MembershipFactory(user=other, role="partner", department=None, organization=named.town.ngo)
    fresh = User.objects.get(pk=other.pk)  # roles are read once per request, from a freshly loaded user
    rows = _csv_rows(api_client(fresh).get("/api/v1/projects/export/", headers=ENGLISH))
    by_id = {int(row[0]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {named.shared.project.pk, named.lhota.project.pk}
    assert by_id[named.shared.project.pk]["estimated cost (CZK)"] == ""
    assert by_id[named.lhota.project.pk]["estimated cost (CZK)"] == "987654,00"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+420 123", "'+420 123"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("Obyčejný název", "Obyčejný název"),
    ],
)
def test_formula_cells_are_defused(cell, safe):
    assert defuse(cell) == safe


def test_a_formula_in_a_title_reaches_excel_as_text(named):
    Project.objects.filter(pk=named.shared.project.pk).update(title='=cmd|" /C calc"!A0')
    rows = _csv_rows(_web(named, "partner").get(reverse("web:project_export")))
    assert rows[1][1] == '\'=cmd|" /C calc"!A0'


def test_bad_filters_answer_400_in_the_api_and_send_the_web_back_to_the_list(named):
    response = named.client("manager").get("/api/v1/projects/export/", {"stage": "nonsense"})
    assert response.status_code == 400 and "stage" in response.json()
    response = _web(named, "manager").get(reverse("web:project_export"), {"stage": "nonsense"})
    assert response.status_code == 302 and response.url == f"{reverse('web:project_list')}?stage=nonsense"


def test_the_list_page_links_to_the_export_with_its_filters(named):
    html = _web(named, "manager").get(reverse("web:project_list"), {"stage": "assessment", "page": "1"}).content
    assert f'href="{reverse("web:project_export")}?stage=assessment"' in html.decode()


@pytest.mark.parametrize("channel", ["api export", "web export"])
def test_the_export_streams_with_the_same_queries_for_1_and_for_40_projects(town, channel, django_assert_num_queries):
    manager = town.user("manager")
    web = Client()
    web.force_login(manager)
    web.get(reverse("web:dashboard"))  # the first request after signing in stamps the session

    def client():
        # The API client authenticates a freshly loaded user (no cached roles), as a real request has.
        return api_client(User.objects.get(pk=manager.pk)) if channel == "api export" else web

    url = EXPORT if channel == "api export" else reverse("web:project_export")
    queries = 2 if channel == "api export" else 4  # (session, user,) roles, the rows
    ProjectFactory(lead_department=town.env)
    requester = client()
    with django_assert_num_queries(queries):
        assert len(_csv_rows(requester.get(url))) == 2
    for _ in range(39):
        ProjectFactory(lead_department=town.tra)
    requester = client()
    with django_assert_num_queries(queries):
        assert len(_csv_rows(requester.get(url))) == 41


# How each CSV export is asked for an order: the API's ``ordering``, the web list's ``sort``.
ORDER_BY = {
    "api export": lambda world, key: api_client(world.user("partner")).get(EXPORT, {"ordering": key}, headers=ENGLISH),
    "web export": lambda world, key: _web(world, "partner").get(reverse("web:project_export"), {"sort": key}),
}


@pytest.mark.parametrize("channel", ORDER_BY)
def test_a_partner_cannot_order_the_csv_by_a_column_it_does_not_show(named, channel):
    """``created_at`` is no partner column: ordering by it is ignored, as in the API list, so the order of the rows
    tells a partner nothing about it."""
    shared = named.bundle("shared").project
    organization = ProjectPartner.objects.filter(project=shared).first().organization
    older = ProjectFactory(municipality=shared.municipality, lead_department=shared.lead_department, title="Older")
    ProjectPartnerFactory(project=older, organization=organization)
    Project.objects.filter(pk=older.pk).update(created_at=shared.created_at - timedelta(days=400))

    def ids(key: str) -> list[str]:
        return [row[0] for row in _csv_rows(ORDER_BY[channel](named, key))[1:]]

    assert sorted(ids("created_at")) == sorted([str(shared.pk), str(older.pk)])
    assert ids("created_at") == ids("-created_at")
    assert ids("title") != ids("-title")  # a partner column still orders
