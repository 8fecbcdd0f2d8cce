"""Ending a user's sessions and API tokens (backend.accounts.sessions): what a signed-in browser sees next."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.models import UserSession
from backend.accounts.sessions import user_sessions_end

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(reverse("web:dashboard")).status_code == 200


def test_sign_in_records_the_session_and_sign_out_forgets_it(town):
    manager = town.user("manager")
    client = Client()
    assert client.post(reverse("web:login"), {"username": "manager", "password": "demo"}).status_code == 302
    key = client.session.session_key
    assert list(UserSession.objects.filter(user=manager).values_list("session_key", flat=True)) == [key]
    client.post(reverse("web:logout"))
    assert not UserSession.objects.filter(user=manager).exists()


def test_every_session_and_the_api_token_end_at_once(town):
    manager = town.user("manager")
    browsers = [_signed_in(manager), _signed_in(manager)]
    bystander = _signed_in(town.user("staff"))
    token = Token.objects.create(user=manager)
    assert all(_is_signed_in(browser) for browser in browsers)

    assert user_sessions_end(user=manager) == 2

    assert not any(_is_signed_in(browser) for browser in browsers)
    assert _is_signed_in(bystander)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").status_code == 401
    assert not UserSession.objects.filter(user=manager).exists()


def test_the_current_session_can_be_kept_and_stays_endable(town):
    manager = town.user("manager")
    current, other = _signed_in(manager), _signed_in(manager)

    assert user_sessions_end(user=manager, except_session_key=current.session.session_key) == 1

    assert _is_signed_in(current)
    assert not _is_signed_in(other)
    assert user_sessions_end(user=manager) == 1
    assert not _is_signed_in(current)


def test_sessions_that_expired_are_not_counted_and_are_pruned_at_the_next_sign_in(town):
    manager = town.user("manager")
    stale = _signed_in(manager)
    Session.objects.filter(session_key=stale.session.session_key).delete()

    assert user_sessions_end(user=manager) == 0

    _signed_in(manager)
    stale_key = stale.session.session_key
    Session.objects.filter(session_key=stale_key).delete()
    _signed_in(manager)
    assert not UserSession.objects.filter(session_key=stale_key).exists()
    assert UserSession.objects.filter(user=manager).count() == 2
