"""The project detail screen's shared plumbing: who is looking (``Viewer``, from ``project_access``), the
tabs, the transition panel's rows, and how every view of the screen answers (a fragment for htmx, the page
otherwise, a redirect after a write)."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.accounts.models import User
from backend.core.errors import Blocker
from backend.projects.access import project_access
from backend.projects.attachments import attachment_list_visible
from backend.projects.choices import TaskStatus
from backend.projects.closed import project_is_closed
from backend.projects.models import Project, ProjectPartner
from backend.projects.programmes import programme_labels
from backend.projects.selectors import (
    comment_list_visible,
    funding_list_visible,
    kpi_list_visible,
    project_get_visible,
    task_list_visible,
)
from backend.projects.stages import Stage
from backend.web.forms.attachments import AttachmentForm, CommentWithFileForm
from backend.web.forms.project_detail import CommentForm, FundingForm, KpiForm, TaskForm
from backend.web.htmx import htmx_partial, render_page
from workflows import guards
from workflows.models import ApprovalDecision, ApprovalRequest, ApprovalStatus
from workflows.selectors import TransitionOption, transition_history, transition_options

TEMPLATE = "pages/project_detail.html"

TABS = {
    "overview": gettext_lazy("Overview"),
    "tasks": gettext_lazy("Tasks"),
    "comments": gettext_lazy("Comments"),
    "funding": gettext_lazy("Funding"),
    "kpis": gettext_lazy("KPIs"),
    "history": gettext_lazy("History"),
    "approvals": gettext_lazy("Approvals"),
    "attachments": gettext_lazy("Attachments"),
}
# Partners never see funding (internal notes, negotiations) and take no part in approvals.
PARTNER_HIDDEN_TABS = frozenset({"funding", "approvals"})
# Tabs that only show what a transition changes: refreshed in place after one, when they are open.
TABS_REFRESHED_BY_TRANSITIONS = frozenset({"history", "approvals"})
# Tabs whose forms change what the transitions' gates check.
TABS_THAT_OPEN_GATES = frozenset({"overview", "tasks", "funding", "kpis"})
MENTION_RESULTS = 8


# --- who is looking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What the page shows the requesting user: the answers of ``project_access`` and the project's state."""

    partner: bool  # sees the project only as a partner guest
    staff: bool  # works for the project's municipality (creates and edits tasks)
    may_edit: bool  # project manager, a head of an involved department or the coordinator
    may_contribute: bool  # may comment and work on tasks assigned to them
    closed: bool = False  # completed or rejected: only comments (and evaluation corrections) remain
    stage: str = ""

    @property
    def may_correct(self) -> bool:
        """Editors of a completed project may correct its evaluation (summary, KPI actuals)."""
        return self.closed and self.may_edit and self.stage == Stage.COMPLETED

    @property
    def tabs(self) -> list[tuple[str, str]]:
        return [(name, label) for name, label in TABS.items() if self.sees(name)]

    def sees(self, tab: str) -> bool:
        return tab in TABS and not (self.partner and tab in PARTNER_HIDDEN_TABS)


def viewer_for(user: User, project: Project) -> Viewer:
    access = project_access(user=user, project=project)
    return Viewer(
        partner=not access.sees_internals,
        staff=access.is_staff,
        may_edit=access.may_edit,
        may_contribute=access.may_contribute,
        closed=project_is_closed(project),
        stage=project.stage,
    )


@dataclass(frozen=True)
class EditPart:
    """A small edit form of the overview: only the fields one gate checks, instead of the whole project."""

    heading: str
    fields: tuple[str, ...]


EDIT_PARTS = {
    "assessment": EditPart(gettext_lazy("Record the assessment"), ("assessment_score", "assessment_summary")),
    "evaluation": EditPart(gettext_lazy("Write the evaluation summary"), ("evaluation_summary",)),
}

# Where the blocker of each gate is fixed: a small edit form ("part:…"), a tab ("tab:…") or the edit form.
# The web layer's own table: workflows knows no URLs.
BLOCKER_FIXES = {
    guards.HAS_TITLE.code: ("edit", gettext_lazy("Edit the project")),
    guards.HAS_DESCRIPTION.code: ("edit", gettext_lazy("Edit the project")),
    guards.HAS_LEAD_DEPARTMENT.code: ("edit", gettext_lazy("Edit the project")),
    guards.HAS_THEMATIC_AREA.code: ("edit", gettext_lazy("Edit the project")),
    guards.HAS_ESTIMATED_COST.code: ("edit", gettext_lazy("Edit the project")),
    guards.HAS_ASSESSMENT.code: ("part:assessment", gettext_lazy("Record the assessment")),
    guards.MEETS_THRESHOLD.code: ("part:assessment", gettext_lazy("Review the assessment")),
    guards.FUNDING_COVERS_COST.code: ("tab:funding", gettext_lazy("Go to the funding")),
    guards.NO_OPEN_IMPLEMENTATION_TASKS.code: ("tab:tasks", gettext_lazy("Go to the tasks")),
    guards.HAS_KPIS.code: ("tab:kpis", gettext_lazy("Add a KPI")),
    guards.KPIS_HAVE_ACTUALS.code: ("tab:kpis", gettext_lazy("Fill in the KPIs")),
    guards.HAS_EVALUATION_SUMMARY.code: ("part:evaluation", gettext_lazy("Write the evaluation summary")),
}

