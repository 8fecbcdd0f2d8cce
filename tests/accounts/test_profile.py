"""The profile page: editing one's name, e-mail and language; a new password ends every other session."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import user_profile_update
from tests.web.conftest import assert_safe_page  # noqa: F401  (a fixture, used by name)

pytestmark = pytest.mark.django_db

PROFILE = reverse("web:profile")
PASSWORD = reverse("web:password_change")
NEW_PASSWORD = "Zelene-lampy-2026"


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(reverse("web:dashboard")).status_code == 200


def _token_works(token: Token) -> bool:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api.get("/api/v1/me/").status_code == 200


def test_the_user_menu_links_to_the_profile(town):
    html = _signed_in(town.user("staff")).get(reverse("web:dashboard")).content.decode()
    assert f'href="{PROFILE}"' in html


def test_anonymous_is_sent_to_sign_in():
    for url in (PROFILE, reverse("web:profile_data_export")):
        response = Client().get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


def test_profile_page_shows_the_current_values_and_is_safe(town, assert_safe_page):  # noqa: F811
    partner = town.user("partner")
    response = _signed_in(partner).get(PROFILE)
    assert response.status_code == 200
    assert_safe_page(response)
    html = response.content.decode()
    assert partner.email in html and partner.last_name in html
    assert reverse("web:profile_data_export") in html
    assert 'name="old_password"' in html


def test_name_email_and_language_are_saved_and_the_language_applies_at_once(town):
    staff = town.user("staff")
    client = _signed_in(staff)
    response = client.post(
        PROFILE, {"first_name": "Petra", "last_name": "Dvořáková", "email": "petra@vzorov.cz", "language": "en"}
    )
    assert response.status_code == 302 and response.url == PROFILE
    staff.refresh_from_db()
    assert (staff.first_name, staff.last_name, staff.email, staff.language) == (
        "Petra",
        "Dvořáková",
        "petra@vzorov.cz",
        "en",
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Your profile was saved." in client.get(PROFILE).content.decode()


def test_a_name_is_saved_without_invisible_characters(town):
    """A right-to-left override would show "Petra" reversed beside every comment she writes."""
    staff = town.user("staff")
    data = {"first_name": "\u202ePetra\u200b", "last_name": "Dvo\u2060řáková", "email": "petra@vzorov.cz"}

    response = _signed_in(staff).post(PROFILE, {**data, "language": "cs"})

    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.first_name, staff.last_name) == ("Petra", "Dvořáková")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not an e-mail"}, "email"),
        ({"email": ""}, "email"),
        ({"language": "de"}, "language"),
        ({"email": "MANAGER@example.cz"}, "email"),  # the manager's address, in other letters
    ],
    ids=["bad-email", "no-email", "unknown-language", "someone-elses-email"],
)
def test_invalid_profile_is_refused_with_the_field_named_and_nothing_saved(town, changes, field):
    staff = town.user("staff")
    data = {"first_name": "Petra", "last_name": "Dvořáková", "email": "petra@vzorov.cz", "language": "cs", **changes}
    response = _signed_in(staff).post(PROFILE, data)
    assert response.status_code == 400
    assert field in response.context["profile_form"].errors
    assert "Profil nebyl uložen." in response.content.decode()
    staff.refresh_from_db()
    assert staff.first_name == "Jana" and staff.email == "staff@example.cz"


def test_password_change_keeps_this_session_and_ends_every_other_one_and_the_tokens(town):
    manager = town.user("manager")
    here, laptop, phone = _signed_in(manager), _signed_in(manager), _signed_in(manager)
    colleague = _signed_in(town.user("staff"))
    token = Token.objects.create(user=manager)
    colleague_token = Token.objects.create(user=town.user("staff"))
    assert all(map(_is_signed_in, (here, laptop, phone))) and _token_works(token)

    response = here.post(
        PASSWORD, {"old_password": "demo", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302 and response.url == PROFILE
    assert _is_signed_in(here)
    assert not _is_signed_in(laptop) and not _is_signed_in(phone)
    assert not _token_works(token)
    assert _is_signed_in(colleague) and _token_works(colleague_token)
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)
    assert Client().login(username="manager", password=NEW_PASSWORD)
    assert not Client().login(username="manager", password="demo")


def test_the_session_kept_at_a_password_change_can_still_be_ended_later(town):
    """The kept session gets a new key at the change; it is still known to be the manager's."""
    manager = town.user("manager")
    here = _signed_in(manager)
    here.post(PASSWORD, {"old_password": "demo", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert _is_signed_in(here)
    manager.refresh_from_db()  # the session remembers a hash of the password it was opened with
    other = _signed_in(manager)
    other.post(
        PASSWORD, {"old_password": NEW_PASSWORD, "new_password1": "Jine-heslo-77", "new_password2": "Jine-heslo-77"}
    )
    assert _is_signed_in(other) and not _is_signed_in(here)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, "old_password"),
        ({"old_password": "demo", "new_password1": NEW_PASSWORD, "new_password2": "different-2026"}, "new_password2"),
        ({"old_password": "demo", "new_password1": "short", "new_password2": "short"}, "new_password2"),
        ({"old_password": "demo", "new_password1": "password123", "new_password2": "password123"}, "new_password2"),
    ],
    ids=["wrong-current", "mismatch", "too-short", "too-common"],
)
def test_refused_password_change_changes_nothing_and_ends_nothing(town, data, field):
    manager = town.user("manager")
    here, other = _signed_in(manager), _signed_in(manager)
    token = Token.objects.create(user=manager)

    response = here.post(PASSWORD, data)

    assert response.status_code == 400
    assert field in response.context["password_form"].errors
    assert "Heslo nebylo změněno." in response.content.decode()
    assert _is_signed_in(here) and _is_signed_in(other) and _token_works(token)
    manager.refresh_from_db()
    assert manager.check_password("demo")


