"""Shared fixtures: a town with every kind of user of DESIGN.md, and projects in any stage."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.test.utils import override_settings
from django.utils import translation

from backend.accounts.models import Department, Municipality, PartnerOrganization, User
from backend.projects.models import Project
from backend.projects.stages import Stage
from tests.factories import (
    DepartmentFactory,
    FundingApplicationFactory,
    KpiFactory,
    MembershipFactory,
    MunicipalityFactory,
    PartnerOrganizationFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    UserFactory,
)
from workflows.models import ApprovalPolicy


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Factories set passwords; the production hasher would make every fixture take seconds."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Czech). A request made with ``Accept-Language: en`` leaves
    English active in the thread (LocaleMiddleware activates, nothing deactivates), which would otherwise
    change the messages of whatever test runs next in the same worker."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _own_town_cache_keys(monkeypatch):
    """Each town's figures (the portal's, the dashboard's) are kept in the cache, keyed by the town's id: the test
    Redis outlives the test databases (a new run's towns reuse ids), so each test keys them in a namespace of its
    own."""
    monkeypatch.setattr("backend.projects.town_cache.CACHE_PREFIX", f"town:test-{uuid.uuid4().hex}")


@dataclass
class Town:
    municipality: Municipality
    env: Department
    tra: Department
    ngo: PartnerOrganization
    firm: PartnerOrganization
    other_municipality: Municipality
    users: dict[str, User]

    def user(self, role: str) -> User:
        return self.users[role]

    def allow_self_approval(self, *transitions: str) -> None:
        """Let an approver's own request of these transitions count as their approval (the default policies
        forbid it: four-eyes), for tests about something else that need a head or the coordinator to move a
        project at once."""
        ApprovalPolicy.objects.filter(municipality=self.municipality, transition__in=transitions).update(
            forbid_self_approval=False
        )

    def project(self, stage: str = Stage.IDEA, *, ready: bool = True, **fields) -> Project:
        """A project of ENV managed by ``manager``, shared with the NGO, standing in ``stage``.

        With ``ready`` every gate out of that stage is open (assessment, funding, KPIs, summaries).
        """
        stage_before_hold = fields.pop("stage_before_hold", Stage.FUNDING if stage == Stage.ON_HOLD else "")
        defaults = {"lead_department": self.env, "manager": self.users["manager"]}
        if ready:
            defaults.update(assessment_score=80, assessment_summary="Přínosné a proveditelné.")
            defaults.update(evaluation_summary="Cíle splněny.")
        project = ProjectFactory(stage=stage, **{**defaults, **fields})
        if stage_before_hold:
            Project.objects.filter(pk=project.pk).update(stage_before_hold=stage_before_hold)
            project.refresh_from_db()
        if ready:
            FundingApplicationFactory(
                project=project,
                status="approved",
                amount_requested=project.estimated_cost or Decimal(0),
                amount_approved=project.estimated_cost or Decimal(0),
            )
            KpiFactory(project=project, actual=Decimal("130"))
        ProjectPartnerFactory(project=project, organization=self.ngo)
        return project


ROLES = (
    "coordinator",
    "lead_head",
    "other_head",
    "manager",
    "staff",
    "partner",
    "partner_not_invited",
    "other_coordinator",
)


@pytest.fixture
def town(db) -> Town:
    municipality = MunicipalityFactory(name="Město Vzorov")
    env = DepartmentFactory(municipality=municipality, code="ENV", name="Odbor životního prostředí a energetiky")
    tra = DepartmentFactory(municipality=municipality, code="TRA", name="Odbor dopravy")
    ngo = PartnerOrganizationFactory(municipality=municipality, name="Zelená Vzorov, z.s.")
    firm = PartnerOrganizationFactory(municipality=municipality, name="EnergoSmart s.r.o.", kind="firm")
    other = MunicipalityFactory(name="Obec Lhota")
    users = {role: UserFactory(username=role.replace("_", ".")) for role in ROLES}
    MembershipFactory(user=users["coordinator"], role="coordinator", department=None, municipality=municipality)
    MembershipFactory(user=users["lead_head"], role="head", department=env)
    MembershipFactory(user=users["other_head"], role="head", department=tra)
    MembershipFactory(user=users["manager"], role="manager", department=env)
    MembershipFactory(user=users["staff"], role="staff", department=tra)
    MembershipFactory(user=users["partner"], role="partner", department=None, organization=ngo)
    MembershipFactory(user=users["partner_not_invited"], role="partner", department=None, organization=firm)
    MembershipFactory(user=users["other_coordinator"], role="coordinator", department=None, municipality=other)
    return Town(municipality, env, tra, ngo, firm, other, users)
