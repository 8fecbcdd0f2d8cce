"""Approvals: who must agree before a gated transition runs, how many of them, and what each answer leaves behind.

The default policies are DESIGN.md's table; a municipality changes them as data. A request runs its
transition when its quorum is reached, once, recorded with every approval; every refusal saves nothing.
"""

import pytest
from django.db import IntegrityError, transaction

from backend.accounts.services import municipality_create
from backend.core.errors import ConcurrentChange, PermissionDenied, TransitionBlocked, TransitionNotAllowed
from backend.projects.models import Event, EventKind, Project
from backend.projects.stages import Stage
from tests.factories import MunicipalityFactory, valid_ico
from workflows.machine import TRANSITION_NAMES
from workflows.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStatus,
    ImmutableRecordError,
    TransitionRecord,
)
from workflows.services import approval_decide, project_transition

REASON = "Čekáme na rozhodnutí zastupitelstva."


def event_kinds(project: Project) -> list[str]:
    return list(Event.objects.filter(project=project).order_by("id").values_list("kind", flat=True))


def stage_in_db(project: Project) -> str:
    return Project.objects.get(pk=project.pk).stage


def request_transition(town, project: Project, role: str, transition: str, comment: str = ""):
    return project_transition(project=project, actor=town.user(role), transition=transition, comment=comment)


def decide(town, request: ApprovalRequest, role: str, decision: str = "approve", comment: str = ""):
    return approval_decide(approval_request=request, actor=town.user(role), decision=decision, comment=comment)


def set_policy(town, transition: str, **values) -> None:
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition=transition).update(**values)


# The quorum of approve_for_funding: one approval, by the head of the lead department.


def test_a_managers_request_waits_for_the_lead_head_then_runs_on_their_approval(town):
    project = town.project(Stage.ASSESSMENT)

    requested = request_transition(town, project, "manager", "approve_for_funding")

    assert not requested.executed
    request = requested.approval_request
    assert request.status == ApprovalStatus.PENDING
    assert request.requested_by == town.user("manager")
    assert stage_in_db(project) == Stage.ASSESSMENT
    assert not TransitionRecord.objects.filter(project=project).exists()
    assert not ApprovalDecision.objects.filter(request=request).exists()
    assert event_kinds(project) == [EventKind.APPROVAL_REQUESTED]

    approved = decide(town, request, "lead_head", comment="Souhlasím.")

    assert approved.executed
    assert stage_in_db(project) == Stage.FUNDING
    record = TransitionRecord.objects.get(project=project)
    assert (record.transition, record.source, record.target) == ("approve_for_funding", "assessment", "funding")
    assert record.approval_request == request
    # The approver ran it; the request the record points to says who asked for it.
    assert (record.actor, record.approval_request.requested_by) == (town.user("lead_head"), town.user("manager"))
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED
    assert request.decided_at is not None
    assert list(request.decisions.values_list("approver__username", "decision", "comment")) == [
        ("lead.head", "approve", "Souhlasím.")
    ]
    assert event_kinds(project) == [
        EventKind.APPROVAL_REQUESTED,
        EventKind.APPROVAL_GRANTED,
        EventKind.PROJECT_TRANSITIONED,
    ]


def test_where_the_policy_allows_it_the_lead_heads_own_request_counts_as_their_approval(town):
    set_policy(town, "approve_for_funding", forbid_self_approval=False)
    project = town.project(Stage.ASSESSMENT)

    outcome = request_transition(town, project, "lead_head", "approve_for_funding")

    assert outcome.executed
    assert stage_in_db(project) == Stage.FUNDING
    record = TransitionRecord.objects.get(project=project)
    assert record.actor == town.user("lead_head")
    assert record.approval_request.status == ApprovalStatus.APPROVED
    assert list(record.approval_request.decisions.values_list("approver__username", "decision")) == [
        ("lead.head", "approve")
    ]
    assert event_kinds(project) == [EventKind.PROJECT_TRANSITIONED]


# start_implementation: two approvals, one by the lead head and one by the coordinator.


