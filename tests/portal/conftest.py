"""Portal fixtures: Vzorov's open portal, and a public project that carries a unique marker in every internal field.

``leaky_project`` is public, with a manager, updates, funding, KPIs and a measure the public may see, and with a
``LEAK-<field>`` marker in each thing it may not: the internal summary, description, assessment, evaluation,
comments, task, funding note and rejected request, an internal file and a withdrawn update, an approval request,
partner organisation data, the e-mail addresses and user names of everyone involved, and the staff's internal
comment on the citizen idea it came from.
"""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from backend.portal.models import Idea, IdeaComment, IdeaStatus, Portal
from backend.projects.attachments import attachment_create
from backend.projects.choices import CommentVisibility
from backend.projects.models import Project
from backend.projects.updates import project_update_publish, project_update_withdraw
from backend.strategy.models import ItemKind, Measure
from backend.strategy.services import strategy_create, strategy_item_add
from tests.factories import CommentFactory, FundingApplicationFactory, KpiFactory, TaskFactory
from workflows.models import ApprovalRequest, TransitionRecord

MARKER = "LEAK"


@pytest.fixture
def portal(town) -> Portal:
    return Portal.objects.create(municipality=town.municipality, slug="vzorov", introduction="Vítejte v **Vzorově**.")


@pytest.fixture
def leaky_project(town, portal) -> Project:
    manager = town.user("manager")
    manager.first_name, manager.last_name, manager.email = "Petr", "Novák", f"{MARKER}-manager@example.org"
    manager.save()
    for role in ("lead_head", "coordinator", "staff", "partner"):
        person = town.user(role)
        person.email = f"{MARKER}-{role}-mail@example.org"
        person.first_name, person.last_name = f"{MARKER}-{role}-first", f"{MARKER}-{role}-last"
        person.save()
    town.ngo.ico, town.ngo.website = "27074358", f"https://{MARKER.lower()}-partner.example.org"
    town.ngo.name = f"{MARKER}-partner-name"
    town.ngo.save()
    project = town.project(
        "implementation",
        ready=False,
        title="Solární elektrárna na škole",
        is_public=True,
        public_summary="Panely na **střeše** školy.",
        summary=f"{MARKER}-summary",
        description=f"{MARKER}-description",
        assessment_score=77,
        assessment_summary=f"{MARKER}-assessment",
        evaluation_summary=f"{MARKER}-evaluation",
        estimated_cost=Decimal("2500000"),
        address="Nádražní 780, Vzorov",
        latitude=Decimal("49.396700"),
        longitude=Decimal("15.587900"),
    )
    strategy = strategy_create(
        actor=town.user("coordinator"),
        municipality=town.municipality,
        title="Strategie Smart City",
        period_start=2024,
        period_end=2030,
    )
    goal = {"code": "1", "title": "Úsporné město"}
    strategy_item_add(actor=town.user("coordinator"), strategy=strategy, kind=ItemKind.GOAL, data=goal)
    data = {"code": "1.2", "title": "Obnovitelné zdroje", "goal": "1", "department": town.env.pk}
    strategy_item_add(actor=town.user("coordinator"), strategy=strategy, kind=ItemKind.MEASURE, data=data)
    measure = Measure.objects.get(strategy=strategy, code="1.2")
    project.strategic_measures.add(measure)
    FundingApplicationFactory(
        project=project,
        programme="op_zp",
        status="approved",
        amount_requested=Decimal("1500000"),
        amount_approved=Decimal("1200000"),
        call_name=f"{MARKER}-call",
        internal_note=f"{MARKER}-funding-note",
    )
    FundingApplicationFactory(
        project=project,
        programme="nzu",
        status="rejected",
        amount_requested=Decimal("9876543"),
        internal_note=f"{MARKER}-rejected-note",
    )
    KpiFactory(project=project, kind="energy_savings", target=Decimal("120"), actual=Decimal("95.5"))
    KpiFactory(project=project, name="Snížení CO₂", kind="co2_reduction", unit="t CO₂/year", target=Decimal("60"))
    CommentFactory(project=project, author=town.user("lead_head"), body=f"{MARKER}-internal-comment")
    CommentFactory(
        project=project,
        author=town.user("partner"),
        body=f"{MARKER}-shared-comment",
        visibility=CommentVisibility.SHARED,
    )
    TaskFactory(project=project, title=f"{MARKER}-task", assignee=town.user("staff"))
    attachment_create(
        actor=manager, project=project, file=ContentFile(b"internal minutes\n", name=f"{MARKER}-internal-file.txt")
    )
    project_update_publish(
        actor=manager,
        project=project,
        title="Panely jsou na střeše",
        body="Montáž je hotová, následuje **revize**.",
        files=[ContentFile(b"harmonogram prac\n", name="harmonogram.txt")],
    )
    withdrawn = project_update_publish(actor=manager, project=project, title=f"{MARKER}-withdrawn", body="x")
    project_update_withdraw(actor=manager, update=withdrawn)
    TransitionRecord.objects.create(
        project=project,
        transition="start_implementation",
        source="funding",
        target="implementation",
        actor=town.user("lead_head"),
        comment=f"{MARKER}-transition-comment",
    )
    ApprovalRequest.objects.create(
        project=project,
        transition="finish_implementation",
        requested_by=manager,
        required_approvals=1,
        comment=f"{MARKER}-approval-request",
    )
    idea = Idea.objects.create(
        municipality=town.municipality,
        title="Solár na školu",
        description="Navrhuji panely.",
        author_name=f"{MARKER}-citizen-name",
        author_email=f"{MARKER.lower()}-citizen@example.org",
        status=IdeaStatus.PUBLISHED,
        published_at=timezone.now(),
        project=project,
        answer_state="project",
    )
    IdeaComment.objects.create(idea=idea, author=town.user("coordinator"), body=f"{MARKER}-idea-internal-comment")
    return project


@pytest.fixture(autouse=True)
def _own_rate_limits(monkeypatch):
    """Each test counts submissions under its own cache keys (the test Redis is shared by the whole run)."""
    import uuid

    from backend.portal import ideas

    monkeypatch.setattr(ideas, "RATE_KEY_PREFIX", f"test:{uuid.uuid4().hex}")
