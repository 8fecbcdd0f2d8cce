"""Who may use the admin, and for what: a permission matrix like the API's, and the back doors of issue 11.

The admin is configuration for the Smart City coordinator (backend.accounts.admin_site). Every account below
has ``is_staff`` and every Django permission of the domain apps, the worst case: what decides is the role.
"""

from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db.models import ForeignKey, ManyToManyField
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import TokenProxy

from backend.accounts.admin_site import operator_only
from backend.accounts.models import Department, Invitation, Membership, Municipality, PartnerOrganization, User
from backend.projects.invitations import invitation_create
from backend.projects.models import (
    Attachment,
    Comment,
    Event,
    FundingApplication,
    Kpi,
    Project,
    ProjectPartner,
    Task,
)
from backend.projects.stages import Stage
from backend.strategy.models import Strategy
from tests.factories import CommentFactory, ProjectFactory, ProjectPartnerFactory, TaskFactory, UserFactory
from tests.factories.attachments import attach
from workflows.models import ApprovalDecision, ApprovalPolicy, ApprovalRequest, TransitionRecord
from workflows.policies import policy_defaults_create
from workflows.services import approval_decide, project_transition

DOMAIN_APPS = ("accounts", "projects", "workflows", "strategy")
# Project work and its history: read here, written only by the services (the application and the API).
READ_ONLY = (
    Project,
    Task,
    Comment,
    FundingApplication,
    Kpi,
    ProjectPartner,
    Attachment,
    Event,
    ApprovalRequest,
    ApprovalDecision,
    TransitionRecord,
    Invitation,
)
CONFIGURATION = (Municipality, Department, User, Membership, PartnerOrganization, ApprovalPolicy, Strategy)
WITHOUT_ADMIN = ("lead_head", "other_head", "manager", "staff", "partner", "partner_not_invited")


def with_every_permission(user: User) -> User:
    """What the old demo groups and more gave: is_staff and every Django permission of the domain apps."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS))
    return user


def browser(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(obj, **changes) -> dict:
    """Every editable field of ``obj`` as a browser posts it, with ``changes``: a valid save on the old admin."""
    data = {}
    for field in [*obj._meta.concrete_fields, *obj._meta.many_to_many]:
        if not field.editable or field.primary_key:
            continue
        value = field.value_from_object(obj)
        if isinstance(field, ManyToManyField):
            data[field.name] = [related.pk for related in value]
        elif isinstance(value, bool):
            if value:
                data[field.name] = "on"
        elif isinstance(field, ForeignKey) or value is not None:
            data[field.name] = "" if value is None else str(value)
    data.update(changes)
    return data


def no_inline_rows(*prefixes: str) -> dict:
    return {f"{prefix}-{name}": "0" for prefix in prefixes for name in ("TOTAL_FORMS", "INITIAL_FORMS")}


PROJECT_INLINES = no_inline_rows("tasks", "funding_applications", "kpis", "partner_accesses")


@dataclass
class Ours:
    """One row of every model in the admin, all of the town (Město Vzorov)."""

    rows: dict[type, object]

    def snapshot(self) -> dict:
        return {
            model._meta.label: (model.objects.count(), model_to_dict(model.objects.get(pk=row.pk)))
            for model, row in self.rows.items()
        }


@pytest.fixture(autouse=True)
def _attachments_in_a_temporary_folder(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="operator", is_superuser=True, is_staff=True)


@pytest.fixture
def ours(town) -> Ours:
    manager = town.user("manager")
    project = town.project(Stage.FUNDING)
    pending = project_transition(project=project, actor=manager, transition="start_implementation").approval_request
    approval_decide(approval_request=pending, actor=town.user("lead_head"), decision="approve", comment="Ano.")
    submitted = town.project(Stage.IDEA)
    record = project_transition(project=submitted, actor=manager, transition="submit").record
    invitation_create(actor=manager, email="host@example.org", organization=town.firm, projects=[project])
    policy_defaults_create(municipality_id=town.municipality.pk)
    rows = {
        Project: project,
        Task: TaskFactory(project=project, assignee=town.user("staff")),
        Comment: CommentFactory(project=project, author=manager, visibility="internal"),
        FundingApplication: project.funding_applications.get(),
        Kpi: project.kpis.get(),
        ProjectPartner: project.partner_accesses.get(organization=town.ngo),
        Attachment: attach(project, manager),
        Event: Event.objects.filter(project=project).first(),
        ApprovalRequest: pending,
        ApprovalDecision: pending.decisions.get(),
        TransitionRecord: record,
        Invitation: Invitation.objects.get(email="host@example.org"),
        Municipality: town.municipality,
        Department: town.env,
        User: town.user("staff"),
        Membership: Membership.objects.get(user=town.user("staff")),
        PartnerOrganization: town.ngo,
        ApprovalPolicy: ApprovalPolicy.objects.filter(municipality=town.municipality).first(),
        Strategy: Strategy.objects.create(municipality=town.municipality, title="Strategie Smart City"),
    }
    return Ours(rows)


def visit(client: Client, model, pk) -> dict[str, int]:
    """Every page and form of one model's admin, as the matrix names them."""
    return {
        "list": client.get(url(model, "changelist")).status_code,
        "view": client.get(url(model, "change", pk)).status_code,
        "save": client.post(url(model, "change", pk), {}).status_code,
        "add": client.get(url(model, "add")).status_code,
        "delete page": client.get(url(model, "delete", pk)).status_code,
    }


