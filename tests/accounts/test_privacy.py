"""GDPR and deactivation: "Download my data", deactivating a person, anonymising a former partner guest.

The town's ``partner`` works for the NGO, invited to ENV's project. A *former* guest is that partner once
their organisation has no project left (every ProjectPartner row of the NGO removed, as revocation does).
"""

import json

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.models import Membership, User
from backend.accounts.privacy import former_guest_list, user_anonymise, user_data_export
from backend.accounts.services import user_deactivate
from backend.core.errors import PermissionDenied
from backend.notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationPreference
from backend.projects.models import Event, EventKind, ProjectPartner
from backend.projects.stages import Stage
from backend.web.views.people import PAGE_SIZE as PEOPLE_PAGE_SIZE
from tests.factories import (
    CommentFactory,
    FundingApplicationFactory,
    MembershipFactory,
    PartnerOrganizationFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    TaskFactory,
    UserFactory,
)
from tests.web.conftest import assert_safe_page  # noqa: F401  (a fixture, used by name)
from workflows.models import ApprovalDecision, TransitionRecord
from workflows.services import approval_decide, project_transition

pytestmark = pytest.mark.django_db

INTERNAL_WORD = "Rozpočtová-rezerva-TAJNE"
INTERNAL_NOTE = "Vyjednáváme slevu 20 % – neříkat partnerům"
EXPORT_URL = "/api/v1/me/export/"


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(reverse("web:dashboard")).status_code == 200


def _token_client(token: Token) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


@pytest.fixture
def shared(town):
    """ENV's project the NGO is invited to, with internal and shared words, and the partner's own traces."""
    project = town.project(Stage.ASSESSMENT, title="LED osvětlení Vzorov")
    FundingApplicationFactory(project=project, internal_note=INTERNAL_NOTE)
    CommentFactory(project=project, author=town.user("manager"), visibility="internal", body=INTERNAL_WORD)
    CommentFactory(project=project, author=town.user("partner"), visibility="shared", body="Posíláme podklady, spolek.")
    TaskFactory(project=project, assignee=town.user("partner"), title="Dodat fotografie lamp")
    TaskFactory(project=project, assignee=town.user("manager"), title="Interní rozpočet")
    event = Event.objects.create(project=project, kind=EventKind.COMMENT_POSTED, actor=town.user("manager"))
    Notification.objects.create(recipient=town.user("partner"), event=event)
    return project


def _revoke_ngo(town) -> None:
    ProjectPartner.objects.filter(organization=town.ngo).delete()


# --- "Download my data" -------------------------------------------------------------------------------------


def test_a_partners_export_holds_their_own_words_and_nothing_internal(town, shared):
    data = user_data_export(user=town.user("partner"))
    text = json.dumps(data, ensure_ascii=False)

    assert (data["format"], data["version"]) == ("ramec-user-data", 1)
    assert data["profile"]["username"] == "partner" and data["profile"]["email"] == "partner@example.cz"
    assert [(m["role"], m["organization"]) for m in data["memberships"]] == [("partner", "Zelená Vzorov, z.s.")]
    assert [c["body"] for c in data["comments"]] == ["Posíláme podklady, spolek."]
    assert [t["title"] for t in data["tasks"]] == ["Dodat fotografie lamp"]
    assert [n["kind"] for n in data["notifications"]] == ["comment_posted"]
    assert data["comments"][0]["project"] == {"id": shared.pk, "title": "LED osvětlení Vzorov"}
    for secret in (INTERNAL_WORD, INTERNAL_NOTE, "Interní rozpočet", "estimated_cost", "manager@example.cz"):
        assert secret not in text


def test_a_former_guest_no_longer_learns_project_titles(town, shared):
    _revoke_ngo(town)
    data = user_data_export(user=town.user("partner"))
    assert [c["body"] for c in data["comments"]] == ["Posíláme podklady, spolek."]
    assert {c["project"]["title"] for c in data["comments"] + data["tasks"] + data["notifications"]} == {None}


