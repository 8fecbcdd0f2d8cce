"""Tasks on the project detail screen: create, change status, edit in place."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.projects.choices import TaskStatus
from backend.projects.models import Project
from backend.projects.selectors import task_list_visible
from backend.projects.services import task_create, task_set_status, task_update
from backend.web.forms.project_detail import TaskEditForm, TaskForm, TaskStatusForm, add_service_errors
from backend.web.views.errors import domain_errors
from backend.web.views.project_detail.items import edit_item
from backend.web.views.project_detail.page import (
    invalid,
    project_and_viewer,
    respond,
    saved,
    tab_context,
    wants_fragment,
)


def task_visible(request: HttpRequest, project: Project, task_id: int):
    task = task_list_visible(user=request.user).filter(project=project, pk=task_id).first()
    if task is None:
        raise Http404(_("Task not found."))
    return task


@login_required
@require_POST
@domain_errors
def project_task_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    if not viewer.staff:
        raise HttpPermissionDenied(_("Only the municipality's staff may create tasks."))
    form = TaskForm(request.POST, project=project)
    if form.is_valid():
        try:
            task = task_create(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, project, viewer, "tasks", _("Task “%(title)s” created.") % {"title": task.title})
    context = tab_context(request, project, viewer, "tasks", task_form=form)
    return invalid(request, project, viewer, "tasks", fragment="tasks", context=context)


@login_required
@require_POST
@domain_errors
def project_task_status(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    task = task_visible(request, project, task_id)
    form = TaskStatusForm(request.POST)
    if form.is_valid():
        try:
            task = task_set_status(actor=request.user, task=task, status=form.cleaned_data["status"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            notice = _("“%(title)s” is now: %(status)s.") % {"title": task.title, "status": task.get_status_display()}
            row = {"task": task, "task_statuses": TaskStatus.choices}
            return saved(request, project, viewer, "tasks", notice, fragment="task_row", row_notice=notice, **row)
    message = " ".join(error for errors in form.errors.values() for error in errors)
    row_error = {"task_id": task.pk, "message": message}
    if wants_fragment(request):
        context = {"task": task, "task_statuses": TaskStatus.choices, "row_error": row_error}
        return respond(request, project, viewer, "tasks", fragment="task_row", context=context)
    context = tab_context(request, project, viewer, "tasks", row_error=row_error)
    return invalid(request, project, viewer, "tasks", fragment="tasks", context=context)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def project_task_edit(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    if not viewer.staff:
        raise HttpPermissionDenied(_("Only the municipality's staff may edit tasks."))
    task = task_visible(request, project, task_id)
    return edit_item(
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
