"""Bad input through the REST API: a clear 4xx in JSON, never a 500, and nothing half-saved (DESIGN.md).

Every refused write is checked twice: the answer (its status, a JSON object, a readable message on the
field at fault or in ``detail``) and the database (no row added or removed, the rows concerned unchanged).
The tables list the bad values; a test runs all of its table and reports every case that went wrong.
"""

import base64
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest
from django.db import connection

from backend.accounts.models import Department, PartnerOrganization, User
from backend.notifications.models import Notification
from backend.projects.models import Comment, Event, FundingApplication, Kpi, Project, ProjectPartner, Task
from backend.projects.stages import Stage
from tests.api.conftest import MISSING_ID, api_client
from tests.factories import (
    DepartmentFactory,
    MembershipFactory,
    PartnerOrganizationFactory,
    ProjectFactory,
    TaskFactory,
)
from workflows.models import ApprovalDecision, ApprovalRequest, TransitionRecord
from workflows.services import project_transition

pytestmark = pytest.mark.usefixtures("own_throttle_cache")

MEGABYTE = 1024 * 1024
# Looks empty: a zero-width space, a word joiner, a right-to-left override, a byte order mark, spaces between.
INVISIBLE = "\u200b \u2060\n\u202e\ufeff"
TRACKED = (
    Project,
    Task,
    Comment,
    FundingApplication,
    Kpi,
    ProjectPartner,
    ApprovalRequest,
    ApprovalDecision,
    TransitionRecord,
    Event,
    Notification,
)


# --- How a refusal is checked ------------------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    """Row counts of every table a request could write to, in one query."""
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})" for model in TRACKED)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip((model.__name__ for model in TRACKED), cursor.fetchone(), strict=True))


def _row(instance) -> dict:
    return type(instance).objects.filter(pk=instance.pk).values().get()


@contextmanager
def nothing_saved(*instances):
    """No row is added or removed anywhere, and the given rows keep every column as it was."""
    counts, rows = _counts(), [_row(instance) for instance in instances]
    yield
    assert _counts() == counts, "a refused request saved something"
    assert [_row(instance) for instance in instances] == rows, "a refused request changed a row"


def refused(response, status: int, field: str | None = None) -> dict:
    """The answer is ``status`` with a JSON object carrying a readable message (on ``field`` if given)."""
    shown = response.content[:300]
    assert response.status_code == status, f"{response.status_code}: {shown}"
    assert response["Content-Type"].startswith("application/json"), f"not JSON: {shown}"
    body = response.json()
    assert isinstance(body, dict), f"not an object: {shown}"
    if field is None:
        assert isinstance(body.get("detail"), str), f"no detail: {body}"
        assert body["detail"].strip(), f"empty detail: {body}"
    else:
        messages = body.get(field)
        assert messages, f"no error on {field!r}: {body}"
        for message in messages if isinstance(messages, list) else [messages]:
            assert isinstance(message, str), f"unreadable error on {field!r}: {body}"
            assert message.strip(), f"empty error on {field!r}: {body}"
    assert len(response.content) < 5_000, "an error never echoes the input back"
    return body


def conflict(response, code: str, *blocker_codes: str) -> dict:
    """409 with ``{"detail", "code", "blockers": [{"code", "message"}]}``."""
    body = refused(response, 409)
    assert body["code"] == code, body
    assert [blocker["code"] for blocker in body["blockers"]] == list(blocker_codes or [code]), body
    for blocker in body["blockers"]:
        assert set(blocker) == {"code", "message"}, body
        assert blocker["message"].strip(), body
    return body


@contextmanager
def case(failures: dict, label: str):
    """Record a failing case of a table under its label, and go on with the next one."""
    try:
        yield
    except AssertionError as error:
        failures[label] = str(error).splitlines()[0]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 30 else f"{text[:14]}…({len(text)} chars)"


# --- Fixtures: one project of Vzorov, and Lhota's objects when a test needs them ----------------------------------


@pytest.fixture
def project(town) -> Project:
    """Vzorov's ENV project managed by ``manager``, in assessment, planned from 1 March 2026, the NGO invited."""
    return town.project(Stage.ASSESSMENT, planned_start=date(2026, 3, 1))


@pytest.fixture
def manager(town):
    return api_client(town.user("manager"))


@pytest.fixture
def partner_task(town, project) -> Task:
    return TaskFactory(project=project, title="Podklady od spolku", assignee=town.user("partner"))


@pytest.fixture
def approval(town, project) -> ApprovalRequest:
    """The manager asked to reject the project; the head of ENV or the coordinator decide."""
    outcome = project_transition(project=project, actor=town.user("manager"), transition="reject", comment="Duplicita.")
    return outcome.approval_request


@dataclass
class Lhota:
    department: Department
    member: User
    project: Project
    organization: PartnerOrganization


@pytest.fixture
def lhota(town) -> Lhota:
    department = DepartmentFactory(municipality=town.other_municipality, code="SPR", name="Správní odbor Lhota")
    return Lhota(
        department=department,
        member=MembershipFactory(role="staff", department=department, user__username="lhota.referent").user,
        project=ProjectFactory(lead_department=department, manager=None, title="Tajný projekt Lhoty"),
        organization=PartnerOrganizationFactory(municipality=town.other_municipality, name="Lhotecký spolek"),
    )


