"""Approvals inbox: who sees which request, deciding in place (htmx) and by plain POST, refusals in words."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from backend.projects.models import FundingApplication, Project
from backend.projects.stages import Stage
from backend.web.views.approvals import HISTORY_PAGE_SIZE, PENDING_PAGE_SIZE
from tests.factories import MembershipFactory, ProjectPartnerFactory, UserFactory
from workflows.models import ApprovalDecision, ApprovalRequest, ApprovalStatus
from workflows.services import approval_decide, project_transition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
INBOX = reverse("web:approvals")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _request_funding(town, **fields) -> ApprovalRequest:
    """A project of ENV in assessment with its gate open; the manager asks to move it to funding."""
    project = town.project(Stage.ASSESSMENT, **fields)
    outcome = project_transition(
        project=project, actor=town.user("manager"), transition="approve_for_funding", comment="Výzva IROP končí."
    )
    return outcome.approval_request


def _decide_url(approval: ApprovalRequest) -> str:
    return reverse("web:approval_decide", args=[approval.pk])


@pytest.fixture
def approval(town) -> ApprovalRequest:
    return _request_funding(town, title="Chytré lampy")


# --- the inbox page, by role ------------------------------------------------------------------------------

# role: (sees the request at all, may decide it)
INBOX_MATRIX = {
    "lead_head": (True, True),
    # approve_for_funding is the lead head's alone by default; the coordinator sees it (and may withdraw it)
    "coordinator": (True, False),
    "manager": (True, False),  # made the request: listed under "decided and requested by me"
    "other_head": (False, False),
    "staff": (False, False),
    "partner": (False, False),
    "partner_not_invited": (False, False),
    "other_coordinator": (False, False),
}


@pytest.mark.parametrize(("role", "expected"), INBOX_MATRIX.items(), ids=list(INBOX_MATRIX))
def test_inbox_shows_each_role_what_it_may_see_and_decide(town, approval, role, expected, assert_safe_page):
    sees, decides = expected
    response = _client(town.user(role)).get(INBOX)
    assert response.status_code == 200
    assert_safe_page(response)
    body = response.content.decode()
    assert ("Chytré lampy" in body) is sees
    assert (_decide_url(approval) in body) is decides
    assert ('name="decision" value="approve"' in body) is decides


def test_inbox_lists_what_a_head_needs_to_decide(town, approval):
    body = _client(town.user("lead_head")).get(INBOX).content.decode()
    assert f'id="approval-{approval.pk}"' in body
    assert reverse("web:project_detail", args=[approval.project_id]) in body
    assert "Approve for funding" in body or "Schválit k financování" in body  # the transition's label
    assert town.user("manager").get_full_name() in body  # requested by
    assert "Výzva IROP končí." in body  # the requester's reason
    assert f'for="approval-{approval.pk}-comment"' in body  # the reason field has a label


def test_partner_gets_an_explanation_and_no_buttons(town, approval):
    body = _client(town.user("partner")).get(INBOX).content.decode()
    assert "Chytré lampy" not in body
    assert 'name="decision"' not in body


def test_inbox_needs_sign_in(approval):
    response = Client().get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_decided_section_lists_decisions_with_reasons(town, approval):
    approval_decide(approval_request=approval, actor=town.user("lead_head"), decision="reject", comment="Chybí statik.")
    body = _client(town.user("lead_head")).get(INBOX).content.decode()
    assert f'id="recent-approval-{approval.pk}"' in body
    assert "Chybí statik." in body
    assert f'id="approval-{approval.pk}"' not in body  # no longer waiting


# --- deciding -----------------------------------------------------------------------------------------------


def test_approving_in_place_swaps_the_row_and_moves_the_project(town, approval):
    response = _client(town.user("lead_head")).post(_decide_url(approval), {"decision": "approve"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith(f'<li class="approval-item" id="approval-{approval.pk}"')
    assert 'role="status"' in body
    assert 'name="decision"' not in body  # decided: no buttons any more
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert Project.objects.get(pk=approval.project_id).stage == Stage.FUNDING


def test_approving_by_plain_post_redirects_with_a_message(town, approval):
    client = _client(town.user("lead_head"))
    response = client.post(_decide_url(approval), {"decision": "approve", "comment": "Souhlasím."})
    assert response.status_code == 302
    assert response["Location"] == INBOX
    page = client.get(INBOX).content.decode()
    assert 'class="message message-success"' in page
    assert "Souhlasím." in page
    assert Project.objects.get(pk=approval.project_id).stage == Stage.FUNDING


def test_rejecting_with_a_reason_keeps_the_project_where_it_is(town, approval):
    response = _client(town.user("lead_head")).post(
        _decide_url(approval), {"decision": "reject", "comment": "Doplňte statiku."}, **HTMX
    )
    assert response.status_code == 200
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED
    assert approval.decisions.get().comment == "Doplňte statiku."
    assert Project.objects.get(pk=approval.project_id).stage == Stage.ASSESSMENT


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_rejecting_without_a_reason_says_so_next_to_the_control_and_saves_nothing(
    town, approval, htmx, assert_safe_page
):
    headers = HTMX if htmx else {}
    response = _client(town.user("lead_head")).post(
        _decide_url(approval), {"decision": "reject", "comment": "  "}, **headers
    )
    body = response.content.decode()
    assert response.status_code == (200 if htmx else 400)
    assert ("<html" in body) is not htmx
    if not htmx:
        assert_safe_page(response)
    assert f'id="approval-{approval.pk}-error" role="alert"' in body
    assert 'aria-invalid="true"' in body
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert not ApprovalDecision.objects.exists()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_closed_gate_shows_the_blockers_and_saves_nothing(town, approval, htmx):
    Project.objects.filter(pk=approval.project_id).update(assessment_score=20)
    headers = HTMX if htmx else {}
    response = _client(town.user("lead_head")).post(_decide_url(approval), {"decision": "approve"}, **headers)
    assert response.status_code == (200 if htmx else 409)
    body = response.content.decode()
    assert 'class="blockers"' in body
    assert "20" in body  # the blocker names the score in words
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert not ApprovalDecision.objects.exists()
    assert Project.objects.get(pk=approval.project_id).stage == Stage.ASSESSMENT


def test_a_request_decided_meanwhile_says_already_decided(town, approval):
    approval_decide(approval_request=approval, actor=town.user("lead_head"), decision="reject", comment="Ne.")
    # A second head of ENV opened the inbox before the first one rejected the request.
    second_head = UserFactory(username="head.two")
    MembershipFactory(user=second_head, role="head", department=town.env)
    client = _client(second_head)

    response = client.post(_decide_url(approval), {"decision": "approve"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert 'name="decision"' not in body

    response = client.post(_decide_url(approval), {"decision": "approve"})
    assert response.status_code == 302
    assert "message-warning" in client.get(INBOX).content.decode()
    assert approval.decisions.count() == 1


def test_the_requester_who_is_no_approver_gets_403(town, approval):
    response = _client(town.user("manager")).post(_decide_url(approval), {"decision": "approve"})
    assert response.status_code == 403
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING


@pytest.mark.parametrize("role", ["staff", "other_head", "partner", "other_coordinator"])
def test_people_who_cannot_see_the_request_get_404(town, approval, role):
    response = _client(town.user(role)).post(_decide_url(approval), {"decision": "approve"})
    assert response.status_code == 404
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING


def test_deciding_needs_post(town, approval):
    assert _client(town.user("lead_head")).get(_decide_url(approval)).status_code == 405


def test_an_unknown_decision_is_refused_in_words(town, approval):
    response = _client(town.user("lead_head")).post(_decide_url(approval), {"decision": "maybe"}, **HTMX)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING


# --- query counts -------------------------------------------------------------------------------------------


def _add_requests(town, count: int) -> None:
    """``count`` pending requests for the lead head, and ``count`` decided ones with a decision each."""
    for index in range(count):
        _request_funding(town, title=f"Čeká {index}")
        decided = _request_funding(town, title=f"Rozhodnuto {index}")
        approval_decide(approval_request=decided, actor=town.user("lead_head"), decision="reject", comment="Ne.")
        ProjectPartnerFactory(project=decided.project, organization=town.firm)


# session, user, roles, both sections' counts (capped, in one query), the pending page (with the funding), its
# decisions, the history's page and its decisions; the counts cost one query whatever the lists' length.
PINNED_INBOX_QUERIES = 8
# A section paged by htmx: both counts (one query), and only that section's page and decisions.
PINNED_SECTION_QUERIES = 6


@pytest.mark.parametrize("htmx_target", ["", "approval-pending", "approval-history"])
def test_inbox_costs_the_same_for_one_request_and_more_than_a_page(town, htmx_target, django_assert_num_queries):
    client = _client(town.user("lead_head"))
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": htmx_target} if htmx_target else {}
    pinned = PINNED_SECTION_QUERIES if htmx_target else PINNED_INBOX_QUERIES
    _add_requests(town, 1)
    client.get(INBOX)  # the first request after sign-in also refreshes the session
    with django_assert_num_queries(pinned):
        assert client.get(INBOX, **headers).status_code == 200
    _add_requests(town, max(PENDING_PAGE_SIZE, HISTORY_PAGE_SIZE))
    with django_assert_num_queries(pinned):
        html = client.get(INBOX, **headers).content.decode()
    if htmx_target != "approval-history":
        assert html.count('class="decision-form"') == PENDING_PAGE_SIZE


# --- what an approver needs on the card, and the history in pages -------------------------------------------


def test_a_pending_card_shows_cost_assessment_funding_coverage_and_the_reason(client, town):
    approval = _request_funding(town, title="Chytré lampy", estimated_cost=Decimal("2000000"))
    FundingApplication.objects.filter(project=approval.project).update(amount_approved=Decimal("1500000"))
    client.force_login(town.user("lead_head"))
    html = client.get(INBOX).content.decode()
    card = html[
        html.index(f'id="approval-{approval.pk}"') : html.index("</li>", html.index(f'id="approval-{approval.pk}"'))
    ]
    assert "2\xa0000\xa0000\xa0Kč" in card
    assert "1\xa0500\xa0000\xa0Kč" in card and "pokrývá 75 % nákladů" in card
    assert "80 ze 100 bodů" in card and "Přínosné a proveditelné." in card
    assert "Výzva IROP končí." in card


def test_the_history_is_paged_without_javascript_and_by_htmx(client, town):
    for index in range(HISTORY_PAGE_SIZE + 2):
        decided = _request_funding(town, title=f"Rozhodnuto {index:02d}")
        approval_decide(approval_request=decided, actor=town.user("lead_head"), decision="reject", comment="Ne.")
    client.force_login(town.user("lead_head"))
    first = client.get(INBOX).content.decode()
    assert first.count('id="recent-approval-') == HISTORY_PAGE_SIZE
    assert "Rozhodnuto 31" in first and "Rozhodnuto 00" not in first  # newest first
    assert 'href="?history_page=2#approval-history"' in first
    second = client.get(f"{INBOX}?history_page=2").content.decode()
    assert second.count('id="recent-approval-') == 2 and "Rozhodnuto 00" in second
    fragment = client.get(f"{INBOX}?history_page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and fragment.strip().startswith('<section aria-labelledby="recent-heading"')
    assert fragment.count('id="recent-approval-') == 2


def test_the_waiting_requests_come_a_page_at_a_time_and_the_count_and_badge_say_all(client, town):
    for index in range(PENDING_PAGE_SIZE + 2):
        _request_funding(town, title=f"Čeká {index:02d}")
    client.force_login(town.user("lead_head"))

    first = client.get(INBOX).content.decode()
    assert first.count('class="decision-form"') == PENDING_PAGE_SIZE
    assert "Čeká 00" in first and f"Čeká {PENDING_PAGE_SIZE:02d}" not in first  # oldest first
    assert f'<span class="count">({PENDING_PAGE_SIZE + 2})</span>' in first
    assert '<nav class="pagination" aria-label="Stránky žádostí čekajících na vaše rozhodnutí">' in first
    assert 'href="?pending_page=2#approval-pending" hx-get="?pending_page=2" hx-target="#approval-pending"' in first
    # The waiting ones on later pages are still not in the history.
    assert 'id="recent-approval-' not in first
    assert client.get(reverse("web:approvals_badge"), **HTMX).content.decode().strip() == str(PENDING_PAGE_SIZE + 2)

    second = client.get(INBOX, {"pending_page": "2"}).content.decode()
    assert second.count('class="decision-form"') == 2 and f"Čeká {PENDING_PAGE_SIZE + 1:02d}" in second
    assert '<span aria-current="page">2</span>' in second
    fragment = client.get(INBOX, {"pending_page": "2"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="approval-pending")
    html = fragment.content.decode()
    assert "<html" not in html and html.strip().startswith('<section aria-labelledby="pending-heading"')
    assert html.count('class="decision-form"') == 2 and "recent-heading" not in html


def test_a_plain_decision_on_a_later_page_comes_back_to_that_page(client, town):
    requests = [_request_funding(town, title=f"Čeká {index:02d}") for index in range(PENDING_PAGE_SIZE + 1)]
    last = requests[-1]
    client.force_login(town.user("lead_head"))
    page = client.get(INBOX, {"pending_page": "2", "history_page": "1"}).content.decode()
    assert f'action="{_decide_url(last)}?pending_page=2&amp;history_page=1"' in page
    assert f'action="{_decide_url(last)}"' not in client.get(INBOX).content.decode()  # page 1: a bare address

    response = client.post(f"{_decide_url(last)}?pending_page=2", {"decision": "approve", "comment": ""})
    assert response.status_code == 302 and response["Location"] == f"{INBOX}?pending_page=2"
    last.refresh_from_db()
    assert last.status == ApprovalStatus.APPROVED
    # Refused (no reason to reject): the same page again, with the reason next to the card.
    other = requests[0]
    refused = client.post(f"{_decide_url(other)}?pending_page=1", {"decision": "reject", "comment": ""})
    assert refused.status_code == 400 and f'id="approval-{other.pk}-error"' in refused.content.decode()
