"""Every list and detail endpoint costs a pinned number of queries, the same for 1 row and for 50.

Each case builds one row, measures a GET, builds 49 more, measures again. Authentication is forced
(``force_authenticate``), so it adds no query; each request gets a freshly loaded user, as a real request
does, so the one query that reads the user's roles is counted every time. A changed number in ``PINNED``
is a regression (or an improvement: then lower the number in the same commit).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.notifications.models import Notification
from backend.projects.models import Event, EventKind, Project
from backend.projects.stages import Stage
from tests.factories import (
    CommentFactory,
    DepartmentFactory,
    FundingApplicationFactory,
    KpiFactory,
    MembershipFactory,
    PartnerOrganizationFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    TaskFactory,
    UserFactory,
)
from workflows.services import approval_decide, project_transition

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    """What an endpoint lists, and how to add ``count`` more of it."""

    url: Callable[[Any], str]
    add: Callable[[Any, Any, int], None]
    rows: Callable[[Any], int]  # how many rows (or options) the response shows
    setup: Callable[[Any, str], Any] = lambda town, viewer: None
    viewer_user: Callable[[Any, Any, str], User] = field(default=lambda town, context, viewer: town.user(viewer))


def _results(body) -> int:
    return len(body["results"])


def _items(body) -> int:
    return len(body)


# --- builders -----------------------------------------------------------------------------------------------


def _add_projects(town, context, count: int) -> None:
    for _ in range(count):
        project = town.project(Stage.IDEA, ready=False)
        project.departments.add(town.tra)


def _detail_setup(town, viewer: str) -> Project:
    return town.project(Stage.IMPLEMENTATION)


def _add_involved_departments(town, project: Project, count: int) -> None:
    project.departments.add(*DepartmentFactory.create_batch(count, municipality=town.municipality))


def _add_transition_rows(town, project: Project, count: int) -> None:
    """A row of everything the transition guards look at: a task, a funding application, a KPI, a department."""
    for _ in range(count):
        TaskFactory(project=project, stage=Stage.IMPLEMENTATION)
        FundingApplicationFactory(project=project, status="approved", amount_approved=Decimal("1"))
        KpiFactory(project=project)
    _add_involved_departments(town, project, count)


def _transitions_setup(stage: str) -> Callable[[Any, str], Project]:
    return lambda town, viewer: town.project(stage)


def _history_setup(town, viewer: str) -> Project:
    return town.project(Stage.FUNDING)


def _add_history(town, project: Project, count: int) -> None:
    """Gated transitions with their approval: the head puts the project on hold and resumes it, in turn."""
    head = town.user("lead_head")
    town.allow_self_approval("put_on_hold", "resume")
    for _ in range(count):
        project.refresh_from_db()
        if project.stage == Stage.ON_HOLD:
            project_transition(project=project, actor=head, transition="resume", comment="Pokračujeme.")
        else:
            project_transition(project=project, actor=head, transition="put_on_hold", comment="Čekáme na dotaci.")


def _add_comments(town, project: Project, count: int) -> None:
    for _ in range(count):
        comment = CommentFactory(project=project, author=UserFactory(), body="@manager @partner", visibility="shared")
        comment.mentions.set([town.user("manager"), town.user("partner")])


def _bare_project(town, viewer: str) -> Project:
    """A project with no partner yet: the first partner added is the NGO of the partner viewer."""
    return ProjectFactory(lead_department=town.env, manager=town.user("manager"))


def _add_partners(town, project: Project, count: int) -> None:
    for _ in range(count):
        if not project.partner_accesses.filter(organization=town.ngo).exists():
            ProjectPartnerFactory(project=project, organization=town.ngo)
        else:
            ProjectPartnerFactory(project=project, organization__municipality=town.municipality)


def _plain_project(town, viewer: str) -> Project:
    return town.project(Stage.FUNDING, ready=False)


def _add_funding(town, project: Project, count: int) -> None:
    FundingApplicationFactory.create_batch(count, project=project, internal_note="Jen pro úřad.")


def _add_kpis(town, project: Project, count: int) -> None:
    KpiFactory.create_batch(count, project=project)


def _add_approval_requests(town, context, count: int) -> None:
    """Pending start_implementation requests (head and coordinator must approve), the head's approval given."""
    for _ in range(count):
        project = town.project(Stage.FUNDING)
        outcome = project_transition(project=project, actor=town.user("manager"), transition="start_implementation")
        approval_decide(approval_request=outcome.approval_request, actor=town.user("lead_head"), decision="approve")


def _add_tasks(town, context, count: int) -> None:
    project = town.project(Stage.IMPLEMENTATION, ready=False)
    for index in range(count):
        TaskFactory(project=project, assignee=town.user("partner"), created_by=town.user("manager"), due_date=None)
        if index % 2:
            project = town.project(Stage.IMPLEMENTATION, ready=False)


