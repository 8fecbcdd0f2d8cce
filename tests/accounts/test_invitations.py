"""Partner invitations end to end: the mail, its single-use link, refusals that create nothing, re-inviting,
revoking per project and per organisation (sessions and API tokens end at once), and guests without projects.

Pages are read in English (Accept-Language) so that the assertions do not depend on the Czech catalogue.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.invitations import invitation_token
from backend.accounts.models import Invitation, InvitationKind, Membership, Role
from backend.core.errors import NotFound, PermissionDenied
from backend.notifications.models import Delivery, DeliveryStatus
from backend.notifications.outbox import deliveries_sweep
from backend.projects.invitations import invitation_create, invitation_revoke, organization_access_revoke
from backend.projects.models import Event, EventKind, ProjectPartner
from backend.projects.services import project_partner_revoke
from backend.projects.stages import Stage
from tests.factories import DepartmentFactory, PartnerOrganizationFactory, ProjectFactory
from tests.mail import invitation_send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_site_url")]

User = get_user_model()
SITE = "https://ramec.vzorov.example"
GUEST_EMAIL = "eva.svobodova@zelena-vzorov.cz"
PASSWORD = "Zelené-lavičky-2027"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def _site_url(settings):
    settings.SITE_URL = SITE


def invite(town, project, *, email=GUEST_EMAIL, organization=None, actor="manager", language="cs") -> Invitation:
    return invitation_create(
        actor=town.user(actor),
        email=email,
        organization=organization or town.ngo,
        projects=[project],
        language=language,
    )


def mailed_link(invitation: Invitation) -> str:
    """Send the invitation's mail and return the path of the link it carries."""
    invitation_send(invitation_id=invitation.pk)
    message = [m for m in mail.outbox if m.to == [invitation.email]][-1]
    html = message.alternatives[0][0]
    link = re.search(rf"{re.escape(SITE)}(/invitations/accept/[^\s\"<]+/)", message.body).group(1)
    assert f"{SITE}{link}" in html
    return link


def accept(client: Client, link: str, **overrides):
    data = {"first_name": "Eva", "last_name": "Svobodová", "password": PASSWORD, "password_again": PASSWORD}
    return client.post(link, {**data, **overrides}, **ENGLISH)


def guests_named(email: str):
    return User.objects.filter(email__iexact=email)


def signed_in(client: Client) -> bool:
    return client.get(reverse("web:dashboard")).status_code == 200


# --- the mail and the link ---------------------------------------------------------------------------------


def test_the_link_in_the_mail_creates_the_guest_once_and_signs_them_in(town, client):
    project = town.project(Stage.ASSESSMENT, title="Zelené střechy")
    invitation = invite(town, project, organization=town.firm)
    link = mailed_link(invitation)

    message = mail.outbox[0]
    assert message.to == [GUEST_EMAIL]
    assert "Zelené střechy" in message.body
    assert client.get(link, **ENGLISH).status_code == 200

    response = accept(client, link)

    assert response.status_code == 302 and response["Location"] == reverse("web:project_list")
    guest = guests_named(GUEST_EMAIL).get()
    assert (guest.first_name, guest.last_name, guest.username) == ("Eva", "Svobodová", GUEST_EMAIL)
    assert guest.check_password(PASSWORD)
    assert Membership.objects.filter(user=guest, role=Role.PARTNER, organization=town.firm).count() == 1
    assert client.get(reverse("web:project_detail", args=[project.pk])).status_code == 200
    projects = client.get(reverse("web:project_list"))
    assert "Zelené střechy" in projects.content.decode()

    # Used once: a second visit and a second submission are refused and create nothing.
    again = Client()
    refused = again.get(link, **ENGLISH)
    assert refused.status_code == 410
    assert "already been used" in refused.content.decode()
    assert accept(again, link, first_name="Mallory").status_code == 410
    assert guests_named(GUEST_EMAIL).count() == 1
    assert not signed_in(again)


def test_the_mail_speaks_the_language_the_inviter_chose(town):
    invitation = invite(town, town.project(), language="en")
    invitation_send(invitation_id=invitation.pk)
    assert "invites you to work on these projects" in mail.outbox[0].body
    assert "The link expires on" in mail.outbox[0].body


