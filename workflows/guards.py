"""The gates of the pipeline: named conditions that say, in words, why a project cannot move yet.

Each guard is a django-fsm condition (called with the project, returns a bool) that also carries a
stable code and a translated message, so the API, the UI and the admin report the same blockers.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backend.core.errors import Blocker
from backend.core.text import trimmed
from backend.projects.choices import OPEN_TASK_STATUSES, FundingStatus
from backend.projects.stages import Stage


@dataclass(frozen=True)
class Guard:
    code: str
    check: Callable[[Any], bool]
    describe: Callable[[Any], str]

    def __call__(self, project: Any) -> bool:
        return bool(self.check(project))

    def blocker(self, project: Any) -> Blocker:
        return Blocker(code=self.code, message=str(self.describe(project)))


def _constant(message: Any) -> Callable[[Any], str]:
    return lambda project: str(message)


def approved_funding_total(project: Any) -> Decimal:
    total = project.funding_applications.filter(status=FundingStatus.APPROVED).aggregate(total=Sum("amount_approved"))[
        "total"
    ]
    return total or Decimal("0")


def _open_implementation_tasks(project: Any) -> int:
    return project.tasks.filter(stage=Stage.IMPLEMENTATION, status__in=OPEN_TASK_STATUSES).count()


def _kpis_without_actual(project: Any) -> int:
    return project.kpis.filter(actual__isnull=True).count()


def _format_czk(amount: Decimal) -> str:
    return f"{amount:,.0f}".replace(",", "\u00a0")


HAS_TITLE = Guard("title_missing", lambda p: bool(trimmed(p.title)), _constant(_("The project has no title.")))
HAS_DESCRIPTION = Guard(
    "description_missing", lambda p: bool(trimmed(p.description)), _constant(_("The project has no description."))
)
HAS_LEAD_DEPARTMENT = Guard(
    "lead_department_missing",
    lambda p: p.lead_department_id is not None,
    _constant(_("No lead department is set.")),
)
HAS_THEMATIC_AREA = Guard(
    "thematic_area_missing", lambda p: bool(p.thematic_area), _constant(_("No thematic area is set."))
)
HAS_ASSESSMENT = Guard(
    "assessment_missing",
    lambda p: p.assessment_score is not None and bool(trimmed(p.assessment_summary)),
    _constant(_("The assessment (score and summary) has not been recorded.")),
)
MEETS_THRESHOLD = Guard(
    "assessment_below_threshold",
    lambda p: p.assessment_score is None or p.assessment_score >= p.municipality.assessment_threshold,
    lambda p: (
        _("The assessment score %(score)s is below the municipality's threshold of %(threshold)s.")
        % {"score": p.assessment_score, "threshold": p.municipality.assessment_threshold}
    ),
)
HAS_ESTIMATED_COST = Guard(
    "estimated_cost_missing",
    lambda p: p.estimated_cost is not None,
    _constant(_("The estimated cost is not set.")),
)
FUNDING_COVERS_COST = Guard(
    "funding_insufficient",
    lambda p: p.estimated_cost is None or approved_funding_total(p) >= p.estimated_cost,
    lambda p: (
        _("Approved funding of %(approved)s CZK does not cover the estimated cost of %(cost)s CZK.")
        % {"approved": _format_czk(approved_funding_total(p)), "cost": _format_czk(p.estimated_cost)}
    ),
)
NO_OPEN_IMPLEMENTATION_TASKS = Guard(
    "open_tasks",
    lambda p: _open_implementation_tasks(p) == 0,
    lambda p: (
        ngettext(
            "%(count)d task of the implementation stage is still open.",
            "%(count)d tasks of the implementation stage are still open.",
            _open_implementation_tasks(p),
        )
        % {"count": _open_implementation_tasks(p)}
    ),
)
HAS_KPIS = Guard("kpis_missing", lambda p: p.kpis.exists(), _constant(_("The project has no KPI.")))
KPIS_HAVE_ACTUALS = Guard(
    "kpi_actual_missing",
    lambda p: _kpis_without_actual(p) == 0,
    lambda p: (
        ngettext(
            "%(count)d KPI has no actual value.",
            "%(count)d KPIs have no actual value.",
            _kpis_without_actual(p),
        )
        % {"count": _kpis_without_actual(p)}
    ),
)
HAS_EVALUATION_SUMMARY = Guard(
    "evaluation_summary_missing",
    lambda p: bool(trimmed(p.evaluation_summary)),
    _constant(_("The evaluation summary has not been written.")),
)

REASON_REQUIRED = "reason_required"
APPROVAL_PENDING = "approval_pending"


def reason_blocker() -> Blocker:
    return Blocker(code=REASON_REQUIRED, message=str(_("This transition needs a reason.")))


def approval_pending_blocker() -> Blocker:
    return Blocker(
        code=APPROVAL_PENDING, message=str(_("A request for this transition is already waiting for approval."))
    )


def blockers_for(project: Any, conditions: list[Any]) -> list[Blocker]:
    """Every failing guard of a transition, in the order they are declared."""
    return [condition.blocker(project) for condition in conditions if not condition(project)]
