"""Who hears of what, as a table: per event kind, which of the town's people get a notification.

The actor never hears of their own action; partner guests hear only of what is shared with them.
"""

import pytest

from backend.notifications.models import Notification
from backend.projects.services import comment_create, project_partner_grant, project_watch, task_create
from backend.projects.stages import Stage
from workflows.models import ApprovalPolicy
from workflows.services import approval_decide, project_transition

EVERYONE = (
    "coordinator",
    "lead_head",
    "other_head",
    "manager",
    "staff",
    "partner",
    "partner_not_invited",
    "other_coordinator",
)


def notified(event_kind: str) -> set[str]:
    usernames = set(Notification.objects.filter(event__kind=event_kind).values_list("recipient__username", flat=True))
    return {role for role in EVERYONE if role.replace("_", ".") in usernames}


def _transition_by_coordinator(town, project):
    town.allow_self_approval("put_on_hold")
    project_transition(project=project, actor=town.user("coordinator"), transition="put_on_hold", comment="Rozpočet")


def _approval_requested_by_manager(town, project):
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")


def _approval_rejected_by_head(town, project):
    outcome = project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    approval_decide(
        approval_request=outcome.approval_request, actor=town.user("lead_head"), decision="reject", comment="Ne"
    )


def _internal_comment_by_manager(town, project):
    comment_create(actor=town.user("manager"), project=project, body="Interní poznámka @partner", visibility="internal")


def _shared_comment_by_manager(town, project):
    comment_create(actor=town.user("manager"), project=project, body="Pro partnera @partner", visibility="shared")


def _task_assigned_to_partner(town, project):
    task_create(actor=town.user("manager"), project=project, title="Podklady", assignee=town.user("partner"))


def _partner_invited(town, project):
    project_partner_grant(actor=town.user("manager"), project=project, organization=town.firm)


# (what happens, event kind, who is notified) — project: ENV, manager = manager, shared with the NGO,
# watched by staff and by the NGO's partner.
CASES = [
    (_transition_by_coordinator, "project_transitioned", {"lead_head", "manager", "staff", "partner"}),
    (_approval_requested_by_manager, "approval_requested", {"lead_head"}),
    (_approval_rejected_by_head, "approval_rejected", {"manager"}),
    (_internal_comment_by_manager, "comment_posted", {"staff"}),
    (_shared_comment_by_manager, "comment_posted", {"staff", "partner"}),
    (_task_assigned_to_partner, "task_assigned", {"partner"}),
    (_partner_invited, "partner_invited", {"partner_not_invited"}),
]


@pytest.mark.parametrize(
    ("action", "kind", "expected"), CASES, ids=[case[1] + ":" + case[0].__name__ for case in CASES]
)
def test_who_is_notified(town, action, kind, expected):
    project = town.project(Stage.ASSESSMENT)
    project_watch(user=town.user("staff"), project=project)
    project_watch(user=town.user("partner"), project=project)

    action(town, project)

    assert notified(kind) == expected


def test_nobody_outside_the_project_ever_hears_of_it(town):
    project = town.project(Stage.ASSESSMENT)
    for action, _kind, _expected in CASES:
        action(town, town.project(Stage.ASSESSMENT))
    _transition_by_coordinator(town, project)
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert "other.coordinator" not in recipients


# A project's own transition reads its audience by SQL compiled once per shape of project (backend.core.compiled):
# each project must still be told to its own people, whichever project of that shape came first. The first project
# is watched by the partner, the second by the head of TRA; the coordinator puts both on hold, a transition the town
# lets run without approval (as ``submit``, which needs a lead department).
TRANSITION_SHAPES = [
    # (shape, fields of the first project, of the second, who hears of the first, of the second)
    ("lead and manager", {}, {"lead_department": "tra", "manager": "staff"}, {"lead.head", "manager", "partner"},
     {"other.head", "staff"}),
    ("no lead", {"lead_department": None}, {"lead_department": None, "manager": "staff"}, {"manager", "partner"},
     {"other.head", "staff"}),
    ("no manager", {"manager": None}, {"lead_department": "tra", "manager": None}, {"lead.head", "partner"},
     {"other.head"}),
    ("neither", {"lead_department": None, "manager": None}, {"lead_department": None, "manager": None}, {"partner"},
     {"other.head"}),
]  # fmt: skip


def _fields(town, fields: dict) -> dict:
    people = {"tra": town.tra, "staff": town.user("staff")}
    return {"municipality": town.municipality, **{name: people.get(value, value) for name, value in fields.items()}}


@pytest.mark.parametrize(
    ("first_fields", "second_fields", "told_first", "told_second"),
    [shape[1:] for shape in TRANSITION_SHAPES],
    ids=[shape[0] for shape in TRANSITION_SHAPES],
)
def test_each_project_of_a_shape_tells_its_own_people(town, first_fields, second_fields, told_first, told_second):
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition="put_on_hold").update(required_approvals=0)
    first = town.project(Stage.ASSESSMENT, **_fields(town, first_fields))
    second = town.project(Stage.ASSESSMENT, **_fields(town, second_fields))
    project_watch(user=town.user("partner"), project=first)
    project_watch(user=town.user("other_head"), project=second)

    for project in (first, second):
        outcome = project_transition(
            project=project, actor=town.user("coordinator"), transition="put_on_hold", comment="Rozpočet"
        )
        assert outcome.executed and outcome.approval_request is None

    told = {
        project.pk: set(
            Notification.objects.filter(event__project=project).values_list("recipient__username", flat=True)
        )
        for project in (first, second)
    }
    assert told == {first.pk: told_first, second.pk: told_second}


def test_the_actor_of_a_transition_is_not_told_of_it(town):
    project = town.project(Stage.IDEA)
    project_watch(user=town.user("coordinator"), project=project)

    project_transition(project=project, actor=town.user("manager"), transition="submit")
    project_transition(project=town.project(Stage.IDEA), actor=town.user("coordinator"), transition="submit")

    assert set(Notification.objects.filter(event__project=project).values_list("recipient__username", flat=True)) == {
        "lead.head",
        "coordinator",
    }
