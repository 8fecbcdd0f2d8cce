"""A transition writes its project, history row and event in one statement on PostgreSQL (``_write_in_one``) and by
their ``save()`` elsewhere (``_write_by_saves``, the SQLite demo): both ways write the same rows and send the same
signals, so the receivers of the models (the town's figures, anything added later) hear of a move either way."""

import pytest
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from backend.core.writes import insert_sql
from backend.projects.models import Event, EventKind, Project
from backend.projects.stages import Stage
from workflows import services
from workflows.models import ApprovalPolicy, ApprovalRequest, ApprovalStatus, TransitionRecord
from workflows.services import TRANSITION_FIELDS, project_transition

REASON = "Dodavatel odstoupil od smlouvy."
WRITERS = ["_write_in_one", "_write_by_saves"]


@pytest.fixture
def heard():
    """The model saves announced while the test runs: (signal, sender, created, update fields)."""
    found = []

    def listen(signal_name):
        def receiver(sender, instance, update_fields=None, created=None, **kwargs):
            if sender.__name__ in {"PipelineProject", "TransitionRecord", "Event"}:
                found.append((signal_name, sender.__name__, created, update_fields and frozenset(update_fields)))

        return receiver

    receivers = {pre_save: listen("pre_save"), post_save: listen("post_save")}
    for signal, receiver in receivers.items():
        signal.connect(receiver, weak=False)
    yield found
    for signal, receiver in receivers.items():
        signal.disconnect(receiver)


def _rows(project: Project) -> dict:
    record = TransitionRecord.objects.get(project=project)
    event = Event.objects.get(project=project, kind=EventKind.PROJECT_TRANSITIONED)
    moved = Project.objects.get(pk=project.pk)
    return {
        "project": (moved.stage, moved.stage_before_hold, moved.stage_changed_at is not None, moved.updated_at),
        "record": (record.transition, record.source, record.target, record.actor_id, record.comment),
        "record request": record.approval_request_id,
        "event": (event.actor_id, event.municipality_id, event.payload),
        "event at": event.created_at,
        "record id": record.pk,
    }


@pytest.mark.parametrize("writer", WRITERS)
def test_a_direct_move_writes_and_announces_the_same_either_way(town, heard, monkeypatch, writer):
    monkeypatch.setattr(services, "_write_in_one", getattr(services, writer))
    project = town.project(Stage.ASSESSMENT)
    pending = project_transition(
        project=project, actor=town.user("manager"), transition="approve_for_funding"
    ).approval_request
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition="put_on_hold").update(required_approvals=0)
    heard.clear()

    outcome = project_transition(project=project, actor=town.user("manager"), transition="put_on_hold", comment=REASON)

    rows = _rows(project)
    assert rows["project"][:3] == (Stage.ON_HOLD, Stage.ASSESSMENT, True)
    assert rows["project"][3] == outcome.project.updated_at
    assert rows["record"] == ("put_on_hold", Stage.ASSESSMENT, Stage.ON_HOLD, town.user("manager").pk, REASON)
    assert rows["record request"] is None
    assert rows["event"] == (
        town.user("manager").pk,
        None,
        {
            "transition": "put_on_hold",
            "source": Stage.ASSESSMENT,
            "target": Stage.ON_HOLD,
            "approval_request_id": None,
            "record_id": rows["record id"],
        },
    )
    assert outcome.record.pk == rows["record id"]
    assert not outcome.record._state.adding
    # The request made for the stage the project left is cancelled, on the project's timeline.
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.CANCELLED
    assert Event.objects.filter(project=project, kind=EventKind.APPROVAL_CANCELLED).count() == 1
    # The move's saves first (in an order of their own each way), then the cancellation's event.
    assert heard[6:] == [("pre_save", "Event", None, None), ("post_save", "Event", True, None)]
    assert sorted(heard[:6], key=str) == sorted(
        [
            ("pre_save", "PipelineProject", None, frozenset(TRANSITION_FIELDS)),
            ("post_save", "PipelineProject", False, frozenset(TRANSITION_FIELDS)),
            ("pre_save", "TransitionRecord", None, None),
            ("post_save", "TransitionRecord", True, None),
            ("pre_save", "Event", None, None),
            ("post_save", "Event", True, None),
        ],
        key=str,
    )


@pytest.mark.parametrize("writer", WRITERS)
def test_a_move_by_its_approved_request_names_it_and_leaves_it_be(town, monkeypatch, writer):
    monkeypatch.setattr(services, "_write_in_one", getattr(services, writer))
    project = town.project(Stage.ASSESSMENT)
    other = project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition="put_on_hold").update(
        forbid_self_approval=False
    )

    outcome = project_transition(
        project=project, actor=town.user("coordinator"), transition="put_on_hold", comment=REASON
    )

    running = outcome.approval_request
    assert outcome.executed
    rows = _rows(project)
    assert rows["record request"] == running.pk
    assert rows["event"][2]["approval_request_id"] == running.pk
    assert ApprovalRequest.objects.get(pk=running.pk).status == ApprovalStatus.APPROVED
    assert ApprovalRequest.objects.get(pk=other.approval_request.pk).status == ApprovalStatus.CANCELLED


def test_on_postgresql_the_move_is_one_statement(town):
    project = town.project(Stage.IDEA)
    with CaptureQueriesContext(connection) as queries:
        project_transition(project=project, actor=town.user("manager"), transition="submit")
    tables = ('UPDATE "projects_project"', 'INTO "workflows_transitionrecord"', 'INTO "projects_event"')
    writing = [query["sql"] for query in queries.captured_queries if any(table in query["sql"] for table in tables)]
    assert len(writing) == 1
    assert writing[0].startswith("WITH moved AS")
    assert all(table in writing[0] for table in tables)


def test_an_expression_must_wrap_exactly_one_value_of_a_written_field():
    with pytest.raises(ValueError, match="one %s"):
        insert_sql(Event, (("payload", "jsonb_build_object()"),))
    with pytest.raises(ValueError, match="one %s"):
        insert_sql(Event, (("id", "%s"),))