@pytest.mark.parametrize(("first", "second"), [("lead_head", "coordinator"), ("coordinator", "lead_head")])
def test_start_implementation_needs_both_the_lead_head_and_the_coordinator(town, first, second):
    project = town.project(Stage.FUNDING)
    request = request_transition(town, project, "manager", "start_implementation").approval_request

    after_first = decide(town, request, first)

    assert not after_first.executed
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert stage_in_db(project) == Stage.FUNDING
    assert not TransitionRecord.objects.filter(project=project).exists()
    assert event_kinds(project) == [EventKind.APPROVAL_REQUESTED, EventKind.APPROVAL_GRANTED]

    after_second = decide(town, request, second)

    assert after_second.executed
    assert stage_in_db(project) == Stage.IMPLEMENTATION
    record = TransitionRecord.objects.get(project=project)
    assert record.approval_request == request
    assert (record.actor, request.requested_by) == (town.user(second), town.user("manager"))
    assert sorted(record.approval_request.decisions.values_list("approver__username", flat=True)) == sorted(
        [town.user(first).username, town.user(second).username]
    )
    assert event_kinds(project) == [
        EventKind.APPROVAL_REQUESTED,
        EventKind.APPROVAL_GRANTED,
        EventKind.APPROVAL_GRANTED,
        EventKind.PROJECT_TRANSITIONED,
    ]


def test_a_lead_head_requesting_start_implementation_still_waits_for_the_coordinator(town):
    set_policy(town, "start_implementation", forbid_self_approval=False)
    project = town.project(Stage.FUNDING)

    outcome = request_transition(town, project, "lead_head", "start_implementation")

    assert not outcome.executed
    assert stage_in_db(project) == Stage.FUNDING
    assert list(outcome.approval_request.decisions.values_list("approver__username", flat=True)) == ["lead.head"]

    assert decide(town, outcome.approval_request, "coordinator").executed
    assert stage_in_db(project) == Stage.IMPLEMENTATION


# Rejections.


def test_a_rejection_with_a_reason_stops_the_request(town):
    project = town.project(Stage.ASSESSMENT)
    request = request_transition(town, project, "manager", "approve_for_funding").approval_request

    outcome = decide(town, request, "lead_head", "reject", comment="  Chybí studie proveditelnosti. ")

    assert not outcome.executed
    request.refresh_from_db()
    assert request.status == ApprovalStatus.REJECTED
    assert request.decided_at is not None
    assert list(request.decisions.values_list("approver__username", "decision", "comment")) == [
        ("lead.head", "reject", "Chybí studie proveditelnosti.")
    ]
    assert stage_in_db(project) == Stage.ASSESSMENT
    assert not TransitionRecord.objects.filter(project=project).exists()
    assert event_kinds(project) == [EventKind.APPROVAL_REQUESTED, EventKind.APPROVAL_REJECTED]


def test_after_a_rejection_the_transition_may_be_requested_again(town):
    project = town.project(Stage.ASSESSMENT)
    request = request_transition(town, project, "manager", "approve_for_funding").approval_request
    decide(town, request, "lead_head", "reject", comment="Doplňte posudek.")

    again = request_transition(town, project, "manager", "approve_for_funding")

    assert again.approval_request.pk != request.pk
    assert again.approval_request.status == ApprovalStatus.PENDING


@pytest.mark.parametrize("comment", ["", "   ", "\n"])
def test_a_rejection_without_a_reason_is_refused_and_saves_nothing(town, comment):
    project = town.project(Stage.ASSESSMENT)
    request = request_transition(town, project, "manager", "approve_for_funding").approval_request

    with pytest.raises(TransitionBlocked) as raised:
        decide(town, request, "lead_head", "reject", comment=comment)

    assert [blocker.code for blocker in raised.value.blockers] == ["reason_required"]
    assert raised.value.blockers[0].message.strip()
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert not request.decisions.exists()
    assert event_kinds(project) == [EventKind.APPROVAL_REQUESTED]


# Who may decide.