def delete_attempts(client: Client, model, pk) -> dict[str, int]:
    """Deleting for real, one object and through the list's action (only where nothing may be deleted)."""
    return {
        "delete": client.post(url(model, "delete", pk), {"post": "yes"}).status_code,
        "delete selected": client.post(
            url(model, "changelist"),
            {"action": "delete_selected", "index": "0", "_selected_action": [pk], "post": "yes"},
        ).status_code,
    }


# --- the matrix ----------------------------------------------------------------------------------------------------
# Status per page: list, view (GET of the change page), save (POST to it), add, delete page (the confirmation).
READ_ONLY_ROW = {"list": 200, "view": 200, "save": 403, "add": 403, "delete page": 403}
# Our objects, seen by the coordinator of another municipality: as if they did not exist.
HIDDEN_ROW = {"list": 200, "view": 404, "save": 404, "add": 403, "delete page": 404}

EDITABLE = {"list": 200, "view": 200, "save": 200, "add": 200, "delete page": 200}  # save: the empty form's errors
CONFIGURATION_FOR_THE_COORDINATOR = {
    # A municipality joins the platform through its operators, and leaves it the same way.
    Municipality: {**EDITABLE, "add": 403, "delete page": 403},
    Department: EDITABLE,
    # People are deactivated or anonymised, never deleted: their comments and the history keep their name.
    User: {**EDITABLE, "delete page": 403},
    # Roles are granted and withdrawn, never rewritten.
    Membership: {**EDITABLE, "save": 403},
    # Access of an organisation is revoked in the application, which also signs its guests out.
    PartnerOrganization: {**EDITABLE, "delete page": 403},
    ApprovalPolicy: EDITABLE,
    Strategy: EDITABLE,
}
CONFIGURATION_FOR_THE_OPERATOR = {model: EDITABLE for model in CONFIGURATION} | {Membership: {**EDITABLE, "save": 403}}


def expected(role: str, model) -> dict[str, int]:
    if role == "other_coordinator":
        adds = model in CONFIGURATION and model is not Municipality
        return {**HIDDEN_ROW, "add": 200 if adds else 403}
    if model in READ_ONLY:
        return READ_ONLY_ROW
    return (CONFIGURATION_FOR_THE_COORDINATOR if role == "coordinator" else CONFIGURATION_FOR_THE_OPERATOR)[model]


ALL_MODELS = (*READ_ONLY, *CONFIGURATION)


@pytest.mark.parametrize("model", ALL_MODELS, ids=[model._meta.label for model in ALL_MODELS])
@pytest.mark.parametrize("role", ["coordinator", "other_coordinator", "superuser"])
def test_what_each_admin_user_may_do_with_each_model(town, ours, superuser, role, model):
    user = superuser if role == "superuser" else with_every_permission(town.user(role))
    client = browser(user)
    before = ours.snapshot()

    assert visit(client, model, ours.rows[model].pk) == expected(role, model)

    assert ours.snapshot() == before


