"""The application's own 404 page in DEBUG too, for its own pages.

With DEBUG on, Django answers a view's Http404 with its technical page (URL patterns, settings), which is
what the demo then shows a partner who types the address of a tab they may not see. For routes of the web
UI, answer with our page instead; the admin, the API and addresses that match no route keep Django's
behaviour (the debug page lists the URL patterns, which is what a developer wants there).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from backend.web.views.errors import page_not_found

APPLICATION_NAMESPACES = frozenset({"web"})


class ApplicationNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or not isinstance(exception, Http404):
            return None  # without DEBUG, Django calls handler404, which is page_not_found already
        match = getattr(request, "resolver_match", None)
        if match is None or not APPLICATION_NAMESPACES.intersection(match.namespaces):
            return None
        return page_not_found(request, exception)