@pytest.mark.parametrize("decision", ["approve", "reject"])
@pytest.mark.parametrize("role", ["other_head", "staff", "partner", "manager"])
def test_someone_who_is_not_an_approver_may_not_decide(town, role, decision):
    project = town.project(Stage.ASSESSMENT)
    request = request_transition(town, project, "manager", "approve_for_funding").approval_request

    with pytest.raises(PermissionDenied):
        decide(town, request, role, decision, comment=REASON)

    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert not request.decisions.exists()
    assert stage_in_db(project) == Stage.ASSESSMENT
    assert event_kinds(project) == [EventKind.APPROVAL_REQUESTED]


def test_an_unknown_decision_is_refused(town):
    project = town.project(Stage.ASSESSMENT)
    request = request_transition(town, project, "manager", "approve_for_funding").approval_request

    with pytest.raises(TransitionNotAllowed) as raised:
        decide(town, request, "lead_head", "maybe")

    assert raised.value.code == "unknown_decision"
    assert not request.decisions.exists()


def test_the_same_person_cannot_decide_twice(town):
    project = town.project(Stage.FUNDING)
    request = request_transition(town, project, "manager", "start_implementation").approval_request
    decide(town, request, "lead_head")

    with pytest.raises(TransitionNotAllowed) as raised:
        decide(town, request, "lead_head")

    assert raised.value.code == "already_decided_by_you"
    assert request.decisions.count() == 1
    assert stage_in_db(project) == Stage.FUNDING


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_requester_whose_request_counted_as_approval_cannot_decide_again(town, decision):
    set_policy(town, "start_implementation", forbid_self_approval=False)
    project = town.project(Stage.FUNDING)
    request = request_transition(town, project, "lead_head", "start_implementation").approval_request

    with pytest.raises(TransitionNotAllowed) as raised:
        decide(town, request, "lead_head", decision, comment=REASON)

    assert raised.value.code == "already_decided_by_you"
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert request.decisions.count() == 1


def _approved_by_lead_head(town, request):
    decide(town, request, "lead_head")


def _rejected_by_lead_head(town, request):
    decide(town, request, "lead_head", "reject", comment="Ne.")


def _cancelled_by_another_transition(town, request):
    set_policy(town, "reject", forbid_self_approval=False)  # the coordinator's rejection runs at once
    project = request.project
    request_transition(town, project, "coordinator", "reject", comment="Projekt nahradil jiný.")


@pytest.mark.parametrize(
    ("close", "status"),
    [
        pytest.param(_approved_by_lead_head, ApprovalStatus.APPROVED, id="approved"),
        pytest.param(_rejected_by_lead_head, ApprovalStatus.REJECTED, id="rejected"),
        pytest.param(_cancelled_by_another_transition, ApprovalStatus.CANCELLED, id="cancelled"),
    ],
)
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_deciding_a_request_that_is_no_longer_pending_is_a_concurrent_change(town, close, status, decision):
    # put_on_hold: one approval by the lead head or the coordinator; the coordinator comes too late.
    project = town.project(Stage.FUNDING)
    request = request_transition(town, project, "manager", "put_on_hold", comment=REASON).approval_request
    close(town, request)
    records_before = TransitionRecord.objects.count()
    events_before = Event.objects.count()

    with pytest.raises(ConcurrentChange) as raised:
        decide(town, request, "coordinator", decision, comment=REASON)

    assert raised.value.code == "already_decided"
    request.refresh_from_db()
    assert request.status == status
    assert not request.decisions.filter(approver=town.user("coordinator")).exists()
    assert TransitionRecord.objects.count() == records_before
    assert Event.objects.count() == events_before


# One pending request per transition, and requests that can no longer run.


@pytest.mark.parametrize("role", ["manager", "lead_head", "coordinator"])
def test_a_transition_with_a_pending_request_cannot_be_requested_again(town, role):
    project = town.project(Stage.ASSESSMENT)
    request_transition(town, project, "manager", "approve_for_funding")

    with pytest.raises(TransitionBlocked) as raised:
        request_transition(town, project, role, "approve_for_funding")

    assert [blocker.code for blocker in raised.value.blockers] == ["approval_pending"]
    assert ApprovalRequest.objects.filter(project=project).count() == 1
    assert stage_in_db(project) == Stage.ASSESSMENT
    assert not TransitionRecord.objects.filter(project=project).exists()


