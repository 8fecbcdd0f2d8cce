"""The project detail screen: tabs as HTMX fragments (full pages without JavaScript), the transition
panel, and the forms of each tab. Views parse input, call one service or selector, and render."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, path, re_path, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend.accounts.models import User
from backend.core.errors import (
    Blocker,
    ConcurrentChange,
    TransitionBlocked,
    TransitionNotAllowed,
)
from backend.projects.access import project_access
from backend.projects.attachments import attachment_list_visible
from backend.projects.choices import TaskStatus
from backend.projects.closed import project_is_closed
from backend.projects.models import Project, ProjectPartner
from backend.projects.selectors import (
    comment_list_visible,
    funding_list_visible,
    kpi_list_visible,
    mention_candidates,
    project_get_visible,
    task_list_visible,
)
from backend.projects.services import (
    comment_create,
    funding_create,
    funding_update,
    kpi_create,
    kpi_update,
    project_update,
    task_create,
    task_set_status,
    task_update,
)
from backend.projects.stages import Stage
from backend.web.forms_attachments import AttachmentForm, CommentWithFileForm
from backend.web.forms_project import (
    CommentForm,
    FundingForm,
    KpiForm,
    ProjectEditForm,
    TaskEditForm,
    TaskForm,
    TaskStatusForm,
    TransitionForm,
    add_service_errors,
)
from backend.web.htmx import htmx_partial, render_page
from backend.web.views.errors import domain_errors
from workflows import guards
from workflows.models import ApprovalDecision, ApprovalRequest, ApprovalStatus, ApproverRole
from workflows.selectors import TransitionOption, transition_history, transition_options
from workflows.services import TransitionOutcome, project_transition

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


def _viewer(user: User, project: Project) -> Viewer:
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


def _panel_blockers(project: Project, viewer: Viewer, blockers: list[Blocker]) -> list[PanelBlocker]:
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


def _panel_rows(project: Project, user: User, viewer: Viewer) -> list[PanelRow]:
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
                blockers=_panel_blockers(project, viewer, blockers),
                look=TRANSITION_LOOKS.get(option.name, "primary"),
            )
        )
    return rows


# --- plumbing shared by every view ------------------------------------------------------------------


def _project(request: HttpRequest, pk: int) -> tuple[Project, Viewer]:
    project = project_get_visible(user=request.user, pk=pk)
    # Roles (involved heads) and the overview read the involved departments: fetch them once.
    prefetch_related_objects([project], "departments")
    return project, _viewer(request.user, project)


def _wants_fragment(request: HttpRequest) -> bool:
    # htmx restoring history after a cache miss sends HX-Request too, but needs the whole page.
    return htmx_partial(request) and request.headers.get("HX-History-Restore-Request") != "true"


def _current_tab(request: HttpRequest, project: Project) -> str | None:
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


def _tab_context(request: HttpRequest, project: Project, viewer: Viewer, tab: str, **extra: Any) -> dict:
    """What one tab shows. Every list is one query (or a fixed few) however long it is."""
    user = request.user
    context: dict[str, Any] = {"tab_ready": True}
    if tab == "overview":
        if not viewer.partner:
            prefetch_related_objects(
                [project],
                "strategic_measures",
                Prefetch("partner_accesses", queryset=ProjectPartner.objects.select_related("organization")),
            )
    elif tab == "tasks":
        context["tasks"] = task_list_visible(user=user).filter(project=project)
        context["task_statuses"] = TaskStatus.choices
        context["task_form"] = TaskForm(project=project) if viewer.staff and not viewer.closed else None
    elif tab == "comments":
        # A comment's attachments are as visible as the comment: one more query for all of them.
        context["comments"] = comment_list_visible(user=user, project=project).prefetch_related("attachments")
        context["comment_form"] = _comment_form(project, viewer)
    elif tab == "funding":
        applications = list(funding_list_visible(user=user, project=project))
        context["applications"] = applications
        context["funding_requested"] = sum(a.amount_requested for a in applications)
        context["funding_approved"] = sum(a.amount_approved or 0 for a in applications if a.status == "approved")
        context["funding_form"] = FundingForm() if viewer.may_edit and not viewer.closed else None
    elif tab == "kpis":
        context["kpis"] = kpi_list_visible(user=user, project=project)
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


def _comment_form(project: Project, viewer: Viewer, data: Any = None, files: Any = None) -> CommentForm | None:
    if not viewer.may_contribute:
        return None
    return CommentWithFileForm(data, files, partner=viewer.partner)


def _respond(
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
    if _wants_fragment(request):
        response = render_page(request, TEMPLATE, page, fragment=fragment, status=status)
    else:
        if not page.get("tab_ready"):
            page.update(_tab_context(request, project, viewer, tab, **(context or {})))
        if "panel_rows" not in page and not viewer.partner:
            page["panel_rows"] = _panel_rows(project, request.user, viewer)
        response = render_page(request, TEMPLATE, page, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _tab_url_redirect(project: Project, tab: str) -> HttpResponse:
    if tab == "overview":
        return redirect("web:project_detail", pk=project.pk)
    return redirect("web:project_tab", pk=project.pk, tab=tab)


def _saved(
    request: HttpRequest, project: Project, viewer: Viewer, tab: str, notice: str, **fragment_context
) -> HttpResponse:
    """After a successful write: the refreshed fragment for htmx, a redirect and a message otherwise (PRG)."""
    if _wants_fragment(request):
        fragment = fragment_context.pop("fragment", tab)
        context = {**(fragment_context or _tab_context(request, project, viewer, tab)), "notice": notice}
        if tab in TABS_THAT_OPEN_GATES and not viewer.partner:
            # The fields, tasks, funding and KPIs are what the gates check: show the panel as it is now.
            context.update(panel_rows=_panel_rows(project, request.user, viewer), oob_panel=True)
        return _respond(request, project, viewer, tab, fragment=fragment, context=context)
    messages.success(request, notice)
    return _tab_url_redirect(project, tab)


def _invalid(
    request: HttpRequest, project: Project, viewer: Viewer, tab: str, *, fragment: str, context: dict
) -> HttpResponse:
    """The form again with its errors next to the fields: htmx swaps only 2xx answers, browsers show any."""
    status = 200 if _wants_fragment(request) else 400
    return _respond(request, project, viewer, tab, fragment=fragment, context=context, status=status)


# --- tabs -------------------------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, "overview")


@login_required
@require_GET
@domain_errors
def project_tab(request: HttpRequest, pk: int, tab: str) -> HttpResponse:
    project, viewer = _project(request, pk)
    if not viewer.sees(tab):
        raise Http404(_("This part of the project is not shared with you."))
    return _respond(
        request, project, viewer, tab, fragment="tab_response", context=_tab_context(request, project, viewer, tab)
    )


# --- transition panel -------------------------------------------------------------------------------


@login_required
@require_POST
@domain_errors
def project_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    return_tab = request.POST.get("tab", "overview")
    return_tab = return_tab if viewer.sees(return_tab) else "overview"
    form = TransitionForm(request.POST)
    if not form.is_valid():
        failure = {"name": request.POST.get("name", ""), "message": _("Choose one of the transitions."), "status": 400}
        return _transition_failed(request, project, viewer, return_tab, failure)
    name, comment = form.cleaned_data["name"], form.cleaned_data["comment"]
    try:
        outcome = project_transition(
            project=project,
            actor=request.user,
            transition=name,
            comment=comment,
            expected_stage=form.cleaned_data["stage"] or None,
        )
    except (TransitionBlocked, TransitionNotAllowed, ConcurrentChange) as error:
        blockers = error.blockers if isinstance(error, TransitionBlocked) else []
        failure = {"name": name, "comment": comment, "message": str(error), "blockers": blockers, "status": 409}
        return _transition_failed(request, project, viewer, return_tab, failure)
    return _transition_done(request, viewer, outcome, return_tab)


def _transition_done(request: HttpRequest, viewer: Viewer, outcome: TransitionOutcome, return_tab: str) -> HttpResponse:
    """The stage moved, or approval was requested: say which, and refresh the panel and what shows it."""
    moved = outcome.project
    if outcome.executed:
        notice = _("Done: the project moved to “%(stage)s”.") % {"stage": moved.get_stage_display()}
    else:
        approvers = ", ".join(str(ApproverRole(role).label) for role in outcome.approval_request.approver_roles)
        notice = _("Approval requested: the transition runs once approved by %(approvers)s.") % {"approvers": approvers}
    if not _wants_fragment(request):
        messages.success(request, notice)
        return _tab_url_redirect(moved, return_tab)
    context = {
        "project": moved,
        "panel_rows": _panel_rows(moved, request.user, viewer),
        "transition_notice": notice,
        "oob_stage": True,
    }
    open_tab = _current_tab(request, moved)
    open_tab = open_tab if open_tab and viewer.sees(open_tab) else return_tab
    # Refresh the open tab when it only shows what a transition changes (nobody is typing in it).
    if open_tab in TABS_REFRESHED_BY_TRANSITIONS:
        context.update(_tab_context(request, moved, viewer, open_tab), oob_tab=open_tab)
    return _respond(request, moved, viewer, open_tab, fragment="transition_response", context=context)


def _transition_failed(request: HttpRequest, project: Project, viewer: Viewer, tab: str, failure: dict) -> HttpResponse:
    """The panel again, the failure next to the transition's button, nothing changed."""
    rows = _panel_rows(project, request.user, viewer)
    failure["in_panel"] = any(row.option.name == failure["name"] for row in rows)
    failure["blockers"] = _panel_blockers(project, viewer, failure.get("blockers", []))
    status = 200 if _wants_fragment(request) else failure["status"]
    context = {"panel_rows": rows, "transition_failure": failure}
    return _respond(request, project, viewer, tab, fragment="transition_panel", context=context, status=status)


