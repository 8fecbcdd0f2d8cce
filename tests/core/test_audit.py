"""The audit log: each refusal recorded once with who, what and when; only the coordinator of the municipality
reads it (web page and admin); entries are never edited and leave only by the retention prune.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from backend.core.audit import audit_prune_expired, audit_record
from backend.core.errors import PermissionDenied, TransitionBlocked, TransitionNotAllowed
from backend.core.models import AuditAction, AuditEntry, AuditImmutableError
from backend.core.tasks import audit_prune
from backend.projects.models import Project
from backend.projects.stages import Stage
from tests.factories import DepartmentFactory, ProjectFactory, UserFactory
from workflows.models import ApprovalDecision, ApprovalStatus, TransitionRecord
from workflows.services import approval_decide, project_transition

AUDIT_URL = "/audit/"


@pytest.fixture
def lhota_project(town) -> Project:
    department = DepartmentFactory(municipality=town.other_municipality, code="OŽP", name="Odbor životního prostředí")
    return ProjectFactory(lead_department=department, title="Lhota: osvětlení návsi")


def entries(action: str | None = None):
    queryset = AuditEntry.objects.order_by("pk")
    return list(queryset.filter(action=action) if action else queryset)


def browser(user, **defaults) -> Client:
    client = Client(headers={"Accept-Language": "en"}, **defaults)
    client.force_login(user)
    return client


# --- refused transitions and approvals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "transition", "error", "code"),
    [
        pytest.param("staff", "submit", PermissionDenied, "permission_denied", id="not-allowed-to"),
        pytest.param("manager", "complete", TransitionNotAllowed, "wrong_stage", id="wrong-stage"),
        pytest.param("manager", "reject", TransitionBlocked, "transition_blocked", id="gate-closed"),
    ],
)
def test_a_refused_transition_is_recorded_once_with_who_what_and_when(town, role, transition, error, code):
    project = town.project(Stage.IDEA)
    before = timezone.now()

    with pytest.raises(error):
        project_transition(project=project, actor=town.user(role), transition=transition)

    [entry] = entries()
    assert entry.action == AuditAction.TRANSITION_REFUSED
    assert entry.actor == town.user(role) and entry.username == town.user(role).username
    assert entry.municipality == town.municipality
    assert (entry.object_type, entry.object_id) == ("project", str(project.pk))
    assert entry.details["transition"] == transition and entry.details["code"] == code
    assert before <= entry.at <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_the_refusal_survives_the_rollback_of_what_the_service_had_written(town):
    """The approval that completes the quorum is written, then the gate is found closed: the transaction rolls
    the approval back, and the audit entry, written after it, stays."""
    project = town.project(Stage.ASSESSMENT)
    request = project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    Project.objects.filter(pk=project.pk).update(assessment_score=10)

    with pytest.raises(TransitionBlocked):
        approval_decide(approval_request=request.approval_request, actor=town.user("lead_head"), decision="approve")

    assert not ApprovalDecision.objects.filter(request=request.approval_request).exists()
    assert not TransitionRecord.objects.filter(project=project).exists()
    assert Project.objects.get(pk=project.pk).stage == Stage.ASSESSMENT
    [entry] = entries()
    assert entry.action == AuditAction.APPROVAL_REFUSED
    assert entry.actor == town.user("lead_head")
    assert entry.details["blockers"] == ["assessment_below_threshold"]
    assert entry.details["decision"] == "approve" and entry.details["transition"] == "approve_for_funding"
    assert (entry.object_type, entry.object_id) == ("approval_request", str(request.approval_request.pk))


def test_a_refused_approval_by_someone_who_is_not_an_approver_is_recorded(town):
    project = town.project(Stage.ASSESSMENT)
    request = project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")

    with pytest.raises(PermissionDenied):
        approval_decide(approval_request=request.approval_request, actor=town.user("other_head"), decision="approve")

    assert [(entry.action, entry.actor) for entry in entries()] == [
        (AuditAction.APPROVAL_REFUSED, town.user("other_head"))
    ]
    assert request.approval_request.status == ApprovalStatus.PENDING


def test_a_transition_that_runs_writes_nothing(town):
    project_transition(project=town.project(Stage.IDEA), actor=town.user("manager"), transition="submit")

    assert entries() == []


def test_a_refusal_through_the_api_is_recorded_once_with_the_address(town):
    project = town.project(Stage.IDEA)
    client = APIClient(REMOTE_ADDR="192.0.2.10")
    client.force_authenticate(town.user("staff"))

    response = client.post(f"/api/v1/projects/{project.pk}/transitions/", {"name": "submit"}, format="json")

    assert response.status_code == 403
    [entry] = entries()
    assert entry.action == AuditAction.TRANSITION_REFUSED
    assert entry.ip_address == "192.0.2.10" and entry.path == f"/api/v1/projects/{project.pk}/transitions/"


# --- refused object access ---------------------------------------------------------------------------------------


def test_a_partner_trying_another_project_in_the_web_ui_is_recorded(town):
    project = town.project(Stage.IDEA)
    client = browser(town.user("partner_not_invited"), REMOTE_ADDR="192.0.2.20")

    assert client.get(f"/projects/{project.pk}/").status_code == 404

    [entry] = entries()
    assert entry.action == AuditAction.ACCESS_REFUSED
    assert entry.actor == town.user("partner_not_invited")
    assert entry.municipality == town.municipality  # the municipality whose organisation the guest belongs to
    assert entry.object_type == "web:project_detail" and entry.object_id == str(project.pk)
    assert entry.path == f"/projects/{project.pk}/" and entry.ip_address == "192.0.2.20"
    assert entry.details["status"] == 404


def test_refused_access_is_recorded_once_in_the_demo_too(town, settings):
    """With DEBUG on (the demo) Django answers with its debug page and skips our 404 handler."""
    settings.DEBUG = True
    project = town.project(Stage.IDEA)
    client = browser(town.user("partner_not_invited"))

    assert client.get(f"/projects/{project.pk}/").status_code == 404

    assert [(entry.action, entry.object_id) for entry in entries()] == [(AuditAction.ACCESS_REFUSED, str(project.pk))]


def test_a_forbidden_action_in_the_web_ui_is_recorded_once(town):
    """The panel's button asks the service, as the API does: the refusal is the service's, recorded once."""
    project = town.project(Stage.IDEA)
    client = browser(town.user("partner"))

    response = client.post(f"/projects/{project.pk}/transition/", {"name": "submit"})

    assert response.status_code == 403
    assert [(entry.action, entry.details["code"]) for entry in entries()] == [
        (AuditAction.TRANSITION_REFUSED, "permission_denied")
    ]


def test_an_api_caller_refused_an_object_is_recorded(town, lhota_project):
    client = APIClient()
    client.force_authenticate(town.user("manager"))

    assert client.get(f"/api/v1/projects/{lhota_project.pk}/").status_code == 404

    [entry] = entries()
    assert entry.action == AuditAction.ACCESS_REFUSED and entry.actor == town.user("manager")
    assert entry.object_id == str(lhota_project.pk)


def test_anonymous_refusals_and_mistyped_addresses_are_not_recorded(town):
    project = town.project(Stage.IDEA)

    assert Client().get(f"/api/v1/projects/{project.pk}/").status_code == 401
    assert Client().get("/no-such-page/").status_code == 404
    assert browser(town.user("manager")).get("/no-such-page/").status_code == 404

    assert entries() == []


# --- sign-in failures --------------------------------------------------------------------------------------------


def test_a_failed_sign_in_is_recorded_once_for_the_users_municipality(town):
    Client().post("/login/", {"username": "manager", "password": "wrong"}, REMOTE_ADDR="192.0.2.30")

    [entry] = entries()
    assert entry.action == AuditAction.SIGN_IN_FAILED
    assert entry.actor is None and entry.username == "manager"
    assert entry.municipality == town.municipality and entry.ip_address == "192.0.2.30"
    assert entry.object_id == str(town.user("manager").pk)


def test_a_lockout_is_recorded_once(town):
    for _ in range(5):
        Client().post("/login/", {"username": "manager", "password": "wrong"})

    assert len(entries(AuditAction.SIGN_IN_FAILED)) == 5
    [lockout] = entries(AuditAction.LOCKED_OUT)
    assert lockout.username == "manager" and lockout.municipality == town.municipality


# --- the coordinator's page --------------------------------------------------------------------------------------


@pytest.fixture
def logged(town, lhota_project):
    """One entry in Vzorov, one in Lhota, one about an unknown name (no municipality)."""
    vzorov = audit_record(action=AuditAction.ACCESS_REFUSED, actor=town.user("partner"), object_type="x")
    lhota = audit_record(action=AuditAction.ACCESS_REFUSED, actor=town.user("other_coordinator"), object_type="y")
    unknown = audit_record(action=AuditAction.SIGN_IN_FAILED, username="mallory", municipality_ids=[])
    return {"vzorov": vzorov[0], "lhota": lhota[0], "unknown": unknown[0]}


def shown_ids(response) -> set[int]:
    text = response.content.decode()
    return {entry.pk for entry in AuditEntry.objects.all() if f'id="audit-entry-{entry.pk}"' in text}


def test_the_coordinator_sees_the_entries_of_their_municipality_only(town, logged):
    response = browser(town.user("coordinator")).get(AUDIT_URL)

    assert response.status_code == 200
    assert shown_ids(response) == {logged["vzorov"].pk}
    assert 'href="/audit/"' in response.content.decode()  # in the navigation


def test_the_other_municipalitys_coordinator_sees_theirs(town, logged):
    response = browser(town.user("other_coordinator")).get(AUDIT_URL)

    assert shown_ids(response) == {logged["lhota"].pk}


@pytest.mark.parametrize("role", ["lead_head", "other_head", "manager", "staff", "partner", "partner_not_invited"])
def test_nobody_else_sees_the_audit_log(town, logged, role):
    client = browser(town.user(role))

    assert client.get(AUDIT_URL).status_code == 404
    assert 'href="/audit/"' not in client.get("/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = Client().get(AUDIT_URL)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_log_filters_by_action_and_date(town):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=10), tick=False):
        old = audit_record(action=AuditAction.ACCESS_REFUSED, actor=town.user("partner"))[0]
    recent = audit_record(action=AuditAction.ACCESS_REFUSED, actor=town.user("partner"))[0]
    failed = audit_record(
        action=AuditAction.SIGN_IN_FAILED, username="manager", municipality_ids=[town.municipality.pk]
    )[0]
    client = browser(town.user("coordinator"))
    since = timezone.localdate() - timedelta(days=2)

    assert shown_ids(client.get(AUDIT_URL, {"action": "access_refused"})) == {old.pk, recent.pk}
    assert shown_ids(client.get(AUDIT_URL, {"date_from": since.isoformat()})) == {recent.pk, failed.pk}
    assert shown_ids(client.get(AUDIT_URL, {"date_to": (since - timedelta(days=1)).isoformat()})) == {old.pk}
    htmx = client.get(AUDIT_URL, {"action": "sign_in_failed"}, headers={"HX-Request": "true"})
    assert shown_ids(htmx) == {failed.pk} and "<html" not in htmx.content.decode()


def test_a_bad_filter_says_so_and_shows_nothing(town, logged):
    response = browser(town.user("coordinator")).get(AUDIT_URL, {"date_from": "2026-13-45", "action": "nonsense"})

    assert response.status_code == 200
    assert "Please correct the filter." in response.content.decode()
    assert shown_ids(response) == set()


def test_the_log_pages_by_fifty_newest_first(town):
    AuditEntry.objects.bulk_create(
        AuditEntry(action=AuditAction.ACCESS_REFUSED, municipality=town.municipality, username=f"u{n}")
        for n in range(51)
    )
    client = browser(town.user("coordinator"))
    ordered = list(AuditEntry.objects.order_by("-pk").values_list("pk", flat=True))

    first = client.get(AUDIT_URL)
    assert shown_ids(first) == set(ordered[:50])
    second = client.get(AUDIT_URL, {"before": ordered[49]})
    assert shown_ids(second) == {ordered[50]}
    assert "Older entries" in first.content.decode() and "Older entries" not in second.content.decode()


# Session, user, the coordinator's roles, the entries with their people and municipalities.
AUDIT_PAGE_QUERIES = 4


def test_the_page_costs_the_same_queries_for_1_and_40_entries(town, django_assert_num_queries):
    client = browser(town.user("coordinator"))
    audit_record(action=AuditAction.ACCESS_REFUSED, actor=town.user("partner"))
    with django_assert_num_queries(AUDIT_PAGE_QUERIES):
        assert client.get(AUDIT_URL).status_code == 200

    for role in ("manager", "staff", "lead_head", "partner") * 10:
        audit_record(action=AuditAction.TRANSITION_REFUSED, actor=town.user(role), object_type="project", object_id=1)
    with django_assert_num_queries(AUDIT_PAGE_QUERIES):
        response = client.get(AUDIT_URL)
    assert len(shown_ids(response)) == 41


# --- the admin -----------------------------------------------------------------------------------------------------


def admin_user(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return browser(user)


CHANGELIST = "/admin/core/auditentry/"


def test_the_coordinator_reads_their_entries_in_the_admin_and_cannot_change_them(town, logged):
    client = admin_user(town.user("coordinator"))

    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [logged["vzorov"]]
    detail = client.get(f"{CHANGELIST}{logged['vzorov'].pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get(f"{CHANGELIST}{logged['lhota'].pk}/change/").status_code == 404  # as if it did not exist
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{logged['vzorov'].pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk__in=[entry.pk for entry in logged.values()]).count() == 3
    # The hidden entry, the refused add and delete are themselves in the log.
    assert len(entries(AuditAction.ACCESS_REFUSED)) == 2 + 3


def test_other_staff_do_not_see_the_audit_log_in_the_admin(town, logged):
    client = admin_user(town.user("manager"))

    # The admin is the coordinator's: anyone else is sent to its sign-in page, is_staff or not.
    assert client.get(CHANGELIST)["Location"] == f"/admin/login/?next={CHANGELIST}"
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"


def test_platform_operators_see_every_entry(logged):
    operator = UserFactory(username="operator", is_superuser=True, is_staff=True)

    listing = browser(operator).get(CHANGELIST)

    assert {entry.pk for entry in listing.context["cl"].queryset} == {entry.pk for entry in logged.values()}


# --- append-only and retention -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda entry: setattr(entry, "username", "x") or entry.save(), id="save"),
        pytest.param(lambda entry: entry.delete(), id="delete"),
        pytest.param(lambda entry: AuditEntry.objects.filter(pk=entry.pk).update(username="x"), id="bulk-update"),
        pytest.param(lambda entry: AuditEntry.objects.filter(pk=entry.pk).delete(), id="bulk-delete"),
    ],
)
def test_entries_are_never_edited_or_deleted(town, logged, tamper):
    entry = logged["vzorov"]

    with pytest.raises(AuditImmutableError):
        tamper(entry)

    assert AuditEntry.objects.get(pk=entry.pk).username == "partner"


def test_retention_removes_only_entries_older_than_the_setting(town, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=31), tick=False):
        audit_record(action=AuditAction.SIGN_IN_FAILED, username="old")
    with time_machine.travel(now - timedelta(days=29), tick=False):
        audit_record(action=AuditAction.SIGN_IN_FAILED, username="kept")

    assert audit_prune() == 1
    assert [entry.username for entry in entries()] == ["kept"]
    assert audit_prune_expired() == 0
