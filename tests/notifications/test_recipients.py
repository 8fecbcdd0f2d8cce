"""Who hears of what, as a table: per event kind, which of the town's people get a notification.

The actor never hears of their own action; partner guests hear only of what is shared with them.
"""

import pytest

from backend.notifications.models import Notification
from backend.projects.services import comment_create, project_partner_grant, project_watch, task_create
from backend.projects.stages import Stage
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
