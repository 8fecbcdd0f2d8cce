"""Writes to projects and what hangs on them: bad input gets a clear error on the right field and saves nothing."""

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from backend.accounts.models import Membership, Municipality
from backend.accounts.services import membership_grant, municipality_create
from backend.core.errors import ConcurrentChange, PermissionDenied
from backend.projects.models import Comment, Event, EventKind, FundingApplication, Kpi, Project, Task
from backend.projects.services import (
    comment_create,
    funding_create,
    kpi_create,
    kpi_update,
    mentioned_usernames,
    project_create,
    project_update,
    task_create,
    task_set_status,
    task_update,
)
from backend.projects.stages import Stage
from tests.factories import DepartmentFactory, TaskFactory, UserFactory, valid_ico
from workflows.models import ApprovalPolicy
from workflows.services import project_transition


def error_fields(raised: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(raised.value.message_dict)


def assert_error_on(field: str, raised: pytest.ExceptionInfo[ValidationError]) -> None:
    assert field in error_fields(raised), raised.value
    assert all(str(message).strip() for message in raised.value.message_dict[field])


# project_create


def create(town, actor_role: str = "manager", **fields) -> Project:
    arguments = {"municipality": town.municipality, "title": "Chytré veřejné osvětlení", "lead_department": town.env}
    return project_create(actor=town.user(actor_role), **{**arguments, **fields})


def test_a_new_project_starts_as_an_idea_of_its_author(town):
    project = create(town, estimated_cost=Decimal("2500000"))

    assert project.stage == Stage.IDEA
    assert project.author == town.user("manager")
    assert project.manager == town.user("manager")
    assert list(Event.objects.filter(project=project).values_list("kind", flat=True)) == [EventKind.PROJECT_CREATED]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"estimated_cost": Decimal("-1")}, "estimated_cost", id="negative-cost"),
        pytest.param(
            {"planned_start": date(2026, 5, 1), "planned_end": date(2026, 4, 30)}, "planned_end", id="end-before-start"
        ),
        pytest.param({"title": ""}, "title", id="no-title"),
        pytest.param({"thematic_area": "space"}, "thematic_area", id="unknown-area"),
    ],
)
def test_project_create_refuses_bad_input_and_saves_nothing(town, fields, field):
    with pytest.raises(ValidationError) as raised:
        create(town, **fields)

    assert_error_on(field, raised)
    assert not Project.objects.exists()
    assert not Event.objects.exists()


def test_a_lead_department_of_another_municipality_is_refused(town):
    lhota_department = DepartmentFactory(municipality=town.other_municipality)

    with pytest.raises(ValidationError) as raised:
        create(town, lead_department=lhota_department)

    assert_error_on("lead_department", raised)
    assert not Project.objects.exists()


def test_an_involved_department_of_another_municipality_is_refused(town):
    lhota_department = DepartmentFactory(municipality=town.other_municipality)

    with pytest.raises(ValidationError) as raised:
        create(town, departments=[town.tra, lhota_department])

    assert_error_on("departments", raised)
    assert not Project.objects.exists()


@pytest.mark.parametrize("manager_role", ["partner", "other_coordinator"])
def test_a_project_manager_from_outside_the_municipality_is_refused(town, manager_role):
    with pytest.raises(ValidationError) as raised:
        create(town, manager=town.user(manager_role))

    assert_error_on("manager", raised)
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("role", "where"),
    [
        ("manager", "other"),
        ("coordinator", "other"),
        ("other_coordinator", "home"),
        ("partner", "home"),
    ],
)
def test_creating_a_project_outside_ones_own_municipality_is_denied(town, role, where):
    municipality = town.municipality if where == "home" else town.other_municipality

    with pytest.raises(PermissionDenied):
        project_create(actor=town.user(role), municipality=municipality, title="Cizí projekt")

    assert not Project.objects.exists()


# project_update


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"stage": Stage.COMPLETED}, id="stage"),
        pytest.param({"stage": Stage.COMPLETED, "title": "Nový název"}, id="stage-with-a-valid-field"),
        pytest.param({"municipality": None}, id="municipality"),
        pytest.param({"stage_before_hold": Stage.FUNDING}, id="stage-before-hold"),
        pytest.param({"colour": "green"}, id="unknown"),
    ],
)
def test_project_update_refuses_fields_it_does_not_edit_and_changes_nothing(town, changes):
    project = town.project(Stage.IDEA, title="Původní název")

    with pytest.raises(ValidationError) as raised:
        project_update(actor=town.user("manager"), project=project, **changes)

    assert error_fields(raised) == set(changes) - {"title"}
    stored = Project.objects.get(pk=project.pk)
    assert (stored.stage, stored.title) == (Stage.IDEA, "Původní název")


