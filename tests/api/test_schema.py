"""The OpenAPI schema describes the REST contract of DESIGN.md, the docs work offline, and a fuzzer finds no 500.

The fuzz run (schemathesis, in-process against the WSGI app) is bounded and deterministic: a fixed number of
examples per operation, no deadline, derandomised. It signs in with a real token, once as the coordinator and
once as a partner guest (who gets the partner shapes and most writes refused), and fuzzes a small town in which
about half of the generated ids are replaced by ids of real objects, so the fuzzer reaches the code behind the
404s. The checks are strict: every status, media type and body must be the documented ones. Each operation is
its own test item, in its own rolled-back transaction.
"""

import json
import os
import re
from html.parser import HTMLParser
from io import StringIO

import pytest
import schemathesis
import yaml
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from backend.core.models import AuditEntry
from backend.notifications.models import Notification
from backend.projects.models import Event, EventKind, Project
from backend.projects.stages import Stage
from tests.factories import CommentFactory, TaskFactory
from tests.factories.attachments import attach
from workflows.services import project_transition

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/schema/"
DOCS_URL = "/api/v1/docs/"
JSON = {"format": "json"}

# DESIGN.md, REST contract (v1): every path and its methods (HEAD and OPTIONS left aside).
CONTRACT = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/projects/": {"get", "post"},
    "/api/v1/projects/{id}/": {"get", "patch"},
    "/api/v1/projects/{id}/transitions/": {"get", "post"},
    "/api/v1/projects/{id}/history/": {"get"},
    "/api/v1/approvals/": {"get"},
    "/api/v1/approvals/{id}/": {"get"},
    "/api/v1/approvals/{id}/approve/": {"post"},
    "/api/v1/approvals/{id}/reject/": {"post"},
    "/api/v1/approvals/{id}/withdraw/": {"post"},
    "/api/v1/tasks/": {"get", "post"},
    "/api/v1/tasks/{id}/": {"get", "patch"},
    "/api/v1/projects/{id}/comments/": {"get", "post"},
    "/api/v1/projects/{id}/partners/": {"get", "post"},
    "/api/v1/projects/{id}/funding/": {"get", "post"},
    "/api/v1/projects/{id}/funding/{funding_id}/": {"get", "patch"},
    "/api/v1/projects/{id}/kpis/": {"get", "post"},
    "/api/v1/projects/{id}/kpis/{kpi_id}/": {"get", "patch"},
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/{id}/read/": {"post"},
    "/api/v1/notifications/read-all/": {"post"},
    "/api/v1/me/": {"get"},
    "/api/v1/me/export/": {"get"},  # issue 6: the caller's own data (GDPR)
    "/api/v1/me/calendar-feed/": {"get", "post", "delete"},  # issue 17: the caller's own calendar address
    "/api/v1/projects/export/": {"get"},  # issue 6: the project list as CSV
    "/api/v1/energy/portfolio/": {"get"},  # issue 16: the town's energy and CO₂ totals
    "/api/v1/energy/factor-sets/": {"get"},  # issue 16: emission factor sets with their citations
    "/api/v1/departments/": {"get"},
    "/api/v1/organizations/": {"get"},
    "/api/v1/users/": {"get"},
    # issue 6: partner invitations and revoking partner access
    "/api/v1/invitations/": {"get", "post"},
    "/api/v1/invitations/{id}/revoke/": {"post"},
    "/api/v1/projects/{id}/partners/{organization_id}/": {"delete"},
    "/api/v1/organizations/{id}/revoke/": {"post"},
    # issue 15: sharing a project with other municipalities
    "/api/v1/projects/{id}/shared-with/": {"get", "post"},
    "/api/v1/projects/{id}/shared-with/{municipality_id}/": {"delete"},
    # issue 6: attachments of projects and comments (multipart upload; downloads from the web URL)
    "/api/v1/projects/{id}/attachments/": {"get", "post"},
    "/api/v1/projects/{id}/attachments/{attachment_id}/": {"delete"},
    # issue 14: public updates of a project, and the public read-only API of the portal
    "/api/v1/projects/{id}/updates/": {"get", "post"},
    "/api/v1/projects/{id}/updates/{update_id}/withdraw/": {"post"},
    "/api/v1/public/portals/": {"get"},
    "/api/v1/public/portals/{slug}/projects/": {"get"},
    "/api/v1/public/portals/{slug}/projects/{id}/": {"get"},
    "/api/v1/public/portals/{slug}/updates/": {"get"},
    # issue 15: strategies with their tree and coverage, amendments and their decisions
    "/api/v1/strategies/": {"get"},
    "/api/v1/strategies/{id}/": {"get"},
    "/api/v1/strategies/{id}/coverage/": {"get"},
    "/api/v1/strategies/{id}/amendments/": {"get", "post"},
    "/api/v1/strategies/{id}/import/": {"post"},
    "/api/v1/strategies/{id}/export/": {"get"},
    "/api/v1/amendments/{id}/": {"get"},
    "/api/v1/amendments/{id}/approve/": {"post"},
    "/api/v1/amendments/{id}/reject/": {"post"},
    "/api/v1/amendments/{id}/resolution/": {"post"},
    # issue 17: the coordinator's webhooks
    "/api/v1/webhooks/": {"get", "post"},
    "/api/v1/webhooks/{id}/": {"get", "patch", "delete"},
    "/api/v1/webhooks/{id}/rotate-secret/": {"post"},
    "/api/v1/webhooks/{id}/test/": {"post"},
    "/api/v1/webhooks/{id}/deliveries/": {"get"},
    "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver/": {"post"},
    # issue 17: the catalogue of funding calls
    "/api/v1/funding-calls/": {"get", "post"},
    "/api/v1/funding-calls/{id}/": {"get", "patch", "delete"},
    # issue 17: XLSX out (with the lists' filters) and the project register in
    "/api/v1/projects/export.xlsx": {"get"},
    "/api/v1/tasks/export.xlsx": {"get"},
    "/api/v1/funding/export.xlsx": {"get"},
    "/api/v1/projects/import/": {"post"},
}
# Writes that take input or address an object: each documents 400, 403, 404 and 409. Signing in and
# "mark all read" address nothing and can conflict with nothing.
WRITES_WITHOUT_ERROR_SET = {
    ("/api/v1/auth/token/", "post"),
    ("/api/v1/notifications/read-all/", "post"),
    # The caller's own calendar address: no body, nothing hidden, nothing to conflict with.
    ("/api/v1/me/calendar-feed/", "post"),
    ("/api/v1/me/calendar-feed/", "delete"),
}
ERROR_CODES = {"400", "403", "404", "409"}
CDN_MARKERS = ("cdn.", "unpkg", "jsdelivr", "cdnjs", "googleapis")


