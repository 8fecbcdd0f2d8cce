"""List endpoints (and a project's detail) answer from ``values()`` rows (``backend/api/rows.py``): each row
reads as the serializer of that object writes it, the shape the schema shows."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from backend.accounts.models import User
from backend.api import serializers as s
from backend.api.rows import UnsupportedField, row_reader
from backend.notifications.models import Notification
from backend.projects.models import Comment, Event, EventKind, Project, Task
from backend.projects.stages import Stage
from tests.factories import (
    CommentFactory,
    MembershipFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    TaskFactory,
    UserFactory,
)
from workflows.models import ApprovalDecision, ApprovalRequest
from workflows.services import approval_decide, project_transition

pytestmark = pytest.mark.django_db


def _client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=User.objects.get(pk=user.pk))
    return client


def _context(user: User) -> dict:
    request = Request(APIRequestFactory().get("/"))
    request.user = User.objects.get(pk=user.pk)
    return {"request": request}


def _results(client: APIClient, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


def test_projects_read_as_their_detail_in_the_shape_of_each_project(town):
    """Staff of the town who is also a partner guest on another town's project: staff shape for the town's
    projects, partner shape for the other one, on one page."""
    viewer = town.user("manager")
    guest_organization = town.ngo
    MembershipFactory(user=viewer, role="partner", department=None, organization=guest_organization)
    full = town.project(Stage.FUNDING, estimated_cost=Decimal("1234567.50"), summary="Souhrn")
    full.departments.add(town.tra, town.env)
    town.project(
        Stage.IDEA, ready=False, municipality=town.municipality, lead_department=None, manager=None, estimated_cost=None
    )
    elsewhere = ProjectFactory(municipality=town.other_municipality, lead_department=None, manager=None)
    ProjectPartnerFactory(project=elsewhere, organization=guest_organization)
    client = _client(viewer)

    listed = _results(client, "/api/v1/projects/?page_size=50")

    assert len(listed) == 3
    context = _context(viewer)
    for row in listed:
        project = Project.objects.prefetch_related("departments").get(pk=row["id"])
        shape = s.PartnerProjectSerializer if project == elsewhere else s.ProjectSerializer
        assert row == shape(project, context=context).data
        assert client.get(f"/api/v1/projects/{row['id']}/").json() == row
    by_id = {row["id"]: row for row in listed}
    assert "estimated_cost" not in by_id[elsewhere.pk] and by_id[elsewhere.pk]["municipality_name"] == "Obec Lhota"
    assert by_id[full.pk]["departments"] == [town.env.pk, town.tra.pk]  # the departments' order: by code
    assert by_id[full.pk]["estimated_cost"] == "1234567.50"


def test_tasks_read_as_their_detail(town):
    project = town.project(Stage.IMPLEMENTATION, ready=False)
    TaskFactory(project=project, assignee=town.user("manager"), created_by=town.user("manager"))
    TaskFactory(project=project, assignee=None, created_by=None, due_date=None)
    client = _client(town.user("manager"))

    listed = _results(client, f"/api/v1/tasks/?project={project.pk}")

    assert len(listed) == 2
    for row in listed:
        assert row == client.get(f"/api/v1/tasks/{row['id']}/").json()


def test_comments_read_as_the_serializer_writes_them_mentions_included(town):
    project = town.project(Stage.IDEA, ready=False)
    mentioned = CommentFactory(project=project, author=town.user("staff"), body="@manager @partner")
    mentioned.mentions.set([town.user("partner"), town.user("manager")])
    CommentFactory(project=project, author=town.user("manager"), visibility="shared")
    client = _client(town.user("manager"))

    listed = _results(client, f"/api/v1/projects/{project.pk}/comments/")

    comments = Comment.objects.filter(project=project).order_by("created_at", "id").prefetch_related("mentions")
    assert listed == s.CommentSerializer(comments, many=True).data
    assert [person["username"] for person in listed[0]["mentions"]] == sorted(["manager", "partner"])


def test_approvals_read_as_their_detail_decisions_included(town):
    project = town.project(Stage.ASSESSMENT)
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    approval_decide(
        approval_request=ApprovalRequest.objects.get(project=project),
        actor=town.user("lead_head"),
        decision="approve",
        comment="Souhlasím.",
    )
    other = town.project(Stage.ASSESSMENT)
    project_transition(project=other, actor=town.user("manager"), transition="approve_for_funding")
    ApprovalRequest.objects.filter(project=other).update(escalates_at=timezone.now())
    client = _client(town.user("coordinator"))

    listed = _results(client, "/api/v1/approvals/")

    assert len(listed) == 2
    for row in listed:
        assert row == client.get(f"/api/v1/approvals/{row['id']}/").json()
    decided, escalated = sorted(listed, key=lambda row: row["status"])
    assert [decision["approver"]["username"] for decision in decided["decisions"]] == ["lead.head"]
    assert (decided["escalated"], escalated["escalated"]) == (False, True)


def test_approval_decisions_read_from_the_page_query_as_the_serializer_writes_them(town):
    """The decisions come in the page's own query as jsonb: their moments (with and without microseconds), the
    resolution's date and text, the approver and the roles read as the serializer writes them, in its order."""
    project = town.project(Stage.ASSESSMENT)
    project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    request = ApprovalRequest.objects.get(project=project)
    moment = datetime.datetime(2026, 3, 3, 22, 30, 5, 120000, tzinfo=datetime.UTC)
    ApprovalDecision.objects.create(
        request=request,
        approver=town.user("coordinator"),
        decision="approve",
        as_roles=["coordinator"],
        comment="Podle usnesení.",
        created_at=moment + datetime.timedelta(hours=1),
        resolution_body="board",
        resolution_number="12/2026",
        resolution_date=datetime.date(2026, 3, 3),
    )
    ApprovalDecision.objects.create(
        request=request,
        approver=town.user("lead_head"),
        decision="reject",
        comment="Ne.",
        created_at=moment.replace(microsecond=0),
    )
    client = _client(town.user("coordinator"))

    listed = _results(client, "/api/v1/approvals/")

    assert len(listed) == 1
    decisions = listed[0]["decisions"]
    expected = ApprovalRequest.objects.prefetch_related("decisions__approver").get(pk=request.pk)
    assert listed[0] == s.ApprovalRequestSerializer(expected).data
    assert [decision["approver"]["username"] for decision in decisions] == ["lead.head", "coordinator"]
    assert decisions[0]["at"] == "2026-03-03T23:30:05+01:00"
    assert decisions[1]["at"] == "2026-03-04T00:30:05.120000+01:00"
    assert (decisions[1]["resolution_date"], decisions[1]["as_roles"]) == ("2026-03-03", ["coordinator"])
    assert "12/2026" in decisions[1]["resolution_text"]


