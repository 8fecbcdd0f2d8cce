"""My tasks: the tasks assigned to me across the projects I may see, due soon first, a page at a time, status
changed inline.

Partner guests see only their own tasks on the projects shared with them (``task_list_visible``).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from backend.core.errors import NotFound, PermissionDenied
from backend.projects.choices import OPEN_TASK_STATUSES, TaskStatus
from backend.projects.models import Task
from backend.projects.selectors import task_list_visible
from backend.projects.services import task_set_status
from backend.web.forms.inbox import TaskStatusForm
from backend.web.htmx import htmx_partial, render_page
from backend.web.pagination import capped_counts, page_of

TEMPLATE = "pages/my_tasks.html"
PAGE_SIZE = 50


@require_GET
@login_required
@vary_on_headers("HX-Request")
def my_tasks(request: HttpRequest) -> HttpResponse:
    show_finished = request.GET.get("finished") == "1"
    today = timezone.localdate()
    tasks = task_list_visible(user=request.user).filter(assignee=request.user)
    if not show_finished:
        tasks = tasks.filter(status__in=OPEN_TASK_STATUSES)
    # One query gives the pager its count and the summary its overdue number, both capped (backend.web.pagination).
    total, overdue = capped_counts(tasks, tasks.filter(status__in=OPEN_TASK_STATUSES, due_date__lt=today))
    page = page_of(
        tasks.order_by(F("due_date").asc(nulls_last=True), "project__title", "id"),
        number=request.GET.get("page"),
        per_page=PAGE_SIZE,
        count=total,
    )
    context = {
        "nav": "tasks",
        "page": page,
        "tasks": page.object_list,
        "overdue_count": overdue,
        "show_finished": show_finished,
        "today": today,
        "statuses": TaskStatus.choices,
    }
    return render_page(request, TEMPLATE, context, fragment="task_list")


@require_POST
@login_required
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    form = TaskStatusForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            task = task_set_status(actor=request.user, task=task, status=form.cleaned_data["status"])
        except PermissionDenied as exception:
            raise HttpPermissionDenied(str(exception)) from exception
        except NotFound as exception:
            raise Http404(str(exception)) from exception
        except ValidationError as exception:
            error = " ".join(exception.messages)
    else:
        error = " ".join(form.errors.get("status", []))
    if not htmx_partial(request):
        if error:
            messages.error(request, _("%(task)s: %(error)s") % {"task": task.title, "error": error})
        else:
            status = task.get_status_display()
            messages.success(request, _("%(task)s: the status is now “%(status)s”.") % {"task": task, "status": status})
        return redirect(_back_to_list(request))
    context = {
        "task": task,
        "today": timezone.localdate(),
        "statuses": TaskStatus.choices,
        "show_finished": request.POST.get("finished") == "1",
        "page_number": request.POST.get("page", ""),
        "error": error,
        "changed": not error,
    }
    return render_page(request, TEMPLATE, context, fragment="task")


def _visible_task(request: HttpRequest, pk: int) -> Task:
    """A task the user may see; 404 whether it is missing or hidden."""
    try:
        return task_list_visible(user=request.user).get(pk=pk)
    except Task.DoesNotExist:
        raise Http404(_("Task not found.")) from None


def _back_to_list(request: HttpRequest) -> str:
    """Back to the list the user came from: with or without finished tasks, at the same page."""
    query = {"finished": "1"} if request.POST.get("finished") == "1" else {}
    page = request.POST.get("page", "")
    if page.isascii() and page.isdecimal():
        query["page"] = page
    url = reverse("web:my_tasks")
    return f"{url}?{urlencode(query)}" if query else url


urlpatterns = [
    path("tasks/", my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/status/", task_status, name="task_status"),
]