def test_project_update_saves_editable_fields(town):
    project = town.project(Stage.ASSESSMENT)

    project_update(actor=town.user("lead_head"), project=project, title="Nový název", assessment_score=77)

    stored = Project.objects.get(pk=project.pk)
    assert (stored.title, stored.assessment_score, stored.stage) == ("Nový název", 77, Stage.ASSESSMENT)


def test_a_refused_update_is_not_half_saved(town):
    project = town.project(Stage.IDEA, title="Původní název")
    lhota_department = DepartmentFactory(municipality=town.other_municipality)

    with pytest.raises(ValidationError):
        project_update(actor=town.user("manager"), project=project, title="Nový název", departments=[lhota_department])

    stored = Project.objects.get(pk=project.pk)
    assert stored.title == "Původní název"
    assert not stored.departments.exists()


@pytest.mark.parametrize("role", ["staff", "other_head", "partner", "other_coordinator"])
def test_only_editors_may_update_a_project(town, role):
    project = town.project(Stage.IDEA, title="Původní název")

    with pytest.raises(PermissionDenied):
        project_update(actor=town.user(role), project=project, title="Nový název")

    assert Project.objects.get(pk=project.pk).title == "Původní název"


def test_an_update_from_a_stale_copy_never_moves_the_stage_back(town):
    ApprovalPolicy.objects.filter(municipality=town.municipality).update(required_approvals=0)
    project = town.project(Stage.IDEA)
    stale = Project.objects.get(pk=project.pk)
    project_transition(project=project, actor=town.user("manager"), transition="submit")

    # Refusing the stale copy with the domain error is as good as saving only the summary.
    with contextlib.suppress(ConcurrentChange):
        project_update(actor=town.user("manager"), project=stale, summary="Doplněné shrnutí")

    assert Project.objects.get(pk=project.pk).stage == Stage.ASSESSMENT


# Tasks


def test_a_task_may_fall_due_before_the_project_starts(town):
    """Preparation comes first: the grant application is due before the works start on 1 March."""
    project = town.project(Stage.FUNDING, planned_start=date(2026, 3, 1), planned_end=date(2026, 12, 31))

    task = task_create(
        actor=town.user("manager"), project=project, title="Podat žádost o dotaci", due_date=date(2026, 2, 28)
    )
    task_update(actor=town.user("manager"), task=task, due_date=date(2026, 1, 15))

    assert Task.objects.get().due_date == date(2026, 1, 15)


@pytest.mark.parametrize("assignee_role", ["partner_not_invited", "other_coordinator"])
def test_a_task_cannot_be_assigned_to_someone_who_cannot_see_the_project(town, assignee_role):
    project = town.project(Stage.IMPLEMENTATION)

    with pytest.raises(ValidationError) as raised:
        task_create(actor=town.user("manager"), project=project, title="Měření", assignee=town.user(assignee_role))

    assert_error_on("assignee", raised)
    assert not Task.objects.exists()
    assert not Event.objects.filter(kind=EventKind.TASK_ASSIGNED).exists()


def test_a_task_cannot_be_assigned_to_a_partner_with_read_only_access(town):
    project = town.project(Stage.IMPLEMENTATION)
    project.partner_accesses.update(access_level="view")

    with pytest.raises(ValidationError) as raised:
        task_create(actor=town.user("manager"), project=project, title="Měření", assignee=town.user("partner"))

    assert_error_on("assignee", raised)


@pytest.mark.parametrize("assignee_role", ["partner", "staff", "lead_head"])
def test_a_task_may_be_assigned_to_anyone_who_sees_the_project(town, assignee_role):
    project = town.project(Stage.IMPLEMENTATION)

    task = task_create(actor=town.user("manager"), project=project, title="Měření", assignee=town.user(assignee_role))

    assert task.assignee == town.user(assignee_role)
    assert Event.objects.get(kind=EventKind.TASK_ASSIGNED).payload["assignee_id"] == town.user(assignee_role).pk


def test_a_partner_may_not_create_tasks(town):
    project = town.project(Stage.IMPLEMENTATION)

    with pytest.raises(PermissionDenied):
        task_create(actor=town.user("partner"), project=project, title="Můj úkol")

    assert not Task.objects.exists()


