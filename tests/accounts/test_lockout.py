"""Brute force: 5 failed sign-ins of one account from one address lock that pair for 15 minutes, and not before.

The same table of cases runs against the web sign-in, the admin sign-in and the API token endpoint.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from backend.core.models import AuditAction, AuditEntry
from tests.factories import MembershipFactory, MunicipalityFactory, UserFactory

PASSWORD = "demo"
WRONG = "not-the-password"
HOME = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


@dataclass(frozen=True)
class Door:
    """One way to sign in: where to post, and how a success looks."""

    name: str

    def client(self):
        return APIClient() if self.name == "token" else Client()

    def attempt(self, client, username: str, password: str, address: str = HOME, **headers):
        credentials = {"username": username, "password": password}
        if self.name == "web":
            return client.post("/login/", credentials, REMOTE_ADDR=address, **headers)
        if self.name == "admin":
            return client.post("/admin/login/?next=/admin/", credentials, REMOTE_ADDR=address, **headers)
        return client.post("/api/v1/auth/token/", credentials, format="json", REMOTE_ADDR=address, **headers)

    def signed_in(self, response) -> bool:
        if self.name == "token":
            return response.status_code == 200 and "token" in response.json()
        return response.status_code == 302

    def refused_as_wrong_password(self, response) -> bool:
        return response.status_code == (400 if self.name == "token" else 200)


DOORS = [Door("web"), Door("admin"), Door("token")]


@pytest.fixture
def clerk(db):
    municipality = MunicipalityFactory(name="Město Vzorov")
    user = UserFactory(username="referentka", is_staff=True)
    MembershipFactory(user=user, role="coordinator", department=None, municipality=municipality)
    return user


def fail(door: Door, times: int, *, address: str = HOME, username: str = "referentka") -> None:
    client = door.client()
    for _ in range(times):
        assert door.refused_as_wrong_password(door.attempt(client, username, WRONG, address))


def assert_locked_out(door: Door, response) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    if door.name == "token":
        assert "15 minut" in response.json()["detail"]
        assert "token" not in response.json()
    else:
        text = response.content.decode()
        assert "15 minut" in text and "koordinátor" in text
        assert "_auth_user_id" not in response.wsgi_request.session


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_four_failures_do_not_lock_the_right_password_still_signs_in(door, clerk):
    fail(door, 4)

    assert door.signed_in(door.attempt(door.client(), "referentka", PASSWORD))


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_five_failures_lock_the_account_even_against_the_right_password(door, clerk):
    fail(door, 4)
    fifth = door.attempt(door.client(), "referentka", WRONG)
    assert_locked_out(door, fifth)

    right = door.attempt(door.client(), "referentka", PASSWORD)

    assert_locked_out(door, right)


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
@pytest.mark.parametrize(
    "variant", [" referentka", "referentka ", "\treferentka", "ｒeferentka", "Referentka", "REFERENTKA"]
)
def test_a_spelling_variant_of_the_user_name_does_not_get_around_the_lock(door, variant, clerk):
    """Variants that name the same account (spaces, full-width letters) share its lock; another case is
    another user name, which signs in as no one: no variant reaches the locked account with its password."""
    fail(door, 4)
    door.attempt(door.client(), "referentka", WRONG)

    assert not door.signed_in(door.attempt(door.client(), variant, PASSWORD))


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_the_same_account_from_another_address_is_not_locked(door, clerk):
    fail(door, 4)
    door.attempt(door.client(), "referentka", WRONG)

    assert door.signed_in(door.attempt(door.client(), "referentka", PASSWORD, ELSEWHERE))


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_the_lock_lifts_after_15_minutes_and_not_before(door, clerk):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(door, 4)
        door.attempt(door.client(), "referentka", WRONG)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert_locked_out(door, door.attempt(door.client(), "referentka", PASSWORD))
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert door.signed_in(door.attempt(door.client(), "referentka", PASSWORD))


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_a_successful_sign_in_resets_the_count(door, clerk):
    fail(door, 4)
    assert door.signed_in(door.attempt(door.client(), "referentka", PASSWORD))
    fail(door, 4)

    assert door.signed_in(door.attempt(door.client(), "referentka", PASSWORD))


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_a_success_typed_with_spaces_resets_the_count_of_the_account_it_signed_in(door, clerk):
    """The failures are counted under the name as the form cleans it; the reset must clear that same name."""
    fail(door, 4)
    assert door.signed_in(door.attempt(door.client(), " referentka ", PASSWORD))
    fail(door, 4)

    assert door.signed_in(door.attempt(door.client(), "referentka", PASSWORD))


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_a_forged_forwarded_for_header_does_not_dodge_the_lock(door, clerk):
    client = door.client()
    for number in range(5):
        door.attempt(client, "referentka", WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")

    assert_locked_out(door, door.attempt(client, "referentka", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"))


def test_behind_a_declared_proxy_the_address_it_saw_counts(clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    door = Door("web")
    client = door.client()
    for _ in range(5):
        door.attempt(client, "referentka", WRONG, address="10.0.0.2", HTTP_X_FORWARDED_FOR=f"forged, {HOME}")

    # The proxy's own address is shared by everyone behind it: another client through it is not locked.
    assert door.signed_in(door.attempt(Client(), "referentka", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE))
    assert_locked_out(door, door.attempt(Client(), "referentka", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=HOME))


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_failures_and_the_lockout_are_audited_for_the_municipality(door, clerk):
    fail(door, 4)
    door.attempt(door.client(), "referentka", WRONG)

    failures = AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED)
    lockouts = AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT)
    assert failures.count() == 5
    assert lockouts.count() == 1
    lockout = lockouts.get()
    assert lockout.username == "referentka"
    assert lockout.ip_address == HOME
    assert lockout.municipality.name == "Město Vzorov"
    assert lockout.object_id == str(clerk.pk)


def test_failed_sign_ins_of_unknown_names_are_audited_unscoped(db):
    Door("web").attempt(Client(), "nobody-here", WRONG)

    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert entry.username == "nobody-here" and entry.municipality is None and entry.ip_address == HOME


def test_the_lockout_page_speaks_the_users_language(clerk):
    fail(Door("web"), 4)
    Door("web").attempt(Client(), "referentka", WRONG)

    czech = Door("web").attempt(Client(), "referentka", PASSWORD, HTTP_ACCEPT_LANGUAGE="cs")
    english = Door("web").attempt(Client(), "referentka", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="cs">' in czech.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "Signing in is blocked" in english.content.decode()


def test_the_test_client_and_scripts_still_authenticate_without_a_request(clerk):
    from django.contrib.auth import authenticate

    assert authenticate(username="referentka", password=PASSWORD) == clerk
    assert Client().login(username="referentka", password=PASSWORD)


@pytest.mark.parametrize("door", [Door("web"), Door("token")], ids=lambda door: door.name)
def test_lockouts_hold_and_sign_in_works_while_the_cache_is_down(door, clerk, settings):
    """Attempts are counted in the database: a Redis outage neither blocks signing in nor forgets failures."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert door.signed_in(door.attempt(door.client(), "referentka", PASSWORD))

    fail(door, 4)

    assert_locked_out(door, door.attempt(door.client(), "referentka", WRONG))


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_an_overlong_user_name_is_refused_as_bad_input_not_an_error(door, db):
    response = door.attempt(door.client(), "a" * 300, WRONG)

    assert response.status_code == (400 if door.name == "token" else 200)
    if door.name == "token":
        assert "username" in response.json()