@pytest.fixture(autouse=True)
def _attachments_in_a_temporary_folder(settings, tmp_path):
    """Fuzzed uploads that pass the checks are stored: never in the real attachments folder."""
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"


@pytest.fixture(autouse=True)
def _own_throttle_counters(monkeypatch):
    """Throttling counts in a cache of this test only, with room for a fuzz run (it is not what is tested here)."""
    cache = LocMemCache("test-schema-throttle", {})
    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "cache", cache)
    rates = {scope: "100000/minute" for scope in SimpleRateThrottle.THROTTLE_RATES}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def signed_in(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def served_schema(client: APIClient) -> dict:
    response = client.get(SCHEMA_URL, JSON)
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


# --- the schema -----------------------------------------------------------------------------------------------


def test_schema_is_valid_openapi_3_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO())
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Rámec API"


def test_schema_served_to_a_signed_in_user_is_the_generated_one(town):
    served = served_schema(signed_in(town.user("manager")))
    generated = SchemaGenerator().get_schema(request=None, public=True)
    assert json.loads(json.dumps(generated, default=str)) == served


def test_schema_and_docs_are_public(client):
    """Pinned: anyone may read the API description (it holds no data); the data itself needs signing in."""
    assert client.get(SCHEMA_URL, JSON).status_code == 200
    assert client.get(DOCS_URL).status_code == 200
    assert client.get("/api/v1/projects/").status_code == 401


