"""The staff page of a project's public side: what of it is public, and its public updates ("aktuality").

Municipal staff who see the project read it; its editors change it. Partner guests get a 404, as for every
internal screen they are not invited to.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.core.errors import NotFound, PermissionDenied
from backend.portal.forms import ProjectPublicForm, ProjectUpdateForm, add_errors
from backend.portal.selectors import portal_list_open
from backend.projects.access import project_access
from backend.projects.models import Project
from backend.projects.selectors import project_get_visible
from backend.projects.services import project_update
from backend.projects.updates import (
    project_update_get_visible,
    project_update_list_visible,
    project_update_may_write,
    project_update_publish,
    project_update_withdraw,
)


def _project(request: HttpRequest, pk: int) -> Project:
    try:
        project = project_get_visible(user=request.user, pk=pk)
    except NotFound as error:
        raise Http404(str(error)) from None
    if project_access(user=request.user, project=project).is_partner_view:
        raise Http404(_("Project not found."))
    return project


@login_required
@require_http_methods(["GET", "POST"])
def project_public(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    may_write = project_update_may_write(user=request.user, project=project)
    profile_form = ProjectPublicForm(instance=project)
    update_form = ProjectUpdateForm()
    if request.method == "POST":
        if not may_write:
            raise _forbidden()
        if request.POST.get("form") == "profile":
            profile_form = ProjectPublicForm(request.POST, instance=Project.objects.get(pk=project.pk))
            if profile_form.is_valid() and _run(
                profile_form, project_update, actor=request.user, project=project, **profile_form.changes()
            ):
                messages.success(request, _("The public side of the project was saved."))
                return redirect("portal:project_public", pk=project.pk)
        else:
            update_form = ProjectUpdateForm(request.POST, request.FILES)
            if update_form.is_valid() and _run(
                update_form,
                project_update_publish,
                actor=request.user,
                project=project,
                title=update_form.cleaned_data["title"],
                body=update_form.cleaned_data["body"],
                files=update_form.cleaned_data["files"],
            ):
                messages.success(request, _("The update was published."))
                return redirect("portal:project_public", pk=project.pk)
    portal = portal_list_open().filter(municipality_id=project.municipality_id).first()
    context = {
        "project": project,
        "portal": portal,
        "may_write": may_write,
        "profile_form": profile_form,
        "update_form": update_form,
        "updates": list(project_update_list_visible(user=request.user, project=project)),
    }
    return render(request, "portal/staff/project_public.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def project_update_withdraw_view(request: HttpRequest, pk: int, update_id: int) -> HttpResponse:
    project = _project(request, pk)
    try:
        update = project_update_get_visible(user=request.user, pk=update_id)
        if update.project_id != project.pk:
            raise NotFound(_("Update not found."))
        project_update_withdraw(actor=request.user, update=update)
    except NotFound as error:
        raise Http404(str(error)) from None
    except PermissionDenied as error:
        raise _forbidden(str(error)) from None
    messages.success(request, _("The update was taken off the portal."))
    return redirect("portal:project_public", pk=project.pk)


def _run(form, service, **kwargs) -> bool:
    """Call the service; its refusal lands on the form (nothing was saved: services are atomic)."""
    try:
        service(**kwargs)
    except ValidationError as error:
        add_errors(form, error)
        return False
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return False
    return True


def _forbidden(message: str = "") -> HttpPermissionDenied:
    return HttpPermissionDenied(message or _("Only the project's editors may change its public side."))
