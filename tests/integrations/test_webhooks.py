"""Webhooks end to end: a real receiver on 127.0.0.1 gets signed events after a transition, verified with the
Standard Webhooks reference algorithm; failures are retried with exponential backoff and logged per attempt."""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from backend.integrations import services
from backend.integrations.models import WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from backend.integrations.tasks import sweep_webhook_deliveries
from backend.projects.services import comment_create
from backend.projects.stages import Stage
from workflows.services import project_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_inline", "webhooks_to_localhost")]

TOLERANCE_SECONDS = 5 * 60


class WebhookVerificationError(Exception):
    pass


def standard_webhooks_verify(secret: str, headers: dict[str, str], body: str, *, now: float) -> dict:
    """The reference verification of the Standard Webhooks specification (its Python library's ``Webhook.verify``),
    written out here so that the test does not trust our own signing code."""
    try:
        message_id = headers["webhook-id"]
        timestamp = headers["webhook-timestamp"]
        signatures = headers["webhook-signature"]
    except KeyError as missing:
        raise WebhookVerificationError(f"Missing header {missing}") from None
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise WebhookVerificationError("Message timestamp too old or too new")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    for versioned in signatures.split(" "):
        version, _, signature = versioned.partition(",")
        if version == "v1" and hmac.compare_digest(expected, base64.b64decode(signature)):
            return json.loads(body)
    raise WebhookVerificationError("No matching signature found")


def register(town, receiver, *event_types: str) -> tuple[WebhookEndpoint, str]:
    return services.webhook_endpoint_create(
        actor=town.user("coordinator"),
        municipality=town.municipality,
        url=receiver.url,
        event_types=list(event_types) or ["project.transitioned"],
    )


def submit(town, django_capture_on_commit_callbacks):
    project = town.project(Stage.IDEA)
    with django_capture_on_commit_callbacks(execute=True):
        project_transition(project=project, actor=town.user("manager"), transition="submit")
    return project