@pytest.mark.parametrize("method", ["options", "post", "delete"])
@pytest.mark.parametrize("query", ["", "?script"])
def test_the_docs_page_answers_other_methods_405_not_an_error(client, method, query):
    response = getattr(client, method)(DOCS_URL + query)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_schema_describes_every_path_of_the_contract_with_its_methods(town):
    paths = served_schema(signed_in(town.user("manager")))["paths"]
    described = {path: set(operations) - {"parameters", "head", "options"} for path, operations in paths.items()}
    assert described == CONTRACT


def test_token_authentication_is_the_documented_security_scheme(town):
    schema = served_schema(signed_in(town.user("manager")))
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }


def _writes(paths: dict):
    for path, operations in paths.items():
        for method in ("post", "patch", "put", "delete"):
            if method in operations:
                yield path, method, operations[method]


def test_every_write_documents_invalid_forbidden_hidden_and_conflict(town):
    paths = served_schema(signed_in(town.user("manager")))["paths"]
    missing = {
        f"{method.upper()} {path}": sorted(ERROR_CODES - set(operation["responses"]))
        for path, method, operation in _writes(paths)
        if (path, method) not in WRITES_WITHOUT_ERROR_SET and not set(operation["responses"]) >= ERROR_CODES
    }
    assert missing == {}


def test_signing_in_documents_its_refusal(town):
    responses = served_schema(signed_in(town.user("manager")))["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert {"200", "400"} <= set(responses)


def test_every_operation_behind_sign_in_documents_401(town):
    paths = served_schema(signed_in(town.user("manager")))["paths"]
    undocumented = sorted(
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method != "parameters" and path != "/api/v1/auth/token/" and "401" not in operation["responses"]
    )
    assert undocumented == []


def test_conflicts_are_documented_with_their_blockers(town):
    schema = served_schema(signed_in(town.user("manager")))
    transition = schema["paths"]["/api/v1/projects/{id}/transitions/"]["post"]["responses"]
    assert set(transition) >= {"200", "202", "400", "403", "404", "409"}
    conflict = transition["409"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][conflict]["properties"]) == {"detail", "code", "blockers"}


def _operations(paths: dict):
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method != "parameters":
                yield path, method, operation


def test_every_error_answer_is_documented_as_json_with_its_body(town):
    paths = served_schema(signed_in(town.user("manager")))["paths"]
    undocumented = sorted(
        f"{method.upper()} {path} {code}"
        for path, method, operation in _operations(paths)
        for code, response in operation["responses"].items()
        if int(code) >= 400
        and (set(response.get("content", {})) != {"application/json"} or not response["content"]["application/json"])
    )
    assert undocumented == []


def test_throttling_and_authentication_answers_document_their_headers(town):
    paths = served_schema(signed_in(town.user("manager")))["paths"]
    responses = [operation["responses"] for _, _, operation in _operations(paths)]
    assert {"Retry-After"} == {name for answers in responses for name in answers["429"]["headers"]}
    assert {"WWW-Authenticate"} == {name for answers in responses for name in answers["401"]["headers"]}


def _error_codes(paths: dict, path: str, method: str) -> set[int]:
    return {int(code) for code in paths[path][method]["responses"] if int(code) >= 400}


