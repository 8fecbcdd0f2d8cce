"""The overview a user starts the day with: their tasks, approvals waiting for them, the pipeline, recent activity."""

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Mod
from django.db.models.lookups import In
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from backend.accounts.models import User
from backend.accounts.selectors import user_access
from backend.core.expressions import AnyOf, InSubquery
from backend.energy.portfolio import Portfolio, portfolio_of_kinds
from backend.energy.selectors import energy_sums_add, energy_sums_by_slice, municipality_ids_staff
from backend.projects.access import internal_projects_filter, sees_internals_everywhere
from backend.projects.choices import OPEN_TASK_STATUSES
from backend.projects.models import Event, EventKind, FundingApplication, Project, Task
from backend.projects.programmes import programme_labels
from backend.projects.selectors import project_list_visible, project_list_visible_elsewhere, task_list_visible
from backend.projects.stages import Stage
from backend.projects.town_cache import (
    TOWN_PARTS,
    TOWN_SLICES,
    slice_parts,
    town_figures,
    town_part_figures,
    town_slice_figures,
)
from backend.web.charts import BarChart, Series, bar_chart
from backend.web.htmx import render_page
from backend.web.templatetags.ramec import format_czk
from backend.web.views.projects import can_create_projects
from workflows.models import ApprovalRequest
from workflows.selectors import approval_list_pending_for

TASK_LIMIT = 10
APPROVAL_LIMIT = 10
ACTIVITY_LIMIT = 12
# Up to this many projects managed or watched, recent activity is read by the list of their ids.
ACTIVITY_PROJECTS_LISTED = 200
# The sums over each town's projects are kept in the cache under this name (per town stamp, and per slice of the
# town's projects); its version bumped when what is stored changes shape, so that no deployment reads another's.
DASHBOARD_CACHE_NAME = "dashboard:v2"
# A project's part of a slice of its town's figures (``backend.projects.town_cache.project_part``), in SQL.
PART = Mod("id", TOWN_PARTS)


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


@dataclass(frozen=True)
class Figures:
    """The dashboard's sums over the projects the user sees: the funnel, the funding by programme, the energy."""

    funnel: list[FunnelStep]
    programmes: list[dict]
    energy: Portfolio | None


def _add(first: Decimal | None, second: Decimal | None) -> Decimal | None:
    if first is None:
        return second
    return first if second is None else first + second


def _add_funnel(funnel: dict, stage: str, projects: int, cost: Decimal | None) -> None:
    projects_before, cost_before = funnel.get(stage, (0, None))
    funnel[stage] = (projects_before + projects, _add(cost_before, cost))


def _add_funding(funding: dict, programme: str, requested: Decimal | None, approved: Decimal | None) -> None:
    requested_before, approved_before = funding.get(programme, (None, None))
    funding[programme] = (_add(requested_before, requested), _add(approved_before, approved))


def _merged(parts: Iterable[dict]) -> dict:
    """Figures of several towns or slices as one."""
    merged = _figures_empty()
    for part in parts:
        for stage, (count, cost) in part["funnel"].items():
            _add_funnel(merged["funnel"], stage, count, cost)
        for programme, (requested, approved) in part["funding"].items():
            _add_funding(merged["funding"], programme, requested, approved)
        energy_sums_add(merged["energy"], part["energy"])
    return merged


def _figures_empty() -> dict:
    """Figures of no project: the funnel per stage, funding per programme, energy per KPI kind."""
    return {"funnel": {}, "funding": {}, "energy": {}}