def test_a_retried_task_sends_one_mail_with_the_same_working_link(town):
    invitation = invite(town, town.project())
    # The token carries the second it was signed in: the clock stands still so the mail and the check agree.
    with time_machine.travel(timezone.now(), tick=False):
        assert invitation_send(invitation_id=invitation.pk) is True
        assert invitation_send(invitation_id=invitation.pk) is False
        assert len(mail.outbox) == 1
        assert f"/invitations/accept/{invitation_token(invitation=invitation)}/" in mail.outbox[0].body


def test_the_sweep_sends_what_the_broker_missed(town):
    invitation = invite(town, town.project())
    assert deliveries_sweep(older_than=timedelta(0)) == 1
    assert deliveries_sweep(older_than=timedelta(0)) == 0
    assert [m.to for m in mail.outbox] == [[GUEST_EMAIL]]
    delivery = Delivery.objects.get(kind="invitation", object_id=invitation.pk)
    assert (delivery.status, delivery.sent_at is not None) == (DeliveryStatus.SENT, True)


def test_an_expired_link_is_refused_and_creates_nothing(town, client):
    link = mailed_link(invite(town, town.project()))
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        page = client.get(link, **ENGLISH)
        assert page.status_code == 410
        assert "has expired" in page.content.decode()
        assert accept(client, link).status_code == 410
    assert not guests_named(GUEST_EMAIL).exists()


def test_the_link_still_works_just_before_it_expires(town, client, settings):
    settings.INVITATION_TTL_DAYS = 2
    link = mailed_link(invite(town, town.project()))
    with time_machine.travel(timezone.now() + timedelta(days=2) - timedelta(minutes=1)):
        assert accept(client, link).status_code == 302
    assert guests_named(GUEST_EMAIL).exists()


def _forgeries(invitation: Invitation) -> list[str]:
    genuine = invitation_token(invitation=invitation)
    value, signature = genuine.rsplit(":", 1)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    other_key = signing.dumps(
        {"i": invitation.pk, "n": invitation.nonce}, key="guessed", salt="ramec.accounts.invitation"
    )
    wrong_nonce = signing.dumps({"i": invitation.pk, "n": "guessed"}, salt="ramec.accounts.invitation")
    other_salt = signing.dumps({"i": invitation.pk, "n": invitation.nonce})
    return [f"{value}:{flipped}", other_key, wrong_nonce, other_salt, "not-a-token", genuine[:-3], "a" * 300]


def test_forged_and_tampered_links_are_refused_and_create_nothing(town, client):
    invitation = invite(town, town.project())
    forgeries = _forgeries(invitation)
    for token in forgeries:
        link = reverse("web:invitation_accept", args=[token])
        page = client.get(link, **ENGLISH)
        assert page.status_code == 404, token
        assert "not valid" in page.content.decode()
        assert accept(client, link).status_code == 404, token
    assert not guests_named(GUEST_EMAIL).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    print(f"forged links tried: {len(forgeries)}, accepted: 0")


def test_a_withdrawn_invitation_is_refused(town, client):
    invitation = invite(town, town.project())
    link = mailed_link(invitation)
    invitation_revoke(actor=town.user("manager"), invitation=invitation)
    page = client.get(link, **ENGLISH)
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    assert accept(client, link).status_code == 410
    assert not guests_named(GUEST_EMAIL).exists()


def test_a_name_of_invisible_characters_is_no_name_and_invisible_characters_leave_a_name(town, client):
    link = mailed_link(invite(town, town.project()))

    response = accept(client, link, first_name="\u200b\u2060", last_name="\u202e")

    assert response.status_code == 400
    assert "Enter your first name." in response.content.decode()
    assert "Enter your last name." in response.content.decode()
    assert not guests_named(GUEST_EMAIL).exists()
    assert accept(client, link, first_name="E\u200bva", last_name="\u202eSvobodová").status_code == 302
    assert guests_named(GUEST_EMAIL).values_list("first_name", "last_name").get() == ("Eva", "Svobodová")


