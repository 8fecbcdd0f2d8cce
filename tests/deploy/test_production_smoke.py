"""The production stack without Docker: gunicorn, a Celery worker and beat, started the way the containers start
them (docker/entrypoint.sh) with the production settings: DEBUG off, the secret from the environment, PostgreSQL
through psycopg's pool, Redis, static files collected as at build time, JSON logs. Then, over HTTP: sign in, create,
submit and approve a project, see the notification and the e-mail the worker sent, /readyz green; a second web
server with a wrong REDIS_URL reports the broker down on /readyz while it still serves, and the e-mail of a
transition made there is swept up by beat and sent by the worker. Finally every server stops on SIGTERM, gracefully.

The test talks plain HTTP to 127.0.0.1 and sends ``X-Forwarded-Proto: https`` as the TLS-terminating proxy in front
of the containers does, so the production settings stay as they are: the HTTPS redirect, secure cookies and HSTS
included (SECURE_PROXY_SSL_HEADER trusts that header; a request without it is redirected, which is checked too).
"""

import http.client
import json
import logging
import os
import re
import socket
import time
import uuid
from dataclasses import dataclass, field

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import global_settings
from django.core.management import call_command
from django.test import override_settings

from backend.accounts.models import Department, User
from backend.accounts.services import membership_grant
from backend.celery import app as celery_app
from backend.notifications.models import Channel, Delivery, DeliveryStatus
from tests.deploy.conftest import Service, production_environment
from tests.factories import UserFactory
from tests.factories.accounts import valid_ico
from tests.notifications.conftest import SmtpSink, _forget_queue, free_port, wait_for, worker_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "Smart-City-Vzorov-2026"
SITE_URL = "https://ramec.vzorov.example"
SWEEP_INTERVAL = 60  # CELERY_BEAT_SCHEDULE["sweep-pending-deliveries"]: beat's first sweep comes a minute after start


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Client:
    """HTTP as the reverse proxy forwards it: plain HTTP to the container, X-Forwarded-Proto saying it was HTTPS."""

    port: int
    token: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: dict | None = None, *, https: bool = True, **headers) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Accept": "application/json", "Accept-Language": "en", **self.extra_headers, **headers}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path: str, **options) -> Reply:
        return self.request("GET", path, **options)

    def post(self, path: str, body: dict | None = None, **options) -> Reply:
        return self.request("POST", path, body if body is not None else {}, **options)

    def patch(self, path: str, body: dict, **options) -> Reply:
        return self.request("PATCH", path, body, **options)

    def answers(self) -> bool:
        try:
            return self.get("/healthz", https=False).status == 200
        except OSError:
            return False

    def sign_in(self, username: str) -> "Client":
        reply = self.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD})
        assert reply.status == 200, reply.body
        return Client(self.port, token=reply.json()["token"])


@dataclass
class Town:
    coordinator: User
    head: User
    manager: User
    environment_department: Department


@pytest.fixture
def town() -> Town:
    """A fresh installation: createcoordinator, then a head of department and a project manager, with real hashes.

    The suite hashes passwords with MD5 for speed; the servers run the production hashers, so the accounts here
    get a production hash (one, shared: each takes a second to compute).
    """
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        call_command(
            "createcoordinator",
            "--municipality=Město Vzorov",
            f"--ico={valid_ico(291536)}",
            "--region=vysocina",
            "--username=koordinator",
            "--email=koordinator@vzorov.example",
            f"--password={PASSWORD}",
            "--department=ENV=Odbor životního prostředí a energetiky",
            verbosity=0,
        )
    coordinator = User.objects.get(username="koordinator")
    department = Department.objects.get(code="ENV")
    head = UserFactory(username="head.env", email="head.env@vzorov.example")
    manager = UserFactory(username="pm.novak", email="pm.novak@vzorov.example")
    User.objects.filter(pk__in=[head.pk, manager.pk]).update(password=coordinator.password)
    membership_grant(user=head, role="head", department=department)
    membership_grant(user=manager, role="manager", department=department)
    return Town(coordinator, head, manager, department)


@pytest.fixture
def mail_server() -> SmtpSink:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port, ready_timeout=10)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def queue(redis_url) -> str:
    """A queue of this test's own, so no other run's workers or leftovers share it."""
    name = f"ramec-smoke-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(redis_url)
    try:
        yield name
    finally:
        _forget_queue(client, name)
        client.close()


@dataclass
class Stack:
    web: Service
    web_port: int
    broken_web: Service
    broken_web_port: int
    worker: Service
    worker_name: str
    beat: Service
    started_at: float


