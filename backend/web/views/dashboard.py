"""The overview a user starts the day with: their tasks, approvals waiting for them, the pipeline, recent activity."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.energy.portfolio import portfolio_build
from backend.projects.access import internal_projects_filter, sees_internals_everywhere
from backend.projects.choices import OPEN_TASK_STATUSES
from backend.projects.models import Event, EventKind, FundingApplication, Project, Task
from backend.projects.programmes import programme_labels
from backend.projects.selectors import project_list_visible, task_list_visible
from backend.projects.stages import Stage
from backend.web.charts import BarChart, Series, bar_chart
from backend.web.htmx import render_page
from backend.web.templatetags.ramec import format_czk
from backend.web.views.projects import can_create_projects
from workflows.models import ApprovalRequest
from workflows.selectors import approval_list_pending_for

TASK_LIMIT = 10
APPROVAL_LIMIT = 10
ACTIVITY_LIMIT = 12


def my_open_tasks(*, user: User) -> QuerySet[Task]:
    """Open and in-progress tasks assigned to the user, those due soonest first, undated last."""
    return (
        task_list_visible(user=user)
        .filter(assignee_id=user.pk, status__in=OPEN_TASK_STATUSES)
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


@dataclass(frozen=True)
class FunnelStep:
    stage: Stage
    projects: int
    cost: Decimal | None


def pipeline_funnel(*, user: User) -> list[FunnelStep]:
    """Projects and their estimated cost per stage among visible projects, in one aggregate query.

    Costs of projects the user sees as a partner guest are left out of the sums.
    """
    access = user_access(user=user)
    internal = internal_projects_filter(access=access) or None
    totals = {
        row["stage"]: row
        for row in project_list_visible(user=user)
        .order_by()
        .values("stage")
        .annotate(projects=Count("id"), cost=Sum("estimated_cost", filter=internal))
    }
    empty = {"projects": 0, "cost": None}
    return [
        FunnelStep(stage=stage, projects=totals.get(stage, empty)["projects"], cost=totals.get(stage, empty)["cost"])
        for stage in Stage
    ]


def funding_by_programme(*, user: User) -> list[dict]:
    """CZK requested and approved per funding programme over the projects the user sees as staff."""
    access = user_access(user=user)
    if access.is_anonymous or access.is_partner_only:
        return []
    projects = project_list_visible(user=user).filter(internal_projects_filter(access=access)).values("pk")
    rows = list(
        FundingApplication.objects.filter(project_id__in=projects)
        .order_by()
        .values("programme")
        .annotate(requested=Sum("amount_requested"), approved=Sum("amount_approved"))
        .order_by("-requested", "programme")
    )
    labels = programme_labels(row["programme"] for row in rows)
    return [{**row, "label": labels[row["programme"]]} for row in rows]


def recent_activity(*, user: User) -> QuerySet[Event]:
    """What happened lately to the visible projects the user manages or watches, newest first.

    Where the user is a partner guest only stage changes show, as on the project's own timeline.
    """
    access = user_access(user=user)
    watched = Project.watchers.through.objects.filter(user_id=user.pk).values("project_id")
    mine = project_list_visible(user=user).filter(Q(manager_id=user.pk) | Q(pk__in=watched)).values("pk")
    events = Event.objects.filter(project_id__in=mine).select_related("project", "actor")
    if not sees_internals_everywhere(access=access):
        events = events.filter(
            internal_projects_filter(access=access, prefix="project__") | Q(kind=EventKind.PROJECT_TRANSITIONED)
        )
    return events.order_by("-created_at", "-id")


def _funnel_chart(funnel: list[FunnelStep]) -> BarChart:
    def projects(count: int) -> str:
        return ngettext("%(count)d project", "%(count)d projects", count) % {"count": count}

    return bar_chart(
        id="chart-funnel",
        title=_("Projects per stage"),
        rows=[(step.stage.label, [step.projects]) for step in funnel],
        series=[Series(css_class="bar", label=_("Projects"), format=projects)],
    )


def _funding_chart(programmes: list[dict]) -> BarChart:
    return bar_chart(
        id="chart-funding",
        title=_("CZK by funding programme"),
        rows=[(row["label"], [row["requested"] or 0, row["approved"] or 0]) for row in programmes],
        series=[
            Series(css_class="bar", label=_("Requested"), format=format_czk),
            Series(css_class="bar-alt", label=_("Approved"), format=format_czk),
        ],
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    access = user_access(user=user)
    funnel = pipeline_funnel(user=user)
    programmes = funding_by_programme(user=user)
    takes_part_in_approvals = not access.is_partner_only
    approvals = (
        # The inbox's decisions are not shown here: drop their prefetch.
        approval_list_pending_for(user=user).prefetch_related(None)[:APPROVAL_LIMIT]
        if takes_part_in_approvals
        else ApprovalRequest.objects.none()
    )
    context = {
        "nav": "dashboard",
        "today": timezone.localdate(),
        "tasks": my_open_tasks(user=user)[:TASK_LIMIT],
        "approvals": approvals,
        "takes_part_in_approvals": takes_part_in_approvals,
        "funnel": funnel,
        "funnel_total": sum(step.projects for step in funnel),
        "funnel_chart": _funnel_chart(funnel),
        "show_costs": not access.is_partner_only,
        "programmes": programmes,
        "funding_chart": _funding_chart(programmes),
        "activity": recent_activity(user=user)[:ACTIVITY_LIMIT],
        # The town's energy and CO₂ totals (one aggregate query); partner guests see none of it.
        "energy": None if access.is_partner_only else portfolio_build(user=user),
        "can_create": can_create_projects(user=user),
    }
    return render_page(request, "pages/dashboard.html", context)


urlpatterns = [
    path("", dashboard, name="dashboard"),
]