def _fill(value, ids: dict[str, int]):
    """``"{project}"``-style placeholders in a table's body, replaced by the ids of this test's objects."""
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return ids[value[1:-1]]
    return value


def _body(template: dict, ids: dict[str, int]) -> dict:
    return {key: _fill(value, ids) for key, value in template.items()}


def _ids(town, project, **more) -> dict[str, int]:
    return {
        "project": project.pk,
        "funding": project.funding_applications.get().pk,
        "kpi": project.kpis.get().pk,
        "firm": town.firm.pk,
        **{name: instance.pk for name, instance in more.items()},
    }


# --- Bodies that are not JSON objects ------------------------------------------------------------------------------

WRITES = [
    ("post", "/projects/"),
    ("patch", "/projects/{project}/"),
    ("post", "/projects/{project}/transitions/"),
    ("post", "/projects/{project}/comments/"),
    ("post", "/projects/{project}/partners/"),
    ("post", "/projects/{project}/funding/"),
    ("patch", "/projects/{project}/funding/{funding}/"),
    ("post", "/projects/{project}/kpis/"),
    ("patch", "/projects/{project}/kpis/{kpi}/"),
    ("post", "/tasks/"),
    ("patch", "/tasks/{task}/"),
    ("post", "/approvals/{approval}/approve/"),
    ("post", "/approvals/{approval}/reject/"),
]


def test_malformed_json_is_400_on_every_write(town, project, partner_task, approval):
    client = api_client(town.user("coordinator"))
    ids = _ids(town, project, task=partner_task, approval=approval)
    failures = {}
    for method, template in WRITES:
        with case(failures, f"{method.upper()} {template}"), nothing_saved(project, partner_task, approval):
            response = getattr(client, method)(
                "/api/v1" + template.format(**ids), data='{"title": "Nedopsáno",', content_type="application/json"
            )
            assert "JSON" in refused(response, 400)["detail"]
    assert failures == {}


UNPARSABLE = {
    "truncated": b'{"title": ',
    "trailing comma": b'{"title": "x",}',
    "single quotes": b"{'title': 'x'}",
    "not UTF-8": b'{"title": "\xff\xfe"}',
    "garbage": b"NaN-garbage",
    "binary": b"\x00\x01\x02",
    "empty body": b"",
}


def test_every_kind_of_unparsable_body_is_400(manager):
    failures = {}
    for label, raw in UNPARSABLE.items():
        with case(failures, label), nothing_saved():
            response = manager.post("/api/v1/projects/", data=raw, content_type="application/json")
            refused(response, 400, None if raw else "title")  # an empty body is an empty object: no title
    assert failures == {}


NOT_OBJECTS = [
    ("post", "/projects/", "[]"),
    ("post", "/projects/", '"Nový projekt"'),
    ("post", "/projects/", "null"),
    ("patch", "/projects/{project}/", '[{"title": "x"}]'),
    ("post", "/projects/{project}/transitions/", '"submit"'),
    ("post", "/projects/{project}/comments/", "true"),
    ("post", "/tasks/", "42"),
    ("post", "/approvals/{approval}/reject/", '["Důvod"]'),
]


def test_json_that_is_not_an_object_is_400(town, project, approval):
    client = api_client(town.user("coordinator"))
    ids = _ids(town, project, approval=approval)
    failures = {}
    for method, template, raw in NOT_OBJECTS:
        with case(failures, f"{method.upper()} {template} {raw}"), nothing_saved(project, approval):
            response = getattr(client, method)(
                "/api/v1" + template.format(**ids), data=raw, content_type="application/json"
            )
            refused(response, 400, "non_field_errors")
    assert failures == {}


def test_bodies_other_than_json_are_415(manager, project):
    failures = {}
    for content_type, raw in [
        ("text/plain", "title=Nový"),
        ("application/x-www-form-urlencoded", "title=Nový"),
        ("multipart/form-data; boundary=x", "--x--"),
        ("application/xml", "<project><title>Nový</title></project>"),
    ]:
        with case(failures, content_type), nothing_saved(project):
            refused(manager.post("/api/v1/projects/", data=raw, content_type=content_type), 415)
            refused(manager.patch(f"/api/v1/projects/{project.pk}/", data=raw, content_type=content_type), 415)
    assert failures == {}


# --- Wrong types and out-of-range values on a project ------------------------------------------------------------

# field, bad value: each sent alone (besides a valid title on create), on create and on edit
BAD_PROJECT_VALUES = [
    ("estimated_cost", "hodně"),
    ("estimated_cost", "NaN"),
    ("estimated_cost", "Infinity"),
    ("estimated_cost", "1e20"),
    ("estimated_cost", "12.345"),
    ("estimated_cost", "-1"),
    ("estimated_cost", -0.01),
    ("title", ["Dva", "názvy"]),
    ("title", {"cs": "Název"}),
    ("title", ""),
    ("title", "   "),
    ("title", None),
    ("title", "Nul\x00znak"),
    ("title", "x" * 201),
    ("title", "x" * 10_000),
    ("summary", "x" * 501),
    ("description", "x" * MEGABYTE),
    ("description", None),
    ("assessment_summary", "x" * MEGABYTE),
    ("evaluation_summary", "x" * 20_001),
    ("assessment_score", "vysoké"),
    ("assessment_score", 101),
    ("assessment_score", -1),
    ("assessment_score", 50.5),
    ("is_public", "možná"),
    ("is_public", [True]),
    ("planned_start", "2026-02-30"),
    ("planned_start", "1. 3. 2026"),
    ("planned_start", 20260301),
    ("thematic_area", "space"),
    ("thematic_area", ["energy"]),
    ("lead_department", "ENV"),
    ("lead_department", MISSING_ID),
    ("lead_department", [1]),
    ("departments", 5),
    ("departments", ["ENV"]),
    ("manager", "manager"),
    ("manager", MISSING_ID),
]


