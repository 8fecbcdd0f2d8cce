"""The partners page of a project, the coordinator's organisation page, and their forms: the exact status for
every role (302 for anonymous is the redirect to sign-in), what partners never see, and that a hidden object
answers like a missing one. Pages are read in English so the assertions do not depend on the Czech catalogue.
"""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import Invitation
from backend.notifications.outbox import deliveries_sweep
from backend.projects.invitations import invitation_create
from backend.projects.models import ProjectPartner
from tests.conftest import ROLES as TOWN_ROLES

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, *TOWN_ROLES)
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
MISSING_ID = 987_654_321

# fmt: off
#                   anon  coord lead  other mgr   staff partn notinv othcrd
PAGE =             (302,  200,  200,  403,  200,  403,  404,  404,  404)   # the project's editors
DONE =             (302,  302,  302,  403,  302,  403,  404,  404,  404)   # their writes, answered by a redirect
COORDINATOR_PAGE = (302,  200,  403,  403,  403,  403,  404,  404,  404)
COORDINATOR_DONE = (302,  302,  403,  403,  403,  403,  404,  404,  404)
# fmt: on


@pytest.fixture
def setup(town):
    project = town.project(title="Sdílená kola")
    invitation = invitation_create(
        actor=town.user("manager"), email="hana@zelena-vzorov.cz", organization=town.ngo, projects=[project]
    )
    return project, invitation


def _rolled_back(call):
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response


def _cases(town, project, invitation):
    ngo = town.ngo.pk
    return {
        "GET partners page": ("get", reverse("web:project_partners", args=[project.pk]), None, PAGE, "project"),
        "POST invite": (
            "post",
            reverse("web:project_invite", args=[project.pk]),
            {"email": "novy@example.org", "organization": town.firm.pk, "language": "cs"},
            DONE,
            "project",
        ),
        "GET revoke confirmation": (
            "get",
            reverse("web:project_partner_revoke", args=[project.pk, ngo]),
            None,
            PAGE,
            "project",
        ),
        "POST revoke project access": (
            "post",
            reverse("web:project_partner_revoke", args=[project.pk, ngo]),
            {},
            DONE,
            "project",
        ),
        "POST withdraw invitation": (
            "post",
            reverse("web:invitation_revoke", args=[invitation.pk]),
            {},
            DONE,
            "invitation",
        ),
        "GET organisation page": (
            "get",
            reverse("web:organization_detail", args=[ngo]),
            None,
            COORDINATOR_PAGE,
            "organization",
        ),
        "GET organisation revoke confirmation": (
            "get",
            reverse("web:organization_revoke", args=[ngo]),
            None,
            COORDINATOR_PAGE,
            "organization",
        ),
        "POST revoke organisation": (
            "post",
            reverse("web:organization_revoke", args=[ngo]),
            {},
            COORDINATOR_DONE,
            "organization",
        ),
    }


def _page(response, url: str) -> str:
    """The page without what changes on every request (CSP nonce, CSRF token) and its own address."""
    page = re.sub(r'nonce="[^"]*"', "", response.content.decode()).replace(url, "URL")
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*"', r"\1", page)


def _missing_twin(url: str, kind: str, town, project, invitation) -> str:
    ids = {"project": project.pk, "invitation": invitation.pk, "organization": town.ngo.pk}
    return url.replace(f"/{ids[kind]}/", f"/{MISSING_ID}/", 1)


