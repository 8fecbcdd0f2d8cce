"""Who sees what: tenants, partners and shared projects, as tables that read like the spec (DESIGN.md, Who uses it)."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count

from backend.core.errors import NotFound
from backend.projects.models import Project
from backend.projects.selectors import (
    comment_list_visible,
    funding_list_visible,
    project_get_visible,
    project_list_visible,
    project_one_visible,
    project_one_visible_brief,
    task_list_visible,
)
from backend.projects.stages import Stage
from tests.conftest import ROLES
from tests.factories import (
    CommentFactory,
    DepartmentFactory,
    FundingApplicationFactory,
    MembershipFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    TaskFactory,
    UserFactory,
)
from workflows.models import ApprovalRequest
from workflows.selectors import approval_list_not_pending_for, approval_list_pending_for, approval_list_visible
from workflows.services import approval_decide, project_transition


@dataclass
class Landscape:
    env_shared: Project  # Vzorov, led by ENV, the NGO invited
    tra_private: Project  # Vzorov, led by TRA, no partner
    lhota: Project  # Obec Lhota's own
    lhota_shared: Project  # Obec Lhota's, shared with Vzorov

    def ids(self, *names: str) -> set[int]:
        return {getattr(self, name).pk for name in names}


@pytest.fixture
def landscape(town) -> Landscape:
    lhota_department = DepartmentFactory(municipality=town.other_municipality, code="SPR", name="Správní odbor")
    lhota_shared = ProjectFactory(lead_department=lhota_department)
    lhota_shared.shared_with.add(town.municipality)
    return Landscape(
        env_shared=town.project(Stage.IDEA),
        tra_private=ProjectFactory(lead_department=town.tra),
        lhota=ProjectFactory(lead_department=lhota_department),
        lhota_shared=lhota_shared,
    )


VZOROV_STAFF_SEES = ("env_shared", "tra_private", "lhota_shared")

PROJECT_VISIBILITY = [
    ("coordinator", VZOROV_STAFF_SEES),
    ("lead_head", VZOROV_STAFF_SEES),
    ("other_head", VZOROV_STAFF_SEES),
    ("manager", VZOROV_STAFF_SEES),
    ("staff", VZOROV_STAFF_SEES),
    ("partner", ("env_shared",)),
    ("partner_not_invited", ()),
    ("other_coordinator", ("lhota", "lhota_shared")),
]


@pytest.mark.parametrize(("role", "visible"), PROJECT_VISIBILITY)
def test_project_list_visible_per_role(town, landscape, role, visible):
    found = set(project_list_visible(user=town.user(role)).values_list("pk", flat=True))

    assert found == landscape.ids(*visible)


@pytest.mark.parametrize(("role", "visible"), PROJECT_VISIBILITY)
def test_project_get_visible_per_role(town, landscape, role, visible):
    for name in ("env_shared", "tra_private", "lhota", "lhota_shared"):
        project = getattr(landscape, name)
        if name in visible:
            assert project_get_visible(user=town.user(role), pk=project.pk) == project
        else:
            with pytest.raises(NotFound):
                project_get_visible(user=town.user(role), pk=project.pk)


@pytest.mark.parametrize("user", [pytest.param(AnonymousUser(), id="anonymous"), pytest.param(None, id="nobody")])
def test_an_anonymous_visitor_sees_no_project(landscape, user):
    assert not project_list_visible(user=user).exists()
    with pytest.raises(NotFound):
        project_get_visible(user=user, pk=landscape.env_shared.pk)


def test_an_inactive_user_sees_no_project(town, landscape):
    manager = town.user("manager")
    manager.is_active = False
    manager.save()

    assert not project_list_visible(user=manager).exists()


def test_a_platform_admin_sees_every_project(landscape, db):
    admin = UserFactory(username="operator", is_superuser=True, is_staff=True)

    assert set(project_list_visible(user=admin).values_list("pk", flat=True)) == landscape.ids(
        "env_shared", "tra_private", "lhota", "lhota_shared"
    )


def _error_of(user, pk) -> tuple[type, str, str]:
    with pytest.raises(NotFound) as raised:
        project_get_visible(user=user, pk=pk)
    return type(raised.value), raised.value.code, str(raised.value)


@pytest.mark.parametrize("role", ["partner", "partner_not_invited", "other_coordinator"])
def test_a_hidden_project_and_a_missing_one_give_the_same_error(town, landscape, role):
    missing_pk = Project.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    assert _error_of(town.user(role), landscape.tra_private.pk) == _error_of(town.user(role), missing_pk)


@pytest.mark.parametrize("pk", ["abc", "", None, "1.5"])
def test_a_malformed_id_is_not_found(town, landscape, pk):
    with pytest.raises(NotFound):
        project_get_visible(user=town.user("coordinator"), pk=pk)


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("coordinator", {"internal", "shared"}),
        ("manager", {"internal", "shared"}),
        ("staff", {"internal", "shared"}),
        ("partner", {"shared"}),
    ],
)
def test_partners_read_only_shared_comments(town, landscape, role, visible):
    project = landscape.env_shared
    comments = {
        "internal": CommentFactory(project=project, author=town.user("manager"), visibility="internal"),
        "shared": CommentFactory(project=project, author=town.user("manager"), visibility="shared"),
    }
    CommentFactory(project=landscape.tra_private, author=town.user("manager"), visibility="shared")

    found = set(comment_list_visible(user=town.user(role), project=project).values_list("pk", flat=True))

    assert found == {comments[name].pk for name in visible}


@pytest.fixture
def tasks(town, landscape) -> dict[str, int]:
    return {
        "partner_own": TaskFactory(project=landscape.env_shared, assignee=town.user("partner")).pk,
        "manager_env": TaskFactory(project=landscape.env_shared, assignee=town.user("manager")).pk,
        "unassigned_env": TaskFactory(project=landscape.env_shared).pk,
        "tra": TaskFactory(project=landscape.tra_private, assignee=town.user("staff")).pk,
        "lhota": TaskFactory(project=landscape.lhota).pk,
        "lhota_shared": TaskFactory(project=landscape.lhota_shared).pk,
    }


VZOROV_TASKS = ("partner_own", "manager_env", "unassigned_env", "tra", "lhota_shared")


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("coordinator", VZOROV_TASKS),
        ("manager", VZOROV_TASKS),
        ("staff", VZOROV_TASKS),
        ("partner", ("partner_own",)),
        ("partner_not_invited", ()),
        ("other_coordinator", ("lhota", "lhota_shared")),
    ],
)
def test_task_list_visible_per_role(town, tasks, role, visible):
    found = set(task_list_visible(user=town.user(role)).values_list("pk", flat=True))

    assert found == {tasks[name] for name in visible}


def test_an_anonymous_visitor_sees_no_task(tasks):
    assert not task_list_visible(user=AnonymousUser()).exists()


def test_a_partner_no_longer_invited_loses_even_their_own_tasks(town, landscape, tasks):
    landscape.env_shared.partner_accesses.all().delete()

    assert not task_list_visible(user=town.user("partner")).exists()


@pytest.mark.parametrize(
    ("role", "sees_funding"), [("coordinator", True), ("manager", True), ("staff", True), ("partner", False)]
)
def test_partners_see_no_funding_applications(town, landscape, role, sees_funding):
    application = FundingApplicationFactory(project=landscape.env_shared, internal_note="Vyjednáváme s MMR.")

    found = set(funding_list_visible(user=town.user(role), project=landscape.env_shared).values_list("pk", flat=True))

    # town.project(ready=True) already carries one approved application.
    assert (application.pk in found) is sees_funding
    assert bool(found) is sees_funding


# Approval requests: who may decide, who asked, and the inbox.


@pytest.fixture
def funding_request(town) -> ApprovalRequest:
    """The manager asks for approve_for_funding on the ENV project; only the lead head approves it."""
    project = town.project(Stage.ASSESSMENT)
    return project_transition(
        project=project, actor=town.user("manager"), transition="approve_for_funding"
    ).approval_request


@pytest.fixture
def start_request(town) -> ApprovalRequest:
    """The manager asks for start_implementation: the lead head and the coordinator both approve it."""
    project = town.project(Stage.FUNDING)
    return project_transition(
        project=project, actor=town.user("manager"), transition="start_implementation"
    ).approval_request


@pytest.mark.parametrize(
    ("role", "sees", "in_inbox"),
    [
        ("lead_head", True, True),  # the approver
        ("manager", True, False),  # the requester, not an approver
        ("coordinator", True, False),  # sees every request of the municipality; not an approver by default
        ("other_head", False, False),
        ("staff", False, False),
        ("partner", False, False),
        ("partner_not_invited", False, False),
        ("other_coordinator", False, False),
    ],
)
def test_who_sees_a_pending_approve_for_funding_request(town, funding_request, role, sees, in_inbox):
    user = town.user(role)

    assert (funding_request.pk in approval_list_visible(user=user).values_list("pk", flat=True)) is sees
    assert (funding_request.pk in approval_list_pending_for(user=user).values_list("pk", flat=True)) is in_inbox


def test_anonymous_sees_no_approval_request(funding_request):
    assert not approval_list_visible(user=AnonymousUser()).exists()
    assert not approval_list_pending_for(user=AnonymousUser()).exists()


def test_the_inbox_drops_a_request_once_the_user_decided_it(town, start_request):
    approval_decide(approval_request=start_request, actor=town.user("lead_head"), decision="approve")

    assert not approval_list_pending_for(user=town.user("lead_head")).filter(pk=start_request.pk).exists()
    assert approval_list_visible(user=town.user("lead_head")).filter(pk=start_request.pk).exists()
    assert approval_list_pending_for(user=town.user("coordinator")).filter(pk=start_request.pk).exists()


def test_the_inbox_holds_only_pending_requests(town, funding_request):
    approval_decide(approval_request=funding_request, actor=town.user("lead_head"), decision="reject", comment="Ne.")

    assert not approval_list_pending_for(user=town.user("lead_head")).exists()
    assert approval_list_visible(user=town.user("lead_head")).filter(pk=funding_request.pk).exists()
    assert approval_list_visible(user=town.user("manager")).filter(pk=funding_request.pk).exists()


def test_a_requester_who_approves_by_asking_does_not_find_it_in_their_inbox(town):
    project = town.project(Stage.FUNDING)
    request = project_transition(
        project=project, actor=town.user("lead_head"), transition="start_implementation"
    ).approval_request

    assert not approval_list_pending_for(user=town.user("lead_head")).filter(pk=request.pk).exists()
    assert approval_list_pending_for(user=town.user("coordinator")).filter(pk=request.pk).exists()


def test_the_inbox_history_is_every_visible_request_not_waiting_for_the_user(town, funding_request, start_request):
    """The history's condition names the few pending requests it may hold (made, coordinated or decided by the
    user) for the indexes' sake: it must still be exactly the visible requests minus the waiting ones."""
    approval_decide(approval_request=start_request, actor=town.user("lead_head"), decision="approve")
    own = project_transition(  # the lead head's own request, which the four-eyes rule keeps from them
        project=town.project(Stage.ASSESSMENT), actor=town.user("lead_head"), transition="approve_for_funding"
    ).approval_request
    rejected = project_transition(
        project=town.project(Stage.ASSESSMENT), actor=town.user("manager"), transition="approve_for_funding"
    ).approval_request
    approval_decide(approval_request=rejected, actor=town.user("lead_head"), decision="reject", comment="Ne.")
    ids = {funding_request.pk, start_request.pk, own.pk, rejected.pk}
    for role in ROLES:
        user = town.user(role)
        visible = set(approval_list_visible(user=user).values_list("pk", flat=True))
        waiting = set(approval_list_pending_for(user=user).values_list("pk", flat=True))
        history = set(approval_list_not_pending_for(user=user).values_list("pk", flat=True))
        assert history == visible - waiting, role
    # Each kind of request is in someone's history.
    assert set(approval_list_not_pending_for(user=town.user("lead_head")).values_list("pk", flat=True)) == {
        start_request.pk,
        own.pk,
        rejected.pk,
    }
    assert set(approval_list_not_pending_for(user=town.user("coordinator")).values_list("pk", flat=True)) == (
        ids - {start_request.pk}
    )


