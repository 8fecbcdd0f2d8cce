"""The gates of the pipeline, one guard at a time, through the one service that moves a project.

Every refused transition raises ``TransitionBlocked`` with exactly the failing guards' codes, in the
order the transition declares them, each with a message for people, and leaves no trace: the stage,
the history, the events and the approval requests are as they were.
"""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import translation

from backend.accounts.models import Municipality
from backend.core.errors import TransitionBlocked
from backend.projects.models import Event, EventKind, Project
from backend.projects.stages import Stage
from tests.factories import FundingApplicationFactory, KpiFactory, TaskFactory
from workflows.models import ApprovalPolicy, ApprovalRequest, TransitionRecord
from workflows.services import project_transition

SOURCE_STAGE = {
    "submit": Stage.IDEA,
    "approve_for_funding": Stage.ASSESSMENT,
    "start_implementation": Stage.FUNDING,
    "finish_implementation": Stage.IMPLEMENTATION,
    "complete": Stage.EVALUATION,
    "return_to_idea": Stage.ASSESSMENT,
    "return_to_assessment": Stage.FUNDING,
    "reject": Stage.IDEA,
    "put_on_hold": Stage.IMPLEMENTATION,
}
TARGET_STAGE = {
    "submit": Stage.ASSESSMENT,
    "approve_for_funding": Stage.FUNDING,
    "start_implementation": Stage.IMPLEMENTATION,
    "finish_implementation": Stage.EVALUATION,
    "complete": Stage.COMPLETED,
}


def _open_implementation_task(project: Project) -> None:
    TaskFactory(project=project, stage=Stage.IMPLEMENTATION, status="open")


def _kpi_without_actual(project: Project) -> None:
    KpiFactory(project=project, actual=None)


def _blocked(
    transition: str, codes: list[str], *, ready: bool = True, extra: Callable[[Project], None] | None = None, **fields
):
    return pytest.param(transition, ready, fields, extra, codes, id=f"{transition}:{'+'.join(codes)}")


# transition, how the project stands (ready = every gate open, then these fields / extra rows), blockers
BLOCKED = [
    _blocked("submit", ["title_missing"], title="   "),
    _blocked("submit", ["description_missing"], description=""),
    _blocked("submit", ["description_missing"], description="  \n\t "),
    _blocked("submit", ["description_missing"], description="\u200b\u2060\n\ufeff"),  # nothing one can see
    _blocked("submit", ["lead_department_missing"], lead_department=None),
    _blocked("submit", ["thematic_area_missing"], thematic_area=""),
    _blocked(
        "submit",
        ["title_missing", "description_missing", "lead_department_missing", "thematic_area_missing"],
        title=" ",
        description="",
        lead_department=None,
        thematic_area="",
    ),
    _blocked("approve_for_funding", ["assessment_missing"], assessment_score=None),
    _blocked("approve_for_funding", ["assessment_missing"], assessment_summary=""),
    _blocked("approve_for_funding", ["assessment_missing"], assessment_summary="   "),
    _blocked("approve_for_funding", ["assessment_missing"], assessment_summary="\u200b \u202e"),
    _blocked("approve_for_funding", ["assessment_missing"], assessment_score=None, assessment_summary=""),
    _blocked("approve_for_funding", ["assessment_below_threshold"], assessment_score=49),
    _blocked(
        "approve_for_funding",
        ["assessment_missing", "assessment_below_threshold"],
        assessment_score=10,
        assessment_summary="",
    ),
    _blocked("start_implementation", ["estimated_cost_missing"], ready=False, estimated_cost=None),
    _blocked("start_implementation", ["funding_insufficient"], ready=False, estimated_cost=Decimal("1000000")),
    _blocked("finish_implementation", ["open_tasks"], extra=_open_implementation_task),
    _blocked("complete", ["kpis_missing"], ready=False, evaluation_summary="Cíle splněny."),
    _blocked("complete", ["kpi_actual_missing"], extra=_kpi_without_actual),
    _blocked("complete", ["evaluation_summary_missing"], evaluation_summary=""),
    _blocked("complete", ["evaluation_summary_missing"], evaluation_summary=" \n "),
    _blocked("complete", ["evaluation_summary_missing"], evaluation_summary="\u2060\u200b"),
    _blocked("complete", ["kpis_missing", "evaluation_summary_missing"], ready=False),
    _blocked(
        "complete",
        ["kpi_actual_missing", "evaluation_summary_missing"],
        extra=_kpi_without_actual,
        evaluation_summary="",
    ),
]

REASON_TRANSITIONS = ["reject", "put_on_hold", "return_to_idea", "return_to_assessment"]
BLANK_COMMENTS = [pytest.param("", id="empty"), pytest.param("   ", id="spaces"), pytest.param("\n\t ", id="newline")]


def stand(town, stage: str, *, ready: bool = True, extra: Callable[[Project], None] | None = None, **fields) -> Project:
    """``town.project`` that also works without a lead department (the factory takes the town from it)."""
    project = town.project(stage, ready=ready, municipality=town.municipality, **fields)
    if extra is not None:
        extra(project)
    return project