CASE_NAMES = (
    "GET partners page",
    "POST invite",
    "GET revoke confirmation",
    "POST revoke project access",
    "POST withdraw invitation",
    "GET organisation page",
    "GET organisation revoke confirmation",
    "POST revoke organisation",
)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_status_for_every_role(town, setup, as_role, name):
    project, invitation = setup
    method, url, data, row, hidden = _cases(town, project, invitation)[name]
    observed, leaks = {}, {}
    for role in ROLES:
        client = as_role(role)
        call = getattr(client, method)
        response = _rolled_back(
            lambda call=call: call(url, data, **ENGLISH) if data is not None else call(url, **ENGLISH)
        )
        observed[role] = response.status_code
        if response.status_code == 404:
            twin_url = _missing_twin(url, hidden, town, project, invitation)
            twin = _rolled_back(
                lambda call=call, twin_url=twin_url: (
                    call(twin_url, data, **ENGLISH) if data is not None else call(twin_url, **ENGLISH)
                )
            )
            if twin.status_code != 404 or _page(twin, twin_url) != _page(response, url):
                leaks[role] = twin.status_code
    assert tuple(observed[role] for role in ROLES) == row
    assert leaks == {}, "a hidden object answers differently from a missing one"
    print(f"{name}: {len(observed)} cases, {list(observed.values()).count(404)} hidden, 0 leaked")


def test_the_accept_page_is_public_and_the_same_for_everyone(town, setup, as_role):
    from backend.accounts.invitations import invitation_token

    _, invitation = setup
    url = reverse("web:invitation_accept", args=[invitation_token(invitation=invitation)])
    assert {role: as_role(role).get(url).status_code for role in ROLES} == dict.fromkeys(ROLES, 200)


def test_the_page_lists_partners_guests_and_pending_invitations(town, setup, as_role, assert_safe_page):
    project, _ = setup
    response = as_role("manager").get(reverse("web:project_partners", args=[project.pk]), **ENGLISH)
    assert_safe_page(response)
    page = response.content.decode()
    assert town.ngo.name in page
    assert town.user("partner").email in page  # the NGO's guest
    assert "hana@zelena-vzorov.cz" in page
    assert 'name="email"' in page and town.firm.name in page  # the organisation can be chosen


def test_the_project_page_links_to_partners_for_editors_only(town, setup, as_role):
    project, _ = setup
    link = reverse("web:project_partners", args=[project.pk])
    for role, shown in (("manager", True), ("staff", False), ("partner", False)):
        page = as_role(role).get(reverse("web:project_detail", args=[project.pk])).content.decode()
        assert (link in page) is shown, role


def test_inviting_in_the_form_sends_the_mail_and_shows_it_pending(town, setup, as_role):
    project, _ = setup
    client = as_role("manager")
    response = client.post(
        reverse("web:project_invite", args=[project.pk]),
        {"email": "jan@energosmart.cz", "organization": town.firm.pk, "language": "en"},
        **ENGLISH,
    )
    assert response.status_code == 302
    assert ProjectPartner.objects.filter(project=project, organization=town.firm).exists()
    deliveries_sweep(older_than=timezone.timedelta(0))
    assert any(message.to == ["jan@energosmart.cz"] for message in mail.outbox)
    page = client.get(response["Location"], **ENGLISH).content.decode()
    assert "The invitation was sent to jan@energosmart.cz." in page
    assert "jan@energosmart.cz" in page


def test_a_bad_invitation_shows_the_error_by_the_field_and_saves_nothing(town, setup, as_role):
    project, _ = setup
    client = as_role("manager")
    before = Invitation.objects.count()
    response = client.post(
        reverse("web:project_invite", args=[project.pk]),
        {"email": town.user("staff").email, "organization": town.firm.pk, "language": "cs"},
        **ENGLISH,
    )
    assert response.status_code == 400
    assert "municipal account" in response.content.decode()
    assert Invitation.objects.count() == before
    assert not ProjectPartner.objects.filter(project=project, organization=town.firm).exists()
    htmx = client.post(
        reverse("web:project_invite", args=[project.pk]),
        {"email": "not-an-email", "organization": town.firm.pk, "language": "cs"},
        HTTP_HX_REQUEST="true",
        **ENGLISH,
    )
    assert htmx.status_code == 200 and 'id="partners-section"' in htmx.content.decode()
    assert "<html" not in htmx.content.decode()