def test_the_error_answers_follow_what_the_operation_is(town):
    """Read by id: 401, 404 (and 406, 429); a list adds 400 for its filters and 404 for a tampered cursor; a
    write adds 400, 403, 409 (and 415 with a body); signing in and "mark all read" address nothing."""
    paths = served_schema(signed_in(town.user("manager")))["paths"]
    assert _error_codes(paths, "/api/v1/me/", "get") == {401, 406, 429}
    assert _error_codes(paths, "/api/v1/projects/{id}/", "get") == {401, 404, 406, 429}
    assert _error_codes(paths, "/api/v1/projects/", "get") == {400, 401, 404, 406, 429}
    assert _error_codes(paths, "/api/v1/projects/{id}/", "patch") == {400, 401, 403, 404, 406, 409, 415, 429}
    assert _error_codes(paths, "/api/v1/notifications/{id}/read/", "post") == {400, 401, 403, 404, 406, 409, 429}
    assert _error_codes(paths, "/api/v1/notifications/read-all/", "post") == {401, 403, 406, 429}
    assert _error_codes(paths, "/api/v1/auth/token/", "post") == {400, 401, 403, 406, 415, 429}
    # The CSV export answers CSV whatever the Accept header says: no 406.
    assert _error_codes(paths, "/api/v1/projects/export/", "get") == {400, 401, 429}