def assert_nothing_saved(project: Project, stage: str) -> None:
    assert Project.objects.get(pk=project.pk).stage == stage
    assert not TransitionRecord.objects.filter(project=project).exists()
    assert not Event.objects.filter(project=project, kind=EventKind.PROJECT_TRANSITIONED).exists()
    assert not ApprovalRequest.objects.filter(project=project).exists()


def assert_blocked(project: Project, *, actor, transition: str, codes: list[str], comment: str = "") -> None:
    stage = project.stage
    with pytest.raises(TransitionBlocked) as raised:
        project_transition(project=project, actor=actor, transition=transition, comment=comment)
    assert [blocker.code for blocker in raised.value.blockers] == codes
    for blocker in raised.value.blockers:
        assert isinstance(blocker.message, str)
        assert blocker.message.strip()
    assert str(raised.value).strip()
    assert_nothing_saved(project, stage)


def without_approvals(municipality: Municipality) -> None:
    """Let every transition run at once, so a test sees the gate alone."""
    ApprovalPolicy.objects.filter(municipality=municipality).update(required_approvals=0)


@pytest.mark.parametrize(("transition", "ready", "fields", "extra", "codes"), BLOCKED)
def test_a_closed_gate_blocks_the_transition_with_its_codes_and_saves_nothing(
    town, transition, ready, fields, extra, codes
):
    project = stand(town, SOURCE_STAGE[transition], ready=ready, extra=extra, **fields)

    # The manager may request every one of these; with the gate open it would run or create a request.
    assert_blocked(project, actor=town.user("manager"), transition=transition, codes=codes)


@pytest.mark.parametrize(("transition", "ready", "fields", "extra", "codes"), BLOCKED)
def test_the_same_gate_blocks_an_actor_who_could_run_it_at_once(town, transition, ready, fields, extra, codes):
    without_approvals(town.municipality)
    project = stand(town, SOURCE_STAGE[transition], ready=ready, extra=extra, **fields)

    assert_blocked(project, actor=town.user("manager"), transition=transition, codes=codes)


@pytest.mark.parametrize("transition", list(TARGET_STAGE))
def test_with_every_gate_open_the_transition_runs(town, transition):
    without_approvals(town.municipality)
    project = town.project(SOURCE_STAGE[transition])

    outcome = project_transition(project=project, actor=town.user("manager"), transition=transition)

    assert outcome.executed
    assert Project.objects.get(pk=project.pk).stage == TARGET_STAGE[transition]
    assert TransitionRecord.objects.filter(project=project, transition=transition).count() == 1


@pytest.mark.parametrize(
    ("threshold", "score", "passes"),
    [
        (50, 0, False),
        (50, 49, False),
        (50, 50, True),
        (50, 100, True),
        (70, 69, False),
        (70, 70, True),
        (30, 30, True),
        (30, 29, False),
        (0, 0, True),
    ],
)
def test_the_assessment_threshold_is_the_municipalitys(town, threshold, score, passes):
    without_approvals(town.municipality)
    Municipality.objects.filter(pk=town.municipality.pk).update(assessment_threshold=threshold)
    project = town.project(Stage.ASSESSMENT, assessment_score=score)

    if passes:
        project_transition(project=project, actor=town.user("manager"), transition="approve_for_funding")
        assert Project.objects.get(pk=project.pk).stage == Stage.FUNDING
    else:
        assert_blocked(
            project,
            actor=town.user("manager"),
            transition="approve_for_funding",
            codes=["assessment_below_threshold"],
        )


def test_a_new_municipality_starts_with_threshold_50(town):
    assert town.municipality.assessment_threshold == 50


# estimated cost 1 000 000 CZK; applications as (status, requested, approved)
FUNDING_CASES = [
    pytest.param([("approved", 1_000_000, 1_000_000)], True, id="approved-covers"),
    pytest.param([("approved", 1_500_000, 1_200_000)], True, id="approved-exceeds"),
    pytest.param([("approved", 600_000, 600_000), ("approved", 400_000, 400_000)], True, id="two-approved-add-up"),
    pytest.param([], False, id="none"),
    pytest.param([("approved", 1_000_000, 999_999)], False, id="approved-short-by-one"),
    pytest.param([("approved", 1_000_000, 600_000)], False, id="approved-less-than-requested"),
    pytest.param([("approved", 600_000, 600_000), ("planned", 400_000, None)], False, id="planned-does-not-count"),
    pytest.param([("approved", 600_000, 600_000), ("submitted", 400_000, None)], False, id="submitted-does-not-count"),
    pytest.param([("approved", 600_000, 600_000), ("rejected", 400_000, None)], False, id="rejected-does-not-count"),
    pytest.param([("planned", 1_000_000, None), ("submitted", 1_000_000, None)], False, id="only-unapproved"),
]


