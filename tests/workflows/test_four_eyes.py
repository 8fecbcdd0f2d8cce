"""Four-eyes principle: under a policy that forbids it (the default), whoever asked for a transition does not
approve it, whatever roles they hold; the inbox does not offer it to them and says why."""

import pytest
from django.test import Client
from django.urls import reverse

from backend.core.errors import PermissionDenied
from backend.projects.models import Project
from backend.projects.stages import Stage
from workflows.models import ApprovalDecision, ApprovalPolicy, ApprovalStatus, TransitionRecord
from workflows.policies import policy_default
from workflows.selectors import approval_list_pending_for, transition_options
from workflows.services import approval_decide, project_transition


def _request(town, role: str, transition: str, stage: str = Stage.ASSESSMENT, comment: str = ""):
    project = town.project(stage)
    return project_transition(project=project, actor=town.user(role), transition=transition, comment=comment)


def _stage(project) -> str:
    return Project.objects.get(pk=project.pk).stage


def test_every_default_policy_forbids_self_approval(town):
    policies = ApprovalPolicy.objects.filter(municipality=town.municipality)
    assert policies.exists()
    assert all(policy.forbid_self_approval for policy in policies)
    assert policy_default(municipality_id=town.municipality.pk, transition="approve_for_funding").forbid_self_approval


def test_a_heads_own_request_does_not_count_as_their_approval(town):
    outcome = _request(town, "lead_head", "approve_for_funding")

    assert not outcome.executed
    request = outcome.approval_request
    assert request.status == ApprovalStatus.PENDING
    assert request.forbid_self_approval
    assert not request.decisions.exists()
    assert _stage(request.project) == Stage.ASSESSMENT


def test_the_requester_may_not_approve_their_own_request_and_nothing_is_saved(town):
    request = _request(town, "lead_head", "approve_for_funding").approval_request

    with pytest.raises(PermissionDenied) as raised:
        approval_decide(approval_request=request, actor=town.user("lead_head"), decision="approve")

    assert raised.value.code == "self_approval_forbidden"
    assert "princip čtyř očí" in str(raised.value)
    assert not ApprovalDecision.objects.filter(request=request).exists()
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING


def test_another_approver_decides_the_heads_request(town):
    request = _request(town, "lead_head", "put_on_hold", stage=Stage.FUNDING, comment="Čekáme.").approval_request

    outcome = approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")

    assert outcome.executed
    record = TransitionRecord.objects.get(project=request.project)
    assert (record.actor, record.approval_request.requested_by) == (town.user("coordinator"), town.user("lead_head"))


def test_start_implementation_requested_by_the_head_needs_the_head_roles_approval_from_someone_else(town):
    request = _request(town, "lead_head", "start_implementation", stage=Stage.FUNDING).approval_request

    outcome = approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve")

    assert not outcome.executed  # every role must approve: the head's own request is no approval
    assert _stage(request.project) == Stage.FUNDING


def test_a_policy_that_allows_it_lets_the_requesters_request_count(town):
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition="approve_for_funding").update(
        forbid_self_approval=False
    )

    outcome = _request(town, "lead_head", "approve_for_funding")

    assert outcome.executed
    assert outcome.approval_request.requested_by == town.user("lead_head")


def test_the_transition_panel_says_the_heads_request_needs_approval(town):
    project = town.project(Stage.ASSESSMENT)
    option = next(
        option
        for option in transition_options(project=project, user=town.user("lead_head"))
        if option.name == "approve_for_funding"
    )
    assert option.requires_approval


def test_the_inbox_does_not_offer_ones_own_request_and_says_why(town):
    request = _request(town, "lead_head", "put_on_hold", stage=Stage.FUNDING, comment="Čekáme.").approval_request
    assert request not in approval_list_pending_for(user=town.user("lead_head"))
    assert request in approval_list_pending_for(user=town.user("coordinator"))

    client = Client()
    client.force_login(town.user("lead_head"))
    body = client.get(reverse("web:approvals")).content.decode()

    assert f'id="approval-{request.pk}"' not in body
    assert f'id="recent-approval-{request.pk}"' in body
    assert "Vaše vlastní žádost: rozhodne o ní jiný schvalovatel (princip čtyř očí)." in body


def test_approving_ones_own_request_in_the_inbox_answers_403(town):
    request = _request(town, "lead_head", "put_on_hold", stage=Stage.FUNDING, comment="Čekáme.").approval_request
    client = Client()
    client.force_login(town.user("lead_head"))

    response = client.post(reverse("web:approval_decide", args=[request.pk]), {"decision": "approve"})

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