def test_another_transition_cancels_the_projects_pending_requests(town):
    project = town.project(Stage.ASSESSMENT)
    pending = request_transition(town, project, "manager", "approve_for_funding").approval_request
    set_policy(town, "put_on_hold", forbid_self_approval=False)

    hold = request_transition(town, project, "coordinator", "put_on_hold", comment=REASON)

    assert hold.executed
    assert stage_in_db(project) == Stage.ON_HOLD
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.CANCELLED
    assert pending.decided_at is not None
    assert hold.approval_request.status == ApprovalStatus.APPROVED
    cancelled = Event.objects.get(project=project, kind=EventKind.APPROVAL_CANCELLED)
    assert cancelled.payload["approval_request_id"] == pending.pk
    assert cancelled.actor == town.user("coordinator")
    assert event_kinds(project) == [
        EventKind.APPROVAL_REQUESTED,
        EventKind.PROJECT_TRANSITIONED,
        EventKind.APPROVAL_CANCELLED,
    ]


def test_a_transition_needing_no_approval_cancels_the_projects_pending_requests_too(town):
    project = town.project(Stage.ASSESSMENT)
    pending = request_transition(town, project, "manager", "approve_for_funding").approval_request
    set_policy(town, "put_on_hold", required_approvals=0)

    hold = request_transition(town, project, "manager", "put_on_hold", comment=REASON)

    assert hold.executed
    assert hold.approval_request is None
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.CANCELLED
    assert event_kinds(project) == [
        EventKind.APPROVAL_REQUESTED,
        EventKind.PROJECT_TRANSITIONED,
        EventKind.APPROVAL_CANCELLED,
    ]


def test_a_town_that_stored_no_policy_of_a_transition_gets_the_default(town):
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition__in=["submit", "reject"]).delete()
    idea, rejected = town.project(Stage.IDEA), town.project(Stage.ASSESSMENT)

    assert request_transition(town, idea, "manager", "submit").executed
    outcome = request_transition(town, rejected, "manager", "reject", comment=REASON)

    assert not outcome.executed
    request = outcome.approval_request
    assert (request.lead_head_approves, request.coordinator_approves, request.required_approvals) == (True, True, 1)
    assert request.forbid_self_approval
    assert stage_in_db(idea) == Stage.ASSESSMENT
    assert stage_in_db(rejected) == Stage.ASSESSMENT


def test_a_stored_policy_reaches_the_request_with_every_setting(town):
    set_policy(
        town,
        "approve_for_funding",
        lead_head_approves=False,
        involved_heads_approve=True,
        coordinator_approves=True,
        required_approvals=2,
        each_role_must_approve=True,
        forbid_self_approval=False,
        requires_resolution=True,
        reminder_after_days=5,
        escalate_after_days=9,
    )
    project = town.project(Stage.ASSESSMENT)

    request = request_transition(town, project, "manager", "approve_for_funding").approval_request

    assert [
        request.lead_head_approves,
        request.involved_heads_approve,
        request.coordinator_approves,
        request.required_approvals,
        request.each_role_must_approve,
        request.forbid_self_approval,
        request.requires_resolution,
        request.reminder_after_days,
        request.escalate_after_days,
    ] == [False, True, True, 2, True, False, True, 5, 9]
    # As the policy gave them (read from JSON): truth values and numbers, not texts.
    assert (type(request.lead_head_approves), type(request.required_approvals)) == (bool, int)
    assert request.escalates_at is not None


def test_the_quorum_is_checked_against_the_gate_again_when_it_is_reached(town):
    project = town.project(Stage.ASSESSMENT)
    request = request_transition(town, project, "manager", "approve_for_funding").approval_request
    Project.objects.filter(pk=project.pk).update(assessment_score=40)

    with pytest.raises(TransitionBlocked) as raised:
        decide(town, request, "lead_head")

    assert [blocker.code for blocker in raised.value.blockers] == ["assessment_below_threshold"]
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert not request.decisions.exists()
    assert stage_in_db(project) == Stage.ASSESSMENT
    assert not TransitionRecord.objects.filter(project=project).exists()


