"""seed_demo builds every stage through the services, lets the demo accounts in, and is safe to run twice."""

from collections import Counter
from datetime import timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from backend.accounts.models import Membership, Municipality, Role, User
from backend.demo import builder
from backend.demo.builder import STEP_RUNNERS
from backend.demo.data import ACCOUNTS, DEMO_PASSWORD, VZOROV
from backend.demo.specs import Move, ProjectStory, Step
from backend.demo.stories import STORIES
from backend.projects.choices import TaskStatus, ThematicArea
from backend.projects.models import Comment, Event, FundingApplication, Kpi, Project, Task
from backend.projects.selectors import project_list_visible
from backend.projects.stages import Stage
from backend.strategy.models import Amendment, Consultation, ItemVersion, Strategy
from backend.strategy.selectors import strategy_list_visible
from workflows.models import ApprovalDecision, ApprovalRequest, ApprovalStatus, TransitionRecord
from workflows.selectors import approval_list_pending_for

pytestmark = pytest.mark.django_db

PARTNER_ACCOUNTS = [spec.username for spec in ACCOUNTS if {m.role for m in spec.memberships} == {Role.PARTNER}]
MUNICIPAL_ACCOUNTS = [spec.username for spec in ACCOUNTS if spec.username not in PARTNER_ACCOUNTS]
COORDINATOR_ACCOUNTS = [spec.username for spec in ACCOUNTS if Role.COORDINATOR in {m.role for m in spec.memberships}]
# The admin is configuration, for coordinators only: everyone else works in the application and the API.
WITHOUT_ADMIN = [spec.username for spec in ACCOUNTS if spec.username not in COORDINATOR_ACCOUNTS]
COUNTED_MODELS = (
    User,
    Membership,
    Group,
    Project,
    Task,
    Comment,
    FundingApplication,
    Kpi,
    ApprovalRequest,
    ApprovalDecision,
    TransitionRecord,
    Event,
    Strategy,
    ItemVersion,
    Amendment,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at its end so other modules start empty."""
    output = StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", force=True, stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def vzorov() -> Municipality:
    return Municipality.objects.get(name="Město Vzorov")


def user(username: str) -> User:
    return User.objects.get(username=username)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def test_refuses_to_run_with_debug_off_unless_forced():
    before = counts()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert counts() == before


def test_a_failing_story_leaves_nothing_behind(monkeypatch):
    broken = ProjectStory(
        municipality=VZOROV,
        title="Projekt bez posouzení",
        summary="Nemůže do financování.",
        description="Chybí posouzení, takže brána do financování zůstane zavřená.",
        lead="ENV",
        area=ThematicArea.ENERGY,
        author="pm.novak",
        stage=Stage.FUNDING,
        steps=(Move("submit", by="pm.novak"), Move("approve_for_funding", by="pm.novak")),
    )
    monkeypatch.setattr(builder, "STORIES", (*STORIES[:1], broken))
    before = counts()
    with pytest.raises(CommandError, match="assessment_missing"):
        call_command("seed_demo", force=True, stdout=StringIO())
    assert counts() == before


def test_every_step_type_has_a_runner():
    assert set(STEP_RUNNERS) == set(Step.__value__.__args__)


def test_every_stage_has_a_project(seeded):
    stages = set(Project.objects.filter(municipality=vzorov()).values_list("stage", flat=True))
    assert stages == set(Stage.values)


def test_vzorov_has_two_dozen_projects_and_lhota_its_own(seeded):
    assert Project.objects.filter(municipality=vzorov()).count() >= 24
    lhota = Municipality.objects.get(name="Obec Lhota")
    assert lhota.departments.exists()
    assert Project.objects.filter(municipality=lhota).count() >= 2
    # Lhota's coordinator sees Lhota's projects and the one Vzorov shares with Lhota, nothing else of Vzorov's.
    shared = Project.objects.get(title="Varovný a informační systém obyvatel")
    assert list(shared.shared_with.all()) == [lhota]
    visible = set(project_list_visible(user=user("coordinator.lhota")))
    assert visible == {*Project.objects.filter(municipality=lhota), shared}
    # Nobody of a municipality it is not shared with sees it: the DSO's own coordinator neither.
    assert shared not in set(project_list_visible(user=user("coordinator.dso")))


def test_the_dso_has_a_strategy_its_members_read_and_their_projects_serve(seeded):
    dso = Municipality.objects.get(name="Mikroregion Vzorovsko")
    assert (dso.kind, sorted(dso.members.values_list("name", flat=True))) == ("dso", ["Město Vzorov", "Obec Lhota"])
    strategy = Strategy.objects.get(municipality=dso)
    assert strategy.status == "in_force"
    assert set(strategy_list_visible(user=user("coordinator.lhota"))) >= {strategy}
    assert strategy in set(strategy_list_visible(user=user("pm.novak")))
    serving = set(strategy.measures.get(code="1.1").projects.values_list("municipality__name", flat=True))
    assert serving == {"Město Vzorov", "Obec Lhota"}


def test_projects_end_where_their_stories_say(seeded):
    stages = dict(Project.objects.values_list("title", "stage"))
    assert {story.title: stages[story.title] for story in STORIES} == {story.title: story.stage for story in STORIES}


def test_summary_reports_users_and_projects_per_stage(seeded):
    assert "10 accounts" in seeded
    assert "Město Vzorov: 29 projects" in seeded  # 28 stories and the project a citizen idea became
    assert "on_hold 2" in seeded


@pytest.mark.parametrize("username", [spec.username for spec in ACCOUNTS])
def test_every_demo_account_signs_in_with_the_demo_password(seeded, username):
    assert authenticate(username=username, password=DEMO_PASSWORD) == user(username)


def test_no_demo_account_is_a_superuser(seeded):
    assert not User.objects.filter(is_superuser=True).exists()


@pytest.mark.parametrize("username", COORDINATOR_ACCOUNTS)
def test_coordinators_reach_the_admin(seeded, client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)
    assert client.get("/admin/", secure=True).status_code == 200


@pytest.mark.parametrize("username", WITHOUT_ADMIN)
def test_heads_managers_staff_and_partners_do_not_reach_the_admin(seeded, client, username):
    assert not user(username).is_staff
    assert client.login(username=username, password=DEMO_PASSWORD)
    response = client.get("/admin/", secure=True)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("username", "has", "lacks"),
    [
        ("coordinator", "workflows.change_approvalpolicy", "workflows.change_transitionrecord"),
        ("coordinator", "accounts.change_department", "projects.change_project"),
        ("coordinator", "projects.view_comment", "projects.change_comment"),
        ("head.env", None, "projects.change_fundingapplication"),
        ("pm.novak", None, "projects.change_project"),
        ("staff.dvorak", None, "projects.change_task"),
        ("partner.ngo", None, "projects.view_project"),
    ],
)
def test_admin_permissions_follow_the_role(seeded, username, has, lacks):
    account = user(username)
    if has:
        assert account.has_perm(has)
    assert not account.has_perm(lacks)


def test_approval_requests_are_pending_and_decided(seeded):
    statuses = Counter(ApprovalRequest.objects.values_list("status", flat=True))
    assert statuses[ApprovalStatus.PENDING] >= 2
    assert statuses[ApprovalStatus.APPROVED] >= 1
    assert statuses[ApprovalStatus.REJECTED] >= 1
    waiting_for_transport = approval_list_pending_for(user=user("head.transport"))
    assert "approve_for_funding" in {request.transition for request in waiting_for_transport}
    waiting_for_coordinator = approval_list_pending_for(user=user("coordinator"))
    assert {"start_implementation", "complete"} <= {request.transition for request in waiting_for_coordinator}


def test_every_project_past_the_idea_has_an_unbroken_history(seeded):
    """Stages were reached through transitions: the records chain from ``idea`` to the current stage."""
    for project in Project.objects.exclude(stage=Stage.IDEA).prefetch_related("transition_records"):
        records = list(project.transition_records.all())
        assert records, project.title
        assert records[0].source == Stage.IDEA
        assert records[-1].target == project.stage, project.title
        assert all(earlier.target == later.source for earlier, later in pairwise(records))


def test_partners_work_on_tasks_of_projects_they_were_invited_to(seeded):
    for username in PARTNER_ACCOUNTS:
        tasks = Task.objects.filter(assignee__username=username)
        assert tasks.exists()
        visible = project_list_visible(user=user(username))
        assert all(visible.filter(pk=task.project_id).exists() for task in tasks)
    assert Task.objects.filter(status=TaskStatus.OPEN).exists()
    assert Task.objects.filter(status=TaskStatus.IN_PROGRESS).exists()
    assert Task.objects.filter(status=TaskStatus.DONE).exists()


def test_finished_projects_carry_their_measured_kpis(seeded):
    for project in Project.objects.filter(stage=Stage.COMPLETED):
        assert project.kpis.exists()
        assert not project.kpis.filter(actual__isnull=True).exists()
    assert Kpi.objects.filter(kind="energy_savings", unit="MWh/year", actual__isnull=False).exists()
    assert Kpi.objects.filter(kind="co2_reduction", unit="t CO₂/year", actual__isnull=False).exists()


def test_energy_kpis_state_their_covenant_sector(seeded):
    sectors = dict(Kpi.objects.exclude(sector="").values_list("project__title", "sector"))
    assert sectors["Modernizace veřejného osvětlení na LED"] == "public_lighting"
    assert sectors["Fotovoltaické elektrárny na střechách základních škol"] == "local_electricity"


def test_mentions_resolve_to_people(seeded):
    assert Comment.mentions.through.objects.filter(user__username="head.env").exists()
    assert Comment.objects.filter(visibility="shared", author__username="partner.firm").exists()


def test_vzorov_has_its_smart_city_strategy_with_an_approved_and_a_pending_amendment(seeded):
    strategy = Strategy.objects.get(title="Strategie Smart City Vzorov 2024–2030")
    assert (strategy.status, strategy.revision, strategy.resolution_number) == ("under_amendment", 2, "ZM 12/2024")
    assert sorted(strategy.goals.filter(parent=None).values_list("code", flat=True)) == ["1", "2", "3"]
    assert strategy.measures.count() == 11  # ten adopted, one added by the approved amendment
    assert sorted(strategy.amendments.values_list("status", flat=True)) == ["approved", "pending", "pending"]
    # One pending amendment is in public consultation: a comment answered, another waiting for moderation.
    consultation = Consultation.objects.get(amendment__strategy=strategy)
    assert consultation.is_open_on(timezone.localdate())
    assert sorted((c.status, bool(c.answer)) for c in consultation.comments.all()) == [
        ("pending", False),
        ("published", True),
    ]
    assert strategy.measures.filter(projects__isnull=True).exists()  # some measures lack projects
    assert strategy.measures.filter(projects__isnull=False).distinct().count() == 7
    lhota = Strategy.objects.get(municipality__name="Obec Lhota")
    assert (lhota.status, lhota.measures.filter(projects__isnull=False).distinct().count()) == ("in_force", 2)


def test_a_second_run_changes_nothing(seeded):
    before = counts()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=StringIO())
    assert counts() == before
    assert authenticate(username="pm.novak", password=DEMO_PASSWORD) is not None


def test_the_demo_carries_realistic_dates(seeded):
    """Every project stood a while in its stage, reached it through stages that each lasted days, and its
    history is in the order the story told it; still pending requests are fresh (not past their deadlines)."""
    now = timezone.now()
    for project in Project.objects.prefetch_related("transition_records"):
        assert (now - project.stage_changed_at).days >= 1, project.title
        records = list(project.transition_records.all())
        moments = [project.created_at, *(record.created_at for record in records)]
        assert all((later - earlier).days >= 1 for earlier, later in pairwise(moments)), project.title
        if records:
            assert abs(records[-1].created_at - project.stage_changed_at) < timedelta(seconds=5), project.title
        events = list(Event.objects.filter(project=project).order_by("id").values_list("created_at", flat=True))
        assert events == sorted(events), project.title
        assert all(project.created_at <= moment <= now for moment in events), project.title
    ages = {(now - project.created_at).days for project in Project.objects.all()}
    assert max(ages) > 180  # some projects are months old
    for request in ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING):
        assert now - timedelta(days=2) < request.created_at < now, request
        assert request.escalates_at is None or request.escalates_at > now, request
