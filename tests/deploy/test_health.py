"""/healthz and /readyz: unauthenticated, cheap, answering probes by IP over plain HTTP, and 503 naming what is down.

The broker is made unreachable the way a wrong REDIS_URL makes it (CELERY_BROKER_URL is REDIS_URL in the settings),
the database by pointing this thread's connection at a port where nothing listens.
"""

import contextlib
import copy
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import override_settings

from backend.core.health import CHECK_TIMEOUT_SECONDS
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db

NO_BROKER = "memory://"  # the demo's: tasks run eagerly and there is no broker to ask


@contextlib.contextmanager
def database_unreachable():
    """This thread's default connection points at a database that does not answer; the real one is left alone."""
    real = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(real.settings_dict)
    if real.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT=free_port())
    else:
        settings_dict["NAME"] = "/nonexistent/ramec/unreachable.sqlite3"
    # An alias of its own, so a psycopg pool of its own rather than the real connection's pool.
    unreachable = type(real)(settings_dict, alias="unreachable")
    connections[DEFAULT_DB_ALIAS] = unreachable
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = real
        unreachable.close()
        if getattr(unreachable, "pool", None) is not None:
            unreachable.close_pool()


def test_healthz_says_the_process_is_up_without_asking_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_green_when_the_database_and_the_broker_answer(client, redis_url):
    with override_settings(CELERY_BROKER_URL=redis_url):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_readyz_without_a_broker_in_the_demo_is_green_and_says_so(client):
    with override_settings(CELERY_BROKER_URL=NO_BROKER):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "disabled"}}


def test_readyz_reports_an_unreachable_broker_quickly(client, unreachable_redis_url):
    started = time.monotonic()
    with override_settings(CELERY_BROKER_URL=unreachable_redis_url):
        response = client.get("/readyz")

    assert time.monotonic() - started < CHECK_TIMEOUT_SECONDS + 1
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "unavailable"}}


def test_readyz_reports_an_unreachable_database_quickly(client):
    started = time.monotonic()
    with database_unreachable(), override_settings(CELERY_BROKER_URL=NO_BROKER):
        response = client.get("/readyz")

    assert time.monotonic() - started < CHECK_TIMEOUT_SECONDS + 1
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable", "broker": "disabled"}}


def test_healthz_stays_green_while_the_database_is_unreachable(client):
    with database_unreachable():
        response = client.get("/healthz")

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_by_ip_address_over_plain_http_get_neither_400_nor_a_redirect(client, path):
    with override_settings(ALLOWED_HOSTS=["ramec.example.cz"], SECURE_SSL_REDIRECT=True, CELERY_BROKER_URL=NO_BROKER):
        probe = client.get(path, HTTP_HOST="10.0.0.12:8000")
        page_by_ip = client.get("/login/", HTTP_HOST="10.0.0.12:8000")
        page_over_http = client.get("/login/", HTTP_HOST="ramec.example.cz")

    assert probe.status_code == 200
    # Only the probes are exempt: the application itself still validates the host and redirects to HTTPS.
    assert page_by_ip.status_code == 400
    assert page_over_http.status_code == 301
    assert page_over_http["Location"] == "https://ramec.example.cz/login/"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_sign_in_reveal_nothing_and_are_never_cached(client, path):
    with override_settings(CELERY_BROKER_URL=NO_BROKER):
        response = client.get(path)
        head = client.head(path)

    assert response.status_code == head.status_code == 200
    assert set(response.json()) <= {"status", "checks"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_only_answer_reads(client, path):
    assert client.post(path).status_code == 405


def test_the_routes_are_named(client):
    from django.urls import reverse

    assert (reverse("healthz"), reverse("readyz")) == ("/healthz", "/readyz")