def test_revoking_in_the_ui_asks_first_then_signs_the_guest_out(town, setup, as_role, client):
    from django.test import Client

    project, _ = setup
    guest = Client()
    guest.force_login(town.user("partner"))
    manager = as_role("manager")
    url = reverse("web:project_partner_revoke", args=[project.pk, town.ngo.pk])
    confirmation = manager.get(url, **ENGLISH)
    assert confirmation.status_code == 200 and "signed out at once" in confirmation.content.decode()
    assert ProjectPartner.objects.filter(project=project, organization=town.ngo).exists()

    assert manager.post(url, **ENGLISH).status_code == 302
    assert not ProjectPartner.objects.filter(project=project, organization=town.ngo).exists()
    assert guest.get(reverse("web:dashboard")).status_code == 302


def test_every_new_page_is_safe(town, setup, as_role, assert_safe_page):
    from backend.accounts.invitations import invitation_token

    project, invitation = setup
    coordinator = as_role("coordinator")
    for url in (
        reverse("web:project_partners", args=[project.pk]),
        reverse("web:project_partner_revoke", args=[project.pk, town.ngo.pk]),
        reverse("web:organization_detail", args=[town.ngo.pk]),
        reverse("web:organization_revoke", args=[town.ngo.pk]),
    ):
        response = coordinator.get(url)
        assert response.status_code == 200, url
        assert_safe_page(response)
    anonymous = as_role(ANONYMOUS)
    for token in (invitation_token(invitation=invitation), "forged"):
        assert_safe_page(anonymous.get(reverse("web:invitation_accept", args=[token])))


# session, user, roles, the project, its partners, their guests, the pending invitations, the organisations one may
# invite (the form's choices)
PARTNERS_PAGE_QUERIES = 8