def test_a_heads_export_holds_the_approvals_they_decided(town):
    project = town.project(Stage.ASSESSMENT)
    request = project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    approval_decide(
        approval_request=request.approval_request, actor=town.user("lead_head"), decision="approve", comment="Ano."
    )
    decisions = user_data_export(user=town.user("lead_head"))["approval_decisions"]
    assert [(d["transition"], d["decision"], d["comment"]) for d in decisions] == [
        ("approve_for_funding", "approve", "Ano.")
    ]
    assert user_data_export(user=town.user("manager"))["approval_decisions"] == []


def test_the_export_is_a_json_download_from_the_profile_and_the_api(town, shared):
    partner = town.user("partner")
    for response in (
        _signed_in(partner).get(reverse("web:profile_data_export")),
        _api(partner).get(EXPORT_URL),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="ramec-my-data-')
        body = response.content.decode("utf-8")
        assert "Zelená Vzorov, z.s." in body  # ensure_ascii=False: Czech letters as they are
        assert json.loads(body)["profile"]["id"] == partner.pk


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def test_the_api_export_needs_signing_in():
    assert APIClient().get(EXPORT_URL).status_code == 401


EXPORT_QUERIES = 9  # roles, memberships, comments, tasks, notifications, decisions, titles, preferences, invitations


def test_the_export_costs_the_same_queries_for_1_and_for_30_comments_and_tasks(town, shared, django_assert_num_queries):
    partner = User.objects.get(username="partner")
    with django_assert_num_queries(EXPORT_QUERIES):
        assert _api(partner).get(EXPORT_URL).status_code == 200
    for n in range(29):
        CommentFactory(project=shared, author=partner, visibility="shared", body=f"Komentář {n}")
        TaskFactory(project=shared, assignee=partner, title=f"Úkol {n}")
        event = Event.objects.create(project=shared, kind=EventKind.TASK_ASSIGNED, actor=town.user("manager"))
        Notification.objects.create(recipient=partner, event=event)
    partner = User.objects.get(username="partner")
    with django_assert_num_queries(EXPORT_QUERIES):
        response = _api(partner).get(EXPORT_URL)
    data = json.loads(response.content)
    assert (len(data["comments"]), len(data["tasks"]), len(data["notifications"])) == (30, 30, 30)


# --- deactivation -----------------------------------------------------------------------------------------


def test_deactivation_ends_the_session_and_the_token_at_once(town):
    staff = town.user("staff")
    browser = _signed_in(staff)
    token = Token.objects.create(user=staff)
    assert _is_signed_in(browser) and _token_client(token).get("/api/v1/me/").status_code == 200

    user_deactivate(actor=town.user("coordinator"), user=staff)

    staff.refresh_from_db()
    assert staff.is_active is False
    assert not _is_signed_in(browser)
    assert _token_client(token).get("/api/v1/me/").status_code == 401
    assert not Client().login(username="staff", password="demo")
    assert _is_signed_in(_signed_in(town.user("manager")))  # nobody else is touched


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("manager", "staff"),  # not a coordinator
        ("lead_head", "manager"),
        ("partner", "staff"),
        ("other_coordinator", "staff"),  # another municipality's coordinator
        ("coordinator", "coordinator"),  # oneself
        ("coordinator", "other_coordinator"),
    ],
)
def test_deactivation_is_refused_to_anyone_but_the_persons_coordinator(town, actor, target):
    person = town.user(target)
    browser = _signed_in(person)
    with pytest.raises(PermissionDenied) as refusal:
        user_deactivate(actor=town.user(actor), user=person)
    assert str(refusal.value)
    person.refresh_from_db()
    assert person.is_active and _is_signed_in(browser)


def test_a_person_of_two_municipalities_is_deactivated_only_by_a_platform_admin(town):
    staff = town.user("staff")
    MembershipFactory(user=staff, role="coordinator", department=None, municipality=town.other_municipality)
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=town.user("coordinator"), user=staff)
    admin = UserFactory(username="operator", is_superuser=True, is_staff=True)
    user_deactivate(actor=admin, user=staff)
    staff.refresh_from_db()
    assert staff.is_active is False