def test_password_change_only_by_post(town):
    assert _signed_in(town.user("manager")).get(PASSWORD).status_code == 405


def test_a_name_with_markup_is_shown_as_text_everywhere_it_appears(town):
    staff = town.user("staff")
    client = _signed_in(staff)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(
        PROFILE, {"first_name": payload, "last_name": "Dvořáková", "email": "staff@example.cz", "language": "cs"}
    )
    staff.refresh_from_db()
    assert staff.first_name == payload  # kept as typed: it is escaped on output, never stripped
    for url in (PROFILE, reverse("web:dashboard")):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


# --- review: a partner guest cannot take over another person's invitations by claiming their e-mail -----------


def test_a_partner_guest_cannot_change_their_e_mail_and_so_cannot_collect_invitations_meant_for_another(town):
    """Invitations to an e-mail that has a guest account add access to that account at once: a guest of the
    NGO who could set their address to the firm director's would receive the firm's projects."""
    from backend.projects.invitations import invitation_create
    from tests.factories import ProjectFactory

    partner = town.user("partner")
    client = _signed_in(partner)
    firm_project = ProjectFactory(lead_department=town.env, manager=town.user("manager"))

    page = client.get(PROFILE, headers={"Accept-Language": "en"}).content.decode()
    assert "keep the e-mail address their invitation was sent to" in page
    assert re.search(r'<input[^>]*name="email"[^>]*disabled', page)  # the field is shown, not editable

    # A hand-made POST: the disabled field ignores the address; the service refuses it if called directly.
    response = client.post(
        PROFILE, {"first_name": "Petr", "last_name": "Host", "email": "reditel@energosmart.cz", "language": "en"}
    )
    assert response.status_code == 302
    with pytest.raises(ValidationError):
        user_profile_update(
            user=partner, first_name="Petr", last_name="Host", email="reditel@energosmart.cz", language="en"
        )
    partner.refresh_from_db()
    assert partner.email != "reditel@energosmart.cz"
    invitation_create(
        actor=town.user("manager"), email="reditel@energosmart.cz", organization=town.firm, projects=[firm_project]
    )
    api = APIClient()
    api.force_authenticate(partner)
    assert api.get(f"/api/v1/projects/{firm_project.pk}/").status_code == 404
    # Their name and language they still change, with the e-mail as it is (in any letter case).
    response = client.post(
        PROFILE, {"first_name": "Petr", "last_name": "Host", "email": partner.email.upper(), "language": "en"}
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.first_name, partner.language) == ("Petr", "en")


def test_a_password_set_in_the_admin_ends_the_persons_sessions_and_api_tokens(town):
    """As a password change in the profile does: a stolen token must not outlive the password it came with."""
    coordinator, partner = town.user("coordinator"), town.user("partner")
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    from django.contrib.auth.models import Permission

    coordinator.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    town.project()  # the NGO works on a project, so its guest signs in
    token = Token.objects.create(user=partner)
    theirs = Client()
    theirs.post(reverse("web:login"), {"username": partner.username, "password": "demo"}, REMOTE_ADDR="192.0.2.1")
    assert _is_signed_in(theirs) and _token_works(token)
    admin = _signed_in(coordinator)

    response = admin.post(
        reverse("admin:auth_user_password_change", args=[partner.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.check_password(NEW_PASSWORD)
    assert not _token_works(token) and not Token.objects.filter(user=partner).exists()
    assert not _is_signed_in(theirs)
    assert _is_signed_in(admin)