def test_a_weak_password_is_refused_with_the_reason_and_nothing_is_saved(town, client):
    link = mailed_link(invite(town, town.project()))
    response = accept(client, link, password="12345678", password_again="12345678")
    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()
    assert accept(client, link, password_again="different").status_code == 400
    assert not guests_named(GUEST_EMAIL).exists()
    assert accept(client, link).status_code == 302  # the link still works after a failed attempt


# --- who may invite whom -----------------------------------------------------------------------------------


def test_reinviting_an_existing_guest_only_adds_access_and_tells_them(town):
    partner = town.user("partner")
    other = town.project(Stage.IDEA, title="Komunitní kompostárna")
    ProjectPartner.objects.filter(project=other).delete()

    invitation = invite(town, other, email=partner.email.upper(), language="en")

    assert invitation.kind == InvitationKind.ACCESS_ADDED and invitation.accepted_by == partner
    assert ProjectPartner.objects.filter(project=other, organization=town.ngo).exists()
    assert Membership.objects.filter(user=partner).count() == 1
    assert User.objects.filter(email__iexact=partner.email).count() == 1
    invitation_send(invitation_id=invitation.pk)
    body = next(m for m in mail.outbox if m.subject.endswith(f"shared with {town.ngo.name}")).body
    assert "Komunitní kompostárna" in body and "/invitations/accept/" not in body


def test_a_guest_of_another_organisation_is_added_to_this_one(town):
    firm_guest = town.user("partner_not_invited")
    invitation = invite(town, town.project(), email=firm_guest.email)
    assert invitation.kind == InvitationKind.ACCESS_ADDED
    assert set(Membership.objects.filter(user=firm_guest).values_list("organization", flat=True)) == {
        town.firm.pk,
        town.ngo.pk,
    }


def test_an_email_of_municipal_staff_is_refused_and_nothing_is_granted(town):
    project = town.project()
    ProjectPartner.objects.filter(project=project).delete()
    with pytest.raises(ValidationError) as refused:
        invite(town, project, email=town.user("staff").email)
    assert "email" in refused.value.message_dict
    assert not ProjectPartner.objects.filter(project=project).exists()
    assert not Invitation.objects.exists()


def test_an_organisation_of_another_municipality_is_refused(town):
    lhota_ngo = PartnerOrganizationFactory(municipality=town.other_municipality, name="Lhotecký spolek")
    with pytest.raises(ValidationError) as refused:
        invite(town, town.project(), organization=lhota_ngo)
    assert "organization" in refused.value.message_dict
    assert not Invitation.objects.exists()


def test_only_editors_invite_and_hidden_projects_are_not_found(town):
    project = town.project()
    with pytest.raises(PermissionDenied):
        invite(town, project, actor="staff")
    with pytest.raises(PermissionDenied):
        invite(town, project, actor="other_head")
    with pytest.raises(NotFound):
        invite(town, project, actor="other_coordinator")
    with pytest.raises(NotFound):
        invite(town, project, actor="partner")
    lhota = ProjectFactory(lead_department=DepartmentFactory(municipality=town.other_municipality))
    with pytest.raises(NotFound):
        invite(town, lhota, actor="coordinator")
    assert not Invitation.objects.exists()
    assert invite(town, project, actor="lead_head").kind == InvitationKind.NEW_ACCOUNT
    assert invite(town, project, actor="coordinator", email="petr@zelena-vzorov.cz").pk


# --- revoking ----------------------------------------------------------------------------------------------


def _guest_with_session_and_token(town):
    partner = town.user("partner")
    browser = Client()
    browser.force_login(partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=partner).key}")
    assert signed_in(browser) and api.get("/api/v1/me/").status_code == 200
    return browser, api