def test_the_admin_action_deactivates_and_reports_refusals(town):
    admin = UserFactory(username="operator", is_superuser=True, is_staff=True)
    browser = _signed_in(town.user("staff"))
    client = _signed_in(admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [town.user("staff").pk, admin.pk]},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert "Deaktivováno: 1." in shown
    assert any("Vlastní účet nemůžete deaktivovat." in message for message in shown)
    assert not _is_signed_in(browser)
    assert User.objects.get(username="operator").is_active


# --- anonymising a former guest ---------------------------------------------------------------------------


@pytest.fixture
def former_guest(town, shared):
    partner = town.user("partner")
    Token.objects.create(user=partner)
    NotificationPreference.objects.create(user=partner, kind=EventKind.COMMENT_POSTED, channel=Channel.DIGEST)
    event = Event.objects.create(project=shared, kind=EventKind.TASK_ASSIGNED, actor=town.user("manager"))
    Delivery.objects.create(event=event, recipient=partner, channel=Channel.IMMEDIATE)
    sent = Event.objects.create(project=shared, kind=EventKind.COMMENT_POSTED, actor=town.user("manager"))
    Delivery.objects.create(event=sent, recipient=partner, channel=Channel.IMMEDIATE, status=DeliveryStatus.SENT)
    _revoke_ngo(town)
    # The firm's guest keeps access to a project of TRA: a current guest, never listed.
    ProjectPartnerFactory(project=ProjectFactory(lead_department=town.tra), organization=town.firm)
    return partner


def test_anonymising_replaces_name_and_email_and_keeps_comments_and_history(town, shared, former_guest):
    project_transition(project=shared, actor=town.user("manager"), transition="put_on_hold", comment="Čekáme.")
    history_before = (TransitionRecord.objects.count(), Event.objects.count(), ApprovalDecision.objects.count())
    browser = _signed_in(former_guest)
    token = Token.objects.get(user=former_guest)

    user_anonymise(actor=town.user("coordinator"), user=former_guest)

    person = User.objects.get(pk=former_guest.pk)
    with translation.override("cs"):
        label = translation.gettext("Anonymised user")
    assert (person.first_name, person.last_name, person.email) == (label, "", "")
    assert person.username == f"anonymised-{person.pk}"
    assert not person.has_usable_password() and person.is_active is False and person.anonymised_at is not None
    assert not _is_signed_in(browser)
    assert _token_client(token).get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user=person).exists()
    assert not NotificationPreference.objects.filter(user=person).exists()
    assert list(Delivery.objects.filter(recipient=person).values_list("status", flat=True)) == [DeliveryStatus.SENT]
    assert not Membership.objects.filter(user=person).exists()
    # the comment stays, shown with the anonymised author; the history is intact
    assert shared.comments.filter(author=person, body="Posíláme podklady, spolek.").exists()
    assert shared.tasks.filter(assignee=person).exists()
    assert (TransitionRecord.objects.count(), Event.objects.count(), ApprovalDecision.objects.count()) == history_before
    html = _signed_in(town.user("manager")).get(f"/projects/{shared.pk}/comments/").content.decode()
    assert "Posíláme podklady, spolek." in html and label in html
    assert former_guest.last_name not in html and "partner@example.cz" not in html


def test_a_former_guest_is_listed_for_their_coordinator_only_and_disappears_once_anonymised(town, former_guest):
    assert list(former_guest_list(user=town.user("coordinator"))) == [former_guest]
    for role in ("other_coordinator", "manager", "lead_head", "partner"):
        assert list(former_guest_list(user=town.user(role))) == []
    user_anonymise(actor=town.user("coordinator"), user=former_guest)
    assert list(former_guest_list(user=town.user("coordinator"))) == []