def test_a_partner_moves_their_own_task(town):
    project = town.project(Stage.IMPLEMENTATION)
    task = TaskFactory(project=project, assignee=town.user("partner"))

    task_set_status(actor=town.user("partner"), task=task, status="done")

    stored = Task.objects.get(pk=task.pk)
    assert stored.status == "done"
    assert stored.completed_at is not None
    event = Event.objects.get(kind=EventKind.TASK_STATUS_CHANGED)
    assert (event.actor, event.payload["previous"], event.payload["status"]) == (town.user("partner"), "open", "done")


@pytest.mark.parametrize("assignee_role", ["manager", "partner_not_invited", None])
def test_a_partner_may_not_move_someone_elses_task(town, assignee_role):
    project = town.project(Stage.IMPLEMENTATION)
    task = TaskFactory(project=project, assignee=town.user(assignee_role) if assignee_role else None)

    with pytest.raises(PermissionDenied):
        task_set_status(actor=town.user("partner"), task=task, status="done")

    assert Task.objects.get(pk=task.pk).status == "open"
    assert not Event.objects.filter(kind=EventKind.TASK_STATUS_CHANGED).exists()


def test_an_unknown_task_status_is_refused(town):
    task = TaskFactory(project=town.project(Stage.IMPLEMENTATION), assignee=town.user("staff"))

    with pytest.raises(ValidationError) as raised:
        task_set_status(actor=town.user("staff"), task=task, status="finished")

    assert_error_on("status", raised)
    assert Task.objects.get(pk=task.pk).status == "open"


# KPIs


@pytest.mark.parametrize("unit", ["", "   "])
def test_a_custom_kpi_needs_a_unit(town, unit):
    project = town.project(Stage.EVALUATION, ready=False)

    with pytest.raises(ValidationError) as raised:
        kpi_create(actor=town.user("manager"), project=project, name="Spokojenost", kind="custom", unit=unit, target=80)

    assert_error_on("unit", raised)
    assert not Kpi.objects.exists()


@pytest.mark.parametrize(
    ("kind", "given", "unit"),
    [
        pytest.param("energy_savings", {}, "MWh/year", id="energy-without-unit"),
        pytest.param("energy_savings", {"unit": ""}, "MWh/year", id="energy-blank-unit"),
        pytest.param("energy_savings", {"unit": "kWh"}, "MWh/year", id="energy-other-unit"),
        pytest.param("co2_reduction", {}, "t CO₂/year", id="co2-without-unit"),
        pytest.param("co2_reduction", {"unit": "kg"}, "t CO₂/year", id="co2-other-unit"),
        pytest.param("custom", {"unit": "%"}, "%", id="custom-keeps-its-unit"),
    ],
)
def test_first_class_kpis_carry_their_fixed_unit(town, kind, given, unit):
    project = town.project(Stage.EVALUATION, ready=False)

    kpi = kpi_create(actor=town.user("manager"), project=project, name="Ukazatel", kind=kind, target=10, **given)

    assert Kpi.objects.get(pk=kpi.pk).unit == unit


def test_changing_a_kpi_to_energy_savings_fixes_its_unit(town):
    project = town.project(Stage.EVALUATION, ready=False)
    kpi = kpi_create(actor=town.user("manager"), project=project, name="Úspora", kind="custom", unit="kWh", target=10)

    kpi_update(actor=town.user("manager"), kpi=kpi, kind="energy_savings")

    assert Kpi.objects.get(pk=kpi.pk).unit == "MWh/year"


def test_a_partner_may_not_add_kpis(town):
    project = town.project(Stage.EVALUATION, ready=False)

    with pytest.raises(PermissionDenied):
        kpi_create(actor=town.user("partner"), project=project, name="Úspora", kind="energy_savings", target=10)

    assert not Kpi.objects.exists()