@pytest.fixture
def stack(
    transactional_db,
    town,
    start_service,
    redis_url,
    unreachable_redis_url,
    queue,
    mail_server,
    collected_static,
    tmp_path,
) -> Stack:
    """Both web servers, the worker and beat, started at once and waited for; killed at teardown if still running."""
    environment = production_environment(
        DATABASE_URL=worker_database_url(),
        REDIS_URL=redis_url,
        CELERY_QUEUE=queue,
        EMAIL_URL=mail_server.url,
        EMAIL_TIMEOUT="10",
        SITE_URL=SITE_URL,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(collected_static),
        LOG_LEVEL="INFO",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        CELERY_CONCURRENCY="1",
        CELERY_BEAT_SCHEDULE=str(tmp_path / "celerybeat-schedule"),
    )
    web_port, broken_web_port = free_port(), free_port()
    worker_name = f"{queue}@{socket.gethostname()}"
    started_at = time.monotonic()
    web = start_service("web", "web", environment={**environment, "GUNICORN_BIND": f"127.0.0.1:{web_port}"})
    broken_web = start_service(
        "web-wrong-redis",
        "web",
        environment={
            **environment,
            "GUNICORN_BIND": f"127.0.0.1:{broken_web_port}",
            "REDIS_URL": unreachable_redis_url,
        },
    )
    worker = start_service("worker", "worker", "--hostname", worker_name, environment=environment)
    beat = start_service("beat", "beat", environment=environment)

    for service, port in ((web, web_port), (broken_web, broken_web_port)):
        wait_for(
            Client(port).answers, timeout=60, message=lambda service=service: f"{service.name}:\n{service.output()}"
        )

    def worker_answers() -> bool:
        assert worker.running(), worker.output()
        with celery_app.connection_for_write(redis_url) as connection:  # whatever broker this process's app uses
            return bool(celery_app.control.ping(destination=[worker_name], timeout=0.5, connection=connection))

    wait_for(worker_answers, timeout=60, interval=0, message=lambda: f"the worker:\n{worker.output()}")
    wait_for(lambda: "beat: Starting..." in beat.output(), timeout=60, message=lambda: f"beat:\n{beat.output()}")
    return Stack(web, web_port, broken_web, broken_web_port, worker, worker_name, beat, started_at)


def json_lines(service: Service) -> list[dict]:
    """The server's output, each line one JSON object (any other line fails the test)."""
    entries = []
    for line in service.output().splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"{service.name} wrote a line that is not JSON: {line!r}")
    return entries


def project_through_assessment(client: Client, *, title: str, department: Department) -> int:
    """As the project manager: a new project, submitted, assessed, and its funding approval requested."""
    created = client.post(
        "/api/v1/projects/",
        {
            "title": title,
            "summary": "Úspora energie a CO₂ ve veřejném osvětlení.",
            "description": "Výměna 1 200 svítidel za LED s regulací podle provozu.",
            "lead_department": department.pk,
            "thematic_area": "energy",
            "estimated_cost": "2500000.00",
        },
    )
    assert created.status == 201, created.body
    project = created.json()["id"]
    submitted = client.post(f"/api/v1/projects/{project}/transitions/", {"name": "submit"})
    assert (submitted.status, submitted.json()["stage"]) == (200, "assessment"), submitted.body
    assessed = client.patch(
        f"/api/v1/projects/{project}/", {"assessment_score": 82, "assessment_summary": "Návratnost 6 let."}
    )
    assert assessed.status == 200, assessed.body
    return project


def request_funding_approval(client: Client, project: int) -> int:
    requested = client.post(f"/api/v1/projects/{project}/transitions/", {"name": "approve_for_funding"})
    assert requested.status == 202, requested.body  # the head of ENV approves
    return requested.json()["id"]


def head_delivery(town: Town, project: int) -> Delivery | None:
    return Delivery.objects.filter(event__project_id=project, recipient=town.head, channel=Channel.IMMEDIATE).first()