# How a transition's button looks: moving on is the primary action, rejecting is dangerous, going back or
# pausing is secondary. The state (ready, blocked…) is shown apart from it, in words.
TRANSITION_LOOKS = {
    "reject": "danger",
    "put_on_hold": "secondary",
    "return_to_idea": "secondary",
    "return_to_assessment": "secondary",
}


@dataclass(frozen=True)
class PanelBlocker:
    """A blocker as the panel shows it: its message and, for those who may fix it, a link to the fix."""

    message: str
    fix_label: str = ""
    fix_url: str = ""


def panel_blockers(project: Project, viewer: Viewer, blockers: list[Blocker]) -> list[PanelBlocker]:
    shown = []
    for blocker in blockers:
        where, label = BLOCKER_FIXES.get(blocker.code, ("", ""))
        if not (where and viewer.may_edit):
            shown.append(PanelBlocker(message=blocker.message))
            continue
        kind, _colon, name = where.partition(":")
        if kind == "part":
            url = reverse("web:project_edit_part", args=[project.pk, name])
        elif kind == "tab":
            url = reverse("web:project_tab", args=[project.pk, name])
        else:
            url = reverse("web:project_edit", args=[project.pk])
        shown.append(PanelBlocker(message=blocker.message, fix_label=str(label), fix_url=url))
    return shown


@dataclass(frozen=True)
class PanelRow:
    """One transition of the panel with its state in words; the template adds the visual cue."""

    option: TransitionOption
    state: str  # ready | needs-approval | waiting | blocked (also the CSS class)
    state_label: str
    target_label: str
    blockers: list[PanelBlocker]  # what still stands in the way, besides the state itself
    look: str  # primary | secondary | danger: the button's class

    @property
    def actionable(self) -> bool:
        return self.state in ("ready", "needs-approval")


def panel_rows(project: Project, user: User, viewer: Viewer) -> list[PanelRow]:
    rows = []
    for option in transition_options(project=project, user=user):
        if option.pending_request_id:
            state, label = "waiting", _("Waiting for approval")
        elif not option.allowed:
            state, label = "blocked", _("Blocked")
        elif option.requires_approval:
            state, label = "needs-approval", _("Needs approval")
        else:
            state, label = "ready", _("Ready")
        target = Stage(option.target).label if option.target in Stage.values else ""
        # "Waiting for approval" already says that a request is pending.
        blockers = [blocker for blocker in option.blockers if blocker.code != guards.APPROVAL_PENDING]
        rows.append(
            PanelRow(
                option=option,
                state=state,
                state_label=label,
                target_label=target,
                blockers=panel_blockers(project, viewer, blockers),
                look=TRANSITION_LOOKS.get(option.name, "primary"),
            )
        )
    return rows


# --- plumbing shared by every view ------------------------------------------------------------------


def project_and_viewer(request: HttpRequest, pk: int) -> tuple[Project, Viewer]:
    project = project_get_visible(user=request.user, pk=pk)
    # Roles (involved heads) and the overview read the involved departments: fetch them once.
    prefetch_related_objects([project], "departments")
    return project, viewer_for(request.user, project)


def wants_fragment(request: HttpRequest) -> bool:
    # htmx restoring history after a cache miss sends HX-Request too, but needs the whole page.
    return htmx_partial(request) and request.headers.get("HX-History-Restore-Request") != "true"


def current_tab(request: HttpRequest, project: Project) -> str | None:
    """The tab of this project the browser shows now (htmx tells its URL), if any."""
    url = request.htmx.current_url_abs_path if getattr(request, "htmx", None) else None
    if not url:
        return None
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return None
    if match.url_name not in ("project_detail", "project_tab") or str(match.kwargs.get("pk")) != str(project.pk):
        return None
    return match.kwargs.get("tab", "overview")


def _approval_requests(project: Project) -> QuerySet[ApprovalRequest]:
    """Every approval request of a project the caller already may see as municipal staff, newest first."""
    return (
        ApprovalRequest.objects.filter(project=project)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch("decisions", queryset=ApprovalDecision.objects.select_related("approver")),
        )
    )