def dashboard_figures(*, user: User) -> Figures:
    """The funnel (projects and estimated cost per stage), CZK requested and approved per funding programme, and
    the energy and CO₂ totals, over the projects the user sees.

    The sums over every project of the user's own towns grow with the towns, so they are kept in the cache per town
    (``backend.projects.town_cache``, renewed by any change of the town's projects, KPIs, CO₂ effects and funding
    applications): they are what every staff member of the town sees. A town's figures are kept in slices of its
    projects too, and each slice in parts: after a change of one project, the part it is in is summed again and
    added to the other parts of its slice and the other slices kept.
    What the user sees beyond their own towns (projects shared with them, those they are a partner guest on) is
    summed live by the rules of access: costs and funding only where they see the internals, energy only in their
    own towns. A read with a town missing from the cache sums what is missing in the same three queries as without
    a cache and stores the towns' parts.
    """
    access = user_access(user=user)
    own = municipality_ids_staff(user=user)
    read = town_figures(name=DASHBOARD_CACHE_NAME, municipality_ids=own)
    slices = town_slice_figures(name=DASHBOARD_CACHE_NAME, municipality_ids=read.missing)
    # A town with every slice missing is summed whole (its slices stored); of another town, the parts of its missing
    # slices are read, and only the parts missing summed (its parts and slices stored).
    whole = {pk for pk, town in slices.items() if len(town.missing) == TOWN_SLICES}
    pieces = town_part_figures(
        name=DASHBOARD_CACHE_NAME, slices={pk: town.missing for pk, town in slices.items() if pk not in whole}
    )
    summing = {pk: set(town.missing) for pk, town in pieces.items() if town.missing}
    summed = [Q(municipality_id=pk) for pk in sorted(whole)]
    summed += [Q(municipality_id=pk) & Q(In(PART, sorted(parts))) for pk, parts in summing.items()]
    elsewhere = project_list_visible_elsewhere(user=user)
    own_summed = Project.objects.filter(reduce(operator.or_, summed)) if summed else None
    projects = (own_summed | elsewhere) if summed else elsewhere
    internal = internal_projects_filter(access=access) or None

    sums: dict[tuple[int, int], dict] = {}  # the figures of each part summed, by town and part
    live = _figures_empty()

    def part_of(municipality_id: int, part: int) -> dict:
        if municipality_id in whole or part in summing.get(municipality_id, ()):
            return sums.setdefault((municipality_id, part), _figures_empty())
        return live

    live_internal = 0
    funnel_rows = (
        projects.order_by()
        .values("municipality_id", "stage", part=PART)
        .annotate(
            projects=Count("id"), cost=Sum("estimated_cost", filter=internal), internal=Count("id", filter=internal)
        )
    )
    for row in funnel_rows:
        figures = part_of(row["municipality_id"], row["part"])
        if figures is live:
            live_internal += row["internal"]
        _add_funnel(figures["funnel"], row["stage"], row["projects"], row["cost"])
    if not access.is_partner_only and (summed or live_internal):
        visible_internal = projects if internal is None else projects.filter(internal)
        funding_rows = (
            FundingApplication.objects.filter(project_id__in=visible_internal.values("pk"))
            .order_by()
            .values("project__municipality_id", "programme", part=Mod("project_id", TOWN_PARTS))
            .annotate(requested=Sum("amount_requested"), approved=Sum("amount_approved"))
        )
        for row in funding_rows:
            figures = part_of(row["project__municipality_id"], row["part"])
            _add_funding(figures["funding"], row["programme"], row["requested"], row["approved"])
    if summed:
        for (municipality_id, part), rows in energy_sums_by_slice(projects=own_summed, slices=TOWN_PARTS).items():
            part_of(municipality_id, part)["energy"] = rows
    towns = {}
    for pk, town in slices.items():
        if town.missing:
            if pk in whole:
                parts = {part: figures for (town_pk, part), figures in sums.items() if town_pk == pk}
            else:
                parts = pieces[pk]
                parts.store({part: sums.get((pk, part), _figures_empty()) for part in parts.missing})
                parts = parts.found
            town.store({n: _merged(parts.get(part, _figures_empty()) for part in slice_parts(n))
                        for n in town.missing})  # fmt: skip
        towns[pk] = _merged(town.found.values())
    read.store(towns)

    figures = _merged([*read.found.values(), live])
    funding = figures["funding"]
    labels = programme_labels(funding)
    # Most requested first (none requested first of all, as the database orders NULL in a descending sort).
    order = sorted(funding.items(), key=lambda item: (item[1][0] is not None, -(item[1][0] or 0), item[0]))
    programmes = [
        {"programme": programme, "requested": requested, "approved": approved, "label": labels[programme]}
        for programme, (requested, approved) in order
    ]
    return Figures(
        funnel=[FunnelStep(stage, *figures["funnel"].get(stage, (0, None))) for stage in Stage],
        programmes=[] if access.is_partner_only else programmes,
        energy=None if access.is_partner_only else portfolio_of_kinds(figures["energy"]),
    )


def recent_activity(*, user: User) -> QuerySet[Event]:
    """What happened lately to the visible projects the user manages or watches, newest first.

    Where the user is a partner guest only stage changes show, as on the project's own timeline.
    """
    access = user_access(user=user)
    watched = Project.watchers.through.objects.filter(user_id=user.pk).values("project_id")
    # The watched ones as an InitPlan: the planner can then take both indexes (manager, primary key) instead of
    # testing every visible project against a hashed subplan.
    mine = project_list_visible(user=user).filter(Q(manager_id=user.pk) | Q(InSubquery(F("pk"), watched))).values("pk")
    # The user's projects first, listed (one query): with their ids the planner sees how many they are and reads a
    # few projects' events by their index, or walks the events newest first when they are many. Given only the
    # subquery it guessed half of all events and walked every one for a head who manages or watches nothing
    # (24,840 events read at 10,000 projects to show none).
    ids = list(mine.order_by().values_list("pk", flat=True)[: ACTIVITY_PROJECTS_LISTED + 1])
    if not ids:
        return Event.objects.none()
    mine_filter = AnyOf("project_id", ids) if len(ids) <= ACTIVITY_PROJECTS_LISTED else Q(project_id__in=mine)
    events = Event.objects.filter(mine_filter).select_related("project", "actor")
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
    figures = dashboard_figures(user=user)
    funnel, programmes = figures.funnel, figures.programmes
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
        # The town's energy and CO₂ totals; partner guests see none of it.
        "energy": figures.energy,
        "can_create": can_create_projects(user=user),
    }
    return render_page(request, "pages/dashboard.html", context)


urlpatterns = [
    path("", dashboard, name="dashboard"),
]
