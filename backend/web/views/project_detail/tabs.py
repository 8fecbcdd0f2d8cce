"""The project detail screen's tabs: the overview and every other tab, whole pages or htmx fragments."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backend.web.views.errors import domain_errors
from backend.web.views.project_detail.page import project_and_viewer, respond, tab_context


@login_required
@require_GET
@domain_errors
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return project_tab(request, pk, "overview")


@login_required
@require_GET
@domain_errors
def project_tab(request: HttpRequest, pk: int, tab: str) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    if not viewer.sees(tab):
        raise Http404(_("This part of the project is not shared with you."))
    return respond(
        request, project, viewer, tab, fragment="tab_response", context=tab_context(request, project, viewer, tab)
    )