# --- overview ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_edit(request, pk, part=None)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def project_edit_part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """One of EDIT_PARTS: where a blocker leads (the assessment, the evaluation summary)."""
    return _project_edit(request, pk, part=part)


def _project_edit(request: HttpRequest, pk: int, *, part: str | None) -> HttpResponse:
    """The overview's edit form, whole or one part of it.

    htmx asks from the overview (target ``#overview-section``: the section alone) or from elsewhere, e.g. a
    blocker's link in the panel (the tabs, showing the overview with the form).
    """
    project, viewer = _project(request, pk)
    if not viewer.may_edit:
        raise HttpPermissionDenied(_("Only the project manager, a head of an involved department or the coordinator."))
    edit_part = EDIT_PARTS[part] if part else None
    action = reverse("web:project_edit_part", args=[pk, part]) if part else reverse("web:project_edit", args=[pk])
    form_context = {"project_form_action": action, "project_form_heading": edit_part.heading if edit_part else ""}

    def make_form(data=None) -> ProjectEditForm:
        return ProjectEditForm(data, project=project, only=edit_part.fields if edit_part else None)

    if request.method == "GET":
        context = _tab_context(request, project, viewer, "overview", project_form=make_form(), **form_context)
        fragment = "overview" if request.htmx.target == "overview-section" else "tab_response"
        return _respond(request, project, viewer, "overview", fragment=fragment, context=context)
    form = make_form(request.POST)
    if form.is_valid():
        try:
            project = project_update(actor=request.user, project=project, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        except ConcurrentChange as error:
            form.add_error(None, str(error))
        else:
            return _saved(
                request,
                project,
                viewer,
                "overview",
                _("The project was saved."),
                fragment="overview_response",
                **_tab_context(request, project, viewer, "overview", oob_header=True),
            )
    # The service may have set the rejected values on the object before refusing them: read it again.
    project, viewer = _project(request, pk)
    context = _tab_context(request, project, viewer, "overview", project_form=form, **form_context)
    return _invalid(request, project, viewer, "overview", fragment="overview", context=context)


# --- tasks ------------------------------------------------------------------------------------------


def _task(request: HttpRequest, project: Project, task_id: int):
    task = task_list_visible(user=request.user).filter(project=project, pk=task_id).first()
    if task is None:
        raise Http404(_("Task not found."))
    return task


@login_required
@require_POST
@domain_errors
def project_task_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    if not viewer.staff:
        raise HttpPermissionDenied(_("Only the municipality's staff may create tasks."))
    form = TaskForm(request.POST, project=project)
    if form.is_valid():
        try:
            task = task_create(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _saved(request, project, viewer, "tasks", _("Task “%(title)s” created.") % {"title": task.title})
    context = _tab_context(request, project, viewer, "tasks", task_form=form)
    return _invalid(request, project, viewer, "tasks", fragment="tasks", context=context)


@login_required
@require_POST
@domain_errors
def project_task_status(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    task = _task(request, project, task_id)
    form = TaskStatusForm(request.POST)
    if form.is_valid():
        try:
            task = task_set_status(actor=request.user, task=task, status=form.cleaned_data["status"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            notice = _("“%(title)s” is now: %(status)s.") % {"title": task.title, "status": task.get_status_display()}
            row = {"task": task, "task_statuses": TaskStatus.choices}
            return _saved(request, project, viewer, "tasks", notice, fragment="task_row", row_notice=notice, **row)
    message = " ".join(error for errors in form.errors.values() for error in errors)
    row_error = {"task_id": task.pk, "message": message}
    if _wants_fragment(request):
        context = {"task": task, "task_statuses": TaskStatus.choices, "row_error": row_error}
        return _respond(request, project, viewer, "tasks", fragment="task_row", context=context)
    context = _tab_context(request, project, viewer, "tasks", row_error=row_error)
    return _invalid(request, project, viewer, "tasks", fragment="tasks", context=context)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def project_task_edit(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    if not viewer.staff:
        raise HttpPermissionDenied(_("Only the municipality's staff may edit tasks."))
    task = _task(request, project, task_id)
    return _edit_item(
        request,
        project,
        viewer,
        tab="tasks",
        item=task,
        item_key="task",
        make_form=lambda data=None: TaskEditForm(data, task=task),
        update=lambda changes: task_update(actor=request.user, task=task, **changes),
        notice=lambda saved: _("Task “%(title)s” saved.") % {"title": saved.title},
        extra={"task_statuses": TaskStatus.choices},
    )


# --- comments ---------------------------------------------------------------------------------------


@login_required
@require_POST
@domain_errors
def project_comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    form = _comment_form(project, viewer, request.POST, request.FILES)
    if form is None:
        raise HttpPermissionDenied(_("Your organisation's access to this project is read-only."))
    if form.is_valid():
        try:
            comment_create(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _saved(request, project, viewer, "comments", _("Your comment was posted."))
    context = _tab_context(request, project, viewer, "comments", comment_form=form)
    return _invalid(request, project, viewer, "comments", fragment="comments", context=context)


@login_required
@require_GET
@domain_errors
def project_mention_search(request: HttpRequest, pk: int) -> JsonResponse:
    """People the user may mention on the project whose name or username starts with ``q``, for the
    @mention autocomplete (a partner guest: the manager and the people on their tasks, see mention_candidates)."""
    project = project_get_visible(user=request.user, pk=pk)
    # NUL cannot reach PostgreSQL; nobody's name contains it anyway.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    people = mention_candidates(user=request.user, project=project)
    if query:
        people = people.filter(
            Q(username__istartswith=query) | Q(first_name__istartswith=query) | Q(last_name__istartswith=query)
        )
    results = [
        {"username": person.username, "name": person.get_full_name() or person.username}
        for person in people.order_by("username")[:MENTION_RESULTS]
    ]
    return JsonResponse({"results": results})


# --- funding and KPIs -------------------------------------------------------------------------------


def _require_editor(viewer: Viewer) -> None:
    if not viewer.may_edit:
        raise HttpPermissionDenied(_("Only the project manager, a head of an involved department or the coordinator."))


def _item(queryset: QuerySet, item_id: int) -> Model:
    item = queryset.filter(pk=item_id).first()
    if item is None:
        raise Http404(_("Not found."))
    return item


@login_required
@require_POST
@domain_errors
def project_funding_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    if viewer.partner:
        raise Http404(_("This part of the project is not shared with you."))
    _require_editor(viewer)
    return _create_item(
        request,
        project,
        viewer,
        tab="funding",
        form=FundingForm(request.POST),
        form_key="funding_form",
        create=lambda fields: funding_create(actor=request.user, project=project, **fields),
        notice=lambda created: _("The funding application was added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def project_funding_update(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    application = _item(funding_list_visible(user=request.user, project=project), item_id)
    _require_editor(viewer)
    return _edit_item(
        request,
        project,
        viewer,
        tab="funding",
        item=application,
        item_key="application",
        make_form=lambda data=None: FundingForm(data, instance=application),
        update=lambda changes: funding_update(actor=request.user, application=application, **changes),
        notice=lambda saved: _("The funding application was saved."),
    )


@login_required
@require_POST
@domain_errors
def project_kpi_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    _require_editor(viewer)
    return _create_item(
        request,
        project,
        viewer,
        tab="kpis",
        form=KpiForm(request.POST),
        form_key="kpi_form",
        create=lambda fields: kpi_create(actor=request.user, project=project, **fields),
        notice=lambda created: _("KPI “%(name)s” added.") % {"name": created.name},
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def project_kpi_update(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    project, viewer = _project(request, pk)
    kpi = _item(kpi_list_visible(user=request.user, project=project), item_id)
    _require_editor(viewer)
    return _edit_item(
        request,
        project,
        viewer,
        tab="kpis",
        item=kpi,
        item_key="kpi",
        make_form=lambda data=None: KpiForm(data, instance=kpi),
        update=lambda changes: kpi_update(actor=request.user, kpi=kpi, **changes),
        notice=lambda saved: _("KPI “%(name)s” saved.") % {"name": saved.name},
    )


def _create_item(
    request: HttpRequest, project: Project, viewer: Viewer, *, tab: str, form, form_key: str, create, notice
) -> HttpResponse:
    """Add an item from a tab's form; on invalid input re-render the tab with the errors on their fields."""
    if form.is_valid():
        try:
            created = create(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _saved(request, project, viewer, tab, notice(created))
    context = _tab_context(request, project, viewer, tab, **{form_key: form})
    return _invalid(request, project, viewer, tab, fragment=tab, context=context)


def _edit_item(
    request: HttpRequest,
    project: Project,
    viewer: Viewer,
    *,
    tab: str,
    item: Model,
    item_key: str,
    make_form: Callable[..., Any],
    update: Callable[[dict], Model],
    notice: Callable[[Model], str],
    extra: dict | None = None,
) -> HttpResponse:
    """A row of a tab's table edited in place: GET shows its form, POST saves it through the service.

    With htmx only the row is swapped (``<item>_row`` / ``<item>_edit_row`` fragments); without it the
    tab is shown with that row open, and a successful save redirects back to the tab.
    """
    row, edit_row = f"{item_key}_row", f"{item_key}_edit_row"
    extra = extra or {}
    form = make_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            item = update(form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = notice(item)
            return _saved(
                request, project, viewer, tab, message, fragment=row, row_notice=message, **{item_key: item}, **extra
            )
    status = 400 if form.is_bound and not _wants_fragment(request) else 200
    if _wants_fragment(request):
        context = {item_key: item, "edit_form": form, **extra}
        return _respond(request, project, viewer, tab, fragment=edit_row, context=context, status=status)
    context = _tab_context(request, project, viewer, tab, editing_id=item.pk, edit_form=form)
    return _respond(request, project, viewer, tab, fragment=tab, context=context, status=status)


_TAB_PATTERN = "|".join(TABS)

urlpatterns = [
    path("projects/<int:pk>/", project_detail, name="project_detail"),
    path("projects/<int:pk>/transition/", project_transition_view, name="project_transition"),
    path("projects/<int:pk>/edit/", project_edit, name="project_edit"),
    re_path(
        rf"^projects/(?P<pk>[0-9]+)/edit/(?P<part>{'|'.join(EDIT_PARTS)})/$",
        project_edit_part,
        name="project_edit_part",
    ),
    path("projects/<int:pk>/tasks/new/", project_task_create, name="project_task_create"),
    path("projects/<int:pk>/tasks/<int:task_id>/edit/", project_task_edit, name="project_task_edit"),
    path("projects/<int:pk>/tasks/<int:task_id>/status/", project_task_status, name="project_task_status"),
    path("projects/<int:pk>/comments/new/", project_comment_create, name="project_comment_create"),
    path("projects/<int:pk>/mentions/", project_mention_search, name="project_mention_search"),
    path("projects/<int:pk>/funding/new/", project_funding_create, name="project_funding_create"),
    path("projects/<int:pk>/funding/<int:item_id>/edit/", project_funding_update, name="project_funding_update"),
    path("projects/<int:pk>/kpis/new/", project_kpi_create, name="project_kpi_create"),
    path("projects/<int:pk>/kpis/<int:item_id>/edit/", project_kpi_update, name="project_kpi_update"),
    # Only the known tab names: the routes above and other screens' routes never fall into it.
    re_path(rf"^projects/(?P<pk>[0-9]+)/(?P<tab>{_TAB_PATTERN})/$", project_tab, name="project_tab"),
]
