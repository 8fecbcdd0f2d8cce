"""Structured logs: one JSON object a line in production, each line carrying the request it was written for.

``RequestLogMiddleware`` gives every request an id (the proxy's ``X-Request-ID`` or a new one), returns it in the
response and writes one line per request with the user, method, path, status and duration. ``JsonFormatter`` adds
that id to every other line written while the request runs, and the task id to lines written inside a Celery task.
"""

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from django.utils.functional import LazyObject, empty

from backend.core.health import HEALTH_PATHS

REQUEST_ID_HEADER = "X-Request-ID"
request_logger = logging.getLogger("ramec.request")

# The id of the request this thread serves; gunicorn's threads and Celery's tasks each see their own.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("ramec_request_id", default=None)

# An id from the proxy is kept only when it is short and plain, so nobody can write arbitrary text into the logs.
_ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

# What every LogRecord has; anything else on a record came from ``extra=`` and goes into the JSON object.
_STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request or task id, ``extra`` fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Django logs 4xx/5xx responses (django.request) after the middleware returned, with the request attached.
        request = record.__dict__.get("request")
        request_id = current_request_id.get() or getattr(request, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        entry.update(_task_context())
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_") and key not in entry and key != "request":
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _task_context() -> dict[str, str]:
    """The running Celery task's id and name; nothing outside a task (or in a process without Celery)."""
    celery = sys.modules.get("celery")
    task = getattr(celery, "current_task", None) if celery is not None else None
    if not task or not getattr(task.request, "id", None):
        return {}
    return {"task_id": task.request.id, "task_name": task.name}


class RequestLogMiddleware:
    """First in MIDDLEWARE: the request id for everything below, and one log line per request once it is answered.

    Health probes are logged only when they fail: a load balancer asks every few seconds.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _incoming_request_id(request) or uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[REQUEST_ID_HEADER] = request_id
            if not (request.path_info in HEALTH_PATHS and response.status_code == 200):
                request_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                        "user_id": _user_id(request),
                    },
                )
            return response
        finally:
            current_request_id.reset(token)


def _incoming_request_id(request) -> str | None:
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if _ACCEPTABLE_REQUEST_ID.fullmatch(value) else None


def _user_id(request) -> int | None:
    """Who made the request, if anything below looked: the log line must not cost a session query of its own."""
    user = request.__dict__.get("user")  # AuthenticationMiddleware's lazy user, or the one DRF authenticated
    if user is None or (isinstance(user, LazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None
