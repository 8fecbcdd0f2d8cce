"""Who a user is to a project (backend.projects.access), as a table: one row per kind of person, one column
per question every screen, service and notification asks. Then: the people pickers and the notifications
agree on who may see a project."""

import pytest

from backend.accounts.selectors import user_access
from backend.notifications.models import Notification
from backend.projects.access import (
    AUTHOR,
    COORDINATOR,
    INVOLVED_HEAD,
    LEAD_HEAD,
    MANAGER,
    STAFF,
    Audience,
    project_access,
    project_audience,
    projects_held_filter,
)
from backend.projects.models import Project
from backend.projects.selectors import mention_candidates, project_list_visible
from backend.projects.services import comment_create, task_create
from backend.web.forms.project_detail import TaskForm
from tests.factories import MembershipFactory, ProjectPartnerFactory, UserFactory

QUESTIONS = ("audience", "is_staff", "is_partner_view", "sees_internals", "may_edit", "may_contribute")
QUESTIONS += ("may_transition", "is_coordinator")

S, SH, P, N = Audience.STAFF, Audience.SHARED, Audience.PARTNER, Audience.NONE

# who: audience, staff, partner view, internals, edit, contribute, transition, coordinator
TABLE = {
    "coordinator": (S, True, False, True, True, True, True, True),
    "platform_admin": (S, True, False, True, True, True, True, True),
    "lead_head": (S, True, False, True, True, True, True, False),
    "involved_head": (S, True, False, True, True, True, False, False),
    "manager": (S, True, False, True, True, True, True, False),
    "author": (S, True, False, True, False, True, True, False),
    "staff": (S, True, False, True, False, True, False, False),
    "shared_staff": (SH, False, False, True, False, True, False, False),
    "partner": (P, False, True, False, False, True, False, False),
    "partner_view_only": (P, False, True, False, False, False, False, False),
    "anonymous": (N, False, False, False, False, False, False, False),
}

ROLES = {
    "coordinator": {STAFF, COORDINATOR},
    "platform_admin": {STAFF, COORDINATOR},
    "lead_head": {STAFF, LEAD_HEAD},
    "involved_head": {STAFF, INVOLVED_HEAD},
    "manager": {STAFF, MANAGER},
    "author": {STAFF, AUTHOR},
    "staff": {STAFF},
}


@pytest.fixture
def people(town):
    """The town's people, and the kinds the town fixture lacks, around one project of ENV involving TRA."""
    project = town.project()
    project.departments.add(town.tra)
    project.shared_with.add(town.other_municipality)
    users = {name: town.user(name) for name in ("coordinator", "lead_head", "manager", "staff", "partner")}
    users["involved_head"] = town.user("other_head")
    users["author"] = UserFactory(username="author")
    MembershipFactory(user=users["author"], role="staff", department=town.tra)
    project.author = users["author"]
    project.save()
    users["platform_admin"] = UserFactory(username="operator", is_superuser=True)
    users["shared_staff"] = town.user("other_coordinator")
    users["partner_view_only"] = UserFactory(username="firm.guest")
    MembershipFactory(user=users["partner_view_only"], role="partner", department=None, organization=town.firm)
    ProjectPartnerFactory(project=project, organization=town.firm, access_level="view")
    users["anonymous"] = None
    return project, users


@pytest.mark.parametrize("who", TABLE)
def test_what_each_kind_of_person_is_to_a_project(people, who):
    project, users = people
    access = project_access(user=users[who], project=project)
    assert tuple(getattr(access, question) for question in QUESTIONS) == TABLE[who]
    assert access.roles == ROLES.get(who, set())


@pytest.mark.parametrize("who", [who for who in TABLE if who not in ("platform_admin", "anonymous")])
def test_the_role_filters_for_lists_agree_with_the_roles(people, who):
    """The inbox's filters (projects on which someone holds a role) say what ``roles`` says of each project."""
    project, users = people
    access = user_access(user=users[who])
    for role in (COORDINATOR, LEAD_HEAD, INVOLVED_HEAD):
        held = Project.objects.filter(projects_held_filter(access=access, role=role), pk=project.pk).exists()
        assert held == (role in project_access(user=users[who], project=project).roles), (who, role)


def test_a_guest_not_invited_is_no_one_to_the_project_they_cannot_see(town):
    project = town.project()
    outsider = town.user("partner_not_invited")
    access = project_access(user=outsider, project=project)
    assert not project_list_visible(user=outsider).filter(pk=project.pk).exists()
    assert (access.sees_internals, access.may_contribute, access.roles) == (False, False, frozenset())


def test_answers_are_computed_once_per_project_object(people, django_assert_num_queries):
    project, users = people
    with django_assert_num_queries(2):  # the user's memberships, the project's involved departments
        assert project_access(user=users["involved_head"], project=project).may_edit
    with django_assert_num_queries(0):
        assert project_access(user=users["involved_head"], project=project).may_edit
    with django_assert_num_queries(1):  # a guest's shape needs only their memberships, their access level one more
        assert project_access(user=users["partner_view_only"], project=project).is_partner_view
    with django_assert_num_queries(1):
        assert not project_access(user=users["partner_view_only"], project=project).may_contribute


def test_a_new_manager_is_asked_again(people):
    project, users = people
    assert not project_access(user=users["staff"], project=project).may_edit
    project.manager = users["staff"]
    assert project_access(user=users["staff"], project=project).may_edit


# --- one audience for pickers and notifications ---------------------------------------------------------------


def _names(users) -> set[str]:
    return {user.username for user in users}


def test_the_audience_splits_people_as_project_access_does(people):
    project, users = people
    audience = project_audience(project=project)
    internal, partners = _names(audience.internal()), _names(audience.partners())
    contributors = _names(audience.contributors())
    for who, user in users.items():
        if who in ("anonymous", "platform_admin"):  # operators take no part in a project's work
            continue
        access = project_access(user=user, project=project)
        assert (user.username in internal) == access.sees_internals, who
        assert (user.username in partners) == access.is_partner_view, who
        assert (user.username in contributors) == access.may_contribute, who


def test_people_pickers_offer_whoever_hears_of_the_project(people):
    """Staff of a municipality the project is shared with may be given a task and mentioned, and hear of both;
    a view-only guest is mentioned (and hears of shared comments) but is never given a task."""
    project, users = people
    manager = users["manager"]
    assignees = _names(TaskForm(project=project).fields["assignee"].queryset)
    mentionable = _names(mention_candidates(user=manager, project=project))
    assert "other.coordinator" in assignees
    assert "other.coordinator" in mentionable
    assert "firm.guest" not in assignees
    assert "firm.guest" in mentionable

    task_create(actor=manager, project=project, title="Sdílená data", assignee=users["shared_staff"])
    comment_create(actor=manager, project=project, body="@other.coordinator @firm.guest", visibility="shared")
    heard = set(Notification.objects.filter(event__project=project).values_list("recipient__username", flat=True))
    assert {"other.coordinator", "firm.guest"} <= heard


def test_a_guest_hears_of_no_internal_comment_they_were_named_in(people):
    project, users = people
    comment_create(actor=users["manager"], project=project, body="@firm.guest interně", visibility="internal")
    assert not Notification.objects.filter(recipient=users["partner_view_only"]).exists()