@pytest.mark.parametrize("write", ["create", "edit"])
def test_bad_project_values_are_400_on_the_field(manager, project, write):
    failures = {}
    for field, value in BAD_PROJECT_VALUES:
        with case(failures, f"{field}={_short(value)}"), nothing_saved(project):
            if write == "create":
                body = {"title": "Platný název", field: value} if field != "title" else {field: value}
                response = manager.post("/api/v1/projects/", body, format="json")
            else:
                response = manager.patch(f"/api/v1/projects/{project.pk}/", {field: value}, format="json")
            refused(response, 400, field)
    assert failures == {}


def test_unknown_and_read_only_fields_on_create_are_400_naming_the_field(manager):
    failures = {}
    for field, value in [
        ("colour", "zelená"),
        ("stage", "completed"),
        ("municipality", 1),
        ("id", 1),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("author", 1),
        ("stage_before_hold", "funding"),
    ]:
        with case(failures, field), nothing_saved():
            refused(manager.post("/api/v1/projects/", {"title": "Nový", field: value}, format="json"), 400, field)
    assert failures == {}


def test_stage_and_read_only_fields_in_a_patch_are_400(manager, project):
    failures = {}
    for label, body, field in [
        ("stage", {"stage": "completed"}, "stage"),
        ("the stage it has", {"stage": "assessment"}, "stage"),
        ("stage with a valid change", {"summary": "Nové", "stage": "funding"}, "stage"),  # the summary is not saved
        ("municipality", {"municipality": project.municipality_id}, "municipality"),
        ("stage_changed_at", {"stage_changed_at": "2020-01-01T00:00:00Z"}, "stage_changed_at"),
        ("unknown", {"unknown": True}, "unknown"),
    ]:
        with case(failures, label), nothing_saved(project):
            refused(manager.patch(f"/api/v1/projects/{project.pk}/", body, format="json"), 400, field)
    assert failures == {}


def test_fields_of_a_project_given_at_creation_are_kept(manager):
    """Every writable field of the project serializer may be given on create: never a 500."""
    body = {"title": "Fotovoltaika na ZŠ", "assessment_score": 70, "assessment_summary": "Návratnost 8 let."}
    response = manager.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 201, response.content[:300]
    created = Project.objects.get(pk=response.json()["id"])
    assert (created.stage, created.assessment_score, created.assessment_summary) == ("idea", 70, "Návratnost 8 let.")


# --- Planned dates ---------------------------------------------------------------------------------------------


def test_planned_end_before_planned_start_on_create_is_400(manager):
    body = {"title": "Chytré lavičky", "planned_start": "2026-06-01", "planned_end": "2026-05-31"}
    with nothing_saved():
        refused(manager.post("/api/v1/projects/", body, format="json"), 400, "planned_end")


def test_planned_end_before_planned_start_on_edit_is_400(manager, project):
    failures = {}
    for label, stored, change in [
        ("end before the stored start", {"planned_start": date(2026, 3, 1)}, {"planned_end": "2026-02-28"}),
        (
            "start after the stored end",
            {"planned_start": date(2026, 3, 1), "planned_end": date(2026, 6, 30)},
            {"planned_start": "2026-07-01"},
        ),
        ("both given, reversed", {}, {"planned_start": "2026-09-01", "planned_end": "2026-08-01"}),
    ]:
        Project.objects.filter(pk=project.pk).update(**{"planned_start": None, "planned_end": None, **stored})
        with case(failures, label), nothing_saved(project):
            refused(manager.patch(f"/api/v1/projects/{project.pk}/", change, format="json"), 400, "planned_end")
    assert failures == {}


# --- Ids of what the user may not see: a field error, the same as for an id that does not exist -------------------

FOREIGN_IDS = {
    # label: (method, path, field at fault, body where {hidden} stands for the other municipality's id)
    "project lead_department": ("post", "/projects/", "lead_department", {"title": "N", "lead_department": "{hidden}"}),
    "edit lead_department": ("patch", "/projects/{project}/", "lead_department", {"lead_department": "{hidden}"}),
    "edit departments": ("patch", "/projects/{project}/", "departments", {"departments": ["{hidden}"]}),
    "create manager": ("post", "/projects/", "manager", {"title": "N", "manager": "{hidden}"}),
    "edit manager": ("patch", "/projects/{project}/", "manager", {"manager": "{hidden}"}),
    "task assignee": ("post", "/tasks/", "assignee", {"project": "{project}", "title": "N", "assignee": "{hidden}"}),
    "edit task assignee": ("patch", "/tasks/{task}/", "assignee", {"assignee": "{hidden}"}),
    "task project": ("post", "/tasks/", "project", {"project": "{hidden}", "title": "Úkol"}),
    "partner organization": ("post", "/projects/{project}/partners/", "organization", {"organization": "{hidden}"}),
}
HIDDEN_KIND = {
    "lead_department": "department",
    "departments": "department",
    "manager": "member",
    "assignee": "member",
    "project": "project",
    "organization": "organization",
}


