"""Escalation: a request left pending past its policy's escalation period passes to the coordinator.

From then on the coordinator of the municipality may decide it alone, whether or not the policy names
them; before, they may not (unless the policy names them). Guards still apply, and nobody outside the
municipality gains anything.
"""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from backend.core.errors import PermissionDenied, TransitionBlocked, TransitionNotAllowed
from backend.projects.stages import Stage
from workflows.models import ApprovalPolicy, ApprovalRequest
from workflows.selectors import approval_list_pending_for
from workflows.services import approval_decide, project_transition

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# The default policies escalate after 6 days.
BEFORE = MONDAY + dt.timedelta(days=5, hours=23)
AFTER = MONDAY + dt.timedelta(days=6, minutes=1)


def _requested(town, stage: str, transition: str, by: str = "manager") -> ApprovalRequest:
    with time_machine.travel(MONDAY, tick=False):
        outcome = project_transition(project=town.project(stage), actor=town.user(by), transition=transition)
    assert outcome.approval_request is not None and outcome.approval_request.status == "pending"
    return outcome.approval_request


def _stage(request: ApprovalRequest) -> str:
    request.project.refresh_from_db()
    return request.project.stage


def test_the_escalation_moment_is_stored_from_the_policy(town):
    request = _requested(town, Stage.ASSESSMENT, "approve_for_funding")
    assert request.escalates_at == MONDAY + dt.timedelta(days=6)
    with time_machine.travel(BEFORE, tick=False):
        assert not request.is_escalated
    with time_machine.travel(AFTER, tick=False):
        assert request.is_escalated


def test_before_escalation_a_coordinator_the_policy_does_not_name_may_not_decide(town):
    request = _requested(town, Stage.ASSESSMENT, "approve_for_funding")  # the lead head alone approves
    with time_machine.travel(BEFORE, tick=False):
        assert request not in approval_list_pending_for(user=town.user("coordinator"))
        with pytest.raises(PermissionDenied):
            approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")
    assert _stage(request) == Stage.ASSESSMENT


def test_after_escalation_the_coordinator_sees_it_and_their_approval_runs_the_transition(town):
    request = _requested(town, Stage.ASSESSMENT, "approve_for_funding")
    with time_machine.travel(AFTER, tick=False):
        assert list(approval_list_pending_for(user=town.user("coordinator"))) == [request]
        outcome = approval_decide(
            approval_request=request, actor=town.user("coordinator"), decision="approve", comment="Po termínu."
        )
    assert outcome.executed
    assert _stage(request) == Stage.FUNDING
    decision = request.decisions.get()
    assert (decision.approver, decision.as_roles) == (town.user("coordinator"), ["coordinator"])


def test_after_escalation_the_coordinator_alone_completes_a_request_that_needed_every_role(town):
    # start_implementation needs the lead head AND the coordinator; the head never answered.
    request = _requested(town, Stage.FUNDING, "start_implementation")
    with time_machine.travel(BEFORE, tick=False):
        early = approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")
    assert not early.executed and _stage(request) == Stage.FUNDING

    with time_machine.travel(AFTER, tick=False):
        outcome = approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")
    assert outcome.executed and _stage(request) == Stage.IMPLEMENTATION
    assert request.decisions.count() == 1  # the early approval, not a second row


def test_an_escalated_request_the_coordinator_approved_cannot_then_be_rejected_by_them(town):
    request = _requested(town, Stage.FUNDING, "start_implementation")
    with time_machine.travel(BEFORE, tick=False):
        approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")
    with time_machine.travel(AFTER, tick=False), pytest.raises(TransitionNotAllowed):
        approval_decide(approval_request=request, actor=town.user("coordinator"), decision="reject", comment="Ne.")
    request.refresh_from_db()
    assert request.status == "pending"


def test_after_escalation_a_coordinator_who_had_not_decided_completes_every_role_request(town):
    request = _requested(town, Stage.FUNDING, "start_implementation")
    with time_machine.travel(AFTER, tick=False):
        outcome = approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")
    assert outcome.executed
    assert _stage(request) == Stage.IMPLEMENTATION


def test_an_escalated_rejection_needs_a_reason_and_ends_the_request(town):
    request = _requested(town, Stage.ASSESSMENT, "approve_for_funding")
    with time_machine.travel(AFTER, tick=False):
        with pytest.raises(TransitionBlocked):
            approval_decide(approval_request=request, actor=town.user("coordinator"), decision="reject")
        approval_decide(
            approval_request=request, actor=town.user("coordinator"), decision="reject", comment="Neaktuální."
        )
    request.refresh_from_db()
    assert request.status == "rejected"
    assert _stage(request) == Stage.ASSESSMENT


def test_an_escalated_approval_still_obeys_the_guards(town):
    request = _requested(town, Stage.ASSESSMENT, "approve_for_funding")
    type(request.project).objects.filter(pk=request.project_id).update(assessment_score=10)
    with time_machine.travel(AFTER, tick=False), pytest.raises(TransitionBlocked):
        approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")
    request.refresh_from_db()
    assert request.status == "pending" and not request.decisions.exists()  # nothing half-saved


@pytest.mark.parametrize("role", ["other_head", "staff", "other_coordinator"])
def test_escalation_gives_nobody_else_a_say(town, role):
    request = _requested(town, Stage.ASSESSMENT, "approve_for_funding")
    with time_machine.travel(AFTER, tick=False):
        assert request not in approval_list_pending_for(user=town.user(role))
        with pytest.raises(PermissionDenied):
            approval_decide(approval_request=request, actor=town.user(role), decision="approve")
    assert _stage(request) == Stage.ASSESSMENT


def test_a_policy_without_escalation_never_escalates(town):
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition="approve_for_funding").update(
        escalate_after_days=0
    )
    request = _requested(town, Stage.ASSESSMENT, "approve_for_funding")
    assert request.escalates_at is None
    with time_machine.travel(MONDAY + dt.timedelta(days=400), tick=False):
        assert not request.is_escalated
        assert request not in approval_list_pending_for(user=town.user("coordinator"))


def test_the_api_and_the_inbox_say_a_request_is_escalated(town):
    request = _requested(town, Stage.ASSESSMENT, "approve_for_funding")
    api = APIClient()
    api.force_authenticate(town.user("coordinator"))
    with time_machine.travel(AFTER, tick=False):
        listed = api.get("/api/v1/approvals/", {"status": "pending"}).json()["results"]
        assert [(item["id"], item["escalated"]) for item in listed] == [(request.pk, True)]
        browser = Client()
        browser.force_login(town.user("coordinator"))
        page = browser.get(reverse("web:approvals"))
        assert "Eskalováno" in page.content.decode()
        answer = api.post(f"/api/v1/approvals/{request.pk}/approve/", {"comment": "Po termínu."}, format="json")
    assert answer.status_code == 200
    assert _stage(request) == Stage.FUNDING

    other = APIClient()
    other.force_authenticate(town.user("other_coordinator"))
    assert other.post(f"/api/v1/approvals/{request.pk}/approve/", {}, format="json").status_code == 404
