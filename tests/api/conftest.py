"""API fixtures: a client per role and one small world of three projects, one per kind of visibility.

``world.shared``  Město Vzorov, led by ENV, managed by ``manager``, the NGO (``partner``'s) invited.
``world.private`` Město Vzorov, led by TRA, no manager, no partner invited.
``world.lhota``   Obec Lhota's own project, invisible to everyone of Vzorov.

Each stands in ``assessment`` with its gates open and carries one funding application, one KPI, comments,
tasks and one pending approval request, so every endpoint has something to show or hide.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from backend.accounts.models import Department, PartnerOrganization, User
from backend.api import compiled
from backend.notifications.models import Notification
from backend.projects.models import Comment, Event, EventKind, FundingApplication, Kpi, Project, Task
from backend.projects.stages import Stage
from tests.conftest import Town
from tests.factories import (
    CommentFactory,
    DepartmentFactory,
    FundingApplicationFactory,
    KpiFactory,
    PartnerOrganizationFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    TaskFactory,
)
from workflows.models import ApprovalRequest
from workflows.services import project_transition

ANONYMOUS = "anonymous"
ROLES = (
    ANONYMOUS,
    "coordinator",
    "lead_head",
    "other_head",
    "manager",
    "staff",
    "partner",
    "partner_not_invited",
    "other_coordinator",
)
MISSING_ID = 987_654_321


@pytest.fixture
def own_throttle_cache(monkeypatch):
    """The production limits keep counting, in a cache of this test's own.

    Other test runs may share the Redis cache, and on SQLite every test reuses the same user ids: counted
    there, hundreds of requests of the tables would add up to a 429 that has nothing to do with the test.
    """
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))


@pytest.fixture
def empty_compiled_cache():
    """No page compiled by another test (``backend/api/compiled.py`` keeps them per process), none left behind."""
    compiled._CACHE.clear()
    yield
    compiled._CACHE.clear()


def api_client(user: User | None = None, *, enforce_csrf_checks: bool = False) -> APIClient:
    """A client whose server errors come back as 500 responses, so that a table shows them in its cell."""
    client = APIClient(enforce_csrf_checks=enforce_csrf_checks, raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user=user)
    return client


def rolled_back(call: Callable[[], object]):
    """Run one request and undo whatever it wrote, so each role of a table meets the same world."""
    with transaction.atomic():
        result = call()
        transaction.set_rollback(True)
    return result


@dataclass
class Bundle:
    """One project and the ids hanging on it that the endpoint tables address."""

    project: Project
    funding: FundingApplication
    kpi: Kpi
    task: Task  # the task the tables act on (on ``shared`` it is the partner's own)
    approval: ApprovalRequest
    uninvited_organization: PartnerOrganization
    tasks: list[Task] = field(default_factory=list)
    comments: dict[str, Comment] = field(default_factory=dict)

    def ids(self) -> dict[str, int]:
        return {
            "project": self.project.pk,
            "funding": self.funding.pk,
            "kpi": self.kpi.pk,
            "task": self.task.pk,
            "approval": self.approval.pk,
            "organization": self.uninvited_organization.pk,
        }


@dataclass
class World:
    town: Town
    shared: Bundle
    private: Bundle
    lhota: Bundle
    lhota_department: Department
    lhota_organization: PartnerOrganization
    university: PartnerOrganization  # invited to ``shared`` besides the NGO, has no users
    notifications: dict[str, Notification]

    def user(self, role: str) -> User | None:
        return None if role == ANONYMOUS else self.town.user(role)

    def client(self, role: str) -> APIClient:
        return api_client(self.user(role))

    def bundle(self, name: str) -> Bundle:
        return getattr(self, name)


def _notify(user: User, project: Project, actor: User) -> Notification:
    event = Event.objects.create(project=project, kind=EventKind.COMMENT_POSTED, actor=actor)
    return Notification.objects.create(recipient=user, event=event)


@pytest.fixture
def world(town) -> World:
    users = town.users
    lhota_department = DepartmentFactory(municipality=town.other_municipality, code="SPR", name="Správní odbor Lhota")
    lhota_organization = PartnerOrganizationFactory(municipality=town.other_municipality, name="Lhotecký spolek")
    university = PartnerOrganizationFactory(municipality=town.municipality, name="Univerzita Vzorov", kind="university")
    assessed = {"assessment_score": 80, "assessment_summary": "Přínosné.", "planned_start": date(2026, 3, 1)}

    # shared: submitted through the service, so it has a history row; the manager asks to reject it.
    shared = town.project(Stage.IDEA, planned_start=date(2026, 3, 1))
    project_transition(project=shared, actor=users["manager"], transition="submit", comment="Hotovo.")
    shared.refresh_from_db()
    ProjectPartnerFactory(project=shared, organization=university)
    shared_approval = project_transition(
        project=shared, actor=users["manager"], transition="reject", comment="Duplicitní námět."
    ).approval_request
    partner_task = TaskFactory(project=shared, title="Podklady od spolku", assignee=users["partner"])
    manager_task = TaskFactory(project=shared, title="Rozpočet", assignee=users["manager"])
    shared_bundle = Bundle(
        project=shared,
        funding=shared.funding_applications.get(),
        kpi=shared.kpis.get(),
        task=partner_task,
        approval=shared_approval,
        uninvited_organization=town.firm,
        tasks=[partner_task, manager_task],
        comments={
            "internal": CommentFactory(project=shared, author=users["manager"], visibility="internal"),
            "shared": CommentFactory(project=shared, author=users["partner"], visibility="shared"),
        },
    )

    # private: the coordinator asks to approve it for funding; only the head of TRA decides.
    private = ProjectFactory(stage=Stage.ASSESSMENT, lead_department=town.tra, manager=None, **assessed)
    private_approval = project_transition(
        project=private, actor=users["coordinator"], transition="approve_for_funding"
    ).approval_request
    staff_task = TaskFactory(project=private, title="Dopravní průzkum", assignee=users["staff"])
    private_bundle = Bundle(
        project=private,
        funding=FundingApplicationFactory(project=private),
        kpi=KpiFactory(project=private),
        task=staff_task,
        approval=private_approval,
        uninvited_organization=town.firm,
        tasks=[staff_task],
        comments={"internal": CommentFactory(project=private, author=users["staff"], visibility="internal")},
    )

    # lhota: Obec Lhota's coordinator asks to approve it for funding.
    lhota = ProjectFactory(stage=Stage.ASSESSMENT, lead_department=lhota_department, manager=None, **assessed)
    lhota_approval = project_transition(
        project=lhota, actor=users["other_coordinator"], transition="approve_for_funding"
    ).approval_request
    lhota_task = TaskFactory(project=lhota, title="Úkol Lhoty", assignee=users["other_coordinator"])
    lhota_bundle = Bundle(
        project=lhota,
        funding=FundingApplicationFactory(project=lhota),
        kpi=KpiFactory(project=lhota),
        task=lhota_task,
        approval=lhota_approval,
        uninvited_organization=lhota_organization,
        tasks=[lhota_task],
        comments={
            "shared": CommentFactory(project=lhota, author=users["other_coordinator"], visibility="shared"),
        },
    )

    notifications = {
        "manager": _notify(users["manager"], shared, users["partner"]),
        "partner": _notify(users["partner"], shared, users["manager"]),
        "other_coordinator": _notify(users["other_coordinator"], lhota, users["other_coordinator"]),
    }
    return World(
        town=town,
        shared=shared_bundle,
        private=private_bundle,
        lhota=lhota_bundle,
        lhota_department=lhota_department,
        lhota_organization=lhota_organization,
        university=university,
        notifications=notifications,
    )