@pytest.mark.parametrize("label", FOREIGN_IDS)
def test_other_municipalitys_ids_are_400_like_missing_ids_and_name_nothing(town, project, partner_task, lhota, label):
    method, template, field, body = FOREIGN_IDS[label]
    hidden = getattr(lhota, HIDDEN_KIND[field])
    client = api_client(town.user("manager"))
    path = "/api/v1" + template.format(project=project.pk, task=partner_task.pk)

    def send(related_id: int):
        return getattr(client, method)(path, _body(body, {"hidden": related_id, "project": project.pk}), format="json")

    with nothing_saved(project, partner_task):
        response, missing = send(hidden.pk), send(MISSING_ID)
    refused(response, 400, field)
    refused(missing, 400, field)
    assert re.sub(rf"\b{hidden.pk}\b", str(MISSING_ID), response.content.decode()) == missing.content.decode()
    text = response.content.decode()
    for name in ("Lhota", "lhota.referent", "Tajný projekt"):
        assert name not in text


def test_an_assignee_who_cannot_see_the_project_is_400(town, project, manager):
    """A partner of the town whose organisation was not invited may not be given a task on the project."""
    body = {"project": project.pk, "title": "Úkol", "assignee": town.user("partner_not_invited").pk}
    with nothing_saved():
        refused(manager.post("/api/v1/tasks/", body, format="json"), 400, "assignee")


# --- Money -------------------------------------------------------------------------------------------------------

VALID_FUNDING = {"programme": "irop", "amount_requested": "100"}
BAD_FUNDING = [
    ("amount_requested", {"amount_requested": "-5"}),
    ("amount_requested", {"amount_requested": "-0.01"}),
    ("amount_requested", {"amount_requested": "deset"}),
    ("amount_requested", {"amount_requested": "1e30"}),
    ("amount_requested", {"amount_requested": None}),
    ("amount_approved", {"status": "approved", "amount_approved": "-1"}),
    ("amount_approved", {"status": "approved", "amount_approved": "150"}),  # more than requested
    ("amount_approved", {"status": "approved"}),  # approved without the amount
    ("amount_approved", {"amount_approved": "50"}),  # an amount, but only planned
    ("status", {"status": "won"}),
    ("programme", {"programme": "loterie"}),
    ("call_deadline", {"call_deadline": "zítra"}),
    ("internal_note", {"internal_note": "x" * MEGABYTE}),
    ("call_name", {"call_name": "x" * 10_000}),
    ("project", {"project": 1}),
    ("grant_officer", {"grant_officer": "Novák"}),
]


def test_bad_funding_applications_are_400(manager, project):
    path = f"/api/v1/projects/{project.pk}/funding/"
    failures = {}
    for field, change in BAD_FUNDING:
        with case(failures, f"{field} {_short(change)}"), nothing_saved(project):
            refused(manager.post(path, {**VALID_FUNDING, **change}, format="json"), 400, field)
    assert failures == {}


def test_bad_funding_edits_are_400(manager, project):
    funding = project.funding_applications.get()  # approved, for the whole estimated cost
    path = f"/api/v1/projects/{project.pk}/funding/{funding.pk}/"
    failures = {}
    for field, change in [
        ("amount_requested", {"amount_requested": "-1"}),
        ("amount_approved", {"amount_approved": "-1"}),
        ("amount_approved", {"amount_approved": None}),  # it is approved: it needs the amount
        ("amount_approved", {"amount_requested": "1.00"}),  # now less than the approved amount
        ("project", {"project": project.pk}),
    ]:
        with case(failures, f"{field} {_short(change)}"), nothing_saved(funding):
            refused(manager.patch(path, change, format="json"), 400, field)
    assert failures == {}


def test_bad_kpis_are_400(manager, project):
    path = f"/api/v1/projects/{project.pk}/kpis/"
    failures = {}
    for field, body in [
        ("target", {"name": "Úspora", "target": "hodně"}),
        ("target", {"name": "Úspora"}),
        ("target", {"name": "Úspora", "target": "1e40"}),
        ("name", {"target": "10"}),
        ("name", {"name": "x" * 10_000, "target": "10"}),
        ("kind", {"name": "Úspora", "target": "10", "kind": "happiness"}),
        ("actual", {"name": "Úspora", "target": "10", "actual": [1]}),
        ("owner", {"name": "Úspora", "target": "10", "owner": "Novák"}),
    ]:
        with case(failures, f"{field} {_short(body)}"), nothing_saved(project):
            refused(manager.post(path, body, format="json"), 400, field)
    assert failures == {}


# --- Transitions -------------------------------------------------------------------------------------------------


def _transition(town, role: str, project: Project, body):
    return api_client(town.user(role)).post(f"/api/v1/projects/{project.pk}/transitions/", body, format="json")