REFUSALS = {
    # (actor, what happened to the person before) → the reason the clerk reads
    "not a coordinator": ("manager", None, "pouze koordinátor Smart City"),
    "another municipality": ("other_coordinator", None, "nikdy nebyla partnerem (hostem) vaší obce"),
    "access not revoked": ("coordinator", "keep_access", "má stále přístup k projektu"),
    "still staff somewhere": ("coordinator", "staff_elsewhere", "má stále roli v některé obci"),
    "already anonymised": ("coordinator", "anonymised", "již byla anonymizována"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_anonymisation_explains_why_and_changes_nothing(town, shared, case):
    actor, before, reason = REFUSALS[case]
    partner = town.user("partner")
    if before != "keep_access":
        _revoke_ngo(town)
    if before == "staff_elsewhere":
        MembershipFactory(user=partner, role="coordinator", department=None, municipality=town.other_municipality)
    if before == "anonymised":
        user_anonymise(actor=town.user("coordinator"), user=partner)
    snapshot = User.objects.filter(pk=partner.pk).values().get()

    with pytest.raises(PermissionDenied) as refusal:
        user_anonymise(actor=town.user(actor), user=User.objects.get(pk=partner.pk))

    assert reason in str(refusal.value)
    assert User.objects.filter(pk=partner.pk).values().get() == snapshot


def test_municipal_staff_are_never_former_guests(town):
    with pytest.raises(PermissionDenied, match="má stále roli v některé obci"):
        user_anonymise(actor=town.user("coordinator"), user=town.user("staff"))


def test_a_guest_with_access_elsewhere_is_no_former_guest(town, former_guest):
    lhota_ngo = PartnerOrganizationFactory(municipality=town.other_municipality, name="Lhotecký spolek")
    MembershipFactory(user=former_guest, role="partner", department=None, organization=lhota_ngo)
    ProjectPartnerFactory(project=ProjectFactory(), organization=lhota_ngo)
    assert list(former_guest_list(user=town.user("coordinator"))) == []
    with pytest.raises(PermissionDenied, match="má stále přístup k projektu"):
        user_anonymise(actor=town.user("coordinator"), user=former_guest)


# --- the coordinator's page -------------------------------------------------------------------------------

PAGE = reverse("web:former_guests")


def _confirm_url(person: User) -> str:
    return reverse("web:former_guest_anonymise", kwargs={"pk": person.pk})


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator", 200),
        ("lead_head", 404),
        ("manager", 404),
        ("staff", 404),
        ("partner", 404),
        ("partner_not_invited", 404),
        ("other_coordinator", 200),  # their page, without Vzorov's guests
    ],
)
def test_the_former_guests_page_is_the_coordinators(town, former_guest, role, status):
    client = _signed_in(town.user(role))
    response = client.get(PAGE)
    assert response.status_code == status
    if status == 200:
        assert (former_guest.last_name in response.content.decode()) is (role == "coordinator")
    confirm = client.get(_confirm_url(former_guest))
    assert confirm.status_code == (200 if role == "coordinator" else 404)


@pytest.mark.parametrize(("role", "linked"), [("coordinator", True), ("manager", False), ("partner", False)])
def test_the_profile_links_coordinators_to_the_page(town, role, linked):
    assert (PAGE in _signed_in(town.user(role)).get(reverse("web:profile")).content.decode()) is linked


