"""Two people acting on one project at the same moment give exactly one transition (DESIGN.md, non-negotiables).

The threaded tests run real threads, each on its own PostgreSQL connection, released together by a
barrier; the row lock of ``workflows.services`` must serialise them. SQLite has no row locks: skipped there.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from backend.core.errors import ConcurrentChange, TransitionBlocked, TransitionNotAllowed
from backend.projects.models import Event, EventKind, Project
from backend.projects.stages import Stage
from workflows.models import ApprovalDecision, ApprovalPolicy, ApprovalRequest, ApprovalStatus, TransitionRecord
from workflows.services import TransitionOutcome, _lock_project, approval_decide, project_transition

ROUNDS = 5
REASON = "Dodavatel vstoupil do insolvence."
THREAD_TIMEOUT = 30


def run_at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run every call in its own thread, all released at the same moment; each result or raised error."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=THREAD_TIMEOUT)
            results[index] = call()
        except Exception as error:  # the error is the result under test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting: deadlock?"
    return results


def transitioned_events(project: Project) -> int:
    return Event.objects.filter(project=project, kind=EventKind.PROJECT_TRANSITIONED).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_two_approvals_at_the_same_moment_run_the_transition_once(town, round_number):
    # put_on_hold by default: one approval, by the lead head or the coordinator; both approve at once.
    project = town.project(Stage.IMPLEMENTATION)
    request = project_transition(
        project=project, actor=town.user("manager"), transition="put_on_hold", comment=REASON
    ).approval_request
    assert request.status == ApprovalStatus.PENDING

    results = run_at_once(
        lambda: approval_decide(approval_request=request, actor=town.user("lead_head"), decision="approve"),
        lambda: approval_decide(approval_request=request, actor=town.user("coordinator"), decision="approve"),
    )

    executed = [result for result in results if isinstance(result, TransitionOutcome)]
    refused = [result for result in results if isinstance(result, ConcurrentChange)]
    assert len(executed) == 1, results
    assert executed[0].executed
    assert len(refused) == 1, results
    assert refused[0].code == "already_decided"
    assert Project.objects.get(pk=project.pk).stage == Stage.ON_HOLD
    assert TransitionRecord.objects.filter(project=project).count() == 1
    assert transitioned_events(project) == 1
    assert ApprovalDecision.objects.filter(request=request).count() == 1
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.APPROVED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_the_same_transition_by_two_people_at_once_runs_once(town, round_number):
    town.allow_self_approval("put_on_hold")  # each of them may put it on hold at once
    project = town.project(Stage.IMPLEMENTATION)
    # Each caller saw the project in implementation before either acted.
    seen_by_coordinator = Project.objects.get(pk=project.pk)
    seen_by_lead_head = Project.objects.get(pk=project.pk)

    results = run_at_once(
        lambda: project_transition(
            project=seen_by_coordinator, actor=town.user("coordinator"), transition="put_on_hold", comment=REASON
        ),
        lambda: project_transition(
            project=seen_by_lead_head, actor=town.user("lead_head"), transition="put_on_hold", comment=REASON
        ),
    )

    executed = [result for result in results if isinstance(result, TransitionOutcome) and result.executed]
    refused = [
        result
        for result in results
        if isinstance(result, ConcurrentChange)
        or (isinstance(result, TransitionNotAllowed) and result.code == "wrong_stage")
    ]
    assert len(executed) == 1, results
    assert len(refused) == 1, results
    assert Project.objects.get(pk=project.pk).stage == Stage.ON_HOLD
    assert TransitionRecord.objects.filter(project=project).count() == 1
    assert transitioned_events(project) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_two_requests_of_a_gated_transition_at_once_leave_one_pending_request(town, round_number):
    project = town.project(Stage.ASSESSMENT)
    seen_first = Project.objects.get(pk=project.pk)
    seen_second = Project.objects.get(pk=project.pk)

    # Neither the manager nor the coordinator approves approve_for_funding: both only request it.
    results = run_at_once(
        lambda: project_transition(project=seen_first, actor=town.user("manager"), transition="approve_for_funding"),
        lambda: project_transition(
            project=seen_second, actor=town.user("coordinator"), transition="approve_for_funding"
        ),
    )

    requested = [result for result in results if isinstance(result, TransitionOutcome)]
    blocked = [result for result in results if isinstance(result, TransitionBlocked)]
    assert len(requested) == 1, results
    assert not requested[0].executed
    assert len(blocked) == 1, results
    assert [blocker.code for blocker in blocked[0].blockers] == ["approval_pending"]
    assert ApprovalRequest.objects.filter(project=project, status=ApprovalStatus.PENDING).count() == 1
    assert Project.objects.get(pk=project.pk).stage == Stage.ASSESSMENT
    assert not TransitionRecord.objects.filter(project=project).exists()


def test_a_caller_with_a_stale_project_gets_a_concurrent_change_and_saves_nothing(town):
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition="put_on_hold").update(
        forbid_self_approval=False
    )
    project = town.project(Stage.IMPLEMENTATION)
    stale = Project.objects.get(pk=project.pk)
    project_transition(
        project=Project.objects.get(pk=project.pk),
        actor=town.user("coordinator"),
        transition="put_on_hold",
        comment=REASON,
    )
    records, events, requests = TransitionRecord.objects.count(), Event.objects.count(), ApprovalRequest.objects.count()

    with pytest.raises(ConcurrentChange) as raised:
        project_transition(project=stale, actor=town.user("lead_head"), transition="put_on_hold", comment=REASON)

    assert str(raised.value).strip()
    assert Project.objects.get(pk=project.pk).stage == Stage.ON_HOLD
    assert TransitionRecord.objects.count() == records
    assert Event.objects.count() == events
    assert ApprovalRequest.objects.count() == requests


def test_a_stale_caller_cannot_run_a_transition_that_is_also_possible_from_the_new_stage(town):
    # put_on_hold starts from both stages; what the caller decided on is not what is there now.
    project = town.project(Stage.IMPLEMENTATION)
    stale = Project.objects.get(pk=project.pk)
    Project.objects.filter(pk=project.pk).update(stage=Stage.FUNDING)

    with pytest.raises(ConcurrentChange):
        project_transition(project=stale, actor=town.user("lead_head"), transition="put_on_hold", comment=REASON)

    assert Project.objects.get(pk=project.pk).stage == Stage.FUNDING
    assert not TransitionRecord.objects.filter(project=project).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transition_holds_its_own_project_only_another_of_the_town_moves_meanwhile(town):
    """The lock of a transition in progress is its project's row: not its municipality's, which every other
    transition of the town would wait for (8 clients at once queued one behind the other)."""
    held, other = town.project(Stage.IDEA), town.project(Stage.IDEA)
    locked, finished = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            _lock_project(held.pk)
            locked.set()
            finished.wait(timeout=THREAD_TIMEOUT)

    def move_the_other() -> TransitionOutcome:
        locked.wait(timeout=THREAD_TIMEOUT)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # waiting for the held lock would fail, not hang
        try:
            return project_transition(project=other, actor=town.user("manager"), transition="submit")
        finally:
            finished.set()

    holder, mover = run_at_once(hold, move_the_other)

    assert holder is None
    assert isinstance(mover, TransitionOutcome) and mover.executed
    other.refresh_from_db()
    assert other.stage == Stage.ASSESSMENT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transition_that_waited_for_the_lock_cancels_the_request_made_meanwhile(town):
    """A request made while another transition of the project waits for its lock is seen once that lock is taken:
    read after the lock, not with it (a lock read that waits keeps the snapshot of its start for other tables, so
    the request committed meanwhile would stay pending beside a project that moved on)."""
    project = town.project(Stage.ASSESSMENT)
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition="put_on_hold").update(required_approvals=0)
    requested = threading.Event()

    def request_and_hold() -> ApprovalRequest:
        with transaction.atomic():
            outcome = project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
            requested.set()
            _wait_until_a_lock_is_awaited()
        return outcome.approval_request

    def put_on_hold() -> TransitionOutcome:
        requested.wait(timeout=THREAD_TIMEOUT)
        return project_transition(
            project=project, actor=town.user("coordinator"), transition="put_on_hold", comment=REASON
        )

    request, hold = run_at_once(request_and_hold, put_on_hold)

    assert isinstance(hold, TransitionOutcome) and hold.executed, hold
    assert Project.objects.get(pk=project.pk).stage == Stage.ON_HOLD
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.CANCELLED


def _wait_until_a_lock_is_awaited() -> None:
    """Until another connection of this database waits for a lock (the project row's, in these tests)."""
    for _ in range(300):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction reads the activity once
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError("no other connection came to wait for the lock")
