"""The overview's edit forms: the whole project, or the part of it one gate checks."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.core.errors import ConcurrentChange
from backend.projects.services import project_update
from backend.web.forms.project_detail import ProjectEditForm, add_service_errors
from backend.web.views.errors import domain_errors
from backend.web.views.project_detail.page import (
    EDIT_PARTS,
    invalid,
    project_and_viewer,
    respond,
    saved,
    tab_context,
)


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
    project, viewer = project_and_viewer(request, pk)
    if not viewer.may_edit:
        raise HttpPermissionDenied(_("Only the project manager, a head of an involved department or the coordinator."))
    edit_part = EDIT_PARTS[part] if part else None
    action = reverse("web:project_edit_part", args=[pk, part]) if part else reverse("web:project_edit", args=[pk])
    form_context = {"project_form_action": action, "project_form_heading": edit_part.heading if edit_part else ""}

    def make_form(data=None) -> ProjectEditForm:
        return ProjectEditForm(data, project=project, only=edit_part.fields if edit_part else None)

    if request.method == "GET":
        context = tab_context(request, project, viewer, "overview", project_form=make_form(), **form_context)
        fragment = "overview" if request.htmx.target == "overview-section" else "tab_response"
        return respond(request, project, viewer, "overview", fragment=fragment, context=context)
    form = make_form(request.POST)
    if form.is_valid():
        try:
            project = project_update(actor=request.user, project=project, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        except ConcurrentChange as error:
            form.add_error(None, str(error))
        else:
            return saved(
                request,
                project,
                viewer,
                "overview",
                _("The project was saved."),
                fragment="overview_response",
                **tab_context(request, project, viewer, "overview", oob_header=True),
            )
    # The service may have set the rejected values on the object before refusing them: read it again.
    project, viewer = project_and_viewer(request, pk)
    context = tab_context(request, project, viewer, "overview", project_form=form, **form_context)
    return invalid(request, project, viewer, "overview", fragment="overview", context=context)
