"""Domain errors mapped once to HTTP: hidden → 404, forbidden → 403, not possible now → 409, invalid → 400."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.core import errors


def _conflict(detail: str, code: str, blockers: list[dict[str, str]]) -> Response:
    return Response({"detail": detail, "code": code, "blockers": blockers}, status=status.HTTP_409_CONFLICT)


def exception_handler(exc: Exception, context: dict) -> Response | None:
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
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