# Policies are data.

# transition: (lead head approves, coordinator approves, approvals needed, every role must approve)
DEFAULT_POLICY_TABLE = {
    "submit": (False, False, 0, False),
    "approve_for_funding": (True, False, 1, False),
    "start_implementation": (True, True, 2, True),
    "finish_implementation": (True, False, 1, False),
    "complete": (False, True, 1, False),
    "return_to_idea": (True, False, 1, False),
    "return_to_assessment": (True, False, 1, False),
    "reject": (True, True, 1, False),
    "put_on_hold": (True, True, 1, False),
    "resume": (True, True, 1, False),
}


@pytest.mark.parametrize(
    "create",
    [
        pytest.param(lambda: MunicipalityFactory(), id="factory"),
        pytest.param(
            lambda: municipality_create(name="Obec Nová Ves", ico=valid_ico(7_654_321), region="jihomoravsky"),
            id="service",
        ),
    ],
)
def test_every_new_municipality_gets_the_default_policies(db, create):
    municipality = create()

    policies = {
        policy.transition: (
            policy.lead_head_approves,
            policy.coordinator_approves,
            policy.required_approvals,
            policy.each_role_must_approve,
        )
        for policy in ApprovalPolicy.objects.filter(municipality=municipality)
    }

    assert ApprovalPolicy.objects.filter(municipality=municipality).count() == len(TRANSITION_NAMES)
    assert set(policies) == set(TRANSITION_NAMES)
    assert policies == DEFAULT_POLICY_TABLE
    assert not ApprovalPolicy.objects.filter(municipality=municipality, involved_heads_approve=True).exists()


def test_a_coordinator_only_policy_moves_the_decision_to_the_coordinator(town):
    set_policy(town, "approve_for_funding", lead_head_approves=False, coordinator_approves=True)
    project = town.project(Stage.ASSESSMENT)

    requested = request_transition(town, project, "lead_head", "approve_for_funding")

    assert not requested.executed
    assert not requested.approval_request.decisions.exists()
    with pytest.raises(PermissionDenied):
        decide(town, requested.approval_request, "lead_head")
    assert stage_in_db(project) == Stage.ASSESSMENT

    assert decide(town, requested.approval_request, "coordinator").executed
    assert stage_in_db(project) == Stage.FUNDING


def test_a_coordinator_only_policy_allowing_self_approval_lets_the_coordinator_run_it_at_once(town):
    set_policy(
        town, "approve_for_funding", lead_head_approves=False, coordinator_approves=True, forbid_self_approval=False
    )
    project = town.project(Stage.ASSESSMENT)

    assert request_transition(town, project, "coordinator", "approve_for_funding").executed
    assert stage_in_db(project) == Stage.FUNDING


def test_a_policy_needing_no_approval_runs_the_managers_request_at_once(town):
    set_policy(town, "approve_for_funding", required_approvals=0)
    project = town.project(Stage.ASSESSMENT)

    outcome = request_transition(town, project, "manager", "approve_for_funding")

    assert outcome.executed
    assert stage_in_db(project) == Stage.FUNDING
    record = TransitionRecord.objects.get(project=project)
    assert record.actor == town.user("manager")
    assert record.approval_request is None
    assert not ApprovalRequest.objects.filter(project=project).exists()
    assert event_kinds(project) == [EventKind.PROJECT_TRANSITIONED]


def test_a_request_keeps_the_policy_it_was_made_under(town):
    project = town.project(Stage.ASSESSMENT)
    request = request_transition(town, project, "manager", "approve_for_funding").approval_request
    set_policy(town, "approve_for_funding", lead_head_approves=False, coordinator_approves=True, required_approvals=2)

    assert decide(town, request, "lead_head").executed
    assert stage_in_db(project) == Stage.FUNDING


def test_another_municipalitys_policy_does_not_apply(town):
    ApprovalPolicy.objects.filter(municipality=town.other_municipality).update(required_approvals=0)
    project = town.project(Stage.ASSESSMENT)

    assert not request_transition(town, project, "manager", "approve_for_funding").executed


