"""The pipeline as a django-fsm-2 state machine, mixed into ``workflows.models.PipelineProject`` (a proxy of
the Project model).

Transition bodies stay pure: they only touch the project's own fields. Locking, guards' reporting,
approvals, history and events belong to ``workflows.services.project_transition``, the only caller.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, Transition, transition

from backend.projects.stages import ACTIVE_STAGES, REJECTABLE_STAGES, Stage
from workflows import guards
from workflows.permissions import may_steer, may_submit

STAGE_FIELD = "stage"


class ProjectPipeline:
    """Transitions of the pipeline; ``custom`` carries the label and whether a reason is required."""

    @transition(
        field=STAGE_FIELD,
        source=Stage.IDEA,
        target=Stage.ASSESSMENT,
        conditions=[guards.HAS_TITLE, guards.HAS_DESCRIPTION, guards.HAS_LEAD_DEPARTMENT, guards.HAS_THEMATIC_AREA],
        permission=may_submit,
        custom={"label": _("Submit for assessment"), "requires_reason": False},
    )
    def submit(self) -> None:
        pass

    @transition(
        field=STAGE_FIELD,
        source=Stage.ASSESSMENT,
        target=Stage.FUNDING,
        conditions=[guards.HAS_ASSESSMENT, guards.MEETS_THRESHOLD],
        permission=may_steer,
        custom={"label": _("Approve for funding"), "requires_reason": False},
    )
    def approve_for_funding(self) -> None:
        pass

    @transition(
        field=STAGE_FIELD,
        source=Stage.FUNDING,
        target=Stage.IMPLEMENTATION,
        conditions=[guards.HAS_ESTIMATED_COST, guards.FUNDING_COVERS_COST],
        permission=may_steer,
        custom={"label": _("Start implementation"), "requires_reason": False},
    )
    def start_implementation(self) -> None:
        pass

    @transition(
        field=STAGE_FIELD,
        source=Stage.IMPLEMENTATION,
        target=Stage.EVALUATION,
        conditions=[guards.NO_OPEN_IMPLEMENTATION_TASKS],
        permission=may_steer,
        custom={"label": _("Finish implementation"), "requires_reason": False},
    )
    def finish_implementation(self) -> None:
        pass

    @transition(
        field=STAGE_FIELD,
        source=Stage.EVALUATION,
        target=Stage.COMPLETED,
        conditions=[guards.HAS_KPIS, guards.KPIS_HAVE_ACTUALS, guards.HAS_EVALUATION_SUMMARY],
        permission=may_steer,
        custom={"label": _("Complete"), "requires_reason": False},
    )
    def complete(self) -> None:
        pass

    @transition(
        field=STAGE_FIELD,
        source=Stage.ASSESSMENT,
        target=Stage.IDEA,
        permission=may_steer,
        custom={"label": _("Return to idea"), "requires_reason": True},
    )
    def return_to_idea(self) -> None:
        pass

    @transition(
        field=STAGE_FIELD,
        source=Stage.FUNDING,
        target=Stage.ASSESSMENT,
        permission=may_steer,
        custom={"label": _("Return to assessment"), "requires_reason": True},
    )
    def return_to_assessment(self) -> None:
        pass

    @transition(
        field=STAGE_FIELD,
        source=list(REJECTABLE_STAGES),
        target=Stage.REJECTED,
        permission=may_steer,
        custom={"label": _("Reject"), "requires_reason": True},
    )
    def reject(self) -> None:
        pass

    @transition(
        field=STAGE_FIELD,
        source=list(ACTIVE_STAGES),
        target=Stage.ON_HOLD,
        permission=may_steer,
        custom={"label": _("Put on hold"), "requires_reason": True},
    )
    def put_on_hold(self) -> None:
        self.stage_before_hold = self.stage

    @transition(
        field=STAGE_FIELD,
        source=Stage.ON_HOLD,
        target=RETURN_VALUE(*ACTIVE_STAGES),
        permission=may_steer,
        custom={"label": _("Resume"), "requires_reason": False},
    )
    def resume(self) -> str:
        stage = self.stage_before_hold
        self.stage_before_hold = ""
        return stage


# Every transition, one per source stage (a transition from several stages is one per stage). Guards and
# permissions take any project, so a plain Project is asked as well as the proxy that runs them.
TRANSITIONS: tuple[Transition, ...] = tuple(
    fsm_transition
    for method in vars(ProjectPipeline).values()
    if hasattr(method, "_django_fsm")
    for fsm_transition in method._django_fsm.transitions.values()
)

# Labels for choices and tables; the same words as each transition's ``custom["label"]``.
TRANSITION_LABELS = {fsm_transition.name: fsm_transition.custom["label"] for fsm_transition in TRANSITIONS}

TRANSITION_NAMES = (
    "submit",
    "approve_for_funding",
    "start_implementation",
    "finish_implementation",
    "complete",
    "return_to_idea",
    "return_to_assessment",
    "reject",
    "put_on_hold",
    "resume",
)


def transition_from_current_stage(project: Any, name: str) -> Transition | None:
    for fsm_transition in TRANSITIONS:
        if fsm_transition.name == name and fsm_transition.source == project.stage:
            return fsm_transition
    return None


def transition_target(project: Any, fsm_transition: Transition) -> str:
    if isinstance(fsm_transition.target, str):
        return Stage(fsm_transition.target).value
    return project.stage_before_hold  # resume goes back where the project was put on hold
