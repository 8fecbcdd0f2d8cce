"""Funding applications and KPIs: one pair of generic item views (add from a tab's form, edit a row in
place) that the tasks' edit uses too."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.projects.models import Project
from backend.projects.selectors import funding_list_visible, kpi_list_visible
from backend.projects.services import funding_create, funding_update, kpi_create, kpi_update
from backend.web.forms.project_detail import FundingForm, KpiForm, add_service_errors
from backend.web.views.errors import domain_errors
from backend.web.views.project_detail.page import (
    Viewer,
    invalid,
    project_and_viewer,
    respond,
    saved,
    tab_context,
    wants_fragment,
)


def require_editor(viewer: Viewer) -> None:
    if not viewer.may_edit:
        raise HttpPermissionDenied(_("Only the project manager, a head of an involved department or the coordinator."))


def item_visible(queryset: QuerySet, item_id: int) -> Model:
    item = queryset.filter(pk=item_id).first()
    if item is None:
        raise Http404(_("Not found."))
    return item


@login_required
@require_POST
@domain_errors
def project_funding_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    if viewer.partner:
        raise Http404(_("This part of the project is not shared with you."))
    require_editor(viewer)
    return create_item(
        request,
        project,
        viewer,
        tab="funding",
        form=FundingForm(request.POST, municipality_id=project.municipality_id),
        form_key="funding_form",
        create=lambda fields: funding_create(actor=request.user, project=project, **fields),
        notice=lambda created: _("The funding application was added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def project_funding_update(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    application = item_visible(funding_list_visible(user=request.user, project=project), item_id)
    require_editor(viewer)
    return edit_item(
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
    project, viewer = project_and_viewer(request, pk)
    require_editor(viewer)
    return create_item(
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
    project, viewer = project_and_viewer(request, pk)
    kpi = item_visible(kpi_list_visible(user=request.user, project=project), item_id)
    require_editor(viewer)
    return edit_item(
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


def create_item(
    request: HttpRequest, project: Project, viewer: Viewer, *, tab: str, form, form_key: str, create, notice
) -> HttpResponse:
    """Add an item from a tab's form; on invalid input re-render the tab with the errors on their fields."""
    if form.is_valid():
        try:
            created = create(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, project, viewer, tab, notice(created))
    context = tab_context(request, project, viewer, tab, **{form_key: form})
    return invalid(request, project, viewer, tab, fragment=tab, context=context)


def edit_item(
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
            return saved(
                request, project, viewer, tab, message, fragment=row, row_notice=message, **{item_key: item}, **extra
            )
    status = 400 if form.is_bound and not wants_fragment(request) else 200
    if wants_fragment(request):
        context = {item_key: item, "edit_form": form, **extra}
        return respond(request, project, viewer, tab, fragment=edit_row, context=context, status=status)
    context = tab_context(request, project, viewer, tab, editing_id=item.pk, edit_form=form)
    return respond(request, project, viewer, tab, fragment=tab, context=context, status=status)