def test_the_partners_page_costs_the_same_for_one_and_many_partners(town, setup, as_role, django_assert_num_queries):
    from tests.factories import MembershipFactory, PartnerOrganizationFactory, UserFactory

    project, _ = setup
    client = as_role("manager")
    url = reverse("web:project_partners", args=[project.pk])
    client.get(url)  # the first request after sign-in also refreshes the session
    with django_assert_num_queries(PARTNERS_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    for number in range(4):
        organization = PartnerOrganizationFactory(municipality=town.municipality, name=f"Spolek {number}")
        ProjectPartner.objects.create(project=project, organization=organization)
        for guest in range(2):
            MembershipFactory(
                user=UserFactory(username=f"host{number}-{guest}"),
                role="partner",
                department=None,
                organization=organization,
            )
        invitation_create(
            actor=town.user("manager"),
            email=f"pozvany{number}@example.org",
            organization=organization,
            projects=[project],
        )
    with django_assert_num_queries(PARTNERS_PAGE_QUERIES):
        assert client.get(url).status_code == 200


# --- the coordinator's register of partner organisations -----------------------------------------------------

# fmt: off
#                     anon  coord lead  other mgr   staff partn notinv othcrd
ORGANIZATION_LIST = (302,  200,  403,  403,  403,  403,  404,  404,  200)  # other coordinator: their own register
# fmt: on


@pytest.mark.parametrize(("role", "status"), list(zip(ROLES, ORGANIZATION_LIST, strict=True)), ids=ROLES)
def test_only_coordinators_have_the_register_of_partner_organisations(town, setup, as_role, role, status):
    response = as_role(role).get(reverse("web:organization_list"))
    assert response.status_code == status
    page = response.content.decode()
    assert (town.ngo.name in page) is (role == "coordinator")
    assert (f'href="{reverse("web:organization_list")}"' in page) is (status == 200)  # only their menu has it


def test_the_register_counts_projects_guests_and_pending_invitations_of_this_municipality_only(
    town, setup, as_role, assert_safe_page
):
    from tests.factories import PartnerOrganizationFactory

    elsewhere = PartnerOrganizationFactory(municipality=town.other_municipality, name="Spolek z jiné obce")
    response = as_role("coordinator").get(reverse("web:organization_list"))
    assert_safe_page(response)
    rows = {
        match.group(1): [int(number) for number in re.findall(r'<td class="number">(\d+)</td>', match.group(2))]
        for match in re.finditer(r'<tr id="organization-(\d+)">(.*?)</tr>', response.content.decode(), re.S)
    }
    # The NGO: the setup's project, its guest, the pending invitation; the firm: a guest and no project.
    assert rows == {str(town.ngo.pk): [1, 1, 1], str(town.firm.pk): [0, 1, 0]}
    assert str(elsewhere.pk) not in rows


def test_the_register_costs_the_same_for_one_and_many_organisations(town, setup, as_role, django_assert_num_queries):
    from tests.factories import PartnerOrganizationFactory

    client = as_role("coordinator")
    url = reverse("web:organization_list")
    client.get(url)  # the first request after sign-in also refreshes the session
    with django_assert_num_queries(4) as one:
        assert client.get(url).status_code == 200
    for number in range(6):
        PartnerOrganizationFactory(municipality=town.municipality, name=f"Družstvo {number}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200


# session, user, roles, the organisation, the count and page of its projects, its guests, invitations, their projects
ORGANIZATION_PAGE_QUERIES = 9


def test_the_organisation_page_lists_its_projects_a_page_at_a_time_at_a_fixed_cost(
    town, setup, as_role, django_assert_num_queries
):
    from backend.web.views.partners import ORGANIZATION_PROJECTS_PAGE_SIZE

    client = as_role("coordinator")
    url = reverse("web:organization_detail", args=[town.ngo.pk])
    client.get(url)  # the first request after sign-in also refreshes the session
    with django_assert_num_queries(ORGANIZATION_PAGE_QUERIES):
        first = client.get(url).content.decode()
    shared = ProjectPartner.objects.filter(organization=town.ngo).count()
    assert f'<span class="count">({shared})</span>' in first and 'class="pagination"' not in first
    for number in range(ORGANIZATION_PROJECTS_PAGE_SIZE):
        town.project(title=f"Sdílený {number:03d}")  # the town's projects are shared with its NGO
    with django_assert_num_queries(ORGANIZATION_PAGE_QUERIES):
        html = client.get(url).content.decode()
    section = html[html.index('id="shared-projects"') : html.index("<h2>", html.index('id="shared-projects"'))]
    assert section.count('<li><a href="/projects/') == ORGANIZATION_PROJECTS_PAGE_SIZE
    assert '<nav class="pagination" aria-label="Stránky sdílených projektů">' in section
    assert 'href="?projects_page=2#shared-projects"' in section
    second = client.get(url, {"projects_page": "2"}).content.decode()
    section = second[second.index('id="shared-projects"') : second.index("<h2>", second.index('id="shared-projects"'))]
    assert section.count('<li><a href="/projects/') == shared and '<span aria-current="page">2</span>' in section


def test_accepting_while_signed_in_as_someone_else_asks_first_and_never_switches_silently(town, setup, client):
    from backend.accounts.invitations import invitation_token
    from backend.accounts.models import User

    _, invitation = setup
    url = reverse("web:invitation_accept", args=[invitation_token(invitation=invitation)])
    client.force_login(town.user("manager"))

    page = client.get(url, **ENGLISH).content.decode()
    assert "You are signed in as manager. Sign out and continue as the invited person?" in page
    assert 'name="password"' not in page

    # A form posted anyway (say, from another tab) creates nobody and keeps the session.
    blind = client.post(url, {"first_name": "Hana", "last_name": "Nová", "password": "x" * 20}, **ENGLISH)
    assert blind.status_code == 409
    assert not User.objects.filter(email="hana@zelena-vzorov.cz").exists()
    assert client.get(reverse("web:project_list")).status_code == 200  # still signed in as the manager

    signed_out = client.post(url, {"sign_out": "1"})
    assert signed_out.status_code == 302 and signed_out["Location"] == url
    assert client.get(reverse("web:project_list")).status_code == 302  # signed out
    assert 'name="password"' in client.get(url, **ENGLISH).content.decode()