def test_notifications_read_as_the_serializer_writes_them_in_the_reader_s_language(town):
    project = town.project(Stage.IDEA, ready=False)
    actor = UserFactory(first_name="Jana", last_name="Nováková")
    for kind, who in ((EventKind.COMMENT_POSTED, actor), (EventKind.PROJECT_TRANSITIONED, None)):
        event = Event.objects.create(project=project, kind=kind, actor=who, payload={})
        Notification.objects.create(recipient=town.user("manager"), event=event)
    client = _client(town.user("manager"))

    with translation.override("en"):
        listed = _results(client, "/api/v1/notifications/")
        written = s.NotificationSerializer(Notification.objects.filter(recipient=town.user("manager")), many=True).data

    assert listed == written
    assert [row["actor"] and row["actor"]["full_name"] for row in listed] == [None, "Jana Nováková"]


def test_the_reader_refuses_a_field_it_cannot_compute():
    class WithMethod(serializers.ModelSerializer):
        shout = serializers.SerializerMethodField()

        class Meta:
            model = Task
            fields = ("id", "shout")

        def get_shout(self, task: Task) -> str:
            return task.title.upper()

    with pytest.raises(UnsupportedField):
        row_reader(WithMethod)


def test_the_reader_and_the_serializer_agree_on_every_project_field(town):
    """A project field added to the serializer is read by the list as well (no hand-written column list)."""
    project = town.project(Stage.EVALUATION, planned_start=timezone.localdate(), is_public=True)
    reader = row_reader(s.ProjectSerializer)

    (row,) = reader.represent(list(reader.rows(Project.objects.filter(pk=project.pk))))

    assert row == s.ProjectSerializer(project, context=_context(town.user("manager"))).data


@pytest.mark.parametrize("cost", ["0.00", "1234567.50", "999999999999.99", "7"])
def test_a_decimal_reads_as_the_serializer_writes_it(town, cost):
    """The reader writes a decimal with the field's places without DRF's quantizing, where quantizing changes
    nothing; the text is the serializer's."""
    project = town.project(Stage.IDEA, estimated_cost=Decimal(cost))
    reader = row_reader(s.ProjectSerializer)

    (row,) = reader.represent(list(reader.rows(Project.objects.filter(pk=project.pk))))

    expected = s.ProjectSerializer(project, context=_context(town.user("manager"))).data["estimated_cost"]
    assert row["estimated_cost"] == expected
    assert [_converted("1.5"), _converted(Decimal("1.5")), _converted(Decimal("2.345"))] == ["1.50", "1.50", "2.34"]


def _converted(value):
    """The project list's conversion of an estimated cost given some other value than the column's."""
    (part,) = [part for part in row_reader(s.ProjectSerializer).parts if part.name == "estimated_cost"]
    return part.convert(value)


def test_comments_check_the_project_in_their_own_query_hidden_missing_and_empty_answer_as_before(town):
    """The comment page reads no Project first: the project's visibility and the partner rule are in the page's
    query. A staff member who is also a partner guest on another town's project sees only its shared comments;
    another town's project with comments is 404, as is a missing one; a visible project without comments is []."""
    viewer = town.user("manager")
    MembershipFactory(user=viewer, role="partner", department=None, organization=town.ngo)
    own = town.project(Stage.IDEA, ready=False)
    CommentFactory(project=own, author=town.user("staff"), visibility="internal", body="Interně")
    CommentFactory(project=own, author=town.user("staff"), visibility="shared", body="Sdíleně")
    guest = ProjectFactory(municipality=town.other_municipality, lead_department=None, manager=None)
    ProjectPartnerFactory(project=guest, organization=town.ngo)
    CommentFactory(project=guest, visibility="internal", body="Jen pro Lhotu")
    CommentFactory(project=guest, visibility="shared", body="Pro partnery")
    hidden = ProjectFactory(municipality=town.other_municipality, lead_department=None, manager=None)
    CommentFactory(project=hidden, visibility="shared", body="Cizí")
    empty = town.project(Stage.IDEA, ready=False)
    client = _client(viewer)

    assert [row["body"] for row in _results(client, f"/api/v1/projects/{own.pk}/comments/")] == [
        "Interně",
        "Sdíleně",
    ]
    assert [row["body"] for row in _results(client, f"/api/v1/projects/{guest.pk}/comments/")] == ["Pro partnery"]
    assert _results(client, f"/api/v1/projects/{empty.pk}/comments/") == []
    for path in (hidden.pk, Project.objects.order_by("pk").last().pk + 1, "x1"):
        response = client.get(f"/api/v1/projects/{path}/comments/")
        assert response.status_code == 404, path
        assert "Cizí" not in response.content.decode()
