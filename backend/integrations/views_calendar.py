"""Calendar feeds: the secret addresses calendar programs read (no sign-in), and managing them on the profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backend.integrations import calendar, selectors, services
from backend.notifications.services import site_url
from backend.projects.selectors import project_list_visible
from backend.web.htmx import render_page

PROFILE_ANCHOR = "#calendar-heading"


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # A secret address: neither shared caches nor the browser's history should keep it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _owner(token: str):
    user = selectors.calendar_feed_owner(token=token)
    if user is None:
        raise Http404
    return user


@require_GET
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = _owner(token)
    with translation.override(user.language):
        entries = calendar.personal_entries(user=user)
        body = calendar.feed_render(
            name=_("Rámec – %(name)s") % {"name": user.get_full_name() or user}, entries=entries
        )
    return _calendar_response(body, "ramec.ics")


@require_GET
def project_feed(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    user = _owner(token)
    project = project_list_visible(user=user).filter(pk=pk).first()
    if project is None:
        raise Http404
    with translation.override(user.language):
        entries = calendar.project_entries(user=user, project=project)
        body = calendar.feed_render(name=_("Rámec – %(project)s") % {"project": project.title}, entries=entries)
    return _calendar_response(body, f"ramec-project-{project.pk}.ics")


@login_required
@require_GET
def project_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Where to subscribe to one project's dates: its address under the person's own calendar token."""
    project = project_list_visible(user=request.user).filter(pk=pk).first()
    if project is None:
        raise Http404
    feed = selectors.calendar_feed_of(user=request.user)
    url = site_url(reverse("integrations:calendar_project", args=[feed.token, project.pk])) if feed else ""
    return render_page(request, "integrations/project_calendar.html", {"project": project, "feed_url": url})


@login_required
@require_POST
def feed_regenerate(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_regenerate(user=request.user)
    messages.success(request, _("Your calendar has a new address; the previous one no longer works."))
    return redirect(reverse("web:profile") + PROFILE_ANCHOR)


@login_required
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_revoke(user=request.user)
    messages.success(request, _("Your calendar address no longer works."))
    return redirect(reverse("web:profile") + PROFILE_ANCHOR)