def _notifications_setup(town, viewer: str) -> Project:
    return town.project(Stage.IDEA, ready=False)


def _add_notifications(town, project: Project, count: int, *, recipient: str) -> None:
    for _ in range(count):
        event = Event.objects.create(project=project, kind=EventKind.COMMENT_POSTED, actor=UserFactory(), payload={})
        Notification.objects.create(recipient=town.user(recipient), event=event)


def _me_setup(town, viewer: str) -> User:
    """A person with no role yet: each row is one more role (staff in a department, or guest of a partner)."""
    return UserFactory(username=f"me.{viewer}")


def _add_roles(town, person: User, count: int) -> None:
    is_partner = person.username == "me.partner"
    for _ in range(count):
        if is_partner:
            organization = PartnerOrganizationFactory(municipality=town.municipality)
            MembershipFactory(user=person, role="partner", department=None, organization=organization)
        else:
            MembershipFactory(user=person, role="staff", department=DepartmentFactory(municipality=town.municipality))


def _add_departments(town, context, count: int) -> None:
    DepartmentFactory.create_batch(count, municipality=town.municipality)


def _add_organizations(town, context, count: int) -> None:
    PartnerOrganizationFactory.create_batch(count, municipality=town.municipality)


def _add_people(town, context, count: int) -> None:
    """Colleagues of the NGO's guest: municipal users see them as partners of their town, the guest as colleagues."""
    for _ in range(count):
        MembershipFactory(role="partner", department=None, organization=town.ngo)


def _project_url(suffix: str) -> Callable[[Project], str]:
    return lambda project: f"/api/v1/projects/{project.pk}/{suffix}"


CASES: dict[str, Case] = {
    "projects": Case(url=lambda _: "/api/v1/projects/", add=_add_projects, rows=_results),
    "project": Case(
        url=_project_url(""),
        setup=_detail_setup,
        add=_add_involved_departments,
        rows=lambda body: len(body.get("departments", [])),
    ),
    **{
        f"transitions:{stage}": Case(
            url=_project_url("transitions/"), setup=_transitions_setup(stage), add=_add_transition_rows, rows=_items
        )
        for stage in (Stage.IDEA, Stage.ASSESSMENT, Stage.FUNDING, Stage.IMPLEMENTATION, Stage.EVALUATION)
    },
    "history": Case(url=_project_url("history/"), setup=_history_setup, add=_add_history, rows=_results),
    "comments": Case(url=_project_url("comments/"), setup=_plain_project, add=_add_comments, rows=_results),
    "partners": Case(url=_project_url("partners/"), setup=_bare_project, add=_add_partners, rows=_items),
    "funding": Case(url=_project_url("funding/"), setup=_plain_project, add=_add_funding, rows=_items),
    "kpis": Case(url=_project_url("kpis/"), setup=_plain_project, add=_add_kpis, rows=_items),
    "approvals": Case(url=lambda _: "/api/v1/approvals/", add=_add_approval_requests, rows=_results),
    "tasks": Case(url=lambda _: "/api/v1/tasks/", add=_add_tasks, rows=_results),
    "notifications": Case(
        url=lambda _: "/api/v1/notifications/",
        setup=lambda town, viewer: (viewer, _notifications_setup(town, viewer)),
        add=lambda town, context, count: _add_notifications(town, context[1], count, recipient=context[0]),
        rows=_results,
    ),
    "me": Case(
        url=lambda _: "/api/v1/me/",
        setup=_me_setup,
        add=_add_roles,
        rows=lambda body: len(body["roles"]),
        viewer_user=lambda town, person, viewer: person,
    ),
    "departments": Case(url=lambda _: "/api/v1/departments/", add=_add_departments, rows=_results),
    "organizations": Case(url=lambda _: "/api/v1/organizations/", add=_add_organizations, rows=_results),
    "users": Case(url=lambda _: "/api/v1/users/", add=_add_people, rows=_results),
}

