"""The calendar feed in the API (``/api/v1/me/calendar-feed/``): the caller's own secret address, made, replaced and
turned off through the same services as the profile page; open to everyone the profile page is, partners too."""

import pytest

from backend.integrations.models import CalendarFeed
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/calendar-feed/"


@pytest.mark.parametrize("role", ["manager", "coordinator", "partner"])
def test_make_read_replace_and_turn_off_the_own_address(client, town, role):
    api = api_client(town.user(role))
    assert api.get(URL).json() == {"url": None}

    made = api.post(URL)
    assert made.status_code == 201
    url = made.json()["url"]
    assert url.endswith(".ics") and api.get(URL).json() == {"url": url}
    assert client.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200  # the feed answers

    replaced = api.post(URL).json()["url"]
    assert replaced != url and api.get(URL).json() == {"url": replaced}
    assert client.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 404  # the old one stops

    assert api.delete(URL).status_code == 204
    assert api.get(URL).json() == {"url": None}
    assert client.get(replaced.removeprefix("http://127.0.0.1:8000")).status_code == 404


def test_each_caller_sees_and_changes_only_their_own(town):
    manager, staff = town.user("manager"), town.user("staff")
    own = api_client(manager).post(URL).json()["url"]
    other = api_client(staff)
    assert other.get(URL).json() == {"url": None}
    assert other.post(URL).json()["url"] != own
    assert other.delete(URL).status_code == 204
    assert api_client(manager).get(URL).json() == {"url": own}
    assert CalendarFeed.objects.filter(user=manager).exists()
    assert not CalendarFeed.objects.filter(user=staff).exists()


def test_without_sign_in_it_is_401(client):
    assert client.get(URL).status_code == 401
    assert client.post(URL).status_code == 401


def test_reading_is_one_query(town, django_assert_num_queries):
    api = api_client(town.user("manager"))
    api.post(URL)
    with django_assert_num_queries(1):
        api.get(URL)
