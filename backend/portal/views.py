"""The public pages: the portal home, a municipality's portal with its public projects, a project's public page.

No sign-in and nothing per person: a page depends only on its address and the reader's language, so every page
answers with ``Cache-Control: public``, an ETag (304 when the browser already has it) and ``Vary`` on what picks
the language. They render only the records of backend.portal.public. No page needs JavaScript.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backend.core.errors import NotFound
from backend.portal.filters import PublicProjectFilterForm
from backend.portal.ideas import idea_list_for_project
from backend.portal.public import (
    public_attachment_get,
    public_consultation_running,
    public_energy,
    public_project_cards,
    public_project_count,
    public_project_get,
    public_update_list,
)
from backend.portal.selectors import portal_get_open, portal_list_open
from backend.projects.downloads import attachment_file_response

PAGE_SIZE = 20
LATEST_UPDATES = 5


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET only; hidden or missing → 404; a 200 is publicly cacheable for ``PORTAL_CACHE_SECONDS`` and carries an
    ETag of its content, so a browser or a proxy that has it gets a 304 without the page again.

    ``Vary: Cookie`` because the language cookie picks the language as well as ``Accept-Language``.
    """

    @require_GET
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(str(error)) from None
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        if response.status_code != 200 or response.streaming:
            return response
        patch_cache_control(response, public=True, max_age=settings.PORTAL_CACHE_SECONDS)
        set_response_etag(response)
        return get_conditional_response(request, etag=response.get("ETag"), response=response)

    return wrapper


@public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"portals": list(portal_list_open())})


@public_page
def municipality(request: HttpRequest, slug: str) -> HttpResponse:
    portal = portal_get_open(slug=slug)
    form = PublicProjectFilterForm(request.GET or None, municipality=portal.municipality)
    if form.is_bound and not form.is_valid():
        page = None
    else:
        if not form.is_bound:
            form.cleaned_data = {}
        paginator = Paginator(form.projects(), PAGE_SIZE)
        if not form.is_filtered():
            # The unfiltered count is kept in the cache with the energy figures: no count of every public project.
            paginator.count = public_project_count(municipality=portal.municipality)
        page = paginator.get_page(request.GET.get("page"))
    context = {
        "portal": portal,
        "form": form,
        "page": page,
        "projects": public_project_cards(page.object_list) if page else [],
        "query": _query_without_page(request),
        "updates": public_update_list(municipality=portal.municipality, limit=LATEST_UPDATES),
        "energy": public_energy(municipality=portal.municipality),
        "consultation_running": public_consultation_running(
            municipality=portal.municipality, today=timezone.localdate()
        ),
    }
    return render(request, "portal/municipality.html", context, status=200 if page else 400)


@public_page
def project(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    portal = portal_get_open(slug=slug)
    detail = public_project_get(municipality=portal.municipality, pk=pk)
    context = {
        "portal": portal,
        "detail": detail,
        "source_ideas": list(idea_list_for_project(project_id=detail.project.id)),
    }
    return render(request, "portal/project.html", context)


@require_GET
def attachment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A file of a public update, to download; every other file is a 404."""
    try:
        portal = portal_get_open(slug=slug)
        response = attachment_file_response(public_attachment_get(municipality=portal.municipality, pk=pk))
    except NotFound:
        raise Http404(_("Attachment not found.")) from None
    patch_cache_control(response, public=True, max_age=settings.PORTAL_CACHE_SECONDS)
    return response


@require_GET
def language(request: HttpRequest) -> HttpResponse:
    """Switch the language with a link (``?language=en&next=/obec/vzorov/``), so that the public pages carry no
    form and no CSRF token and stay cacheable. Choosing a language is no change anyone could abuse."""
    code = request.GET.get("language", "")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


def _query_without_page(request: HttpRequest) -> str:
    """The filters of the current list as a query string, for the page links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