@pytest.mark.parametrize(("applications", "passes"), FUNDING_CASES)
def test_only_approved_funding_counts_towards_the_estimated_cost(town, applications, passes):
    without_approvals(town.municipality)
    project = town.project(Stage.FUNDING, ready=False, estimated_cost=Decimal("1000000"))
    for status, requested, approved in applications:
        FundingApplicationFactory(
            project=project,
            status=status,
            amount_requested=Decimal(requested),
            amount_approved=None if approved is None else Decimal(approved),
        )

    if passes:
        project_transition(project=project, actor=town.user("manager"), transition="start_implementation")
        assert Project.objects.get(pk=project.pk).stage == Stage.IMPLEMENTATION
    else:
        assert_blocked(
            project, actor=town.user("manager"), transition="start_implementation", codes=["funding_insufficient"]
        )


# tasks as (stage, status)
TASK_CASES = [
    pytest.param([], True, id="no-tasks"),
    pytest.param([(Stage.IMPLEMENTATION, "open")], False, id="implementation-open"),
    pytest.param([(Stage.IMPLEMENTATION, "in_progress")], False, id="implementation-in-progress"),
    pytest.param([(Stage.IMPLEMENTATION, "done")], True, id="implementation-done"),
    pytest.param([(Stage.IMPLEMENTATION, "cancelled")], True, id="implementation-cancelled"),
    pytest.param([(Stage.IDEA, "open")], True, id="idea-open"),
    pytest.param([(Stage.FUNDING, "in_progress")], True, id="funding-in-progress"),
    pytest.param([(Stage.EVALUATION, "open")], True, id="evaluation-open"),
    pytest.param(
        [(Stage.IMPLEMENTATION, "done"), (Stage.IMPLEMENTATION, "cancelled"), (Stage.IMPLEMENTATION, "in_progress")],
        False,
        id="one-of-three-open",
    ),
]


@pytest.mark.parametrize(("tasks", "passes"), TASK_CASES)
def test_only_open_tasks_of_the_implementation_stage_hold_it_back(town, tasks, passes):
    without_approvals(town.municipality)
    project = town.project(Stage.IMPLEMENTATION)
    for stage, status in tasks:
        TaskFactory(project=project, stage=stage, status=status)

    if passes:
        project_transition(project=project, actor=town.user("manager"), transition="finish_implementation")
        assert Project.objects.get(pk=project.pk).stage == Stage.EVALUATION
    else:
        assert_blocked(project, actor=town.user("manager"), transition="finish_implementation", codes=["open_tasks"])


def test_the_open_tasks_message_says_how_many(town):
    project = town.project(Stage.IMPLEMENTATION)
    for _ in range(3):
        TaskFactory(project=project, stage=Stage.IMPLEMENTATION, status="open")

    with pytest.raises(TransitionBlocked) as raised:
        project_transition(project=project, actor=town.user("lead_head"), transition="finish_implementation")

    assert "3" in raised.value.blockers[0].message


@pytest.mark.parametrize("transition", REASON_TRANSITIONS)
@pytest.mark.parametrize("comment", BLANK_COMMENTS)
def test_a_transition_that_needs_a_reason_is_blocked_without_one(town, transition, comment):
    project = town.project(SOURCE_STAGE[transition])

    assert_blocked(
        project, actor=town.user("manager"), transition=transition, codes=["reason_required"], comment=comment
    )


@pytest.mark.parametrize("transition", REASON_TRANSITIONS)
def test_a_head_who_may_run_it_at_once_still_needs_a_reason(town, transition):
    project = town.project(SOURCE_STAGE[transition])

    assert_blocked(project, actor=town.user("lead_head"), transition=transition, codes=["reason_required"])


@pytest.mark.parametrize("transition", REASON_TRANSITIONS)
def test_with_a_reason_the_transition_runs_and_keeps_the_reason(town, transition):
    # A policy that lets the head run it at once (without it someone else approves, see test_four_eyes.py).
    ApprovalPolicy.objects.filter(municipality=town.municipality, transition=transition).update(
        forbid_self_approval=False
    )
    project = town.project(SOURCE_STAGE[transition])

    outcome = project_transition(
        project=project, actor=town.user("lead_head"), transition=transition, comment="  Rozpočet byl zkrácen.  "
    )

    assert outcome.executed
    assert TransitionRecord.objects.get(project=project).comment == "Rozpočet byl zkrácen."


@pytest.mark.parametrize("language", ["cs", "en"])
def test_blocker_messages_are_text_in_any_active_language(town, language):
    project = town.project(Stage.EVALUATION, ready=False, evaluation_summary="")

    with translation.override(language), pytest.raises(TransitionBlocked) as raised:
        project_transition(project=project, actor=town.user("manager"), transition="complete")

    assert [blocker.code for blocker in raised.value.blockers] == ["kpis_missing", "evaluation_summary_missing"]
    for blocker in raised.value.blockers:
        assert isinstance(blocker.message, str)
        assert blocker.message.strip()
        assert blocker.as_dict() == {"code": blocker.code, "message": blocker.message}
