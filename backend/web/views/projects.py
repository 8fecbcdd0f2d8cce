"""The project list (filters, sorting, paging) and the form that creates a project idea.

Also the card query and the partner-view rule the board and the dashboard share with the list.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from backend.accounts.models import Department, Municipality, User
from backend.accounts.selectors import Access, municipality_list_visible, user_access
from backend.core.errors import DomainError
from backend.projects.access import internal_projects_filter, project_access, sees_internals_everywhere
from backend.projects.choices import OPEN_TASK_STATUSES
from backend.projects.exports import CSV_CONTENT_TYPE, project_csv_filename, project_csv_lines
from backend.projects.models import Project, Task
from backend.projects.selectors import project_list_visible
from backend.projects.services import project_create as project_create_service
from backend.web.forms.projects import ProjectForm, filter_departments, project_filters
from backend.web.htmx import htmx_partial, render_page
from backend.web.pagination import page_of

PAGE_SIZE = 50

# Sort keys of the list (``?sort=title``, ``?sort=-title``) and the columns they order by; the id keeps
# pages stable when values tie. The cost and the creation time are internal, as in the API's and the CSV's
# partner shape: partners can neither see nor sort by them (the default order stays the same for everyone).
SORTS = {
    "title": gettext_lazy("title"),
    "stage_changed_at": gettext_lazy("in stage since"),
    "created_at": gettext_lazy("created at"),
    "estimated_cost": gettext_lazy("estimated cost (CZK)"),
}
INTERNAL_SORTS = {"estimated_cost", "created_at"}
# Sort keys whose column may be empty: projects without a value come last in either direction.
NULLABLE_SORTS = {"estimated_cost"}
DEFAULT_SORT = "-created_at"


def project_cards(*, user: User, projects: QuerySet[Project]) -> QuerySet[Project]:
    """``projects`` (already scoped to what ``user`` sees) with what a card or a row shows: ``open_task_count``.

    The count is a subquery per shown project (over the tasks' project index), not a join of the projects with
    every task grouped afterwards: the planner sized that join by the whole task table and scanned all of it.

    A partner guest counts only the open tasks assigned to them, the only tasks they see.
    """
    access = user_access(user=user)
    open_tasks = Task.objects.filter(project_id=OuterRef("pk"), status__in=OPEN_TASK_STATUSES)
    if not sees_internals_everywhere(access=access):
        open_tasks = open_tasks.filter(
            internal_projects_filter(access=access, prefix="project__") | Q(assignee_id=access.user_id)
        )
    counted = open_tasks.order_by().values("project_id").annotate(count=Count("pk")).values("count")
    return projects.annotate(open_task_count=Coalesce(Subquery(counted), 0))


def mark_internals(*, user: User, projects) -> list[Project]:
    """Evaluate ``projects`` and set ``sees_internals`` on each for the templates (no query per project)."""
    projects = list(projects)
    for project in projects:
        project.sees_internals = project_access(user=user, project=project).sees_internals
    return projects


def can_create_projects(*, user: User) -> bool:
    """Municipal users (any role) and platform admins; partner guests never."""
    access = user_access(user=user)
    return access.is_platform_admin or bool(access.municipality_ids)


def _sort(requested: str, *, access: Access) -> tuple[str, list]:
    """The sort key actually used (unknown or forbidden keys fall back to the default) and its ordering."""
    key = requested.removeprefix("-")
    internal_allowed = sees_internals_everywhere(access=access)
    if key not in SORTS or (key in INTERNAL_SORTS and not internal_allowed):
        requested, key = DEFAULT_SORT, DEFAULT_SORT.removeprefix("-")
    descending = requested.startswith("-")
    if key in NULLABLE_SORTS:
        column = F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True)
    else:
        # A plain ORDER BY, which the index on the order can serve: "NULLS LAST" on a column without nulls
        # changes no row's place but matches no index (and SQLite's indexes cannot say it).
        column = F(key).desc() if descending else F(key).asc()
    return requested, [column, "-id" if descending else "id"]


def _sort_headers(current: str, *, access: Access) -> dict[str, dict]:
    """For each sortable column: the key its header link asks for and its aria-sort state."""
    internal_allowed = sees_internals_everywhere(access=access)
    headers = {}
    for key, label in SORTS.items():
        if key in INTERNAL_SORTS and not internal_allowed:
            continue
        state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
        headers[key] = {"label": label, "state": state, "next": f"-{key}" if state == "ascending" else key}
    return headers


@login_required
@require_GET
@vary_on_headers("HX-Request")
def project_list(request: HttpRequest) -> HttpResponse:
    access = user_access(user=request.user)
    sort, ordering = _sort(request.GET.get("sort", DEFAULT_SORT), access=access)
    filterset = project_filters(
        data=request.GET,
        queryset=project_list_visible(user=request.user).order_by(*ordering),
        departments=filter_departments(projects=project_list_visible(user=request.user)),
        request=request,
    )
    # The pager's COUNT leaves the unused task count out; the page query computes it for the page's rows alone
    # (PostgreSQL evaluates the subquery after the LIMIT), so nothing reads all visible projects twice.
    rows = project_cards(user=request.user, projects=filterset.qs).select_related("lead_department", "manager")
    page = page_of(rows, number=request.GET.get("page"), per_page=PAGE_SIZE)
    context = {
        "nav": "projects",
        "filter_form": filterset.form,
        "page": page,
        "projects": mark_internals(user=request.user, projects=page.object_list),
        "sort": sort,
        "headers": _sort_headers(sort, access=access),
        "show_internal_columns": access.is_platform_admin or bool(access.municipality_ids),
        "can_create": can_create_projects(user=request.user),
    }
    return render_page(request, "pages/project_list.html", context, fragment="results")


@login_required
@require_GET
def project_export(request: HttpRequest) -> StreamingHttpResponse | HttpResponse:
    """The list as a CSV file, with the list's filters and sort (``/projects/export.csv?<the list's query>``)."""
    access = user_access(user=request.user)
    _, ordering = _sort(request.GET.get("sort", DEFAULT_SORT), access=access)
    # The list's form, so that its "all" options (empty values) mean no filter here too; the department
    # choices only matter for showing the form.
    filterset = project_filters(
        data=request.GET,
        queryset=project_list_visible(user=request.user).order_by(*ordering),
        departments=Department.objects.none(),
        request=request,
    )
    if not filterset.is_valid():
        # The list shows what is wrong with the filters next to them.
        return redirect(f"{reverse('web:project_list')}?{request.GET.urlencode()}")
    response = StreamingHttpResponse(
        project_csv_lines(user=request.user, projects=filterset.qs), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{project_csv_filename()}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _municipality_for(*, user: User, lead_department) -> Municipality:
    """A new project belongs to its lead department's municipality, or to the author's only one."""
    if lead_department is not None:
        return lead_department.municipality
    municipalities = list(municipality_list_visible(user=user)[:2])
    if len(municipalities) == 1:
        return municipalities[0]
    raise ValidationError({"lead_department": _("You work for several municipalities: choose the lead department.")})


def _add_service_errors(form: ProjectForm, error: ValidationError) -> None:
    """Show the service's field errors next to the fields; errors of fields the form lacks on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def project_create(request: HttpRequest) -> HttpResponse:
    if not can_create_projects(user=request.user):
        raise Http404
    access = user_access(user=request.user)
    initial = {"lead_department": min(access.department_ids)} if access.department_ids else {}
    form = ProjectForm(request.POST if request.method == "POST" else None, user=request.user, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            municipality = _municipality_for(user=request.user, lead_department=data["lead_department"])
            project = project_create_service(actor=request.user, municipality=municipality, **data)
        except ValidationError as error:
            _add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The project “%(title)s” was created as an idea.") % {"title": project.title})
            url = reverse("web:project_detail", kwargs={"pk": project.pk})
            return HttpResponseClientRedirect(url) if htmx_partial(request) else redirect(url)
    # htmx 2 does not swap 4xx answers by default, so the fragment with the errors answers 200;
    # a plain form post answers 422 so that scripts and tests can tell a refusal from a page.
    status = 422 if form.is_bound and not htmx_partial(request) else 200
    context = {"nav": "projects", "form": form}
    return render_page(request, "pages/project_form.html", context, fragment="form", status=status)


urlpatterns = [
    path("projects/", project_list, name="project_list"),
    path("projects/new/", project_create, name="project_create"),
    path("projects/export.csv", project_export, name="project_export"),
]