# Funding applications


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"amount_requested": Decimal("-1")}, "amount_requested", id="negative-request"),
        pytest.param(
            {"status": "approved", "amount_approved": Decimal("-5")}, "amount_approved", id="negative-approval"
        ),
        pytest.param({"status": "approved"}, "amount_approved", id="approved-without-amount"),
        pytest.param(
            {"status": "submitted", "amount_approved": Decimal("100")}, "amount_approved", id="amount-without-approval"
        ),
        pytest.param(
            {"status": "approved", "amount_approved": Decimal("600001")},
            "amount_approved",
            id="approved-more-than-requested",
        ),
        pytest.param({"programme": "lottery"}, "programme", id="unknown-programme"),
    ],
)
def test_funding_applications_refuse_bad_amounts_and_save_nothing(town, fields, field):
    project = town.project(Stage.FUNDING, ready=False)
    arguments = {"programme": "op_zp", "amount_requested": Decimal("600000"), **fields}

    with pytest.raises(ValidationError) as raised:
        funding_create(actor=town.user("manager"), project=project, **arguments)

    assert_error_on(field, raised)
    assert not FundingApplication.objects.exists()


def test_an_approved_application_with_its_amount_is_saved(town):
    project = town.project(Stage.FUNDING, ready=False)

    application = funding_create(
        actor=town.user("manager"),
        project=project,
        programme="modernisation_fund",
        status="approved",
        amount_requested=Decimal("600000"),
        amount_approved=Decimal("550000"),
    )

    assert FundingApplication.objects.get(pk=application.pk).amount_approved == Decimal("550000")


# Comments and mentions


def test_a_partner_may_not_post_an_internal_comment(town):
    project = town.project(Stage.IMPLEMENTATION)

    with pytest.raises(PermissionDenied):
        comment_create(actor=town.user("partner"), project=project, body="Interní poznámka", visibility="internal")

    assert not Comment.objects.exists()
    assert not Event.objects.filter(kind=EventKind.COMMENT_POSTED).exists()


def test_a_partner_posts_a_shared_comment(town):
    project = town.project(Stage.IMPLEMENTATION)

    comment = comment_create(actor=town.user("partner"), project=project, body="Hotovo.", visibility="shared")

    assert Comment.objects.get(pk=comment.pk).visibility == "shared"


def test_a_partner_with_read_only_access_may_not_comment(town):
    project = town.project(Stage.IMPLEMENTATION)
    project.partner_accesses.update(access_level="view")

    with pytest.raises(PermissionDenied):
        comment_create(actor=town.user("partner"), project=project, body="Dotaz", visibility="shared")

    assert not Comment.objects.exists()


def test_an_unknown_visibility_is_refused(town):
    with pytest.raises(ValidationError) as raised:
        comment_create(actor=town.user("manager"), project=town.project(), body="Ahoj", visibility="public")

    assert_error_on("visibility", raised)


@pytest.mark.parametrize(
    ("body", "usernames"),
    [
        ("@head.env and @pm.novak.", ["head.env", "pm.novak"]),
        ("Díky, @pm.novak!", ["pm.novak"]),
        ("(@head.env) prosím o posouzení", ["head.env"]),
        ("@pm.novak, @coordinator: termín?", ["pm.novak", "coordinator"]),
        ("@pm.novak… a znovu @pm.novak", ["pm.novak"]),
        ("@lead.head-office?", ["lead.head-office"]),
        ("@partner_ngo2 @user_7", ["partner_ngo2", "user_7"]),
        ("Napište na jana.novakova@example.cz", []),
        ("Žádná zmínka.", []),
        ("@ samotný zavináč", []),
    ],
)
def test_mentioned_usernames(body, usernames):
    assert mentioned_usernames(body) == usernames


@pytest.mark.parametrize(
    ("visibility", "mentioned"),
    [
        ("internal", {"lead_head", "staff"}),
        ("shared", {"lead_head", "staff", "partner"}),
    ],
)
def test_mentions_reach_only_people_who_may_read_the_comment(town, visibility, mentioned):
    project = town.project(Stage.IMPLEMENTATION)
    body = "@lead.head @staff @partner @partner.not.invited @other.coordinator @nikdo.takovy: prosím o kontrolu."

    comment = comment_create(actor=town.user("manager"), project=project, body=body, visibility=visibility)

    expected = {town.user(role).pk for role in mentioned}
    assert set(comment.mentions.values_list("pk", flat=True)) == expected
    event = Event.objects.get(kind=EventKind.COMMENT_POSTED)
    assert set(event.payload["mentioned_ids"]) == expected


def test_an_inactive_user_is_not_mentioned(town):
    project = town.project(Stage.IMPLEMENTATION)
    gone = UserFactory(username="byvaly.kolega", is_active=False)
    Membership.objects.create(user=gone, role="staff", department=town.env, municipality=town.municipality)

    comment = comment_create(actor=town.user("manager"), project=project, body="@byvaly.kolega ahoj")

    assert not comment.mentions.exists()