def test_a_transition_request_with_a_bad_field_is_400_on_that_field(town, project):
    failures = {}
    for field, body in [
        ("name", {}),
        ("name", {"name": "x" * 65}),
        ("name", {"name": ["submit"]}),
        ("comment", {"name": "reject", "comment": ["Ne."]}),
        ("expected_stage", {"name": "reject", "expected_stage": "nowhere"}),
        ("colour", {"name": "reject", "colour": "red"}),
    ]:
        with case(failures, f"{field} {_short(body)}"), nothing_saved(project):
            refused(_transition(town, "lead_head", project, body), 400, field)
    assert failures == {}
    # The fields are the declared ones each time (made anew per request, not shared between requests).
    first = _transition(town, "lead_head", project, {"name": "reject", "expected_stage": "nowhere"}).json()
    again = _transition(town, "lead_head", project, {"name": "reject", "expected_stage": "nowhere"}).json()
    assert first == again
    assert first["expected_stage"] == ['"nowhere" není platnou možností.']


def test_a_transition_that_does_not_exist_is_409_unknown_transition(town, project):
    with nothing_saved(project):
        response = _transition(town, "lead_head", project, {"name": "teleport", "comment": "Hned."})
    assert "teleport" in conflict(response, "unknown_transition")["detail"]


def test_a_transition_from_the_wrong_stage_is_409_wrong_stage(town, project):
    with nothing_saved(project):
        response = _transition(town, "coordinator", project, {"name": "complete"})
    conflict(response, "wrong_stage")


@pytest.mark.parametrize("name", ["complete", "put_on_hold", "submit", "teleport"])
def test_a_partner_guest_who_may_never_move_a_project_is_403_whatever_the_stage(town, project, name):
    with nothing_saved(project):
        response = _transition(town, "partner", project, {"name": name, "comment": "Chceme posun."})
    assert refused(response, 403) == {"detail": "Tento projekt nemůžete přesouvat mezi fázemi."}


def test_a_blocked_transition_is_409_with_every_blocker(town):
    idea = town.project(Stage.IDEA, description="", thematic_area="")
    with nothing_saved(idea):
        response = _transition(town, "manager", idea, {"name": "submit"})
    conflict(response, "transition_blocked", "description_missing", "thematic_area_missing")


def test_an_assessment_below_the_threshold_blocks_funding(town, project):
    Project.objects.filter(pk=project.pk).update(assessment_score=30)
    with nothing_saved(project):
        response = _transition(town, "lead_head", project, {"name": "approve_for_funding"})
    body = conflict(response, "transition_blocked", "assessment_below_threshold")
    assert "30" in body["blockers"][0]["message"]


def test_a_transition_that_needs_a_reason_is_409_without_one(town, project):
    failures = {}
    for label, body in [
        ("no comment", {"name": "return_to_idea"}),
        ("empty", {"name": "return_to_idea", "comment": ""}),
        ("whitespace", {"name": "return_to_idea", "comment": "   \n\t"}),
        ("invisible characters", {"name": "return_to_idea", "comment": INVISIBLE}),
    ]:
        with case(failures, label), nothing_saved(project):
            conflict(_transition(town, "lead_head", project, body), "transition_blocked", "reason_required")
    assert failures == {}


def test_a_second_request_for_a_pending_transition_is_409(town, project, approval):
    with nothing_saved(project, approval):
        response = _transition(town, "manager", project, {"name": "reject", "comment": "Znovu."})
    conflict(response, "transition_blocked", "approval_pending")


def test_a_malformed_transition_request_is_400(town, project):
    failures = {}
    for label, body, field in [
        ("missing name", {}, "name"),
        ("empty name", {"name": ""}, "name"),
        ("null name", {"name": None}, "name"),
        ("name too long", {"name": "x" * 65}, "name"),
        ("name as a list", {"name": ["submit"]}, "name"),
        ("huge comment", {"name": "return_to_idea", "comment": "x" * MEGABYTE}, "comment"),
        ("comment as a list", {"name": "return_to_idea", "comment": ["Důvod"]}, "comment"),
        ("unknown field", {"name": "return_to_idea", "reason": "Důvod"}, "reason"),
    ]:
        with case(failures, label), nothing_saved(project):
            refused(_transition(town, "lead_head", project, body), 400, field)
    assert failures == {}


# --- Approval decisions ------------------------------------------------------------------------------------------


def test_rejecting_an_approval_without_a_reason_is_409(town, project, approval):
    client = api_client(town.user("lead_head"))
    failures = {}
    for label, body in [
        ("no comment", {}),
        ("empty", {"comment": ""}),
        ("whitespace", {"comment": "  "}),
        ("invisible characters", {"comment": INVISIBLE}),
    ]:
        with case(failures, label), nothing_saved(approval, project):
            response = client.post(f"/api/v1/approvals/{approval.pk}/reject/", body, format="json")
            conflict(response, "transition_blocked", "reason_required")
    assert failures == {}


def test_a_malformed_decision_is_400(town, project, approval):
    client = api_client(town.user("lead_head"))
    failures = {}
    for decision, body, field in [
        ("approve", {"reason": "Ano"}, "reason"),
        ("approve", {"comment": None}, "comment"),
        ("reject", {"comment": ["Ne"]}, "comment"),
        ("reject", {"comment": "x" * MEGABYTE}, "comment"),
    ]:
        with case(failures, f"{decision} {_short(body)}"), nothing_saved(approval, project):
            refused(client.post(f"/api/v1/approvals/{approval.pk}/{decision}/", body, format="json"), 400, field)
    assert failures == {}


