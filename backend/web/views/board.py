"""The pipeline board: a column per stage with a card per project, filtered by the API's ProjectFilterSet."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from backend.projects.models import Project
from backend.projects.selectors import project_list_visible
from backend.web.forms import filter_departments, project_filters
from backend.web.htmx import render_page
from backend.web.views.projects import can_create_projects, mark_internals, project_card_list
from workflows.stages import Stage


@dataclass(frozen=True)
class Column:
    stage: Stage
    projects: list[Project]


@login_required
@require_GET
@vary_on_headers("HX-Request")
def board(request: HttpRequest) -> HttpResponse:
    filterset = project_filters(
        data=request.GET,
        # Longest in its stage first: the cards most likely to need a push.
        queryset=project_card_list(user=request.user).order_by("stage_changed_at", "id"),
        departments=filter_departments(projects=project_list_visible(user=request.user)),
    )
    projects = mark_internals(user=request.user, projects=filterset.qs)
    # The filterset validated its (always bound) form above; a valid stage filter holds even if another is wrong.
    chosen = set(filterset.form.cleaned_data.get("stage") or ())
    columns = [
        Column(stage=stage, projects=[project for project in projects if project.stage == stage])
        for stage in Stage
        if not chosen or stage in chosen
    ]
    context = {
        "nav": "board",
        "filter_form": filterset.form,
        "columns": columns,
        "total": len(projects),
        "can_create": can_create_projects(user=request.user),
    }
    return render_page(request, "pages/board.html", context, fragment="board")


urlpatterns = [
    path("board/", board, name="board"),
]
