"""The pipeline as a specification: every stage × every transition × every role.

Read a row of SPEC as: "when the project stands in one of the transition's source stages and its gate
is open, this is what happens when each role asks for the transition". From any other stage the answer
is always WRONG_STAGE, except for the roles that may never move the project (DENIED whatever the stage).
GATES says what a closed gate answers. Under the default policies (four-eyes) an approver's own request never runs
at once: someone else approves it.
"""

import pytest

from backend.core.errors import PermissionDenied, TransitionBlocked, TransitionNotAllowed
from backend.projects.models import Event, Project
from backend.projects.stages import Stage
from tests.factories import TaskFactory
from workflows.machine import TRANSITION_NAMES
from workflows.models import ApprovalRequest, TransitionRecord
from workflows.selectors import transition_options
from workflows.services import project_transition

RUNS = "runs"  # the transition runs at once
APPROVAL = "approval"  # an approval request is created and waits
DENIED = "denied"  # the role may not request it
WRONG_STAGE = "wrong_stage"

ROLES = (
    "coordinator",
    "lead_head",
    "other_head",
    "manager",
    "staff",
    "partner",
    "partner_not_invited",
    "other_coordinator",
)
I, A, F, M, E, C, R, H = (  # noqa: E741  (stage initials keep the tables readable)
    Stage.IDEA,
    Stage.ASSESSMENT,
    Stage.FUNDING,
    Stage.IMPLEMENTATION,
    Stage.EVALUATION,
    Stage.COMPLETED,
    Stage.REJECTED,
    Stage.ON_HOLD,
)

SOURCES = {
    "submit": {I},
    "approve_for_funding": {A},
    "start_implementation": {F},
    "finish_implementation": {M},
    "complete": {E},
    "return_to_idea": {A},
    "return_to_assessment": {F},
    "reject": {I, A, F},
    "put_on_hold": {I, A, F, M, E},
    "resume": {H},
}

