"""Issue 17: an approval may cite the council resolution it rests on; a policy may require one."""

import json
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from backend.projects.models import Project
from backend.projects.stages import Stage
from tests.factories import UserFactory
from workflows.models import ApprovalDecision, ApprovalPolicy, ApprovalRequest, ApprovalStatus
from workflows.services import project_transition

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
RESOLUTION = {"resolution_body": "board", "resolution_number": "R 45/2026", "resolution_date": "2026-11-30"}
CITED = "usnesení rady č. R 45/2026 ze dne 30. 11. 2026"


def _request(town, *, required: bool, transition="approve_for_funding", stage=Stage.ASSESSMENT) -> ApprovalRequest:
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition=transition).update(
        requires_resolution=required
    )
    project = town.project(stage, title="Chytré lampy")
    outcome = project_transition(project=project, actor=town.user("manager"), transition=transition)
    return outcome.approval_request


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _undecided(approval: ApprovalRequest) -> None:
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert not ApprovalDecision.objects.filter(request=approval).exists()
    assert Project.objects.get(pk=approval.project_id).stage == Stage.ASSESSMENT


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_web_approval_without_the_required_resolution_is_refused_in_czech(town, htmx):
    approval = _request(town, required=True)
    response = _web(town.user("lead_head")).post(
        reverse("web:approval_decide", args=[approval.pk]), {"decision": "approve"}, **(HTMX if htmx else {})
    )
    assert response.status_code == (200 if htmx else 400)
    body = response.content.decode()
    assert "Toto schválení vyžaduje číslo a datum usnesení rady či zastupitelstva." in body
    assert "(ke schválení povinné)" in body
    _undecided(approval)


def test_web_approval_with_the_resolution_moves_the_project_and_the_history_cites_it(town):
    approval = _request(town, required=True)
    client = _web(town.user("lead_head"))
    response = client.post(reverse("web:approval_decide", args=[approval.pk]), {"decision": "approve", **RESOLUTION})
    assert response.status_code == 302
    assert Project.objects.get(pk=approval.project_id).stage == Stage.FUNDING
    assert CITED in client.get(reverse("web:approvals")).content.decode()
    for tab in ("approvals", "history"):
        page = client.get(reverse("web:project_tab", kwargs={"pk": approval.project_id, "tab": tab}))
        assert CITED in page.content.decode(), tab


def test_a_resolution_dated_in_the_future_is_refused(town):
    approval = _request(town, required=False)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _web(town.user("lead_head")).post(
        reverse("web:approval_decide", args=[approval.pk]),
        {"decision": "approve", **RESOLUTION, "resolution_date": tomorrow},
    )
    assert response.status_code == 400
    assert "Datum usnesení nemůže být v budoucnosti." in response.content.decode()
    _undecided(approval)


def test_without_the_flag_the_resolution_is_optional(town):
    approval = _request(town, required=False)
    response = _web(town.user("lead_head")).post(
        reverse("web:approval_decide", args=[approval.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=approval.project_id).stage == Stage.FUNDING
    assert ApprovalDecision.objects.get(request=approval).resolution_text == ""


def test_api_approve_without_the_required_resolution_is_400_in_czech(town):
    approval = _request(town, required=True)
    response = _api(town.user("lead_head")).post(f"/api/v1/approvals/{approval.pk}/approve/", {}, format="json")
    assert response.status_code == 400
    assert "Toto schválení vyžaduje číslo a datum usnesení rady či zastupitelstva." in response.content.decode()
    _undecided(approval)


def test_api_approve_with_the_resolution_shows_it_in_the_decision(town):
    approval = _request(town, required=True)
    client = _api(town.user("lead_head"))
    response = client.post(f"/api/v1/approvals/{approval.pk}/approve/", RESOLUTION, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == ApprovalStatus.APPROVED
    assert data["requires_resolution"] is True
    (decision,) = data["decisions"]
    assert decision["resolution_body"] == "board"
    assert decision["resolution_number"] == "R 45/2026"
    assert decision["resolution_date"] == "2026-11-30"
    assert decision["resolution_text"] == CITED
    assert date.fromisoformat(decision["resolution_date"]) <= timezone.localdate()
    listed = client.get("/api/v1/approvals/", {"status": "approved"}).json()["results"]
    assert [row["decisions"][0]["resolution_text"] for row in listed] == [CITED]


def test_the_schema_names_the_resolution_fields(town):
    response = _api(town.user("lead_head")).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    approve = schema["paths"]["/api/v1/approvals/{id}/approve/"]["post"]["requestBody"]["content"]["application/json"]
    components = schema["components"]["schemas"]
    fields = set(components[approve["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"])
    assert {"resolution_body", "resolution_number", "resolution_date", "comment"} <= fields
    assert "resolution_text" in components["Decision"]["properties"]


def test_the_policy_admin_shows_and_sets_the_flag(superuser_client, town):
    policy = ApprovalPolicy.objects.get(municipality=town.municipality, transition="approve_for_funding")
    listing = superuser_client.get(reverse("admin:workflows_approvalpolicy_changelist"))
    assert listing.status_code == 200
    assert "column-requires_resolution" in listing.content.decode()
    form = superuser_client.get(reverse("admin:workflows_approvalpolicy_change", args=[policy.pk]))
    assert 'name="requires_resolution"' in form.content.decode()


def test_the_admin_approve_action_without_a_resolution_refuses_in_words(town):
    approval = _request(town, required=True, transition="complete", stage=Stage.EVALUATION)
    head = town.user("coordinator")  # completing is the coordinator's gate
    head.is_staff = True
    head.save(update_fields=["is_staff"])
    head.user_permissions.add(Permission.objects.get(codename="view_approvalrequest"))
    client = _web(head)
    url = reverse("admin:workflows_approvalrequest_changelist")
    selection = {"action": "approve", "_selected_action": [approval.pk], "confirm": "yes", "comment": ""}
    final = client.post(url, selection, follow=True)
    assert final.status_code == 200
    assert "Toto schválení vyžaduje číslo a datum usnesení rady či zastupitelstva." in final.content.decode()
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert not ApprovalDecision.objects.filter(request=approval).exists()


@pytest.fixture
def superuser_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="operator", is_superuser=True, is_staff=True))
    return client