def test_deciding_a_request_that_was_already_decided_is_409(town, project, approval):
    path = f"/api/v1/approvals/{approval.pk}/approve/"
    assert api_client(town.user("lead_head")).post(path, {"comment": "Ano."}, format="json").status_code == 200
    with nothing_saved(approval, project):
        response = api_client(town.user("coordinator")).post(path, {"comment": "Také ano."}, format="json")
    conflict(response, "already_decided")


# --- Comments ----------------------------------------------------------------------------------------------------


def test_a_partner_may_not_write_an_internal_comment(town, project):
    """Asked for outright, or by leaving out the visibility (internal by default): 403, never saved."""
    client = api_client(town.user("partner"))
    path = f"/api/v1/projects/{project.pk}/comments/"
    failures = {}
    for label, body in [
        ("internal", {"body": "Interní?", "visibility": "internal"}),
        ("visibility left out", {"body": "Bez viditelnosti."}),
    ]:
        with case(failures, label), nothing_saved(project):
            refused(client.post(path, body, format="json"), 403)
    assert failures == {}


def test_a_malformed_comment_is_400(manager, project):
    path = f"/api/v1/projects/{project.pk}/comments/"
    failures = {}
    for label, body, field in [
        ("missing body", {"visibility": "shared"}, "body"),
        ("empty body", {"body": "", "visibility": "shared"}, "body"),
        ("invisible body", {"body": INVISIBLE, "visibility": "shared"}, "body"),
        ("10 001 chars", {"body": "x" * 10_001}, "body"),
        ("1 MB", {"body": "x" * MEGABYTE}, "body"),
        ("NUL", {"body": "Nul\x00znak"}, "body"),
        ("visibility", {"body": "Ahoj", "visibility": "public"}, "visibility"),
        ("author", {"body": "Ahoj", "author": 1}, "author"),
        ("project", {"body": "Ahoj", "project": project.pk}, "project"),
        ("mentions", {"body": "Ahoj", "mentions": [1]}, "mentions"),
    ]:
        with case(failures, label), nothing_saved(project):
            refused(manager.post(path, body, format="json"), 400, field)
    assert failures == {}


# --- Tasks -------------------------------------------------------------------------------------------------------


def test_a_task_due_before_the_project_starts_is_not_bad_input(manager, project, partner_task):
    """The project is planned from 1 March 2026; its grant application is due before the works start."""
    body = {"project": project.pk, "title": "Podat žádost o dotaci", "due_date": "2026-02-28"}

    created = manager.post("/api/v1/tasks/", body, format="json")
    moved = manager.patch(f"/api/v1/tasks/{partner_task.pk}/", {"due_date": "2026-01-15"}, format="json")

    assert (created.status_code, created.json()["due_date"]) == (201, "2026-02-28")
    assert (moved.status_code, moved.json()["due_date"]) == (200, "2026-01-15")
    partner_task.refresh_from_db()
    assert partner_task.due_date == date(2026, 1, 15)


@pytest.mark.parametrize("role", ["manager", "partner"])
def test_a_task_status_outside_the_allowed_set_is_400(town, partner_task, role):
    client = api_client(town.user(role))
    failures = {}
    for status in ["finished", "", None, "DONE", ["done"], 1]:
        with case(failures, _short(status)), nothing_saved(partner_task):
            refused(client.patch(f"/api/v1/tasks/{partner_task.pk}/", {"status": status}, format="json"), 400, "status")
    assert failures == {}


BAD_TASKS = [
    ("no project", {"title": "Bez projektu"}, "project"),
    ("no title", {"project": "{project}"}, "title"),
    ("empty title", {"project": "{project}", "title": ""}, "title"),
    ("10k title", {"project": "{project}", "title": "x" * 10_000}, "title"),
    ("1 MB description", {"project": "{project}", "title": "Popis", "description": "x" * MEGABYTE}, "description"),
    ("stage", {"project": "{project}", "title": "Fáze", "stage": "bogus"}, "stage"),
    ("due_date format", {"project": "{project}", "title": "Datum", "due_date": "31. 12. 2026"}, "due_date"),
    ("assignee me", {"project": "{project}", "title": "Já", "assignee": "me"}, "assignee"),
    ("project abc", {"project": "abc", "title": "Projekt"}, "project"),
    ("created_by", {"project": "{project}", "title": "Autor", "created_by": 1}, "created_by"),
    ("unknown field", {"project": "{project}", "title": "Navíc", "priority": "high"}, "priority"),
    # The contract creates tasks from {project, title, assignee, due_date, stage}: a status is refused.
    ("status on create", {"project": "{project}", "title": "Stav", "status": "done"}, "status"),
]


def test_malformed_tasks_are_400(manager, project):
    failures = {}
    for label, body, field in BAD_TASKS:
        with case(failures, label), nothing_saved(project):
            refused(manager.post("/api/v1/tasks/", _body(body, {"project": project.pk}), format="json"), 400, field)
    assert failures == {}


def test_malformed_task_edits_are_400_and_change_nothing(town, project, partner_task):
    failures = {}
    for role, change, field in [
        ("manager", {"project": project.pk}, "project"),
        ("manager", {"stage": "funding"}, "stage"),
        ("manager", {"title": ""}, "title"),
        ("manager", {"completed_at": "2026-01-01T00:00:00Z"}, "completed_at"),
        ("partner", {"title": "Partner přejmenoval"}, "title"),
        ("partner", {"status": "done", "assignee": town.user("partner").pk}, "assignee"),  # and not even the status
    ]:
        with case(failures, f"{role} {_short(change)}"), nothing_saved(partner_task):
            response = api_client(town.user(role)).patch(f"/api/v1/tasks/{partner_task.pk}/", change, format="json")
            refused(response, 400, field)
    assert failures == {}


