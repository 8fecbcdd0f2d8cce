"""Anonymous, signed-in and token-obtain traffic is throttled with the limits from settings."""

import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from backend.api.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

LOW_RATES = {"anon": "3/minute", "user": "5/minute", "token_obtain": "2/minute"}


class Clock:
    """The throttles' time: 20 seconds into a minute, until a test moves it (a real minute could turn mid-test)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0 + 20  # a multiple of 60, then 20 s

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(clock))
    return clock


@pytest.fixture
def low_limits(monkeypatch, clock):
    """Low limits, counted in a cache of this test's own (other test runs may share the Redis cache)."""
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))
    for throttle in (AnonRateThrottle, UserRateThrottle, ScopedRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", LOW_RATES)


def test_settings_name_a_limit_for_every_scope(settings):
    assert set(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) == {"anon", "user", "token_obtain"}


def test_anonymous_traffic_is_throttled(db, low_limits):
    client = APIClient()
    statuses = [client.get("/api/v1/schema/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_signed_in_traffic_is_throttled_per_user(town, low_limits):
    client = APIClient()
    client.force_authenticate(town.user("manager"))
    statuses = [client.get("/api/v1/me/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]

    other = APIClient()
    other.force_authenticate(town.user("staff"))
    assert other.get("/api/v1/me/").status_code == 200


def test_token_endpoint_is_throttled_against_password_guessing(town, low_limits):
    client = APIClient()
    attempts = [
        client.post("/api/v1/auth/token/", {"username": "manager", "password": "wrong"}).status_code for _ in range(3)
    ]
    assert attempts == [400, 400, 429]
    assert "Retry-After" in client.post("/api/v1/auth/token/", {"username": "manager", "password": "demo"})


def test_a_throttled_caller_is_told_to_wait_until_the_minute_is_over_and_then_gets_through(town, low_limits, clock):
    client = APIClient()
    client.force_authenticate(town.user("manager"))
    assert [client.get("/api/v1/me/").status_code for _ in range(5)] == [200] * 5

    clock.now += 39  # 59 s into the minute
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    clock.now += 1  # the next minute
    assert [client.get("/api/v1/me/").status_code for _ in range(6)] == [200] * 5 + [429]
    assert client.get("/api/v1/me/")["Retry-After"] == "60"


def test_a_refused_token_request_says_how_long_to_wait(town, low_limits):
    client = APIClient()
    for _ in range(2):
        client.post("/api/v1/auth/token/", {"username": "manager", "password": "wrong"})
    refused = client.post("/api/v1/auth/token/", {"username": "manager", "password": "demo"})

    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"  # 20 s into the minute


@pytest.mark.skipif("redis" not in settings.CACHES["default"]["BACKEND"], reason="counted in Redis in one round trip")
def test_the_counter_in_redis_throttles_after_the_limit_and_lets_through_in_the_next_minute(town, clock, monkeypatch):
    # The configured Redis cache, under keys of this test's own (other runs and workers share the server).
    monkeypatch.setattr(SimpleRateThrottle, "cache_format", f"throttle-{uuid.uuid4()}-%(scope)s_%(ident)s")
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", LOW_RATES)
    client = APIClient()
    client.force_authenticate(town.user("manager"))

    assert [client.get("/api/v1/me/").status_code for _ in range(6)] == [200] * 5 + [429]
    assert client.get("/api/v1/me/")["Retry-After"] == "40"
    clock.now += 40
    assert client.get("/api/v1/me/").status_code == 200


@pytest.mark.skipif("redis" not in settings.CACHES["default"]["BACKEND"], reason="counted in Redis in one round trip")
def test_a_request_is_counted_in_one_round_trip_to_redis(town, monkeypatch):
    sent = []
    command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.Redis,
        "execute_command",
        lambda self, *args, **options: sent.append(args[0]) or command(self, *args, **options),
    )
    monkeypatch.setattr(
        redis.client.Pipeline,
        "execute",
        lambda self, *args: sent.append([stack[0][0] for stack in self.command_stack]) or execute(self, *args),
    )
    prefix = f"throttle-{uuid.uuid4()}"
    monkeypatch.setattr(SimpleRateThrottle, "cache_format", f"{prefix}-%(scope)s_%(ident)s")
    request = APIRequestFactory().get("/api/v1/me/")
    request.user = town.user("manager")

    assert UserRateThrottle().allow_request(request, None)
    assert sent == ["INCRBY", "EXPIRE"]  # the window's first request gives its counter the window's expiry
    sent.clear()
    assert UserRateThrottle().allow_request(request, None)
    assert sent == ["INCRBY"]
    server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    [key] = server.keys(f"*{prefix}*")
    assert 0 < server.ttl(key) <= 60


class _BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("redis is down")

    set = add = incr = get


def test_a_cache_outage_lets_requests_through_instead_of_failing_them(town, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "cache", _BrokenCache())
    client = APIClient()
    client.force_authenticate(town.user("manager"))

    assert client.get("/api/v1/me/").status_code == 200