@pytest.mark.parametrize("model", READ_ONLY, ids=[model._meta.label for model in READ_ONLY])
@pytest.mark.parametrize("role", ["coordinator", "superuser"])
def test_project_work_is_never_deleted_in_the_admin(town, ours, superuser, role, model):
    client = browser(superuser if role == "superuser" else with_every_permission(town.user(role)))
    before = ours.snapshot()

    # "Delete selected" is not offered: a list with other actions says "no action selected" and sends the user
    # back to it; a list without any shows itself again.
    list_answer = 302 if model in (Project, ApprovalRequest) else 200
    assert delete_attempts(client, model, ours.rows[model].pk) == {"delete": 403, "delete selected": list_answer}

    assert ours.snapshot() == before


@pytest.mark.parametrize("role", WITHOUT_ADMIN)
def test_nobody_but_coordinators_uses_the_admin_whatever_their_django_rights(town, ours, role):
    client = browser(with_every_permission(town.user(role)))
    before = ours.snapshot()
    sign_in = "/admin/login/?next="

    assert client.get("/admin/")["Location"] == f"{sign_in}/admin/"
    for model, row in ours.rows.items():
        pages = {**visit(client, model, row.pk), **delete_attempts(client, model, row.pk)}
        assert set(pages.values()) == {302}, model._meta.label
        assert client.get(url(model, "change", row.pk))["Location"].startswith(sign_in)

    assert ours.snapshot() == before


def test_the_admin_sign_in_refuses_everyone_but_coordinators(town):
    head = with_every_permission(town.user("lead_head"))
    head.set_password("Heslo-pro-test-1")
    head.save()

    response = Client().post("/admin/login/?next=/admin/", {"username": head.username, "password": "Heslo-pro-test-1"})

    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_coordinator_signs_in_to_the_admin(town):
    coordinator = with_every_permission(town.user("coordinator"))
    coordinator.set_password("Heslo-pro-test-1")
    coordinator.save()
    client = Client()

    response = client.post("/admin/login/?next=/admin/", {"username": "coordinator", "password": "Heslo-pro-test-1"})

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_coordinator_without_is_staff_is_not_let_in(town):
    """is_staff stays Django's switch for the admin; the coordinator role is needed as well."""
    assert browser(town.user("coordinator")).get("/admin/").status_code == 302


# --- the back doors seen in issue 11, each refused ------------------------------------------------------------------


def test_a_referent_of_another_department_cannot_share_or_rewrite_a_comment(town):
    project = town.project(Stage.IMPLEMENTATION)
    comment = CommentFactory(project=project, author=town.user("manager"), visibility="internal", body="Jen pro nás.")
    referent = with_every_permission(town.user("staff"))  # TRA; the project is ENV's

    response = browser(referent).post(
        url(Comment, "change", comment.pk), form_data(comment, visibility="shared", body="Přepsáno.")
    )

    assert response["Location"].startswith("/admin/login/")
    comment.refresh_from_db()
    assert (comment.visibility, comment.body) == ("internal", "Jen pro nás.")
    partner_sees = browser(town.user("partner")).get(f"/api/v1/projects/{project.pk}/comments/").json()["results"]
    assert comment.pk not in [shown["id"] for shown in partner_sees]


def test_a_project_manager_cannot_make_himself_manager_of_a_transport_project(town):
    project = ProjectFactory(lead_department=town.tra, manager=town.user("other_head"), stage=Stage.IDEA)
    manager = with_every_permission(town.user("manager"))

    response = browser(manager).post(
        url(Project, "change", project.pk), {**form_data(project, manager=str(manager.pk)), **PROJECT_INLINES}
    )

    assert response["Location"].startswith("/admin/login/")
    assert Project.objects.get(pk=project.pk).manager == town.user("other_head")
    transitions = browser(manager).get(f"/api/v1/projects/{project.pk}/transitions/").json()
    assert not any(transition["allowed"] for transition in transitions)


def test_not_even_the_coordinator_saves_a_partner_guest_as_project_manager(town):
    project = ProjectFactory(lead_department=town.env, manager=town.user("manager"), stage=Stage.IDEA)
    client = browser(with_every_permission(town.user("coordinator")))

    response = client.post(
        url(Project, "change", project.pk),
        {**form_data(project, manager=str(town.user("partner").pk)), **PROJECT_INLINES},
    )

    assert response.status_code == 403
    assert Project.objects.get(pk=project.pk).manager == town.user("manager")


