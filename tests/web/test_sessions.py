"""Sessions: a new id at sign-in (no fixation), an inactivity timeout, and cookie flags of the production settings.

The suite runs with DEBUG off, i.e. with the production cookie settings (only the HTTPS redirect is off).
"""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import MembershipFactory, MunicipalityFactory, UserFactory


@pytest.fixture
def clerk(db):
    user = UserFactory(username="referent")
    MembershipFactory(user=user, role="coordinator", department=None, municipality=MunicipalityFactory())
    return user


def sign_in(client: Client):
    response = client.post("/login/", {"username": "referent", "password": "demo"})
    assert response.status_code == 302
    return response


def is_signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_signing_in_issues_a_new_session_id_and_a_planted_one_stays_anonymous(clerk):
    # The attacker obtains a session id and plants it in the victim's browser.
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    victim = Client()
    victim.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    sign_in(victim)

    new_key = victim.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert not is_signed_in(attacker)
    assert is_signed_in(victim)


def test_every_sign_in_gets_its_own_session_id(clerk):
    first, second = Client(), Client()
    sign_in(first)
    sign_in(second)

    assert first.cookies[settings.SESSION_COOKIE_NAME].value != second.cookies[settings.SESSION_COOKIE_NAME].value


def test_an_idle_session_ends_after_the_inactivity_timeout(clerk):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert is_signed_in(client)
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        assert not is_signed_in(client)


HTMX_ON_THE_BOARD = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/board/?mine=true"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/approvals/"), ("get", "/notifications/"), ("post", "/notifications/read-all/")],
)
def test_an_htmx_request_after_the_session_ended_signs_in_as_a_page_and_comes_back(clerk, method, path):
    """Not the sign-in page inside the fragment htmx refreshes (the browser follows a redirect on its own)."""
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        response = getattr(client, method)(path, **HTMX_ON_THE_BOARD)
        without_htmx = getattr(client, method)(path)

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/board/%3Fmine%3Dtrue"
    assert response.content == b""
    assert (without_htmx.status_code, without_htmx["Location"]) == (302, f"/login/?next={path}")


def test_an_htmx_sign_in_never_sends_back_to_another_site(db):
    response = Client().get("/approvals/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/")

    assert response["HX-Redirect"] == "/login/?next=/"


def test_an_active_session_lives_on(clerk):
    client = Client()
    start = timezone.now()
    for minutes in (0, 20, 40, 60, 80):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            if minutes == 0:
                sign_in(client)
            else:
                assert is_signed_in(client), f"signed out after {minutes} minutes of activity"


def test_the_notification_bell_polling_an_open_tab_does_not_keep_the_session_alive(clerk):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    bell = reverse("web:notification_bell")
    assert 'hx-headers=\'{"X-Background-Poll": "1"}\'' in client.get("/").content.decode()  # as the page sends it
    for minute in range(1, 30):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            assert client.get(bell, headers={"HX-Request": "true", "X-Background-Poll": "1"}).status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert not is_signed_in(client)


def test_the_expiry_is_written_at_most_once_a_minute(clerk):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    signed_in_expiry = Session.objects.get(session_key=key).expire_date

    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert is_signed_in(client)
    assert Session.objects.get(session_key=key).expire_date == signed_in_expiry

    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert is_signed_in(client)
    assert Session.objects.get(session_key=key).expire_date == signed_in_expiry + timedelta(minutes=5)


def test_anonymous_visitors_get_no_session_row(db):
    Client().get("/login/")
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session-key-000000000000"
    stale.get("/login/")

    assert not Session.objects.exists()


def test_session_and_csrf_cookies_are_secure_httponly_and_same_site(clerk):
    client = Client()
    client.get("/login/")
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    response = sign_in(client)
    session = response.cookies[settings.SESSION_COOKIE_NAME]

    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert int(session["max-age"]) == settings.SESSION_INACTIVITY_TIMEOUT == 30 * 60
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
