"""Structured logs: one JSON object a line, one line per request with its id, user, method, path, status, duration."""

import io
import json
import logging
import uuid

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token

from backend.celery import app as celery_app
from backend.core.logging import JsonFormatter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log(caplog) -> io.StringIO:
    """What production writes: every record formatted by JsonFormatter when it is emitted, one line each."""
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def lines(stream: io.StringIO, *, logger: str | None = None) -> list[dict]:
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is one JSON object
    return [entry for entry in entries if logger is None or entry["logger"] == logger]


def test_a_request_gets_one_line_with_its_id_user_method_path_status_and_duration(client, json_log):
    user = UserFactory()
    token = Token.objects.create(user=user)

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    [line] = lines(json_log, logger="ramec.request")
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32  # a new uuid4, as hex
    assert {key: line[key] for key in ("method", "path", "status", "user_id")} == {
        "method": "GET",
        "path": "/api/v1/me/",
        "status": 200,
        "user_id": user.pk,
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_an_anonymous_request_is_logged_without_a_user(client, json_log):
    response = client.get("/api/v1/me/")

    [line] = lines(json_log, logger="ramec.request")
    assert (line["status"], line["user_id"]) == (response.status_code, None) == (401, None)


def test_the_proxys_request_id_is_kept_and_returned(client, json_log):
    response = client.get("/login/", HTTP_X_REQUEST_ID="lb-7f3a9c:42")

    assert response["X-Request-ID"] == "lb-7f3a9c:42"
    assert lines(json_log, logger="ramec.request")[0]["request_id"] == "lb-7f3a9c:42"


@pytest.mark.parametrize("header", ["two words", "line\nbreak", "x" * 129, '{"json": true}'])
def test_a_request_id_that_could_forge_log_lines_is_replaced(client, json_log, header):
    response = client.get("/login/", HTTP_X_REQUEST_ID=header)

    assert response["X-Request-ID"] != header
    assert len(response["X-Request-ID"]) == 32


def test_every_line_written_during_a_request_carries_its_id(client, json_log, unreachable_redis_url):
    with override_settings(CELERY_BROKER_URL=unreachable_redis_url):
        response = client.get("/readyz", HTTP_X_REQUEST_ID="probe-1")

    assert response.status_code == 503
    warning = next(line for line in lines(json_log) if line["logger"] == "backend.core.health")
    assert warning["request_id"] == "probe-1"
    assert warning["level"] == "WARNING" and "broker" in warning["message"]
    # A failing probe is logged like any request; a passing one is not (load balancers ask every few seconds).
    assert lines(json_log, logger="ramec.request")[0]["status"] == 503


def test_djangos_own_lines_about_a_failed_request_carry_its_id(client, json_log):
    response = client.get("/api/v1/projects/", HTTP_X_REQUEST_ID="lb-401")

    assert response.status_code == 401
    [warning] = lines(json_log, logger="django.request")
    assert warning["request_id"] == "lb-401"
    assert warning["status_code"] == 401
    assert "request" not in warning  # the request object itself says nothing a log reader needs


def test_passing_probes_write_no_request_lines(client, json_log):
    with override_settings(CELERY_BROKER_URL="memory://"):
        client.get("/healthz")
        client.get("/readyz")

    assert lines(json_log, logger="ramec.request") == []


def test_lines_outside_requests_have_no_request_id_and_exceptions_are_kept(json_log):
    try:
        raise ValueError("Nelze odeslat")
    except ValueError:
        logging.getLogger("ramec.test").exception("Sending failed for %s", "head.env", extra={"delivery_id": 7})

    [line] = lines(json_log, logger="ramec.test")
    assert "request_id" not in line
    assert line["message"] == "Sending failed for head.env"
    assert line["delivery_id"] == 7
    assert "ValueError: Nelze odeslat" in line["exception"]


def test_lines_written_inside_a_celery_task_carry_the_task_id(json_log):
    @celery_app.task(name=f"tests.deploy.log_inside_{uuid.uuid4().hex}")
    def log_inside():
        logging.getLogger("ramec.test").info("inside the task")

    result = log_inside.apply()

    [line] = lines(json_log, logger="ramec.test")
    assert line["task_id"] == result.id
    assert line["task_name"] == log_inside.name


def test_values_json_cannot_encode_are_written_as_text(json_log):
    logging.getLogger("ramec.test").info("odd", extra={"path_object": object()})

    [line] = lines(json_log, logger="ramec.test")
    assert line["path_object"].startswith("<object object")
