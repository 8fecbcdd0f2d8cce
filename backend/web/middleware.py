"""The application's own 404 page in DEBUG too, for its own pages; a whole-page sign-in for htmx requests.

With DEBUG on, Django answers a 404 with its technical page (URL patterns, settings), which is what the demo
then shows a partner who types the address of a tab they may not see, or anyone who mistypes an address.
For the web UI's routes, and for addresses that match no route outside the admin, the API and static
files, answer with our page instead. The admin and the API keep their own answers.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from backend.web.views.errors import page_not_found

# Every namespace of the application's pages (web, integrations, energy, and whatever comes next) but these two.
NOT_APPLICATION_NAMESPACES = frozenset({"admin", "api"})
NOT_APPLICATION_PREFIXES = ("/admin/", "/api/", "/static/", "/media/")


class ApplicationNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Without DEBUG, Django calls handler404 (page_not_found) itself.
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None  # no route matched: Django's debug page
            and not request.path.startswith(NOT_APPLICATION_PREFIXES)
        ):
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view of the web UI raised Http404 (hidden or missing): our page, audited as the handler does."""
        if not settings.DEBUG or not isinstance(exception, Http404):
            return None
        match = getattr(request, "resolver_match", None)
        if match is None or not match.namespaces or NOT_APPLICATION_NAMESPACES.intersection(match.namespaces):
            return None
        return page_not_found(request, exception)


class HtmxSignInMiddleware:
    """An htmx request of someone whose session ended (the inactivity timeout) is sent to sign in as a page.

    ``login_required`` answers with a redirect, which the browser's XMLHttpRequest follows on its own: htmx
    would then put the whole sign-in page inside the tab, list or badge it was refreshing. Instead the answer
    tells htmx to load the sign-in page as a page (``HX-Redirect``), coming back afterwards to the page the
    person was on, not to the fragment's address (often POST only).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code != 302:
            return response
        if urlsplit(response["Location"]).path != resolve_url(settings.LOGIN_URL):
            return response
        current = request.htmx.current_url or ""
        if not url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()}):
            current = ""
        back_to = urlsplit(current)
        page = f"{back_to.path}?{back_to.query}" if back_to.query else back_to.path
        return HttpResponseClientRedirect(redirect_to_login(page or "/")["Location"])