def test_revoking_one_project_ends_the_guests_sessions_and_tokens_at_once(town):
    project, other = town.project(title="Sdílená kola"), town.project(title="Kompostárna")
    browser, api = _guest_with_session_and_token(town)
    pending = invite(town, project, email="novy@zelena-vzorov.cz")

    project_partner_revoke(actor=town.user("manager"), project=project, organization=town.ngo)

    assert not signed_in(browser)
    assert browser.get(reverse("web:project_detail", args=[project.pk])).status_code == 302  # to sign-in
    assert api.get("/api/v1/me/").status_code == 401
    assert not ProjectPartner.objects.filter(project=project, organization=town.ngo).exists()
    event = Event.objects.get(project=project, kind=EventKind.PARTNER_REVOKED)
    assert (event.actor, event.payload["organization_id"]) == (town.user("manager"), town.ngo.pk)
    pending.refresh_from_db()
    assert pending.revoked_at is not None  # its only project is gone
    # The guest signs in again and sees only the project left.
    again = Client()
    assert again.post(reverse("web:login"), {"username": "partner", "password": "demo"}).status_code == 302
    assert again.get(reverse("web:project_detail", args=[other.pk])).status_code == 200
    assert again.get(reverse("web:project_detail", args=[project.pk])).status_code == 404


def test_revoking_a_project_is_for_its_editors(town):
    project = town.project()
    with pytest.raises(PermissionDenied):
        project_partner_revoke(actor=town.user("staff"), project=project, organization=town.ngo)
    with pytest.raises(NotFound):
        project_partner_revoke(actor=town.user("partner"), project=project, organization=town.ngo)
    with pytest.raises(NotFound):
        project_partner_revoke(actor=town.user("manager"), project=project, organization=town.firm)
    assert ProjectPartner.objects.filter(project=project, organization=town.ngo).exists()


def test_revoking_an_organisation_ends_everything_and_its_guests_cannot_sign_in(town):
    projects = [town.project(title="Sdílená kola"), town.project(title="Kompostárna")]
    browser, api = _guest_with_session_and_token(town)
    pending = invite(town, projects[0], email="novy@zelena-vzorov.cz")
    link = mailed_link(pending)

    assert organization_access_revoke(actor=town.user("coordinator"), organization=town.ngo) == 2

    assert not signed_in(browser)
    assert api.get("/api/v1/me/").status_code == 401
    assert not ProjectPartner.objects.filter(organization=town.ngo).exists()
    assert Event.objects.filter(kind=EventKind.PARTNER_REVOKED).count() == 2
    pending.refresh_from_db()
    assert pending.revoked_at is not None
    assert Client().get(link).status_code == 410
    page = Client().post(reverse("web:login"), {"username": "partner", "password": "demo"}, **ENGLISH)
    assert page.status_code == 200
    assert "no longer has access to any project" in page.content.decode()
    token = APIClient().post("/api/v1/auth/token/", {"username": "partner", "password": "demo"}, format="json")
    assert token.status_code == 400


def test_only_the_coordinator_revokes_a_whole_organisation(town):
    town.project()
    for role, error in (("manager", PermissionDenied), ("lead_head", PermissionDenied), ("partner", NotFound)):
        with pytest.raises(error):
            organization_access_revoke(actor=town.user(role), organization=town.ngo)
    with pytest.raises(NotFound):
        organization_access_revoke(actor=town.user("other_coordinator"), organization=town.ngo)
    assert ProjectPartner.objects.filter(organization=town.ngo).exists()


# --- guests without projects -------------------------------------------------------------------------------


def test_a_guest_without_projects_cannot_sign_in_anywhere_and_is_told_why(town):
    # partner_not_invited is a guest of the firm, which has no project.
    web = Client().post(reverse("web:login"), {"username": "partner.not.invited", "password": "demo"}, **ENGLISH)
    assert web.status_code == 200
    assert "no longer has access to any project" in web.content.decode()
    api = APIClient().post("/api/v1/auth/token/", {"username": "partner.not.invited", "password": "demo"})
    assert api.status_code == 400 and "token" not in api.json()
    admin = Client().post(reverse("admin:login"), {"username": "partner.not.invited", "password": "demo"})
    assert admin.status_code == 200 and "_auth_user_id" not in admin.client.session


def test_a_wrong_password_is_not_told_that_access_ended(town):
    page = Client().post(reverse("web:login"), {"username": "partner.not.invited", "password": "wrong"}, **ENGLISH)
    assert page.status_code == 200
    assert "no longer has access" not in page.content.decode()