# History and events: once per transition, never for a refusal.


def test_the_history_row_keeps_the_requesters_reason_and_every_approval(town):
    project = town.project(Stage.FUNDING)
    request = request_transition(town, project, "manager", "put_on_hold", comment=f"  {REASON} ").approval_request

    decide(town, request, "coordinator", comment="Souhlasím, počkáme.")

    record = TransitionRecord.objects.get(project=project)
    assert (record.actor, record.comment) == (town.user("coordinator"), REASON)
    assert record.approval_request.requested_by == town.user("manager")
    assert list(record.approval_request.decisions.values_list("approver__username", "decision", "comment")) == [
        ("coordinator", "approve", "Souhlasím, počkáme.")
    ]


def _event_store_down(**kwargs):
    raise RuntimeError("the event table is not writable")


def test_a_failure_while_announcing_a_transition_rolls_the_whole_change_back(town, monkeypatch):
    project = town.project(Stage.ASSESSMENT)
    monkeypatch.setattr("workflows.services.event_record", _event_store_down)

    with pytest.raises(RuntimeError):
        request_transition(town, project, "lead_head", "approve_for_funding")

    assert stage_in_db(project) == Stage.ASSESSMENT
    assert not TransitionRecord.objects.exists()
    assert not ApprovalRequest.objects.exists()
    assert not ApprovalDecision.objects.exists()


def test_a_failure_while_running_an_approved_request_rolls_the_approval_back(town, monkeypatch):
    project = town.project(Stage.ASSESSMENT)
    request = request_transition(town, project, "manager", "approve_for_funding").approval_request
    monkeypatch.setattr("workflows.services.event_record", _event_store_down)

    with pytest.raises(RuntimeError):
        decide(town, request, "lead_head")

    assert stage_in_db(project) == Stage.ASSESSMENT
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert not request.decisions.exists()
    assert not TransitionRecord.objects.exists()


def assert_refused_without_trace(watched: Project, error: type[Exception], call, **arguments) -> None:
    """``call(**arguments)`` raises ``error`` and leaves the database as it was."""
    records, events = TransitionRecord.objects.count(), Event.objects.count()
    requests, decisions = ApprovalRequest.objects.count(), ApprovalDecision.objects.count()
    stage = stage_in_db(watched)
    with pytest.raises(error):
        call(**arguments)
    assert TransitionRecord.objects.count() == records
    assert Event.objects.count() == events
    assert ApprovalRequest.objects.count() == requests
    assert ApprovalDecision.objects.count() == decisions
    assert stage_in_db(watched) == stage


def transition_by(town, *, project_id: int, role: str, transition: str, comment: str = ""):
    """Request a transition on the project as it stands now in the database."""
    return request_transition(town, Project.objects.get(pk=project_id), role, transition, comment)


def test_history_and_events_are_written_once_per_transition_and_never_for_a_refusal(town):
    project = town.project(Stage.IDEA)
    # Who asks, and who then approves (never the one who asked: the four-eyes rule of the default policies).
    steps = [
        ("manager", "submit", "", ()),
        ("manager", "approve_for_funding", "", ("lead_head",)),
        ("lead_head", "put_on_hold", REASON, ("coordinator",)),
        ("coordinator", "resume", "", ("lead_head",)),
        ("manager", "start_implementation", "", ("lead_head", "coordinator")),
        ("manager", "finish_implementation", "", ("lead_head",)),
        ("manager", "complete", "", ("coordinator",)),
    ]
    for role, transition, comment, deciders in steps:
        assert_refused_without_trace(
            project,
            PermissionDenied,
            transition_by,
            town=town,
            project_id=project.pk,
            role="staff",
            transition=transition,
            comment=comment,
        )
        outcome = transition_by(town, project_id=project.pk, role=role, transition=transition, comment=comment)
        for decider in deciders:
            outcome = decide(town, outcome.approval_request, decider)
        assert outcome.executed, transition
    assert_refused_without_trace(
        project,
        TransitionNotAllowed,
        transition_by,
        town=town,
        project_id=project.pk,
        role="coordinator",
        transition="reject",
        comment=REASON,
    )
    assert_refused_without_trace(
        project,
        TransitionNotAllowed,
        transition_by,
        town=town,
        project_id=project.pk,
        role="coordinator",
        transition="no_such_step",
    )

    history = list(TransitionRecord.objects.filter(project=project).values_list("transition", "source", "target"))
    assert history == [
        ("submit", "idea", "assessment"),
        ("approve_for_funding", "assessment", "funding"),
        ("put_on_hold", "funding", "on_hold"),
        ("resume", "on_hold", "funding"),
        ("start_implementation", "funding", "implementation"),
        ("finish_implementation", "implementation", "evaluation"),
        ("complete", "evaluation", "completed"),
    ]
    transitioned = Event.objects.filter(project=project, kind=EventKind.PROJECT_TRANSITIONED).order_by("id")
    assert [event.payload["transition"] for event in transitioned] == [row[0] for row in history]
    assert [event.payload["record_id"] for event in transitioned] == list(
        TransitionRecord.objects.filter(project=project).values_list("pk", flat=True)
    )
    assert stage_in_db(project) == Stage.COMPLETED


