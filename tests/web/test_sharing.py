"""The project page's sharing section: who sees it and its buttons, what each role's POST answers, and what
the staff of the municipalities see before and after. ``town.other_municipality`` is Obec Lhota (coordinator
``other_coordinator``); Lhota's staff member and a third town's staff are made here. Pages are read in English
unless a test checks the Czech message.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from backend.projects.models import Event, EventKind
from backend.projects.sharing import project_share
from backend.projects.stages import Stage
from tests.conftest import ROLES as TOWN_ROLES
from tests.factories import DepartmentFactory, MembershipFactory, MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, *TOWN_ROLES, "lhota_staff", "third_staff")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}
MISSING_ID = 987_654_321

# What each role gets; for the page: (status, sees the share form, sees a withdraw button for Lhota).
# fmt: off
#                   anon  coord lead  other mgr   staff partn notinv othcrd lhota third
PAGE =             (302,  200,  200,  200,  200,  200,  404,  404,   200,   200,  404)
SHARE_FORM =       (None, True, False, False, True, False, None, None, False, False, None)
WITHDRAW_BUTTON =  (None, True, False, False, True, False, None, None, True,  False, None)
SHARE =            (302,  302,  403,  403,  302,  403,  403,  404,   403,   403,  404)
WITHDRAW =         (302,  302,  403,  403,  302,  403,  403,  404,   302,   403,  404)
# fmt: on


@pytest.fixture
def setup(town):
    lhota_staff = UserFactory(username="lhota.staff")
    lhota_department = DepartmentFactory(municipality=town.other_municipality)
    MembershipFactory(user=lhota_staff, role="staff", department=lhota_department)
    third = MunicipalityFactory(name="Obec Dolní Újezd")
    third_staff = UserFactory(username="ujezd.staff")
    MembershipFactory(user=third_staff, role="staff", department=DepartmentFactory(municipality=third))
    town.users.update(lhota_staff=lhota_staff, third_staff=third_staff)
    project = town.project(Stage.ASSESSMENT, title="Sdílená kola")
    project_share(actor=town.user("coordinator"), project=project, municipality=town.other_municipality)
    return project, third


@pytest.fixture
def login(client, town):
    def as_user(role: str):
        client.logout()
        if role != ANONYMOUS:
            client.force_login(town.user(role))
        return client

    return as_user


def _rolled_back(call):
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response


def test_the_page_and_its_buttons_for_every_role(town, setup, login):
    project, _third = setup
    url = reverse("web:project_sharing", args=[project.pk])
    withdraw = reverse("web:project_unshare", args=[project.pk, town.other_municipality.pk])
    observed = {}
    for role in ROLES:
        response = login(role).get(url, **ENGLISH)
        page = response.content.decode()
        if response.status_code != 200:
            observed[role] = (response.status_code, None, None)
            continue
        assert "Obec Lhota" in page
        observed[role] = (200, 'action="' + reverse("web:project_share", args=[project.pk]) in page, withdraw in page)
    expected = {role: (PAGE[i], SHARE_FORM[i], WITHDRAW_BUTTON[i]) for i, role in enumerate(ROLES)}
    assert observed == expected


@pytest.mark.parametrize(("action", "row"), [("share", SHARE), ("withdraw", WITHDRAW)])
def test_each_roles_post(town, setup, login, action, row):
    project, third = setup
    if action == "share":
        url, data = reverse("web:project_share", args=[project.pk]), {"municipality": third.pk}
    else:
        url, data = reverse("web:project_unshare", args=[project.pk, town.other_municipality.pk]), {}
    observed = {}
    for role in ROLES:
        client = login(role)
        observed[role] = _rolled_back(lambda client=client: client.post(url, data, **ENGLISH)).status_code
    assert observed == dict(zip(ROLES, row, strict=True))


def test_another_towns_project_and_a_missing_one_answer_404(town, setup, login, lhota_project):
    project, third = setup
    client = login("coordinator")
    for pk in (lhota_project.pk, MISSING_ID):
        assert client.get(reverse("web:project_sharing", args=[pk])).status_code == 404
        assert client.post(reverse("web:project_share", args=[pk]), {"municipality": third.pk}).status_code == 404
    # Withdrawing a share that does not exist: the same answer as a missing project.
    assert client.post(reverse("web:project_unshare", args=[project.pk, third.pk])).status_code == 404


def test_sharing_from_the_page_shows_the_project_to_the_towns_staff(town, setup, login):
    project, third = setup
    detail = reverse("web:project_detail", args=[project.pk])
    assert login("third_staff").get(detail).status_code == 404

    client = login("manager")
    response = client.post(reverse("web:project_share", args=[project.pk]), {"municipality": third.pk})
    assert response.status_code == 302 and response.url == reverse("web:project_sharing", args=[project.pk])
    page = client.get(response.url).content.decode()
    assert "Projekt je nyní sdílen s obcí Obec Dolní Újezd" in page  # the message, in Czech
    overview = login("third_staff").get(detail).content.decode()
    assert "Obec Dolní Újezd" in overview and "Obec Lhota" in overview
    assert Event.objects.filter(project=project, kind=EventKind.PROJECT_SHARED, actor=town.user("manager")).count() == 1


def test_htmx_swaps_the_section_in_place(town, setup, login):
    project, third = setup
    response = login("coordinator").post(
        reverse("web:project_share", args=[project.pk]), {"municipality": third.pk}, **HTMX, **ENGLISH
    )
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<div id="sharing-section">')
    assert "The project is now shared with Obec Dolní Újezd" in page and "<html" not in page

    withdraw = reverse("web:project_unshare", args=[project.pk, third.pk])
    page = login("coordinator").post(withdraw, **HTMX, **ENGLISH).content.decode()
    assert "The project is no longer shared with Obec Dolní Újezd." in page
    assert f'id="shared-{third.pk}"' not in page


def test_a_bad_choice_is_refused_in_czech_and_nothing_is_shared(town, setup, login):
    project, _third = setup
    client = login("coordinator")
    url = reverse("web:project_share", args=[project.pk])
    for bad in ({"municipality": town.municipality.pk}, {"municipality": town.other_municipality.pk}, {}):
        response = client.post(url, bad)
        assert response.status_code == 400
        page = response.content.decode()
        assert "Formulář obsahuje chyby" in page
    assert "Vyberte obec ze seznamu." in client.post(url, {"municipality": MISSING_ID}).content.decode()
    assert list(project.shared_with.all()) == [town.other_municipality]


def test_the_share_form_lists_only_the_other_municipalities_not_yet_shared(town, setup, login):
    project, third = setup
    page = login("coordinator").get(reverse("web:project_sharing", args=[project.pk]), **ENGLISH).content.decode()
    form = page.split('class="stacked-form share-form"', 1)[1]
    assert f'value="{third.pk}"' in form
    assert f'value="{town.other_municipality.pk}"' not in form and f'value="{town.municipality.pk}"' not in form


def test_lhotas_coordinator_withdraws_their_town_and_the_project_is_gone_for_its_staff(town, setup, login):
    project, _third = setup
    detail = reverse("web:project_detail", args=[project.pk])
    assert login("lhota_staff").get(detail).status_code == 200

    withdraw = reverse("web:project_unshare", args=[project.pk, town.other_municipality.pk])
    response = login("other_coordinator").post(withdraw, **HTMX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == reverse("web:project_list")
    assert login("lhota_staff").get(detail).status_code == 404
    assert login("other_coordinator").get(detail).status_code == 404
    assert login("coordinator").get(detail).status_code == 200


def test_a_closed_project_keeps_the_withdraw_button_but_offers_no_sharing(town, setup, login):
    project, _third = setup
    project.__class__.objects.filter(pk=project.pk).update(stage=Stage.COMPLETED)
    page = login("coordinator").get(reverse("web:project_sharing", args=[project.pk]), **ENGLISH).content.decode()
    assert 'data-reason="closed"' in page and "share-form" not in page
    assert reverse("web:project_unshare", args=[project.pk, town.other_municipality.pk]) in page


def test_the_overview_links_the_section(town, setup, login):
    project, _third = setup
    page = login("staff").get(reverse("web:project_detail", args=[project.pk]), **ENGLISH).content.decode()
    assert "Shared with municipalities" in page and reverse("web:project_sharing", args=[project.pk]) in page
    assert "Obec Lhota" in page


@pytest.mark.parametrize("shares", [1, 6])
def test_the_page_costs_the_same_queries_however_many_shares(town, setup, login, shares, django_assert_num_queries):
    project, _third = setup
    for i in range(shares - 1):
        town_i = MunicipalityFactory(name=f"Obec {i}")
        project_share(actor=town.user("coordinator"), project=project, municipality=town_i)
    client = login("coordinator")
    url = reverse("web:project_sharing", args=[project.pk])
    client.get(url)
    # session, user, memberships, project, shared municipalities, share candidates
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