# ``project_one_visible_brief`` reads the same rule by SQL compiled once per shape of access: for every kind of user
# it finds exactly the projects ``project_one_visible`` finds, with the same annotations, whoever asked first.
def _departments_named(queryset):
    return queryset.annotate(ramec_departments=Count("departments"))


@pytest.mark.django_db
def test_the_brief_read_sees_what_the_visible_projects_are(town):
    own = town.project(Stage.IDEA)
    own.departments.add(town.tra)
    other_town = ProjectFactory(lead_department=DepartmentFactory(municipality=town.other_municipality))
    shared = ProjectFactory(lead_department=DepartmentFactory(municipality=town.other_municipality))
    shared.shared_with.add(town.municipality)
    invited_firm = ProjectFactory(lead_department=DepartmentFactory(municipality=town.other_municipality))
    ProjectPartnerFactory(project=invited_firm, organization=town.firm)
    in_both = UserFactory(username="in.both")
    MembershipFactory(user=in_both, role="staff", department=town.env)
    MembershipFactory(user=in_both, role="staff", department=DepartmentFactory(municipality=town.other_municipality))
    admin = UserFactory(username="admin", is_superuser=True)
    people = [
        *(town.user(role) for role in ("manager", "partner", "partner_not_invited", "other_coordinator")),
        in_both,
    ]

    for user in [*people, admin, *reversed(people)]:
        for project in (own, other_town, shared, invited_firm):
            expected = list(
                _departments_named(project_one_visible(user=user, pk=project.pk)).values_list(
                    "pk", "municipality_id", "stage", "ramec_departments"
                )
            )
            try:
                found = project_one_visible_brief(user=user, pk=project.pk, annotate=_departments_named, shape="test")
                brief = [(found.pk, found.municipality_id, found.stage, found.ramec_departments)]
            except NotFound:
                brief = []
            assert brief == expected, (user.username, project.pk)
    # The table is not trivial: each kind of user sees some of the projects and not others.
    assert (
        project_one_visible_brief(
            user=town.user("partner_not_invited"), pk=invited_firm.pk, annotate=_departments_named, shape="test"
        ).pk
        == invited_firm.pk
    )
    with pytest.raises(NotFound):
        project_one_visible_brief(
            user=town.user("other_coordinator"), pk=own.pk, annotate=_departments_named, shape="test"
        )
