"""The transition panel's button: parse the form, call ``project_transition``, render the panel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.core.errors import ConcurrentChange, TransitionBlocked, TransitionNotAllowed
from backend.projects.models import Project
from backend.web.forms.project_detail import TransitionForm
from backend.web.views.errors import domain_errors
from backend.web.views.project_detail.page import (
    TABS_REFRESHED_BY_TRANSITIONS,
    Viewer,
    current_tab,
    panel_blockers,
    panel_rows,
    project_and_viewer,
    respond,
    tab_context,
    tab_url_redirect,
    wants_fragment,
)
from workflows.models import ApproverRole
from workflows.services import TransitionOutcome, project_transition


@login_required
@require_POST
@domain_errors
def project_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
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
    if not wants_fragment(request):
        messages.success(request, notice)
        return tab_url_redirect(moved, return_tab)
    context = {
        "project": moved,
        "panel_rows": panel_rows(moved, request.user, viewer),
        "transition_notice": notice,
        "oob_stage": True,
    }
    open_tab = current_tab(request, moved)
    open_tab = open_tab if open_tab and viewer.sees(open_tab) else return_tab
    # Refresh the open tab when it only shows what a transition changes (nobody is typing in it).
    if open_tab in TABS_REFRESHED_BY_TRANSITIONS:
        context.update(tab_context(request, moved, viewer, open_tab), oob_tab=open_tab)
    return respond(request, moved, viewer, open_tab, fragment="transition_response", context=context)


def _transition_failed(request: HttpRequest, project: Project, viewer: Viewer, tab: str, failure: dict) -> HttpResponse:
    """The panel again, the failure next to the transition's button, nothing changed."""
    rows = panel_rows(project, request.user, viewer)
    failure["in_panel"] = any(row.option.name == failure["name"] for row in rows)
    failure["blockers"] = panel_blockers(project, viewer, failure.get("blockers", []))
    status = 200 if wants_fragment(request) else failure["status"]
    context = {"panel_rows": rows, "transition_failure": failure}
    return respond(request, project, viewer, tab, fragment="transition_panel", context=context, status=status)
