"""Sharing a project with other municipalities from the project page: who it is shared with, sharing with one
more, withdrawing a share. Who may do what is ``backend.projects.sharing``; these views only parse and render.

Every form is a plain POST answered with a redirect; htmx swaps the section in place instead.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from backend.accounts.models import Municipality
from backend.core.errors import NotFound
from backend.projects.access import project_access
from backend.projects.closed import closed_message, project_is_closed
from backend.projects.models import Project
from backend.projects.selectors import project_get_visible
from backend.projects.sharing import (
    may_share,
    may_unshare,
    project_share,
    project_share_candidates,
    project_shared_municipalities,
    project_unshare,
    require_may_share,
)
from backend.web.forms.project_detail import add_service_errors
from backend.web.htmx import htmx_partial, render_page
from backend.web.views.errors import domain_errors

SHARING_TEMPLATE = "pages/project_sharing.html"


class ShareForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=Municipality.objects.none(),
        empty_label=gettext_lazy("– choose a municipality –"),
        error_messages={"invalid_choice": gettext_lazy("Choose a municipality from the list.")},
    )

    def __init__(self, *args, project: Project, **kwargs) -> None:
        kwargs.setdefault("auto_id", "share-%s")
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = project_share_candidates(project=project).order_by("name")


def _shared_project(request: HttpRequest, pk: int) -> Project:
    """The project if the user sees its internals: partner guests get what a missing project answers."""
    project = project_get_visible(user=request.user, pk=pk)
    if not project_access(user=request.user, project=project).sees_internals:
        raise NotFound(_("Project not found."))
    return project


def _sharing_context(
    request: HttpRequest, project: Project, *, form: ShareForm | None = None, notice: str = ""
) -> dict:
    """The shared-with municipalities, each with whether the user may withdraw it: two queries however many."""
    user = request.user
    shared = [
        (municipality, may_unshare(user=user, project=project, municipality=municipality))
        for municipality in project_shared_municipalities(project=project).order_by("name")
    ]
    closed = project_is_closed(project)
    sharer = may_share(user=user, project=project)
    return {
        "project": project,
        "shared": shared,
        "share_form": (form or ShareForm(project=project)) if sharer and not closed else None,
        "closed_notice": closed_message(project) if sharer and closed else "",
        "notice": notice,
        "nav": "projects",
    }


def _section(request: HttpRequest, project: Project, *, notice: str, status: int = 200, **context) -> HttpResponse:
    if htmx_partial(request):
        return render_page(
            request,
            SHARING_TEMPLATE,
            _sharing_context(request, project, notice=notice, **context),
            fragment="sharing",
            status=status,
        )
    messages.success(request, notice)
    return redirect("web:project_sharing", pk=project.pk)


@login_required
@require_http_methods(["GET"])
@domain_errors
def project_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    project = _shared_project(request, pk)
    return render_page(request, SHARING_TEMPLATE, _sharing_context(request, project), fragment="sharing")


@login_required
@require_POST
@domain_errors
def project_share_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_get_visible(user=request.user, pk=pk)
    # Nobody who may not share learns which municipalities could be chosen: the service's answer comes first.
    require_may_share(user=request.user, project=project)
    form = ShareForm(request.POST, project=project)
    if form.is_valid():
        municipality = form.cleaned_data["municipality"]
        try:
            project_share(actor=request.user, project=project, municipality=municipality)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            notice = _("The project is now shared with %(municipality)s: its staff see it.")
            return _section(request, project, notice=notice % {"municipality": municipality.name})
    status = 200 if htmx_partial(request) else 400
    return render_page(
        request, SHARING_TEMPLATE, _sharing_context(request, project, form=form), fragment="sharing", status=status
    )


@login_required
@require_POST
@domain_errors
def project_unshare_view(request: HttpRequest, pk: int, municipality_id: int) -> HttpResponse:
    project = project_get_visible(user=request.user, pk=pk)
    municipality = project_shared_municipalities(project=project).filter(pk=municipality_id).first()
    if municipality is None:
        raise NotFound(_("The project is not shared with this municipality."))
    project_unshare(actor=request.user, project=project, municipality=municipality)
    notice = _("The project is no longer shared with %(municipality)s.") % {"municipality": municipality.name}
    if not _still_visible(request, project):
        # A shared-with municipality's coordinator withdrew their own town: the project is gone from their view.
        messages.success(request, notice)
        url = reverse("web:project_list")
        return HttpResponseClientRedirect(url) if htmx_partial(request) else redirect(url)
    return _section(request, project, notice=notice)


def _still_visible(request: HttpRequest, project: Project) -> bool:
    try:
        project_get_visible(user=request.user, pk=project.pk)
    except NotFound:
        return False
    return True


urlpatterns = [
    path("projects/<int:pk>/sharing/", project_sharing, name="project_sharing"),
    path("projects/<int:pk>/sharing/share/", project_share_view, name="project_share"),
    path(
        "projects/<int:pk>/sharing/<int:municipality_id>/withdraw/",
        project_unshare_view,
        name="project_unshare",
    ),
]