# --- Partners ----------------------------------------------------------------------------------------------------


def test_malformed_partner_invitations_are_400(town, manager, project):
    path = f"/api/v1/projects/{project.pk}/partners/"
    failures = {}
    for label, body, field in [
        ("no organization", {}, "organization"),
        ("organization by name", {"organization": "Zelená Vzorov, z.s."}, "organization"),
        ("access level", {"organization": town.firm.pk, "access_level": "admin"}, "access_level"),
        ("invited_by", {"organization": town.firm.pk, "invited_by": 1}, "invited_by"),
    ]:
        with case(failures, label), nothing_saved(project):
            refused(manager.post(path, body, format="json"), 400, field)
    assert failures == {}


# --- Ids in the path ---------------------------------------------------------------------------------------------


def test_ids_that_are_not_ids_are_404_in_json(manager, project):
    failures = {}
    for method, path in [
        ("get", "/projects/abc/"),
        ("get", "/projects/0/"),
        ("get", "/projects/99999999999999999999/"),
        ("patch", "/projects/abc/"),
        ("post", "/projects/abc/transitions/"),
        ("get", f"/projects/{project.pk}/funding/99999999999999999999/"),
        ("get", f"/projects/{project.pk}/kpis/99999999999999999999/"),
        ("get", "/tasks/abc/"),
        ("get", "/tasks/99999999999999999999/"),
        ("get", "/approvals/abc/"),
        ("post", "/approvals/99999999999999999999/approve/"),
        ("post", "/notifications/abc/read/"),
    ]:
        with case(failures, f"{method.upper()} {path}"), nothing_saved(project):
            send = manager.get if method == "get" else getattr(manager, method)
            response = send(f"/api/v1{path}") if method == "get" else send(f"/api/v1{path}", {}, format="json")
            refused(response, 404)
    assert failures == {}


# --- Filters and paging ------------------------------------------------------------------------------------------

BAD_FILTERS = [
    ("/projects/", {"stage": "bogus"}, "stage"),
    ("/projects/", {"stage": ["idea", "bogus"]}, "stage"),
    ("/projects/", {"thematic_area": "space"}, "thematic_area"),
    ("/projects/", {"lead_department": "abc"}, "lead_department"),
    ("/projects/", {"lead_department": "1.5"}, "lead_department"),
    ("/projects/", {"search": "x" * 201}, "search"),
    ("/projects/", {"search": "Nul\x00znak"}, "search"),
    ("/projects/", {"mine": "maybe"}, "mine"),
    ("/projects/", {"assigned_to_me": "ano"}, "assigned_to_me"),
    ("/projects/export/", {"mine": "2"}, "mine"),
    ("/tasks/", {"assignee": "abc"}, "assignee"),
    ("/tasks/", {"assignee": "-1"}, "assignee"),
    ("/tasks/", {"assignee": "me,you"}, "assignee"),
    ("/tasks/", {"status": "finished"}, "status"),
    ("/tasks/", {"project": "abc"}, "project"),
    ("/tasks/", {"project": "1.5"}, "project"),
    ("/approvals/", {"status": "bogus"}, "status"),
    ("/approvals/", {"project": "x"}, "project"),
]


def test_invalid_filter_values_are_400_on_the_filter(manager):
    failures = {}
    for path, query, field in BAD_FILTERS:
        with case(failures, f"{path} {_short(query)}"):
            refused(manager.get(f"/api/v1{path}", query), 400, field)
    assert failures == {}


def test_valid_filter_values_are_accepted(manager, project):
    failures = {}
    for path, query in [
        ("/projects/", {"stage": "assessment"}),
        ("/projects/", {"stage": ["idea", "assessment"]}),
        ("/projects/", {"search": "   "}),
        ("/projects/", {"ordering": "no_such_field"}),  # unknown orderings are ignored
        ("/projects/", {"lead_department": str(project.lead_department_id)}),
        *(("/projects/", {"mine": value}) for value in ("true", "false", "1", "0", "True", "")),
        ("/projects/", {"assigned_to_me": "true"}),
        ("/tasks/", {"assignee": "me"}),
        ("/tasks/", {"project": str(project.pk)}),
        ("/approvals/", {"status": "pending"}),
    ]:
        with case(failures, f"{path} {query}"):
            response = manager.get(f"/api/v1{path}", query)
            assert response.status_code == 200, response.content[:300]
    assert failures == {}


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


CURSOR_LISTS = [
    "/projects/",
    "/tasks/",
    "/departments/",
    "/organizations/",
    "/users/",
    "/notifications/",
    "/approvals/",
    "/invitations/",
    "/projects/{project}/history/",
    "/projects/{project}/comments/",
    "/projects/{project}/attachments/",
]
TAMPERED_CURSORS = {
    "not base64": "not-a-cursor!",
    "position of the wrong type": _cursor("p=x"),  # cD14, seen as a 500 on id-ordered lists
    "a date where an id belongs": _cursor("r=1&p=2026-01-01"),
    "a date without its time zone": _cursor("p=2026-01-01 10:00:00"),
    "a huge number": _cursor("p=" + "9" * 40),
    "a negative offset": _cursor("o=-1&p=1"),
    "a NUL byte": _cursor("p=1\x00"),
}