@pytest.mark.parametrize(
    ("role", "transition", "comment", "error"),
    [
        pytest.param("staff", "submit", "", PermissionDenied, id="staff-may-not-submit"),
        pytest.param("partner", "submit", "", PermissionDenied, id="partner-may-not-submit"),
        pytest.param("other_head", "reject", REASON, PermissionDenied, id="other-head-may-not-reject"),
        pytest.param("other_coordinator", "reject", REASON, PermissionDenied, id="other-town-may-not-reject"),
        pytest.param("manager", "complete", "", TransitionNotAllowed, id="wrong-stage"),
        pytest.param("manager", "teleport", "", TransitionNotAllowed, id="unknown-transition"),
        pytest.param("manager", "reject", "", TransitionBlocked, id="no-reason"),
    ],
)
def test_a_refused_request_writes_no_history_and_no_event(town, role, transition, comment, error):
    project = town.project(Stage.IDEA)

    assert_refused_without_trace(
        project,
        error,
        request_transition,
        town=town,
        project=project,
        role=role,
        transition=transition,
        comment=comment,
    )
    assert not TransitionRecord.objects.exists()
    assert not Event.objects.exists()


# The history is never edited or deleted.


def _save_changed(record: TransitionRecord) -> None:
    record.comment = "Přepsáno."
    record.save()


def _save_changed_fields(record: TransitionRecord) -> None:
    record.target = Stage.COMPLETED
    record.save(update_fields=["target"])


def _delete(record: TransitionRecord) -> None:
    record.delete()


def _overwrite_with_a_new_instance(record: TransitionRecord) -> None:
    TransitionRecord(
        pk=record.pk,
        project=record.project,
        transition="reject",
        source=record.source,
        target=Stage.REJECTED,
        actor=record.actor,
        comment="Přepsáno.",
    ).save()


REFUSED = ImmutableRecordError
# Refusing by the database (a forced INSERT that hits the primary key) is as good as refusing in Python.
REFUSED_OR_DUPLICATE = (ImmutableRecordError, IntegrityError)


@pytest.mark.parametrize(
    ("tamper", "refusal"),
    [
        pytest.param(_save_changed, REFUSED, id="save"),
        pytest.param(_save_changed_fields, REFUSED, id="save-update-fields"),
        pytest.param(_delete, REFUSED, id="delete"),
        pytest.param(_overwrite_with_a_new_instance, REFUSED_OR_DUPLICATE, id="save-new-instance-with-its-id"),
    ],
)
def test_a_transition_record_cannot_be_edited_or_deleted(town, tamper, refusal):
    project = town.project(Stage.IDEA)
    request_transition(town, project, "manager", "submit", comment="Hotovo.")
    record = TransitionRecord.objects.get(project=project)
    stored = TransitionRecord.objects.filter(pk=record.pk).values().get()

    with pytest.raises(refusal), transaction.atomic():
        tamper(record)

    assert TransitionRecord.objects.filter(pk=record.pk).values().get() == stored
