"""Domain errors mapped once to HTTP: hidden → 404, forbidden → 403, not possible now → 409, invalid → 400.

A signed-in caller answered 403 or 404 is recorded in the audit log (unless the service already recorded it).
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from backend.core import errors
from backend.core.audit import audit_access_refused


class AccountLockedOut(exceptions.APIException):
    """Too many failed sign-ins of one account from one address (django-axes): 429 with Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, detail: str, *, wait: int) -> None:
        super().__init__(detail)
        self.wait = wait  # DRF's handler turns it into the Retry-After header


def _conflict(detail: str, code: str, blockers: list[dict[str, str]]) -> Response:
    return Response({"detail": detail, "code": code, "blockers": blockers}, status=status.HTTP_409_CONFLICT)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    response = _response_for(exc, context)
    if response is not None and response.status_code in (status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND):
        request = context.get("request")
        if request is not None and _authentication_settled(request):
            audit_access_refused(request=request, status_code=response.status_code, error=exc)
    return response


def _authentication_settled(request) -> bool:
    """Authenticate now if the error came before it (the 404 of an unknown ``?format=``, say): wrong credentials
    then leave an anonymous caller, who is not recorded, instead of an error inside the error handler (a 500)."""
    try:
        request.user  # noqa: B018 (DRF authenticates on first access)
    except exceptions.APIException:
        return False
    return True


def _response_for(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, errors.NotFound):
        exc = exceptions.NotFound(str(exc))
    elif isinstance(exc, Http404):
        # Django's message names the model ("No Task matches…"): answer the generic, translated one.
        exc = exceptions.NotFound()
    elif isinstance(exc, errors.PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, errors.TransitionBlocked):
        return _conflict(str(exc), exc.code, [blocker.as_dict() for blocker in exc.blockers])
    elif isinstance(exc, errors.TransitionNotAllowed | errors.ConcurrentChange):
        return _conflict(str(exc), exc.code, [{"code": exc.code, "message": str(exc)}])
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            # Django names errors of no field "__all__"; the API calls them what DRF does.
            detail = {
                api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, exceptions.ParseError):
        exc = _unreadable_body(context)
    elif isinstance(exc, exceptions.Throttled):
        exc = _throttled(exc.wait)
    elif isinstance(exc, exceptions.ValidationError):
        exc.detail = _translate_untranslated(exc.detail)
    return drf_exception_handler(exc, context)


@extend_schema(exclude=True)
class RouteNotFoundView(APIView):
    """A path under ``/api/`` that no route takes (``/api/v1/projects/0.5/``, ``/api/v2/``): the API's JSON 404
    for every method.

    Without it the answer would come from Django's URL resolver, which in DEBUG is the HTML debug page, not the
    JSON error the schema documents. As from the resolver, an address that does not exist is a 404 for anyone:
    nobody is authenticated or throttled, and (anonymous) nothing is recorded in the audit log.
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()


def _unreadable_body(context: dict) -> exceptions.ParseError:
    """One message whatever the parser said: its own names parser internals (line, column, codec) in English."""
    request = context.get("request")
    if request is not None and (request.content_type or "").startswith("multipart/"):
        return exceptions.ParseError(_("The request body could not be read as multipart/form-data."))
    return exceptions.ParseError(_("The request body is not valid JSON."))


def _throttled(wait: int | None) -> exceptions.Throttled:
    """DRF formats the wait into its English sentence before translating it, so no catalogue can match it."""
    if wait is None:
        return exceptions.Throttled(detail=_("Too many requests: try again later."))
    detail = ngettext(
        "Too many requests: try again in %(wait)d second.", "Too many requests: try again in %(wait)d seconds.", wait
    ) % {"wait": wait}
    throttled = exceptions.Throttled(detail=detail)
    throttled.wait = wait  # given to the constructor, DRF would append its English sentence to ours
    return throttled


def _translate_untranslated(detail):
    """DRF's serializers answer a missing body (JSON ``null``) with a literal "No data provided"."""
    if isinstance(detail, dict):
        return {key: _translate_untranslated(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_translate_untranslated(item) for item in detail]
    if isinstance(detail, exceptions.ErrorDetail) and detail.code == "null" and str(detail) == "No data provided":
        return exceptions.ErrorDetail(_("No data provided."), code="null")
    return detail