def test_the_production_stack_signs_in_approves_notifies_and_survives_a_broker_outage(stack, town, mail_server):
    web, broken = Client(stack.web_port), Client(stack.broken_web_port)

    # Probes answer over plain HTTP; the application itself redirects to HTTPS what the proxy did not mark secure.
    assert web.get("/healthz", https=False, Host="10.0.0.12:8000").status == 200
    redirect = web.get("/login/", https=False)
    assert (redirect.status, redirect.headers["Location"]) == (301, f"https://127.0.0.1:{stack.web_port}/login/")
    ready = web.get("/readyz", https=False)
    assert (ready.status, ready.json()) == (200, {"status": "ok", "checks": {"database": "ok", "broker": "ok"}})

    # The web UI renders with the static files collected at build time (hashed names from the manifest).
    login_page = web.get("/login/", Accept="text/html")
    assert login_page.status == 200
    assert "Strict-Transport-Security" in login_page.headers
    [stylesheet] = re.findall(r'href="(/static/ramec/ramec\.[0-9a-f]{12}\.css)"', login_page.body.decode())
    assert web.get(stylesheet, Accept="text/css").status == 200

    # Sign in (API tokens) as the coordinator made by createcoordinator, the project manager and the head.
    coordinator, manager, head = (web.sign_in(name) for name in ("koordinator", "pm.novak", "head.env"))
    me = coordinator.get("/api/v1/me/")
    assert me.status == 200 and [role["role"] for role in me.json()["roles"]] == ["coordinator"]

    # The project manager creates, submits and assesses a project and asks for its funding approval.
    project = project_through_assessment(manager, title="LED veřejné osvětlení", department=town.environment_department)
    approval = request_funding_approval(manager, project)

    # The head sees the in-app notification at once, and the worker sends the e-mail through the outbox.
    notifications = head.get("/api/v1/notifications/")
    assert notifications.status == 200
    assert [(item["kind"], item["project"]) for item in notifications.json()["results"]][:1] == [
        ("approval_requested", project)
    ]
    delivery = wait_for(
        lambda: (found := head_delivery(town, project)) and found.status == DeliveryStatus.SENT and found,
        timeout=30,
        message=lambda: f"the worker to send the head's e-mail:\n{stack.worker.output()[-3000:]}",
    )
    assert delivery.sent_at is not None and delivery.attempts == 1
    [mail] = [message for message in mail_server.messages if message["To"] == town.head.email]
    assert f"{SITE_URL}/" in mail.get_body(preferencelist=("plain",)).get_content()

    # The head approves; the project moves to funding with its history.
    approved = head.post(f"/api/v1/approvals/{approval}/approve/", {"comment": "Schváleno, zařadit do rozpočtu."})
    assert (approved.status, approved.json()["status"]) == (200, "approved"), approved.body
    moved = manager.get(f"/api/v1/projects/{project}/", **{"X-Request-ID": "smoke-check-42"})
    assert (moved.status, moved.json()["stage"]) == (200, "funding")
    history = manager.get(f"/api/v1/projects/{project}/history/").json()["results"]
    assert [entry["name"] for entry in history] == ["submit", "approve_for_funding"]
    assert web.get("/readyz").json()["status"] == "ok"

    # The request log: one JSON line per request with the proxy's request id, the user, status and duration.
    [line] = [entry for entry in json_lines(stack.web) if entry.get("request_id") == "smoke-check-42"]
    assert moved.headers["X-Request-ID"] == "smoke-check-42"
    assert {key: line[key] for key in ("logger", "method", "path", "status", "user_id")} == {
        "logger": "ramec.request",
        "method": "GET",
        "path": f"/api/v1/projects/{project}/",
        "status": 200,
        "user_id": town.manager.pk,
    }
    assert line["duration_ms"] > 0

    # A web server whose REDIS_URL is wrong: /readyz names the broker, the web still serves.
    assert broken.get("/healthz", https=False).status == 200
    not_ready = broken.get("/readyz", https=False)
    assert (not_ready.status, not_ready.json()) == (
        503,
        {"status": "unavailable", "checks": {"database": "ok", "broker": "unavailable"}},
    )
    manager_there = Client(stack.broken_web_port, token=manager.token)
    listed = manager_there.get("/api/v1/projects/")
    assert listed.status == 200 and project in [item["id"] for item in listed.json()["results"]]

    # A transition made there answers at once; its e-mail waits in the outbox until beat's sweep hands it to the worker.
    started = time.monotonic()
    second = project_through_assessment(manager_there, title="FVE na střeše ZŠ", department=town.environment_department)
    request_funding_approval(manager_there, second)
    assert time.monotonic() - started < 10
    assert head_delivery(town, second).status == DeliveryStatus.PENDING
    assert web.get("/readyz").status == 200  # only the misconfigured server is not ready

    second_sweep_due = stack.started_at + 2 * SWEEP_INTERVAL + 15 - time.monotonic()
    wait_for(
        lambda: head_delivery(town, second).status == DeliveryStatus.SENT,
        timeout=max(second_sweep_due, 15),
        interval=0.5,
        message=lambda: f"beat's sweep to send the pending e-mail:\n{stack.beat.output()}\n{stack.worker.output()}",
    )
    assert "Sending due task sweep-pending-deliveries" in stack.beat.output()

    # docker stop: SIGTERM, and every server shuts down by itself, the worker warm.
    assert stack.worker.stop() == 0
    assert "Warm shutdown" in stack.worker.output()
    assert stack.beat.stop() == 0
    assert stack.web.stop() == 0
    assert stack.broken_web.stop() == 0
    for service in (stack.web, stack.broken_web):
        assert {entry["logger"] for entry in json_lines(service)} >= {"gunicorn.error", "ramec.request"}
    worker_log = [line for line in stack.worker.output().splitlines() if line.startswith("{")]
    assert any(json.loads(line)["message"].endswith(" ready.") for line in worker_log)