# fmt: off
#                          coordinator lead_head other_head manager staff  partner not_invited other_coordinator
SPEC = {
    "submit":                (RUNS,     RUNS,     DENIED,    RUNS,     DENIED, DENIED, DENIED, DENIED),
    "approve_for_funding":   (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
    "start_implementation":  (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
    "finish_implementation": (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
    "complete":              (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
    "return_to_idea":        (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
    "return_to_assessment":  (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
    "reject":                (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
    "put_on_hold":           (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
    "resume":                (APPROVAL, APPROVAL, DENIED,    APPROVAL, DENIED, DENIED, DENIED, DENIED),
}
# fmt: on

TARGETS = {
    "submit": A,
    "approve_for_funding": F,
    "start_implementation": M,
    "finish_implementation": E,
    "complete": C,
    "return_to_idea": I,
    "return_to_assessment": A,
    "reject": R,
    "put_on_hold": H,
    "resume": F,  # the on-hold projects of this matrix were put on hold in funding
}


# Roles no transition lets move the project at all.
NEVER_MOVES = {role for index, role in enumerate(ROLES) if all(row[index] == DENIED for row in SPEC.values())}


def expected_outcome(stage: str, transition: str, role: str) -> str:
    if role in NEVER_MOVES:
        return DENIED  # 403 whatever the stage: no other stage would let them
    if stage not in SOURCES[transition]:
        return WRONG_STAGE
    return SPEC[transition][ROLES.index(role)]


def attempt(project: Project, user, transition: str) -> str:
    try:
        outcome = project_transition(project=project, actor=user, transition=transition, comment="Důvod ke změně")
    except PermissionDenied:
        return DENIED
    except TransitionNotAllowed as error:
        return error.code
    except TransitionBlocked as error:
        return "blocked:" + ",".join(blocker.code for blocker in error.blockers)
    if outcome.executed:
        return RUNS
    assert outcome.approval_request.status == "pending"
    return APPROVAL


def test_spec_covers_every_transition():
    assert set(SPEC) == set(SOURCES) == set(TARGETS) == set(TRANSITION_NAMES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("transition", TRANSITION_NAMES)
@pytest.mark.parametrize("stage", Stage.values)
def test_matrix(town, stage, transition, role):
    project = town.project(stage)
    expected = expected_outcome(stage, transition, role)

    assert attempt(project, town.user(role), transition) == expected

    project.refresh_from_db()
    records = TransitionRecord.objects.filter(project=project)
    if expected == RUNS:
        assert project.stage == TARGETS[transition]
        assert records.get().target == TARGETS[transition]
        assert Event.objects.filter(project=project, kind="project_transitioned").count() == 1
    else:
        assert project.stage == stage
        assert not records.exists()
        assert not Event.objects.filter(project=project, kind="project_transitioned").exists()
    assert ApprovalRequest.objects.filter(project=project, status="pending").exists() == (expected == APPROVAL)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("stage", Stage.values)
def test_transition_options_agree_with_the_matrix(town, stage, role):
    """The list the API and UI show is exactly what the service would do for this user."""
    project = town.project(stage)
    options = {option.name: option for option in transition_options(project=project, user=town.user(role))}
    expected = {
        name: outcome
        for name in TRANSITION_NAMES
        if (outcome := expected_outcome(stage, name, role)) in (RUNS, APPROVAL)
    }
    assert set(options) == set(expected)
    for name, option in options.items():
        assert option.allowed, option.blockers
        assert option.requires_approval == (expected[name] == APPROVAL)
        assert option.target == TARGETS[name]
        assert option.requires_reason == (name in {"return_to_idea", "return_to_assessment", "reject", "put_on_hold"})


def _no_description(project):
    Project.objects.filter(pk=project.pk).update(description="", thematic_area="")


def _low_score(project):
    Project.objects.filter(pk=project.pk).update(assessment_score=30)


def _no_assessment(project):
    Project.objects.filter(pk=project.pk).update(assessment_score=None, assessment_summary="")


def _more_cost_than_funding(project):
    Project.objects.filter(pk=project.pk).update(estimated_cost=project.estimated_cost + 1)


def _open_task(project):
    TaskFactory(project=project, stage=Stage.IMPLEMENTATION, status="in_progress")


def _kpi_without_actual_and_no_summary(project):
    project.kpis.update(actual=None)
    Project.objects.filter(pk=project.pk).update(evaluation_summary="")


# transition, stage, how the gate is closed, the blockers reported (in order)
GATES = [
    ("submit", I, _no_description, ["description_missing", "thematic_area_missing"]),
    ("approve_for_funding", A, _no_assessment, ["assessment_missing"]),
    ("approve_for_funding", A, _low_score, ["assessment_below_threshold"]),
    ("start_implementation", F, _more_cost_than_funding, ["funding_insufficient"]),
    ("finish_implementation", M, _open_task, ["open_tasks"]),
    ("complete", E, _kpi_without_actual_and_no_summary, ["kpi_actual_missing", "evaluation_summary_missing"]),
]


@pytest.mark.parametrize("role", ["coordinator", "lead_head", "manager"])
@pytest.mark.parametrize(("transition", "stage", "close_gate", "blockers"), GATES)
def test_closed_gates_block_with_their_codes(town, role, transition, stage, close_gate, blockers):
    project = town.project(stage)
    close_gate(project)
    project.refresh_from_db()

    assert attempt(project, town.user(role), transition) == "blocked:" + ",".join(blockers)

    option = next(o for o in transition_options(project=project, user=town.user(role)) if o.name == transition)
    assert not option.allowed
    assert [blocker.code for blocker in option.blockers] == blockers
    assert all(blocker.message for blocker in option.blockers)
    assert not TransitionRecord.objects.filter(project=project).exists()
    assert not ApprovalRequest.objects.filter(project=project).exists()


@pytest.mark.parametrize("transition", ["return_to_idea", "reject", "put_on_hold"])
def test_transitions_that_need_a_reason_refuse_a_blank_one(town, transition):
    project = town.project(A)
    with pytest.raises(TransitionBlocked) as raised:
        project_transition(project=project, actor=town.user("coordinator"), transition=transition, comment="   ")
    assert [blocker.code for blocker in raised.value.blockers] == ["reason_required"]
    assert not TransitionRecord.objects.filter(project=project).exists()


def test_unknown_transition_is_refused_by_name(town):
    project = town.project(I)
    with pytest.raises(TransitionNotAllowed) as raised:
        project_transition(project=project, actor=town.user("coordinator"), transition="teleport")
    assert raised.value.code == "unknown_transition"


def test_resume_returns_to_the_stage_the_project_left(town):
    town.allow_self_approval("put_on_hold", "resume")
    project = town.project(M)
    held = project_transition(
        project=project, actor=town.user("coordinator"), transition="put_on_hold", comment="Rozpočtové opatření"
    )
    assert (held.project.stage, held.project.stage_before_hold) == (H, M)

    resumed = project_transition(project=held.project, actor=town.user("coordinator"), transition="resume")

    assert (resumed.project.stage, resumed.project.stage_before_hold) == (M, "")
    assert list(TransitionRecord.objects.filter(project=project).values_list("source", "target")) == [(M, H), (H, M)]
