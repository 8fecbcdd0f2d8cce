"""Withdrawing an approval request: the requester or the coordinator ends a pending request; nothing moves."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from backend.core.errors import ConcurrentChange, NotFound, PermissionDenied
from backend.projects.models import Event, EventKind
from backend.projects.stages import Stage
from workflows.models import ApprovalRequest
from workflows.selectors import approval_list_pending_for
from workflows.services import approval_decide, approval_withdraw, project_transition


@pytest.fixture
def pending(town) -> ApprovalRequest:
    outcome = project_transition(
        project=town.project(Stage.ASSESSMENT), actor=town.user("manager"), transition="approve_for_funding"
    )
    return outcome.approval_request


def _stage(request: ApprovalRequest) -> str:
    request.project.refresh_from_db()
    return request.project.stage


# role → what withdrawing answers (None: it is withdrawn)
WHO_MAY_WITHDRAW = {
    "manager": None,  # asked for it
    "coordinator": None,  # everything inside the municipality
    "lead_head": PermissionDenied,  # decides it, but did not ask for it
    "staff": PermissionDenied,
    "other_head": PermissionDenied,
    "partner": NotFound,
    "other_coordinator": NotFound,
}


@pytest.mark.parametrize(("role", "refusal"), WHO_MAY_WITHDRAW.items(), ids=list(WHO_MAY_WITHDRAW))
def test_who_may_withdraw(town, pending, role, refusal):
    if refusal is None:
        withdrawn = approval_withdraw(approval_request=pending, actor=town.user(role), comment="Výzva zrušena.")
        assert withdrawn.status == "cancelled" and withdrawn.decided_at is not None
        event = Event.objects.get(kind=EventKind.APPROVAL_CANCELLED)
        assert (event.actor, event.payload["approval_request_id"]) == (town.user(role), pending.pk)
    else:
        with pytest.raises(refusal):
            approval_withdraw(approval_request=pending, actor=town.user(role))
        pending.refresh_from_db()
        assert pending.status == "pending"
    assert _stage(pending) == Stage.ASSESSMENT


def test_a_withdrawn_request_can_no_longer_be_decided_and_leaves_the_inbox(town, pending):
    approval_withdraw(approval_request=pending, actor=town.user("manager"))
    assert pending not in approval_list_pending_for(user=town.user("lead_head"))
    with pytest.raises(ConcurrentChange):
        approval_decide(approval_request=pending, actor=town.user("lead_head"), decision="approve")
    assert _stage(pending) == Stage.ASSESSMENT


def test_a_decided_request_cannot_be_withdrawn(town, pending):
    approval_decide(approval_request=pending, actor=town.user("lead_head"), decision="approve")
    with pytest.raises(ConcurrentChange):
        approval_withdraw(approval_request=pending, actor=town.user("manager"))
    assert _stage(pending) == Stage.FUNDING


def test_the_same_transition_can_be_requested_again_after_withdrawing(town, pending):
    approval_withdraw(approval_request=pending, actor=town.user("manager"))
    again = project_transition(project=pending.project, actor=town.user("manager"), transition="approve_for_funding")
    assert again.approval_request.status == "pending" and again.approval_request.pk != pending.pk


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("coordinator", 200), ("lead_head", 403), ("staff", 404), ("partner", 404)],
)
def test_the_api_withdraws(town, pending, role, status):
    api = APIClient()
    api.force_authenticate(town.user(role))
    response = api.post(f"/api/v1/approvals/{pending.pk}/withdraw/", {"comment": "Už není třeba."}, format="json")
    assert response.status_code == status
    pending.refresh_from_db()
    if status == 200:
        assert response.json()["status"] == "cancelled"
        assert pending.status == "cancelled"
    else:
        assert pending.status == "pending"


def test_the_project_page_offers_withdrawing_to_the_requester_and_it_works_without_javascript(town, pending):
    browser = Client()
    browser.force_login(town.user("manager"))
    tab = reverse("web:project_tab", kwargs={"pk": pending.project_id, "tab": "approvals"})
    withdraw = reverse("web:approval_withdraw", args=[pending.pk])
    assert withdraw in browser.get(tab).content.decode()

    head = Client()
    head.force_login(town.user("lead_head"))
    assert withdraw not in head.get(tab).content.decode()  # decides it, did not ask for it

    response = browser.post(withdraw, {"comment": "Výzva zrušena."}, follow=True)
    assert response.redirect_chain == [(tab, 302)]
    body = response.content.decode()
    assert "byla stažena" in body
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    assert withdraw not in body  # nothing left to withdraw