def test_anonymising_from_the_page_asks_first_then_anonymises(town, former_guest, assert_safe_page):  # noqa: F811
    client = _signed_in(town.user("coordinator"))
    page = client.get(PAGE)
    assert_safe_page(page)
    assert _confirm_url(former_guest) in page.content.decode()
    confirm = client.get(_confirm_url(former_guest))
    assert_safe_page(confirm)
    assert 'method="post"' in confirm.content.decode()
    assert User.objects.get(pk=former_guest.pk).anonymised_at is None  # the GET changed nothing

    response = client.post(_confirm_url(former_guest), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    html = response.content.decode()
    assert "byla anonymizována" in html and "Žádný bývalý host nečeká na anonymizaci." in html
    assert User.objects.get(pk=former_guest.pk).anonymised_at is not None


def test_a_person_who_is_no_former_guest_cannot_be_posted_to_the_page(town, shared):
    client = _signed_in(town.user("coordinator"))
    assert client.post(_confirm_url(town.user("partner"))).status_code == 404  # still has access
    assert client.post(_confirm_url(town.user("staff"))).status_code == 404
    assert User.objects.get(username="partner").anonymised_at is None


def test_the_page_names_only_the_coordinators_own_organisations_of_a_former_guest(town, former_guest):
    """A former guest of Vzorov's NGO who also worked for a Lhota organisation: each coordinator lists the
    person, but neither learns which organisations of the other municipality they worked for."""
    lhota_ngo = PartnerOrganizationFactory(municipality=town.other_municipality, name="Lhotecký spolek")
    MembershipFactory(user=former_guest, role="partner", department=None, organization=lhota_ngo)

    vzorov = _signed_in(town.user("coordinator")).get(PAGE).content.decode()
    lhota = _signed_in(town.user("other_coordinator")).get(PAGE).content.decode()

    assert former_guest.last_name in vzorov and former_guest.last_name in lhota
    assert town.ngo.name in vzorov and "Lhotecký spolek" not in vzorov
    assert "Lhotecký spolek" in lhota and town.ngo.name not in lhota


PAGE_QUERIES = 6  # session, user, roles, the pager's count, the page of former guests, their partner memberships


def test_the_page_costs_the_same_queries_for_1_20_and_more_than_a_page_of_former_guests(
    town, former_guest, django_assert_num_queries
):
    client = _signed_in(town.user("coordinator"))
    client.get(PAGE)  # the first request after signing in stamps the session (the inactivity timeout)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(PAGE)
    assert response.content.decode().count("/anonymise/") == 1
    for n in range(19):
        MembershipFactory(user=UserFactory(username=f"host{n}"), role="partner", department=None, organization=town.ngo)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(PAGE)
    assert response.content.decode().count("/anonymise/") == 20
    _former_guests(town, PEOPLE_PAGE_SIZE)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(PAGE)
    assert response.content.decode().count("/anonymise/") == PEOPLE_PAGE_SIZE


def test_the_admin_action_anonymises_former_guests_and_explains_refusals(town, former_guest):
    admin = UserFactory(username="operator", is_superuser=True, is_staff=True)
    response = _signed_in(admin).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "anonymise_former_guests", "_selected_action": [former_guest.pk, town.user("staff").pk]},
        follow=True,
    )
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert "Anonymizováno: 1." in shown
    assert any("má stále roli v některé obci" in message for message in shown)
    assert User.objects.get(pk=former_guest.pk).anonymised_at is not None
    assert User.objects.get(username="staff").anonymised_at is None


def _former_guests(town, count: int) -> None:
    """``count`` guests of an organisation of the town that no longer has any project."""
    organization = PartnerOrganizationFactory(municipality=town.municipality, name="Bývalý spolek")
    for index in range(count):
        user = UserFactory(username=f"byvaly{index:03d}", last_name=f"Bývalý {index:03d}")
        MembershipFactory(user=user, role="partner", department=None, organization=organization)


def test_the_former_guests_page_comes_a_page_at_a_time(town, former_guest):
    _former_guests(town, PEOPLE_PAGE_SIZE)  # with the fixture's guest: one more than a page
    client = _signed_in(town.user("coordinator"))
    first = client.get(PAGE).content.decode()
    assert first.count(">Anonymizovat</a>") == PEOPLE_PAGE_SIZE
    assert '<nav class="pagination" aria-label="Stránky bývalých partnerů (hostů)">' in first
    assert 'href="?page=2"' in first and "hx-get" not in first.split('class="pagination"', 1)[1][:2000]
    second = client.get(PAGE, {"page": "2"}).content.decode()
    assert second.count(">Anonymizovat</a>") == 1 and '<span aria-current="page">2</span>' in second
