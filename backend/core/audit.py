"""The audit log: refusals (refused transitions and approvals, refused object access, failed sign-ins, lockouts) and
coordinators' decisions about access to the public portal (its settings, who moderates citizen ideas).

``audit_record`` is the one writer. It runs in its own savepoint and never lets a failure to write escape:
a refusal must still answer the user when the audit table is unreachable (the failure is logged instead).
An entry belongs to a municipality so that its coordinator, and only they, can read it.
"""

import contextvars
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from backend.core.client_ip import client_ip
from backend.core.logging import current_request_id
from backend.core.models import AuditAction, AuditEntry

logger = logging.getLogger(__name__)

# The address and path of the request being served, for entries written deep in a service (refused transitions).
_request_context: contextvars.ContextVar[tuple[str | None, str] | None] = contextvars.ContextVar(
    "ramec_audit_request", default=None
)

_MAX_PATH = AuditEntry._meta.get_field("path").max_length
_MAX_USERNAME = AuditEntry._meta.get_field("username").max_length


class AuditContextMiddleware:
    """Remembers the client's address and the path for entries written while the request runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_context.set((client_ip(request), request.path))
        try:
            return self.get_response(request)
        finally:
            _request_context.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Record a view's refusal here, where every view's 403/404 passes whatever DEBUG says: with DEBUG on,
        Django answers with its debug page and never calls our 404 handler. The handler then skips it."""
        status_code = 404 if isinstance(exception, Http404) else 403 if isinstance(exception, PermissionDenied) else 0
        if status_code:
            audit_access_refused(request=request, status_code=status_code, error=exception)
            mark_audited(exception)


def actor_municipality_ids(user_id: int) -> list[int]:
    """Every municipality the person belongs to, as staff or as a partner guest of one of its organisations."""
    # The audit model lives in core, below accounts: it names accounts' models rather than importing them.
    membership = apps.get_model("accounts", "Membership")
    return sorted(set(membership.objects.filter(user_id=user_id).values_list("municipality_id", flat=True)))


def audit_record(
    *,
    action: AuditAction | str,
    actor: Any = None,
    username: str = "",
    municipality_ids: Iterable[int] | None = None,
    object_type: str = "",
    object_id: Any = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> list[AuditEntry]:
    """Write one entry per municipality concerned (the actor's, unless given); none known gives one unscoped entry.

    The address and path come from ``request``, else from the request being served (AuditContextMiddleware).
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if request is not None:
        ip_address, path = client_ip(request), request.path
    else:
        ip_address, path = _request_context.get() or (None, "")
    details = dict(details or {})
    request_id = current_request_id.get()
    if request_id:
        details.setdefault("request_id", request_id)
    try:
        with transaction.atomic():
            if municipality_ids is None:
                municipality_ids = actor_municipality_ids(actor.pk) if actor is not None else []
            scopes = sorted(set(municipality_ids)) or [None]
            entries = [
                AuditEntry(
                    action=action,
                    actor=actor,
                    username=(username or (actor.get_username() if actor is not None else ""))[:_MAX_USERNAME],
                    municipality_id=municipality_id,
                    object_type=object_type[:64],
                    object_id=str(object_id if object_id is not None else "")[:64],
                    path=path[:_MAX_PATH],
                    ip_address=ip_address,
                    details=details,
                )
                for municipality_id in scopes
            ]
            return AuditEntry.objects.bulk_create(entries)
    except DatabaseError:
        logger.exception("The audit entry %s could not be written.", action, extra={"audit_details": details})
        return []


def audit_access_refused(*, request: HttpRequest, status_code: int, error: BaseException | None = None) -> None:
    """A signed-in user was answered 403 or 404 for something a route names (an object, a tab, an action).

    Anonymous callers are not recorded (crawlers and scanners would drown the log), nor addresses no route
    matches: a mistyped URL is not an attempt on an object.
    """
    if is_audited(error):
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    match = getattr(request, "resolver_match", None)
    if match is None:
        return
    object_id = next(iter(match.kwargs.values()), "") if match.kwargs else ""
    audit_record(
        action=AuditAction.ACCESS_REFUSED,
        actor=user,
        object_type=match.view_name or "",
        object_id=object_id,
        request=request,
        details={"status": status_code, "method": request.method},
    )


def _on_sign_in_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        username=username,
        municipality_ids=actor_municipality_ids(user.pk) if user is not None else [],
        object_type="user" if user is not None else "",
        object_id=user.pk if user is not None else "",
        request=request,
        details={"locked_out": bool(getattr(request, "axes_locked_out", False))},
    )


def _on_locked_out(sender, request: HttpRequest | None = None, username: str | None = None, **kwargs) -> None:
    username = str(username or "")
    user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    audit_record(
        action=AuditAction.LOCKED_OUT,
        username=username,
        municipality_ids=actor_municipality_ids(user.pk) if user is not None else [],
        object_type="user" if user is not None else "",
        object_id=user.pk if user is not None else "",
        request=request,
        details={"failures": getattr(request, "axes_failures_since_start", None)},
    )


def connect_signals() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.connect(_on_sign_in_failed, dispatch_uid="ramec_audit_sign_in_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="ramec_audit_locked_out")


def audit_prune_expired(*, now=None) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS; the only way entries are ever removed."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    expired = AuditEntry.objects.filter(at__lt=cutoff)
    # A raw delete: the model and its queryset refuse deletes so that nothing else removes entries.
    return expired._raw_delete(expired.db)


def mark_audited(error: BaseException) -> None:
    """Flag an error whose refusal is already in the log, so the HTTP layer does not record it again."""
    error._ramec_audited = True


def is_audited(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it was raised from, was already recorded."""
    seen = 0
    while error is not None and seen < 10:
        if getattr(error, "_ramec_audited", False):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False
