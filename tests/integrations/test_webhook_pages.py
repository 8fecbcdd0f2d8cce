"""Who keeps webhooks, in the web UI and the API: the municipality's coordinator; everyone else gets 404."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.integrations import services
from backend.integrations.models import WebhookAttempt, WebhookEndpoint
from tests.web.test_template_leaks import leaks_in

pytestmark = pytest.mark.django_db

URL = "https://hooks.vzorov.example/ramec"


def api_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def endpoint(town) -> WebhookEndpoint:
    endpoint, _secret = services.webhook_endpoint_create(
        actor=town.user("coordinator"), municipality=town.municipality, url=URL, event_types=["task.done"]
    )
    return endpoint


def test_the_coordinator_registers_a_webhook_and_sees_its_secret_once(as_role):
    client = as_role("coordinator")
    response = client.post(
        "/integrations/webhooks/", {"url": URL, "description": "Spisová služba", "event_types": ["task.done"]}
    )
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    secret = endpoint.secrets.get().secret
    assert secret in response.content.decode()
    assert "zobrazí se jen tentokrát" in response.content.decode()
    assert secret not in client.get(f"/integrations/webhooks/{endpoint.pk}/").content.decode()


def test_a_private_address_is_refused_with_a_czech_message(as_role):
    response = as_role("coordinator").post(
        "/integrations/webhooks/", {"url": "https://192.168.1.10/hook", "event_types": ["task.done"]}
    )
    assert response.status_code == 400
    assert "Webhooky nelze odesílat do vlastní sítě tohoto serveru." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", ["manager", "lead_head", "staff", "partner", "other_coordinator"])
def test_nobody_else_sees_the_webhook_pages(as_role, endpoint, role):
    client = as_role(role)
    expected_list = 200 if role == "other_coordinator" else 404  # Lhota's coordinator has their own (empty) list
    assert client.get("/integrations/webhooks/").status_code == expected_list
    assert client.get(f"/integrations/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/integrations/webhooks/{endpoint.pk}/test/").status_code == 404
    assert client.post(f"/integrations/webhooks/{endpoint.pk}/rotate-secret/").status_code == 404


def test_the_api_creates_reads_rotates_and_hides(town, endpoint):
    coordinator = api_as(town.user("coordinator"))
    created = coordinator.post(
        "/api/v1/webhooks/", {"url": URL, "event_types": ["project.transitioned"]}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    listed = coordinator.get("/api/v1/webhooks/").json()["results"]
    assert [item["url"] for item in listed] == [URL, URL]
    assert "secret" not in listed[0]
    rotated = coordinator.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"].startswith("whsec_")
    bad = coordinator.post("/api/v1/webhooks/", {"url": URL, "event_types": ["nonsense"]}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["event_types"]

    manager = api_as(town.user("manager"))
    assert manager.get("/api/v1/webhooks/").json()["results"] == []
    assert manager.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404
    assert api_as(town.user("other_coordinator")).get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 404
    refused = manager.post("/api/v1/webhooks/", {"url": URL, "event_types": ["task.done"]}, format="json")
    assert refused.status_code == 400  # no municipality whose webhooks the manager keeps


def test_no_integrations_page_shows_template_syntax(as_role, town, endpoint):
    delivery = services.webhook_test_send(actor=town.user("coordinator"), endpoint=endpoint)
    WebhookAttempt.objects.create(delivery=delivery, status_code=500, duration_ms=9, error="Příjemce odpověděl 500.")
    client = as_role("coordinator")
    pages = [
        client.get("/integrations/webhooks/"),
        client.post("/integrations/webhooks/", {"url": "nonsense", "event_types": []}),
        client.get(f"/integrations/webhooks/{endpoint.pk}/"),
        client.post(f"/integrations/webhooks/{endpoint.pk}/rotate-secret/"),
        client.get(f"/integrations/webhooks/{endpoint.pk}/", HTTP_HX_REQUEST="true"),
        client.get("/integrations/projects/import/"),
        client.get(f"/integrations/projects/{town.project().pk}/calendar/"),
        client.get("/profile/"),
    ]
    for page in pages:
        assert page.status_code in (200, 400), page
        assert not leaks_in(page.content.decode()), page.request["PATH_INFO"]
