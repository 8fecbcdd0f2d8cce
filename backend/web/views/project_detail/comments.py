"""Comments on the project detail screen, and the @mention search of their form."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backend.projects.selectors import mention_candidates, project_get_visible
from backend.projects.services import comment_create
from backend.web.forms.project_detail import add_service_errors
from backend.web.views.errors import domain_errors
from backend.web.views.project_detail.page import (
    MENTION_RESULTS,
    comment_form,
    invalid,
    project_and_viewer,
    saved,
    tab_context,
)


@login_required
@require_POST
@domain_errors
def project_comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    form = comment_form(project, viewer, request.POST, request.FILES)
    if form is None:
        raise HttpPermissionDenied(_("Your organisation's access to this project is read-only."))
    if form.is_valid():
        try:
            comment_create(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, project, viewer, "comments", _("Your comment was posted."))
    context = tab_context(request, project, viewer, "comments", comment_form=form)
    return invalid(request, project, viewer, "comments", fragment="comments", context=context)


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