def test_not_even_the_coordinator_assigns_a_task_to_a_view_only_partner(town):
    project = town.project(Stage.IMPLEMENTATION)
    ProjectPartnerFactory(project=project, organization=town.firm, access_level="view")
    task = TaskFactory(project=project, assignee=town.user("staff"), stage=Stage.IMPLEMENTATION)
    client = browser(with_every_permission(town.user("coordinator")))

    response = client.post(
        url(Task, "change", task.pk), form_data(task, assignee=str(town.user("partner_not_invited").pk))
    )

    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).assignee == town.user("staff")


def test_a_head_cannot_move_a_stage_through_the_admin_action(town):
    """The "Change stage…" action is the coordinator's, and even then runs with their own rights."""
    project = town.project(Stage.IDEA)
    client = browser(with_every_permission(town.user("lead_head")))

    response = client.post(
        url(Project, "changelist"),
        {"action": "change_stage", "_selected_action": [project.pk], "confirm": "yes", "transition": "submit"},
    )

    assert response["Location"].startswith("/admin/login/")
    assert Project.objects.get(pk=project.pk).stage == Stage.IDEA
    assert not TransitionRecord.objects.exists()


# --- what libraries register: the platform operators' alone -------------------------------------------------------

THIRD_PARTY = [model for model in admin.site._registry if operator_only(model)]
THIRD_PARTY_ROW = {"list": 403, "view": 403, "save": 403, "add": 403, "delete page": 403}


@pytest.fixture
def third_party_rows(town) -> dict:
    attempt = {"user_agent": "Firefox", "ip_address": "192.0.2.1", "username": "x", "http_accept": "*/*"}
    group = Group.objects.create(name="Provoz")
    return {
        AccessAttempt: AccessAttempt.objects.create(**attempt, path_info="/login/", failures_since_start=3),
        AccessLog: AccessLog.objects.create(**attempt, path_info="/login/"),
        AccessFailureLog: AccessFailureLog.objects.create(**attempt, path_info="/login/", locked_out=False),
        Group: group,
        TokenProxy: TokenProxy.objects.create(user=town.user("manager")),
    }


def test_every_model_a_library_registers_is_among_the_operators():
    assert {model._meta.label for model in THIRD_PARTY} == {
        "auth.Group",
        "authtoken.TokenProxy",
        "axes.AccessAttempt",
        "axes.AccessLog",
        "axes.AccessFailureLog",
    }


@pytest.mark.parametrize("model", THIRD_PARTY, ids=[model._meta.label for model in THIRD_PARTY])
@pytest.mark.parametrize("role", ["coordinator", "superuser"])
def test_only_the_operator_sees_or_changes_what_libraries_register(town, superuser, third_party_rows, role, model):
    """Sign-in attempts, API tokens and permission groups: not even a coordinator given every Django right."""
    user = superuser if role == "superuser" else with_every_permission(town.user("coordinator"))
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["axes", "authtoken", "auth"]))
    client = browser(user)
    row = third_party_rows[model]
    # DRF's token proxy names a token by its user's id in the admin; its key is the primary key.
    stored = model.objects.filter(pk=getattr(row, model._meta.pk.attname))
    before = (model.objects.count(), model_to_dict(stored.get()))

    pages = visit(client, model, row.pk)

    assert (model.objects.count(), model_to_dict(stored.get())) == before
    if role == "coordinator":
        assert pages == THIRD_PARTY_ROW
        assert delete_attempts(client, model, row.pk) == {"delete": 403, "delete selected": 403}
        assert stored.exists()
    else:
        assert {pages[name] for name in ("list", "view", "delete page")} == {200}


def test_the_coordinators_admin_index_lists_only_configuration_and_project_work(town):
    coordinator = with_every_permission(town.user("coordinator"))
    coordinator.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["axes", "authtoken"]))

    apps = {app["app_label"] for app in browser(coordinator).get("/admin/").context["app_list"]}

    assert apps == {"accounts", "core", "projects", "workflows", "strategy"}