# endpoint, viewer, queries per request, rows the viewer sees after 1 row was built and after 50.
# "manager" is the project manager in the lead department (ENV), "lead_head" its head, "partner" the NGO's guest.
# Rows seen other than (1, 50): the town fixture already has 2 departments, 2 organisations and 7 people of
# Vzorov, and a page holds 50; a partner sees no funding, departments or approvals, only their own organisation
# and partner access; project detail shows the involved departments, hidden from partners; a transitions row is
# one more task, funding application, KPI and involved department, and the response lists the options.
# Every query in the list is one of: the user's roles (1, always first), the object or page, one prefetch per
# related list shown, and on transitions the stored policies, pending requests and each gate's own check.
PINNED: list[tuple[str, str, int, tuple[int, int]]] = [
    ("projects", "manager", 2, (1, 50)),
    ("projects", "partner", 2, (1, 50)),
    ("project", "manager", 2, (1, 50)),
    ("project", "partner", 2, (0, 0)),
    ("transitions:idea", "manager", 4, (3, 3)),
    ("transitions:assessment", "manager", 4, (4, 4)),
    ("transitions:funding", "manager", 5, (4, 4)),
    ("transitions:implementation", "manager", 7, (2, 2)),
    ("transitions:implementation", "lead_head", 8, (2, 2)),
    ("transitions:evaluation", "manager", 8, (2, 2)),
    ("transitions:implementation", "partner", 2, (0, 0)),
    ("history", "manager", 4, (1, 50)),
    ("history", "partner", 4, (1, 50)),
    ("comments", "manager", 2, (1, 50)),  # the project's visibility checked in the page's query
    ("comments", "partner", 2, (1, 50)),
    ("partners", "manager", 3, (1, 50)),
    ("partners", "partner", 3, (1, 1)),
    ("funding", "manager", 3, (1, 50)),
    ("funding", "partner", 2, (0, 0)),
    ("kpis", "manager", 3, (1, 50)),
    ("kpis", "partner", 3, (1, 50)),
    ("approvals", "manager", 2, (1, 50)),  # the decisions aggregated in the page's query
    ("approvals", "lead_head", 2, (1, 50)),
    ("approvals", "coordinator", 2, (1, 50)),
    ("approvals", "partner", 1, (0, 0)),
    ("tasks", "manager", 2, (1, 50)),
    ("tasks", "partner", 2, (1, 50)),
    ("notifications", "manager", 1, (1, 50)),
    ("notifications", "partner", 1, (1, 50)),
    ("me", "staff", 2, (1, 50)),
    ("me", "partner", 2, (1, 50)),
    ("departments", "manager", 2, (3, 50)),
    ("departments", "partner", 1, (0, 0)),
    ("organizations", "manager", 2, (3, 50)),
    ("organizations", "partner", 2, (1, 1)),
    ("users", "manager", 2, (8, 50)),
    ("users", "partner", 2, (2, 50)),
]


def _measure(town, case: Case, context, viewer: str) -> tuple[int, int, list[str]]:
    # A fresh user object: the roles cached on it by the previous request must not make this one cheaper.
    user = User.objects.get(pk=case.viewer_user(town, context, viewer).pk)
    client = APIClient()
    client.force_authenticate(user=user)
    url = case.url(context)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:500])
    return (
        len(captured.captured_queries),
        case.rows(response.json()),
        [query["sql"] for query in captured.captured_queries],
    )


@pytest.mark.parametrize(
    ("endpoint", "viewer", "queries", "rows_seen"),
    PINNED,
    ids=[f"{endpoint}-{viewer}" for endpoint, viewer, *_ in PINNED],
)
def test_queries_are_pinned_and_the_same_for_1_and_50_rows(town, endpoint, viewer, queries, rows_seen):
    case = CASES[endpoint]
    context = case.setup(town, viewer)
    case.add(town, context, 1)
    one_row, rows_after_one, sql_one = _measure(town, case, context, viewer)
    case.add(town, context, 49)
    fifty_rows, rows_after_fifty, sql_fifty = _measure(town, case, context, viewer)

    assert (rows_after_one, rows_after_fifty) == rows_seen
    assert one_row == fifty_rows, "\n".join(["1 row:", *sql_one, "", "50 rows:", *sql_fifty])
    assert one_row == queries, "\n".join([f"{one_row} queries instead of {queries}:", *sql_one])


def test_every_list_and_detail_endpoint_of_the_contract_is_pinned():
    endpoints = {endpoint.split(":")[0] for endpoint, *_ in PINNED}
    assert endpoints == {
        "projects",
        "project",
        "transitions",
        "history",
        "comments",
        "partners",
        "funding",
        "kpis",
        "approvals",
        "tasks",
        "notifications",
        "me",
        "departments",
        "organizations",
        "users",
    }


def test_token_authentication_costs_no_query_more_its_query_brings_the_roles(town):
    """The pinned numbers leave authentication out; a real client's token is one query that also reads the user's
    roles, so a token request costs what a forced one does (whose first query reads the roles)."""
    user = town.user("manager")
    town.project(Stage.IDEA, ready=False)
    forced = APIClient()
    forced.force_authenticate(user=User.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as without_token:
        assert forced.get("/api/v1/projects/").status_code == 200
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    with CaptureQueriesContext(connection) as with_token_queries:
        response = with_token.get("/api/v1/projects/")
    assert response.status_code == 200
    assert response.json()["results"] == forced.get("/api/v1/projects/").json()["results"] != []
    assert len(with_token_queries) == len(without_token)
    assert not any("accounts_membership" in query["sql"] for query in with_token_queries[1:])