def test_files_document_their_media_types(town):
    paths = served_schema(signed_in(town.user("manager")))["paths"]
    assert set(paths["/api/v1/projects/export/"]["get"]["responses"]["200"]["content"]) == {"text/csv"}
    assert set(paths["/api/v1/me/export/"]["get"]["responses"]["200"]["content"]) == {"application/json"}
    upload = paths["/api/v1/projects/{id}/attachments/"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for path in ("/api/v1/projects/export.xlsx", "/api/v1/tasks/export.xlsx", "/api/v1/funding/export.xlsx"):
        assert set(paths[path]["get"]["responses"]["200"]["content"]) == {xlsx}
    assert set(paths["/api/v1/projects/import/"]["post"]["requestBody"]["content"]) == {"multipart/form-data"}


def test_partners_shapes_of_projects_and_history_are_described_beside_the_whole_ones(town):
    schemas = served_schema(signed_in(town.user("partner")))["components"]["schemas"]
    assert schemas["ProjectByViewer"] == {
        "oneOf": [{"$ref": "#/components/schemas/Project"}, {"$ref": "#/components/schemas/PartnerProject"}]
    }
    assert schemas["HistoryByViewer"] == {
        "anyOf": [{"$ref": "#/components/schemas/History"}, {"$ref": "#/components/schemas/PartnerHistory"}]
    }


@pytest.mark.parametrize("role", ["partner", "manager", "coordinator"])
@pytest.mark.parametrize("path", ["/api/v1/projects/", "/api/v1/projects/{id}/", "/api/v1/projects/{id}/history/"])
def test_projects_and_their_history_answer_as_the_schema_says_to_partners_and_staff(town, role, path, wsgi_app):
    project = town.project(Stage.IDEA)
    project_transition(project=project, actor=town.user("manager"), transition="submit", comment="Hotovo.")
    case = fuzz_schema[path]["GET"].Case(path_parameters={"id": project.pk} if "{id}" in path else {})
    token = {"Authorization": f"Token {Token.objects.create(user=town.user(role)).key}"}

    response = case.call_and_validate(headers=token, checks=CHECKS, app=wsgi_app)

    assert response.status_code == 200
    body = response.json()
    item = body["results"][0] if "results" in body else body
    assert ("estimated_cost" in item or "actor" in item) == (role != "partner"), item


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/projects/0.5/"),
        ("get", "/api/v1/approvals/1.5e-3/"),
        ("delete", "/api/v1/projects/null,null/attachments/1/"),
        ("post", "/api/v1/projects/1/kpis/%C2%84/"),
        ("get", "/api/v1/no-such-collection/"),
        ("get", "/api/v1/"),
        ("get", "/api/"),
        ("post", "/api/v2/projects/"),
        ("options", "/api/docs/"),
    ],
)
def test_an_address_no_route_takes_answers_the_json_404_in_the_demo_too(town, settings, method, path):
    """With DEBUG on, Django would answer its HTML debug page, which the schema does not document; nor is a
    mistyped address recorded as an attempt on an object."""
    settings.DEBUG = True
    response = getattr(signed_in(town.user("coordinator")), method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("path", ["/api/", "/api/v1/", "/api/v2/projects/", "/api/v1/no-such-collection/"])
def test_the_demo_answers_the_same_404_as_production(town, settings, path):
    client = signed_in(town.user("partner"))
    settings.DEBUG = False
    production = client.get(path)
    settings.DEBUG = True
    demo = client.get(path)

    assert (demo.status_code, demo["Content-Type"], demo.content) == (404, "application/json", production.content)
    assert demo.json() == {"detail": "Nenalezeno."}


@pytest.mark.parametrize("path", ["/api", "/api/v1", "/api/v2/projects"])
def test_an_api_address_without_its_slash_leads_to_the_json_404(town, settings, path):
    settings.DEBUG = True
    client = APIClient(headers={"Accept-Language": "cs"})

    response = client.get(path, follow=True)

    assert response.redirect_chain == [(f"{path}/", 301)]
    assert (response.status_code, response.json()) == (404, {"detail": "Nenalezeno."})


def test_an_address_without_its_slash_is_still_redirected_to_it(town):
    response = signed_in(town.user("coordinator")).get("/api/v1/projects")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/projects/"


def test_a_wrong_token_with_an_unknown_format_is_a_404_not_a_server_error(client):
    """The format is refused before authentication; recording the refusal then met the wrong token (a 500)."""
    response = client.get("/api/v1/projects/1/?format=xml", HTTP_AUTHORIZATION="Token wrong")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


# --- the interactive docs ---------------------------------------------------------------------------------------


class _References(HTMLParser):
    """Every URL a page loads (src, href) and whether it runs inline script."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.urls += [attributes[name] for name in ("src", "href") if attributes.get(name)]
        self._in_script_without_src = tag == "script" and not attributes.get("src")

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script_without_src = False


def test_docs_load_only_our_own_static_files_and_script(town):
    client = signed_in(town.user("manager"))
    response = client.get(DOCS_URL)
    assert response.status_code == 200
    html = response.content.decode()
    page = _References()
    page.feed(html)

    assert [marker for marker in CDN_MARKERS if marker in html] == []
    assert not [url for url in page.urls if re.match(r"^(https?:)?//", url)], page.urls
    assert page.inline_scripts == 0, "the strict CSP allows no inline script"
    static = [url for url in page.urls if url.startswith("/" + django_settings.STATIC_URL.lstrip("/"))]
    others = [url for url in page.urls if url not in static]
    assert static, page.urls
    for url in static:
        path = url.removeprefix("/" + django_settings.STATIC_URL.lstrip("/"))
        assert finders.find(path), f"{url} is not one of our static files"
    assert [url.split("?")[0] for url in others] == [DOCS_URL], others

    script = client.get(others[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    body = script.content.decode()
    assert [marker for marker in CDN_MARKERS if marker in body] == []
    assert SCHEMA_URL in body


# --- every documented field reaches the service -----------------------------------------------------------------
# One request per write with every writable field its request schema documents, set to a sensible value: the
# answer is a success or a 400 that names fields, never a 500 (a field the serializer takes but the service does
# not). The fuzzer below finds the same by chance; this finds it every time.


def _full_bodies(town, world: dict[str, list[int]]) -> dict[tuple[str, str], tuple[str, dict]]:
    project, funded = world["projects"][0], world["projects"][1]
    people = {"manager": town.user("manager").pk, "staff": town.user("staff").pk}
    project_fields = {
        "title": "Chytré lavičky v parku",
        "summary": "Lavičky s nabíjením a měřením kvality ovzduší.",
        "description": "Deset laviček se solárním panelem a čidly prachu.",
        "lead_department": town.env.pk,
        "departments": [town.tra.pk],
        "measures": [],  # the fuzz world has no strategy: tests/strategy/test_project_measures_api.py sets them
        "manager": people["manager"],
        "thematic_area": "environment",
        "estimated_cost": "450000.00",
        "assessment_score": 72,
        "assessment_summary": "Levné a viditelné.",
        "evaluation_summary": "",
        "is_public": True,
        "public_summary": "Lavičky, na kterých si nabijete telefon.",
        "address": "Městský park, Vzorov",
        "ruian_code": 21745218,
        "latitude": "49.400500",
        "longitude": "15.590400",
        "planned_start": "2027-04-01",
        "planned_end": "2027-06-30",
        "reason": "",  # only corrections of a completed project need one
    }
    funding_fields = {
        "programme": "nzu",
        "call_name": "Výzva 1/2027",
        "amount_requested": "400000.00",
        "amount_approved": "400000.00",
        "status": "approved",
        "call_deadline": "2027-03-31",
        "internal_note": "Spoluúčast z rozpočtu.",
    }
    kpi_fields = {
        "name": "Úspora CO₂",
        "kind": "co2_reduction",
        "carrier": "",
        "sector": "transport",
        "unit": "t CO₂/year",
        "baseline": "0",
        "target": "12",
        "actual": "11.5",
        "reason": "",
    }
    task_fields = {
        "project": funded,
        "title": "Objednat lavičky",
        "description": "Tři nabídky.",
        "assignee": people["staff"],
        "stage": "funding",
        "status": "in_progress",
        "due_date": "2027-02-15",
    }
    return {
        ("post", "/api/v1/projects/"): ("/api/v1/projects/", project_fields),
        ("patch", "/api/v1/projects/{id}/"): (f"/api/v1/projects/{project}/", project_fields),
        ("post", "/api/v1/projects/{id}/transitions/"): (
            f"/api/v1/projects/{project}/transitions/",
            {
                "name": "put_on_hold",
                "comment": "Čekáme na rozpočet.",
                "expected_stage": Project.objects.get(pk=project).stage,  # the stage the caller last saw
            },
        ),
        ("post", "/api/v1/projects/{id}/comments/"): (
            f"/api/v1/projects/{project}/comments/",
            {"body": "@manager prosím o doplnění.", "visibility": "shared"},
        ),
        ("post", "/api/v1/projects/{id}/partners/"): (
            f"/api/v1/projects/{project}/partners/",
            {"organization": town.firm.pk, "access_level": "view"},
        ),
        ("post", "/api/v1/projects/{id}/funding/"): (f"/api/v1/projects/{funded}/funding/", funding_fields),
        ("patch", "/api/v1/projects/{id}/funding/{funding_id}/"): (
            f"/api/v1/projects/{funded}/funding/{world['funding'][0]}/",
            funding_fields,
        ),
        ("post", "/api/v1/projects/{id}/kpis/"): (f"/api/v1/projects/{funded}/kpis/", kpi_fields),
        ("patch", "/api/v1/projects/{id}/kpis/{kpi_id}/"): (
            f"/api/v1/projects/{funded}/kpis/{world['kpis'][0]}/",
            kpi_fields,
        ),
        ("post", "/api/v1/tasks/"): ("/api/v1/tasks/", task_fields),
        ("patch", "/api/v1/tasks/{id}/"): (
            f"/api/v1/tasks/{world['tasks'][0]}/",
            {name: value for name, value in task_fields.items() if name not in ("project", "stage")},
        ),
        ("post", "/api/v1/approvals/{id}/approve/"): (
            f"/api/v1/approvals/{world['approvals'][0]}/approve/",
            {
                "comment": "Souhlasím.",
                "resolution_body": "board",
                "resolution_number": "R 45/2026",
                "resolution_date": "2026-11-30",
            },
        ),
        ("post", "/api/v1/invitations/"): (
            "/api/v1/invitations/",
            {"email": "nova.hostka@example.org", "organization": town.firm.pk, "projects": [project], "language": "en"},
        ),
    }


FULL_BODY_WRITES = [
    ("post", "/api/v1/projects/"),
    ("patch", "/api/v1/projects/{id}/"),
    ("post", "/api/v1/projects/{id}/transitions/"),
    ("post", "/api/v1/projects/{id}/comments/"),
    ("post", "/api/v1/projects/{id}/partners/"),
    ("post", "/api/v1/projects/{id}/funding/"),
    ("patch", "/api/v1/projects/{id}/funding/{funding_id}/"),
    ("post", "/api/v1/projects/{id}/kpis/"),
    ("patch", "/api/v1/projects/{id}/kpis/{kpi_id}/"),
    ("post", "/api/v1/tasks/"),
    ("patch", "/api/v1/tasks/{id}/"),
    ("post", "/api/v1/approvals/{id}/approve/"),
    ("post", "/api/v1/invitations/"),
]


@pytest.mark.parametrize(("method", "path"), FULL_BODY_WRITES, ids=[f"{m.upper()} {p}" for m, p in FULL_BODY_WRITES])
def test_every_documented_field_of_a_write_is_handled_without_a_server_error(town, fuzz_world, method, path):
    client = signed_in(town.user("lead_head"))  # may edit ENV's projects and decide their approvals
    schema = served_schema(client)
    reference = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    documented = set(schema["components"]["schemas"][reference.rsplit("/", 1)[-1]]["properties"])
    url, values = _full_bodies(town, fuzz_world)[(method, path)]
    assert documented <= set(values), f"give a value for {sorted(documented - set(values))}"
    body = {name: value for name, value in values.items() if name in documented}

    response = getattr(client, method)(url, body, format="json")
    assert response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == "application/json"
    if response.status_code == 400:
        assert set(response.json()) <= documented | {"non_field_errors"}, response.json()
    else:
        assert response.status_code in (200, 201, 202), response.content[:300]


# --- fuzzing ----------------------------------------------------------------------------------------------------

# Strict: every answer's status, media type and body are the documented ones. ``use_after_free`` acts on chains
# of calls (a read after a successful DELETE of the same resource); it is here so that no chain escapes it.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    use_after_free,
]
# Examples per operation and caller (the coordinator and a partner guest); FUZZ_EXAMPLES changes it for a run.
# Besides them each operation runs schemathesis' coverage cases (boundaries, missing and wrong values) and the
# schema's examples. At 20, both callers' 92 items take about 140 s of CPU (pytest and PostgreSQL), so well
# under three minutes on two idle cores; at 100 it would be roughly twice that.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


# Ids of real objects of the running fuzz test, by kind; generated path parameters point at them half the time.
REAL_IDS: dict[str, list[int]] = {}


@pytest.fixture
def fuzz_world(town) -> dict[str, list[int]]:
    """A little of everything, so that generated ids can point at real objects."""
    ready = town.project(Stage.ASSESSMENT)
    funded = town.project(Stage.FUNDING)
    idea = town.project(Stage.IDEA, ready=False)
    requested = project_transition(project=ready, actor=town.user("manager"), transition="approve_for_funding")
    task = TaskFactory(project=funded, assignee=town.user("coordinator"), stage=Stage.FUNDING)
    partner_task = TaskFactory(project=funded, assignee=town.user("partner"), stage=Stage.FUNDING)
    CommentFactory(project=ready, author=town.user("manager"), body="@coordinator prosím o posouzení")
    event = Event.objects.create(project=ready, kind=EventKind.COMMENT_POSTED, actor=town.user("manager"))
    notification = Notification.objects.create(recipient=town.user("coordinator"), event=event)
    partner_notification = Notification.objects.create(recipient=town.user("partner"), event=event)
    REAL_IDS.clear()
    REAL_IDS.update(
        departments=[town.env.pk, town.tra.pk],
        organizations=[town.ngo.pk, town.firm.pk],
        municipalities=[town.municipality.pk],
        users=[town.user(role).pk for role in ("manager", "lead_head", "staff", "partner")],
        projects=[ready.pk, funded.pk, idea.pk],
        funding=[funded.funding_applications.get().pk, ready.funding_applications.get().pk],
        kpis=[funded.kpis.get().pk, ready.kpis.get().pk],
        approvals=[requested.approval_request.pk],
        tasks=[task.pk, partner_task.pk],
        notifications=[notification.pk, partner_notification.pk],
        attachments=[
            attach(ready, town.user("manager"), name="zápis.pdf").pk,
            attach(funded, town.user("partner"), name="podklady.pdf", visibility="shared").pk,
        ],
    )
    yield REAL_IDS
    REAL_IDS.clear()


def _real(kind: str) -> st.SearchStrategy[int]:
    # Drawn when a case is generated, inside the test, so it reads the ids of that test's objects.
    return st.integers(min_value=0, max_value=5).map(lambda index: REAL_IDS[kind][index % len(REAL_IDS[kind])])


def _real_path_parameters(path: str) -> dict[str, st.SearchStrategy[int]]:
    kind = path.removeprefix("/api/v1/").split("/", 1)[0]
    real = {"id": _real(kind)} if kind in ("projects", "approvals", "tasks", "notifications") and "{id}" in path else {}
    if "{funding_id}" in path:
        real["funding_id"] = _real("funding")
    if "{kpi_id}" in path:
        real["kpi_id"] = _real("kpis")
    if "{organization_id}" in path:
        real["organization_id"] = _real("organizations")
    if "{attachment_id}" in path:
        real["attachment_id"] = _real("attachments")
    if "{municipality_id}" in path:
        real["municipality_id"] = _real("municipalities")
    if "{update_id}" in path:
        return {}  # the fuzz world has no updates: generated ids (404s) only
    return real


@pytest.fixture
def coordinator_token(town) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.create(user=town.user('coordinator')).key}"}


@pytest.fixture
def partner_token(town) -> dict[str, str]:
    """A guest of the NGO, which every project of the fuzz world is shared with: the partner shapes answer."""
    return {"Authorization": f"Token {Token.objects.create(user=town.user('partner')).key}"}


@pytest.fixture
def wsgi_app():
    """The real WSGI application, kept from closing the connection that holds the test's transaction.

    Django's own test client does the same: at the start and the end of every request the WSGI handler
    closes database connections that are inside a transaction, and a rolled-back test always is.
    """
    from backend.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The schema is generated, not fetched, so that collecting the tests needs no database; a test above checks
# that the served schema is this one.
fuzz_schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
)


@fuzz_schema.hook
def before_generate_path_parameters(context, strategy):
    real = _real_path_parameters(context.operation.path)
    return st.one_of(strategy, st.fixed_dictionaries(real)) if real else strategy


# Fields of a request body that name another object, and the kind of object they name.
REFERENCES = {
    "project": "projects",
    "lead_department": "departments",
    "manager": "users",
    "assignee": "users",
    "organization": "organizations",
}


@fuzz_schema.hook
def before_generate_body(context, strategy):
    def with_real_references(body):
        if not isinstance(body, dict) or not REFERENCES.keys() & body.keys():
            return st.just(body)
        real = {name: _real(REFERENCES[name]) if name in REFERENCES else st.just(value) for name, value in body.items()}
        return st.one_of(st.just(body), st.fixed_dictionaries(real))

    return strategy.flatmap(with_real_references)


@fuzz_schema.parametrize()
@FUZZ_SETTINGS
def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_schema(case, fuzz_world, coordinator_token, wsgi_app):
    case.call_and_validate(headers=coordinator_token, checks=CHECKS, app=wsgi_app)


@fuzz_schema.parametrize()
@FUZZ_SETTINGS
def test_fuzzing_as_a_partner_finds_no_answer_outside_the_schema(case, fuzz_world, partner_token, wsgi_app):
    """Partners get projects and history in their own shape, and 403/404 for most writes: all documented."""
    case.call_and_validate(headers=partner_token, checks=CHECKS, app=wsgi_app)