def test_a_transition_reaches_the_receiver_signed(town, receiver, django_capture_on_commit_callbacks):
    _endpoint, secret = register(town, receiver)
    project = submit(town, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    payload = standard_webhooks_verify(secret, request.headers, request.body, now=time.time())
    assert request.path == "/hooks/ramec"
    assert request.headers["content-type"] == "application/json"
    assert payload["type"] == "project.transitioned"
    assert payload["version"] == 1
    assert payload["municipality"] == {"id": town.municipality.pk, "name": "Město Vzorov"}
    data = payload["data"]
    assert (data["project"]["id"], data["transition"], data["source"], data["target"]) == (
        project.pk,
        "submit",
        "idea",
        "assessment",
    )
    assert data["actor"]["id"] == town.user("manager").pk
    assert WebhookDelivery.objects.get().status == WebhookDeliveryStatus.SUCCEEDED


def test_a_signature_under_another_secret_is_refused_by_the_reference(
    town, receiver, django_capture_on_commit_callbacks
):
    register(town, receiver)
    submit(town, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        standard_webhooks_verify(
            "whsec_" + base64.b64encode(b"x" * 32).decode(), request.headers, request.body, now=time.time()
        )
    with pytest.raises(WebhookVerificationError):
        standard_webhooks_verify(
            services.signing_secrets(endpoint=WebhookEndpoint.objects.get())[0],
            request.headers,
            request.body.replace("assessment", "funding"),
            now=time.time(),
        )


def test_three_500s_then_delivered_on_the_fourth_attempt_with_backoff(
    town, receiver, django_capture_on_commit_callbacks, as_role
):
    endpoint, secret = register(town, receiver)
    receiver.answers.extend([500, 500, 500])
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        submit(town, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    waits = []
    for _attempt in range(3):
        delivery.refresh_from_db()
        assert delivery.status == WebhookDeliveryStatus.PENDING
        with time_machine.travel(delivery.next_attempt_at - timedelta(seconds=1), tick=False):
            sweep_webhook_deliveries.delay()  # not yet due: nothing is sent
        waits.append(delivery.next_attempt_at - delivery.log.last().attempted_at)
        with time_machine.travel(delivery.next_attempt_at, tick=False):
            sweep_webhook_deliveries.delay()
            last = receiver.requests[-1]
            payload = standard_webhooks_verify(secret, last.headers, last.body, now=time.time())

    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert delivery.attempts == 4
    assert payload["type"] == "project.transitioned"
    assert len(receiver.requests) == 4
    assert {request.headers["webhook-id"] for request in receiver.requests} == {delivery.message_id}
    assert len({request.headers["webhook-timestamp"] for request in receiver.requests}) == 4
    assert [wait.total_seconds() for wait in waits] == [30, 120, 480]  # exponential backoff
    log = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", "succeeded"))
    assert log == [(500, False), (500, False), (500, False), (200, True)]

    page = as_role("coordinator").get(f"/integrations/webhooks/{endpoint.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("HTTP 500") == 3
    assert text.count("HTTP 200") == 1


def test_internal_comments_are_never_sent_shared_ones_are(town, receiver, django_capture_on_commit_callbacks):
    _endpoint, secret = register(town, receiver, "comment.shared")
    project = town.project(Stage.ASSESSMENT)
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(actor=town.user("manager"), project=project, body="Interní poznámka", visibility="internal")
        comment_create(actor=town.user("manager"), project=project, body="Pro partnery", visibility="shared")
    [request] = receiver.requests
    payload = standard_webhooks_verify(secret, request.headers, request.body, now=time.time())
    assert payload["type"] == "comment.shared"
    assert payload["data"]["comment"]["body"] == "Pro partnery"


def test_another_municipality_s_events_do_not_reach_the_endpoint(
    town, receiver, lhota_project, django_capture_on_commit_callbacks
):
    register(town, receiver, "comment.shared")
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(actor=town.user("other_coordinator"), project=lhota_project, body="Lhota", visibility="shared")
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_a_transition_reaches_only_the_active_endpoints_of_its_town_subscribed_to_it(
    town, receiver, lhota_project, django_capture_on_commit_callbacks
):
    subscribed, _secret = register(town, receiver, "task.done", "project.transitioned")
    register(town, receiver, "task.done")
    inactive, _secret = register(town, receiver)
    WebhookEndpoint.objects.filter(pk=inactive.pk).update(is_active=False)
    services.webhook_endpoint_create(
        actor=town.user("other_coordinator"),
        municipality=lhota_project.municipality,
        url=receiver.url,
        event_types=["project.transitioned"],
    )

    submit(town, django_capture_on_commit_callbacks)

    assert list(WebhookDelivery.objects.values_list("endpoint_id", "event_type")) == [
        (subscribed.pk, "project.transitioned")
    ]
    assert len(receiver.requests) == 1


def test_a_rolled_back_transition_leaves_no_delivery(town, receiver):
    register(town, receiver)
    project = town.project(Stage.IDEA)
    with pytest.raises(RuntimeError), transaction.atomic():
        project_transition(project=project, actor=town.user("manager"), transition="submit")
        raise RuntimeError("something after the transition failed")
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(
    town, receiver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 24
    endpoint, old_secret = register(town, receiver)
    new_secret = services.webhook_secret_rotate(actor=town.user("coordinator"), endpoint=endpoint)
    assert new_secret != old_secret and new_secret.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_test_send(actor=town.user("coordinator"), endpoint=endpoint)
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old_secret, new_secret):
        assert (
            standard_webhooks_verify(secret, request.headers, request.body, now=time.time())["type"] == "webhook.test"
        )

    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_test_send(actor=town.user("coordinator"), endpoint=endpoint)
        request = receiver.requests[-1]
        assert standard_webhooks_verify(new_secret, request.headers, request.body, now=time.time())
        with pytest.raises(WebhookVerificationError):
            standard_webhooks_verify(old_secret, request.headers, request.body, now=time.time())


def test_repeated_failure_disables_the_endpoint_and_tells_the_coordinator(
    town, receiver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    endpoint, _secret = register(town, receiver)
    receiver.answers.extend([503] * 10)
    submit(town, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    with time_machine.travel(delivery.next_attempt_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        sweep_webhook_deliveries.delay()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "2" in endpoint.disabled_reason
    [notice] = mail.outbox
    assert notice.to == [town.user("coordinator").email]
    assert "byl vypnut" in notice.subject
    assert f"/integrations/webhooks/{endpoint.pk}/" in notice.body
    # Disabled: the sweep sends nothing more, however late.
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        sweep_webhook_deliveries.delay()
    assert len(receiver.requests) == 2


def test_redelivery_by_hand_sends_the_same_message_again(town, receiver, django_capture_on_commit_callbacks, as_role):
    endpoint, _secret = register(town, receiver)
    submit(town, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    client = as_role("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/integrations/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body
    assert receiver.requests[1].headers["webhook-id"] == delivery.message_id
    assert list(WebhookAttempt.objects.filter(delivery=delivery).values_list("manual", flat=True)) == [False, True]
    assert "(ručně)" in client.get(f"/integrations/webhooks/{endpoint.pk}/").content.decode()


def test_private_addresses_are_refused_without_the_setting(
    town, receiver, settings, django_capture_on_commit_callbacks
):
    endpoint, _secret = register(town, receiver)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    for url in ("https://127.0.0.1/hook", "https://10.0.0.8/hook", "https://[::1]/hook", "https://localhost/x"):
        with pytest.raises(services.ValidationError) as refused:
            services.webhook_endpoint_create(
                actor=town.user("coordinator"), municipality=town.municipality, url=url, event_types=["task.done"]
            )
        assert "vlastní sítě" in str(refused.value)
    # An endpoint registered while allowed is still not sent to: the check is made again at each attempt.
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_test_send(actor=town.user("coordinator"), endpoint=endpoint)
    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error


def test_a_long_answer_is_read_only_in_part(town, receiver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 2000
    receiver.response_body = b"x" * 100_000
    endpoint, _secret = register(town, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_test_send(actor=town.user("coordinator"), endpoint=endpoint)
    attempt = WebhookAttempt.objects.get()
    assert attempt.succeeded
    assert len(attempt.response_excerpt) == 1000


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    town, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.delay_seconds = 1.0
    endpoint, _secret = register(town, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_test_send(actor=town.user("coordinator"), endpoint=endpoint)
    attempt = WebhookAttempt.objects.get()
    assert not attempt.succeeded
    assert attempt.status_code is None
    assert "timed out" in attempt.error


@pytest.mark.parametrize("count", [1, 5])
def test_the_delivery_log_costs_the_same_queries_for_one_or_many(
    town, receiver, as_role, django_assert_num_queries, count
):
    endpoint, _secret = register(town, receiver)
    for _index in range(count):
        delivery = services.webhook_test_send(actor=town.user("coordinator"), endpoint=endpoint)
        WebhookAttempt.objects.create(delivery=delivery, status_code=500, duration_ms=12)
    client = as_role("coordinator")
    client.get(f"/integrations/webhooks/{endpoint.pk}/")  # warm the session
    with django_assert_num_queries(8):
        response = client.get(f"/integrations/webhooks/{endpoint.pk}/")
    assert response.content.decode().count("HTTP 500") == count


AUTHOR_NAME, AUTHOR_EMAIL = "Jana Občanová", "jana.obcanova@example.org"


@pytest.fixture
def idea_limits_of_own(monkeypatch):
    """Each test its own count of submissions per address and e-mail."""
    from backend.portal import ideas

    monkeypatch.setattr(ideas, "RATE_KEY_PREFIX", f"test:{uuid.uuid4().hex}")


def submit_idea(town, portal):
    from backend.portal.ideas import idea_confirm, idea_confirmation_token, idea_submit

    idea = idea_submit(
        portal=portal,
        title="Lavičky v parku",
        description="Více laviček u rybníka.",
        thematic_area="",
        place="Park u rybníka",
        name=AUTHOR_NAME,
        email=AUTHOR_EMAIL,
        consent=True,
        honeypot="",
        client_address="198.51.100.7",
    )
    assert not WebhookDelivery.objects.exists()  # submitted, e-mail not confirmed
    idea = idea_confirm(token=idea_confirmation_token(idea=idea))
    assert not WebhookDelivery.objects.exists()  # confirmed, waiting for moderation
    return idea


@pytest.mark.usefixtures("idea_limits_of_own")
def test_a_published_idea_reaches_the_subscribed_endpoint_without_its_author(
    town, receiver, settings, django_capture_on_commit_callbacks
):
    from backend.portal.ideas import idea_moderate
    from backend.portal.models import Portal

    _endpoint, secret = register(town, receiver, "idea.published")
    register(town, receiver, "project.transitioned")  # not subscribed to ideas: gets nothing
    settings.SITE_URL = "https://ramec.example.org"
    portal = Portal.objects.create(municipality=town.municipality, slug="vzorov")
    idea = submit_idea(town, portal)
    with django_capture_on_commit_callbacks(execute=True):
        idea_moderate(actor=town.user("coordinator"), idea=idea, decision="publish")

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event_type == "idea.published" and delivery.event_id is None
    [request] = receiver.requests
    payload = standard_webhooks_verify(secret, request.headers, request.body, now=time.time())
    assert (payload["type"], payload["version"]) == ("idea.published", 1)
    idea.refresh_from_db()
    assert payload["data"] == {
        "idea": {
            "id": idea.pk,
            "title": "Lavičky v parku",
            "text": "Více laviček u rybníka.",
            "thematic_area": "",
            "url": f"https://ramec.example.org/obec/vzorov/podnety/{idea.pk}/",
            "published_at": payload["data"]["idea"]["published_at"],
        }
    }
    # The same instant (the payload writes it in the site's time zone, the database keeps UTC).
    assert datetime.fromisoformat(payload["data"]["idea"]["published_at"]) == idea.published_at
    assert AUTHOR_NAME not in request.body and AUTHOR_EMAIL not in request.body and "Jana" not in request.body


@pytest.mark.usefixtures("idea_limits_of_own")
def test_a_rejected_idea_sends_nothing(town, receiver, django_capture_on_commit_callbacks):
    from backend.portal.ideas import idea_moderate
    from backend.portal.models import Portal

    register(town, receiver, "idea.published")
    idea = submit_idea(town, Portal.objects.create(municipality=town.municipality, slug="vzorov"))
    with django_capture_on_commit_callbacks(execute=True):
        idea_moderate(actor=town.user("coordinator"), idea=idea, decision="reject", reason="Duplicitní.")
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


class DripReceiver:
    """A raw HTTP server on 127.0.0.1 that answers one byte at a time, never faster than the per-read timeout
    would notice: in the status line and headers (``drip="headers"``) or in a long body (``drip="body"``)."""

    def __init__(self, *, drip: str, interval: float = 0.05) -> None:
        self.drip = drip
        self.interval = interval
        self.stop = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hooks/slow"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _address = self.server.accept()
        with connection:
            connection.recv(65536)  # the request: its body is small
            head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"
            if self.drip == "body":
                connection.sendall(head)
                head = b"x" * 1000000
            for byte in head:
                if self.stop.wait(self.interval):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:  # the sender hung up: what the deadline is for
                    return

    def close(self) -> None:
        self.stop.set()
        self.server.close()


@pytest.mark.parametrize("drip", ["headers", "body"])
def test_a_receiver_that_drips_its_answer_is_cut_at_the_attempt_deadline(
    town, settings, django_capture_on_commit_callbacks, drip
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0  # each byte comes well within it: only the whole-attempt limit helps
    settings.WEBHOOK_ATTEMPT_DEADLINE_SECONDS = 0.6
    slow = DripReceiver(drip=drip)
    try:
        endpoint, _secret = register(town, slow)
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_test_send(actor=town.user("coordinator"), endpoint=endpoint)
        took = time.monotonic() - started
    finally:
        slow.close()
    attempt = WebhookAttempt.objects.get()
    assert not attempt.succeeded
    assert attempt.status_code is None
    assert attempt.error == "Příjemce nedokončil odpověď do 0.6 s."
    assert 0.6 <= attempt.duration_ms / 1000 < 1.2
    assert took < 2.0