# Municipalities and memberships


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        pytest.param({"ico": "00064582"}, "ico", id="wrong-check-digit"),
        pytest.param({"ico": "0006458"}, "ico", id="seven-digits"),
        pytest.param({"ico": "0006458a"}, "ico", id="letter"),
        pytest.param({"ico": ""}, "ico", id="empty"),
        pytest.param({"region": "bavaria"}, "region", id="unknown-region"),
        pytest.param({"name": ""}, "name", id="no-name"),
    ],
)
def test_municipality_create_refuses_bad_input_and_saves_nothing(db, arguments, field):
    before = Municipality.objects.count()

    with pytest.raises(ValidationError) as raised:
        municipality_create(**{"name": "Obec Horní Dolní", "ico": "00064581", "region": "praha", **arguments})

    assert_error_on(field, raised)
    assert Municipality.objects.count() == before
    assert not ApprovalPolicy.objects.filter(municipality__name="Obec Horní Dolní").exists()


@pytest.mark.parametrize("threshold", [101, 1000])
def test_an_assessment_threshold_above_100_is_refused(db, threshold):
    with pytest.raises(ValidationError):
        municipality_create(name="Obec Horní Dolní", ico="00064581", region="praha", assessment_threshold=threshold)

    assert not Municipality.objects.filter(ico="00064581").exists()


def test_two_municipalities_cannot_share_an_ico(town):
    with pytest.raises(ValidationError) as raised:
        municipality_create(name="Dvojník", ico=town.municipality.ico, region="praha")

    assert_error_on("ico", raised)


def test_a_municipality_with_a_valid_ico_is_created(db):
    municipality = municipality_create(name="Obec Nová Ves", ico=valid_ico(4_242_424), region="praha")

    assert municipality.assessment_threshold == 50


def _coordinator_with_department(town):
    return {"role": "coordinator", "municipality": town.municipality, "department": town.env}


def _coordinator_with_organization(town):
    return {"role": "coordinator", "municipality": town.municipality, "organization": town.ngo}


def _head_without_department(town):
    return {"role": "head", "municipality": town.municipality}


def _manager_without_department(town):
    return {"role": "manager", "municipality": town.municipality}


def _staff_with_organization(town):
    return {"role": "staff", "department": town.env, "organization": town.ngo}


def _partner_without_organization(town):
    return {"role": "partner", "municipality": town.municipality}


def _partner_with_department(town):
    return {"role": "partner", "organization": town.ngo, "department": town.env}


def _head_of_another_municipalitys_department(town):
    return {"role": "head", "municipality": town.other_municipality, "department": town.env}


def _partner_of_another_municipalitys_organization(town):
    return {"role": "partner", "municipality": town.other_municipality, "organization": town.ngo}


@pytest.mark.parametrize(
    ("shape", "field"),
    [
        (_coordinator_with_department, "role"),
        (_coordinator_with_organization, "role"),
        (_head_without_department, "department"),
        (_manager_without_department, "department"),
        (_staff_with_organization, "organization"),
        (_partner_without_organization, "organization"),
        (_partner_with_department, "department"),
        (_head_of_another_municipalitys_department, "department"),
        (_partner_of_another_municipalitys_organization, "organization"),
    ],
)
def test_a_membership_of_the_wrong_shape_is_refused(town, shape, field):
    newcomer = UserFactory(username="nova.kolegyne")

    with pytest.raises(ValidationError) as raised:
        membership_grant(user=newcomer, **shape(town))

    assert_error_on(field, raised)
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize(
    "shape",
    [
        {"role": "coordinator"},
        {"role": "head", "department": "env"},
        {"role": "manager", "department": "env"},
        {"role": "staff", "department": "tra"},
        {"role": "partner", "organization": "ngo"},
    ],
    ids=lambda shape: shape["role"],
)
def test_a_membership_of_the_right_shape_is_granted(town, shape):
    newcomer = UserFactory(username="nova.kolegyne")
    arguments = {"role": shape["role"]}
    if "department" in shape:
        arguments["department"] = getattr(town, shape["department"])
    elif "organization" in shape:
        arguments["organization"] = getattr(town, shape["organization"])
    else:
        arguments["municipality"] = town.municipality

    membership = membership_grant(user=newcomer, **arguments)

    assert membership.municipality == town.municipality
