"""Error pages in the user's language; JSON under /api/, where callers expect the API's error shape.

A signed-in user refused an object (403, or 404 from a route that exists) is recorded in the audit log.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from backend.core.audit import audit_access_refused
from backend.core.errors import NotFound, PermissionDenied


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    audit_access_refused(request=request, status_code=403, error=exception)
    if _is_api(request):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    audit_access_refused(request=request, status_code=404, error=exception)
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Hidden or missing → 404 page; seen but not allowed → 403 page, both in the user's language."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(str(error)) from None
        except PermissionDenied as error:
            raise HttpPermissionDenied(str(error)) from None

    return wrapper