def tab_context(request: HttpRequest, project: Project, viewer: Viewer, tab: str, **extra: Any) -> dict:
    """What one tab shows. Every list is one query (or a fixed few) however long it is."""
    user = request.user
    context: dict[str, Any] = {"tab_ready": True}
    if tab == "overview":
        if not viewer.partner:
            prefetch_related_objects(
                [project],
                "strategic_measures",
                "shared_with",
                Prefetch("partner_accesses", queryset=ProjectPartner.objects.select_related("organization")),
            )
    elif tab == "tasks":
        context["tasks"] = task_list_visible(user=user).filter(project=project)
        context["task_statuses"] = TaskStatus.choices
        context["task_form"] = TaskForm(project=project) if viewer.staff and not viewer.closed else None
    elif tab == "comments":
        # A comment's attachments are as visible as the comment: one more query for all of them.
        context["comments"] = comment_list_visible(user=user, project=project).prefetch_related("attachments")
        context["comment_form"] = comment_form(project, viewer)
    elif tab == "funding":
        applications = list(funding_list_visible(user=user, project=project))
        labels = programme_labels(application.programme for application in applications)
        for application in applications:
            application.programme_name = labels[application.programme]
        context["applications"] = applications
        context["funding_requested"] = sum(a.amount_requested for a in applications)
        context["funding_approved"] = sum(a.amount_approved or 0 for a in applications if a.status == "approved")
        context["funding_form"] = (
            FundingForm(municipality_id=project.municipality_id) if viewer.may_edit and not viewer.closed else None
        )
    elif tab == "kpis":
        # With each energy KPI's stored CO₂ effect (backend.energy), in the same query.
        context["kpis"] = kpi_list_visible(user=user, project=project).select_related("emission")
        context["kpi_form"] = KpiForm() if viewer.may_edit and not viewer.closed else None
    elif tab == "history":
        context["records"] = transition_history(project=project)
    elif tab == "approvals":
        context["approval_requests"] = requests = list(_approval_requests(project))
        coordinator = project_access(user=user, project=project).is_coordinator
        context["withdrawable"] = {
            approval.pk
            for approval in requests
            if approval.status == ApprovalStatus.PENDING and (coordinator or approval.requested_by_id == user.pk)
        }
    elif tab == "attachments":
        context["attachments"] = attachment_list_visible(user=user, project=project)
        may_attach = viewer.may_contribute and not viewer.closed  # a comment may still carry a file
        context["attachment_form"] = AttachmentForm(partner=viewer.partner) if may_attach else None
    context.update(extra)
    return context


def comment_form(project: Project, viewer: Viewer, data: Any = None, files: Any = None) -> CommentForm | None:
    if not viewer.may_contribute:
        return None
    return CommentWithFileForm(data, files, partner=viewer.partner)


def respond(
    request: HttpRequest,
    project: Project,
    viewer: Viewer,
    tab: str,
    *,
    fragment: str,
    context: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """``fragment`` of the page for htmx; otherwise the whole page showing ``tab``."""
    page = {
        "project": project,
        "viewer": viewer,
        "tab": tab,
        "tab_label": TABS[tab],
        "tabs": viewer.tabs,
        "nav": "projects",
        **(context or {}),
    }
    if wants_fragment(request):
        response = render_page(request, TEMPLATE, page, fragment=fragment, status=status)
    else:
        if not page.get("tab_ready"):
            page.update(tab_context(request, project, viewer, tab, **(context or {})))
        if "panel_rows" not in page and not viewer.partner:
            page["panel_rows"] = panel_rows(project, request.user, viewer)
        response = render_page(request, TEMPLATE, page, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def tab_url_redirect(project: Project, tab: str) -> HttpResponse:
    if tab == "overview":
        return redirect("web:project_detail", pk=project.pk)
    return redirect("web:project_tab", pk=project.pk, tab=tab)


def saved(
    request: HttpRequest, project: Project, viewer: Viewer, tab: str, notice: str, **fragment_context
) -> HttpResponse:
    """After a successful write: the refreshed fragment for htmx, a redirect and a message otherwise (PRG)."""
    if wants_fragment(request):
        fragment = fragment_context.pop("fragment", tab)
        context = {**(fragment_context or tab_context(request, project, viewer, tab)), "notice": notice}
        if tab in TABS_THAT_OPEN_GATES and not viewer.partner:
            # The fields, tasks, funding and KPIs are what the gates check: show the panel as it is now.
            context.update(panel_rows=panel_rows(project, request.user, viewer), oob_panel=True)
        return respond(request, project, viewer, tab, fragment=fragment, context=context)
    messages.success(request, notice)
    return tab_url_redirect(project, tab)


def invalid(
    request: HttpRequest, project: Project, viewer: Viewer, tab: str, *, fragment: str, context: dict
) -> HttpResponse:
    """The form again with its errors next to the fields: htmx swaps only 2xx answers, browsers show any."""
    status = 200 if wants_fragment(request) else 400
    return respond(request, project, viewer, tab, fragment=fragment, context=context, status=status)