def test_guests_with_projects_and_staff_sign_in_as_before(town):
    town.project()
    for username in ("partner", "manager"):
        assert Client().post(reverse("web:login"), {"username": username, "password": "demo"}).status_code == 302
        token = APIClient().post("/api/v1/auth/token/", {"username": username, "password": "demo"}, format="json")
        assert token.status_code == 200


def test_accepting_is_refused_once_the_organisation_lost_every_project(town, client):
    project = town.project()
    link = mailed_link(invite(town, project, organization=town.ngo))
    ProjectPartner.objects.filter(organization=town.ngo).delete()
    assert accept(client, link).status_code == 410
    assert not guests_named(GUEST_EMAIL).exists()


def test_a_second_invitation_for_someone_who_accepted_the_first_adds_access(town, client):
    first, second = town.project(title="První"), town.project(title="Druhý")
    link_one = mailed_link(invite(town, first))
    link_two = mailed_link(invite(town, second, organization=town.firm))
    assert accept(client, link_one).status_code == 302

    other = Client()
    page = other.get(link_two, **ENGLISH)
    assert "You already have an account" in page.content.decode()
    response = other.post(link_two, **ENGLISH)
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    guest = guests_named(GUEST_EMAIL).get()
    assert guest.check_password(PASSWORD)
    assert set(Membership.objects.filter(user=guest).values_list("organization", flat=True)) == {
        town.ngo.pk,
        town.firm.pk,
    }


def test_inviting_to_a_project_the_organisation_already_sees_keeps_its_access_level(town):
    project = town.project()
    ProjectPartner.objects.filter(project=project, organization=town.ngo).update(access_level="view")
    invite(town, project)
    assert ProjectPartner.objects.get(project=project, organization=town.ngo).access_level == "view"


# --- review: a deactivated guest, and e-mails told only to those who may invite ---------------------------------


def test_a_deactivated_guest_cannot_get_a_fresh_account_through_a_link_sent_before(town, client):
    from backend.accounts.services import user_deactivate

    first, second = town.project(title="První"), town.project(title="Druhý")
    link_one = mailed_link(invite(town, first))
    link_two = mailed_link(invite(town, second, organization=town.firm))
    assert accept(client, link_one).status_code == 302
    guest = guests_named(GUEST_EMAIL).get()
    user_deactivate(actor=town.user("coordinator"), user=guest)

    other = Client()
    page = other.get(link_two, **ENGLISH)
    response = accept(other, link_two)

    assert page.status_code == 410 and "was deactivated" in page.content.decode()
    assert response.status_code == 410
    assert list(guests_named(GUEST_EMAIL).values_list("pk", "is_active")) == [(guest.pk, False)]
    assert not signed_in(other)
    assert not Membership.objects.filter(user=guest, organization=town.firm).exists()


@pytest.mark.parametrize("role", ["staff", "other_head"])
def test_someone_who_may_not_invite_learns_nothing_about_whose_e_mail_it_is(town, role):
    """A refused inviter gets the same 403 whether the address is a municipal account's, a deactivated
    guest's or nobody's: they cannot probe e-mails through the invitation form."""
    project = town.project()
    closed = User.objects.create_user("closed.guest", email="closed@ngo.cz", password="x", is_active=False)
    Membership.objects.create(user=closed, role=Role.PARTNER, organization=town.ngo, municipality=town.municipality)

    for email in (town.user("coordinator").email, "closed@ngo.cz", "nobody@example.org"):
        with pytest.raises(PermissionDenied):
            invitation_create(actor=town.user(role), email=email, organization=town.ngo, projects=[project])
    assert not Invitation.objects.exists()


def test_a_name_taken_at_the_same_instant_gives_a_clear_page_and_creates_nothing(town, _site_url, monkeypatch):
    """Two invitations to one new address accepted at the same instant: the second finds the user name taken
    between its check and its save (forced here by handing it a taken name)."""
    invitation = invite(town, town.project(Stage.IDEA))
    link = mailed_link(invitation)
    monkeypatch.setattr("backend.projects.invitations._username_for", lambda email: town.user("staff").username)
    users_before = User.objects.count()

    response = accept(Client(), link)

    assert response.status_code == 410
    assert "created a moment ago from another invitation" in response.content.decode()
    assert User.objects.count() == users_before
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