def test_a_tampered_cursor_is_400_in_czech_on_every_list(manager, project):
    failures = {}
    for path in CURSOR_LISTS:
        for label, cursor in TAMPERED_CURSORS.items():
            with case(failures, f"{path} {label}"):
                body = refused(
                    manager.get(f"/api/v1{path.format(project=project.pk)}", {"cursor": cursor}), 400, "cursor"
                )
                assert body == {
                    "cursor": ["Odkaz na stránku není platný: použijte odkaz next nebo previous z předchozí odpovědi."]
                }
    assert failures == {}


def test_the_cursors_the_api_writes_lead_to_the_next_page_of_id_and_date_ordered_lists(town, manager):
    for n in range(3):
        TaskFactory(project=town.project(), title=f"Úkol {n}")
    for path in ("/tasks/", "/projects/"):
        first = manager.get(f"/api/v1{path}", {"page_size": 2}).json()
        second = manager.get(first["next"])
        assert second.status_code == 200, second.content[:300]
        assert second.json()["results"], path
        assert not {row["id"] for row in first["results"]} & {row["id"] for row in second.json()["results"]}


def test_page_size_is_capped_at_the_maximum_and_falls_back_to_the_default_when_invalid(town, settings):
    """More projects than the largest page, created in one query."""
    Project.objects.bulk_create(
        Project(municipality=town.municipality, lead_department=town.env, title=f"Projekt {n}") for n in range(205)
    )
    client = api_client(town.user("staff"))
    assert settings.API_MAX_PAGE_SIZE == 200
    observed = {}
    for page_size in ["100000", "201", "200", "7", "0", "-5", "abc", ""]:
        body = client.get("/api/v1/projects/", {"page_size": page_size}).json()
        observed[page_size] = (len(body["results"]), body["next"] is not None)
    default = settings.REST_FRAMEWORK["PAGE_SIZE"]
    assert observed == {
        "100000": (200, True),
        "201": (200, True),
        "200": (200, True),
        "7": (7, True),
        "0": (default, True),
        "-5": (default, True),
        "abc": (default, True),
        "": (default, True),
    }


# --- In the user's language --------------------------------------------------------------------------------------

LANGUAGE_CASES = {
    # label: (method, path, body, status)
    "missing project": ("get", "/projects/{missing}/", None, 404),
    "missing task": ("get", "/tasks/{missing}/", None, 404),
    "missing funding application": ("get", "/projects/{project}/funding/{missing}/", None, 404),
    "missing approval": ("post", "/approvals/{missing}/approve/", {}, 404),
    "field error": ("post", "/projects/", {"title": ""}, 400),
    "unknown field": ("post", "/projects/", {"title": "Nový", "colour": "zelená"}, 400),
    "forbidden": ("patch", "/projects/{project}/", {"summary": "Partner"}, 403),
    "blocked transition": ("post", "/projects/{project}/transitions/", {"name": "return_to_idea"}, 409),
    "not signed in": ("get", "/projects/", None, 401),
}


def test_errors_speak_the_users_language(town, project):
    """The same refusal reads differently in Czech (the default) and in English: it was translated."""
    failures = {}
    for label, (method, template, body, status) in LANGUAGE_CASES.items():
        path = "/api/v1" + template.format(project=project.pk, missing=MISSING_ID)
        role = {"forbidden": "partner", "blocked transition": "lead_head", "not signed in": None}.get(label, "manager")
        with case(failures, label), nothing_saved(project):
            answers = {}
            for language in ("cs", "en"):
                send = getattr(api_client(town.user(role) if role else None), method)
                extra = {"HTTP_ACCEPT_LANGUAGE": language}
                response = send(path, **extra) if body is None else send(path, body, format="json", **extra)
                assert response.status_code == status, response.content[:300]
                answers[language] = response.json()
            assert answers["cs"] != answers["en"], f"not translated: {answers['cs']}"
    assert failures == {}


# --- Not signed in -----------------------------------------------------------------------------------------------


def test_a_refused_anonymous_write_saves_nothing(project):
    with nothing_saved(project):
        refused(api_client().post("/api/v1/projects/", {"title": "Anonym"}, format="json"), 401)
        refused(api_client().patch(f"/api/v1/projects/{project.pk}/", {"title": "Anonym"}, format="json"), 401)


def test_my_projects_filter_filters_and_a_yes_or_no_it_cannot_read_is_czech(town, manager, project):
    others = town.project(Stage.IDEA, manager=town.user("other_head"))

    mine = manager.get("/api/v1/projects/", {"mine": "true"}).json()["results"]
    every = manager.get("/api/v1/projects/", {"mine": "false"}).json()["results"]
    unreadable = manager.get("/api/v1/projects/", {"mine": "ano"}, headers={"Accept-Language": "cs"})

    assert [item["id"] for item in mine] == [project.pk]
    assert {item["id"] for item in every} == {project.pk, others.pk}
    assert (unreadable.status_code, unreadable.json()) == (400, {"mine": ["Zadejte true, nebo false."]})
