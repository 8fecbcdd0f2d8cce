"""The API answers in Czech (the default language) even where DRF's own Czech catalogue is silent.

Each case renders a real refusal and reads its body: the Czech text is there, DRF's English and the parser's
internals are not.
"""

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from backend.api.throttling import UserRateThrottle
from backend.projects.stages import Stage
from tests.api.conftest import api_client

pytestmark = pytest.mark.usefixtures("own_throttle_cache")


@pytest.fixture
def manager(town):
    return api_client(town.user("manager"))


def _body(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Language"] == "cs"
    return response.json()


def test_a_field_that_is_not_a_string_is_refused_in_czech(manager):
    body = _body(manager.post("/api/v1/projects/", {"title": {"a": 1}}, format="json"), 400)
    assert body["title"] == ["Hodnota není platný text."]


def test_a_field_that_is_not_a_boolean_is_refused_in_czech(manager):
    body = _body(manager.post("/api/v1/projects/", {"title": "Projekt", "is_public": "možná"}, format="json"), 400)
    assert body["is_public"] == ["Hodnota musí být pravdivostní (true nebo false)."]


def test_a_null_body_is_refused_in_czech(manager):
    body = _body(manager.post("/api/v1/projects/", data="null", content_type="application/json"), 400)
    assert body == {"non_field_errors": ["Nebyla zaslána žádná data."]}


@pytest.mark.parametrize(
    "raw", ['{"title": "Nedopsáno",'.encode(), b"{'title': 'x'}", b'{"title": "\xff\xfe"}', b"\x00\x01"]
)
def test_unparsable_json_is_one_czech_message_without_parser_internals(manager, raw):
    body = _body(manager.post("/api/v1/projects/", data=raw, content_type="application/json"), 400)
    assert body == {"detail": "Tělo požadavku není platný JSON."}


def test_an_unparsable_upload_is_one_czech_message(town, manager):
    project = town.project(Stage.IDEA)
    response = manager.post(
        f"/api/v1/projects/{project.pk}/attachments/", data=b"--x\r\n", content_type="multipart/form-data; boundary="
    )
    assert _body(response, 400) == {"detail": "Tělo požadavku nelze přečíst jako multipart/form-data."}


def test_a_missing_csrf_token_is_refused_in_czech(town):
    client = api_client(enforce_csrf_checks=True)
    client.force_login(town.user("manager"))
    body = _body(client.post("/api/v1/projects/", {"title": "Bez tokenu"}, format="json"), 403)
    assert body == {
        "detail": "Kontrola CSRF selhala: načtěte stránku znovu a zkuste to ještě jednou, "
        "nebo s požadavkem pošlete token CSRF."
    }


@pytest.mark.parametrize(("wait", "czech"), [(1, "1 sekundu"), (3, "3 sekundy"), (42, "42 sekund")])
def test_throttling_tells_the_wait_in_czech(town, monkeypatch, wait, czech):
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "1/minute", "anon": "1/minute"})
    monkeypatch.setattr(UserRateThrottle, "wait", lambda self: wait)
    client = api_client(town.user("manager"))
    client.get("/api/v1/me/")
    response = client.get("/api/v1/me/")
    assert _body(response, 429) == {"detail": f"Příliš mnoho požadavků: zkuste to znovu za {czech}."}
    assert response["Retry-After"] == str(wait)
