"""Health endpoints for load balancers and orchestrators: ``/healthz`` (the process answers) and ``/readyz`` (the
database and the Celery broker answer). Unauthenticated and cheap; they tell nothing but ``ok`` or ``unavailable``.

Probes usually call a container by its IP address over plain HTTP, a Host that is not in ALLOWED_HOSTS and a scheme
that SECURE_SSL_REDIRECT would redirect. ``HealthCheckMiddleware`` therefore answers both paths before any other
middleware looks at the request (it runs right after the request log).
"""

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

HEALTHZ_PATH = "/healthz"
READYZ_PATH = "/readyz"
HEALTH_PATHS = frozenset({HEALTHZ_PATH, READYZ_PATH})

# A probe must answer well within a load balancer's own timeout (typically 5 s), even when a service hangs.
CHECK_TIMEOUT_SECONDS = 2.0

OK = "ok"
UNAVAILABLE = "unavailable"
DISABLED = "disabled"  # the demo without Redis: Celery tasks run eagerly, there is no broker to ask

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serves requests; asks nothing of the database or the broker."""
    return JsonResponse({"status": OK})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 naming the check that failed."""
    checks = {"database": _run("database", _database_ping), "broker": _run("broker", _broker_ping)}
    ready = all(result != UNAVAILABLE for result in checks.values())
    return JsonResponse({"status": OK if ready else UNAVAILABLE, "checks": checks}, status=200 if ready else 503)


def _run(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception as error:  # any failure means "not ready"; the details go to the log, never to the caller
        logger.warning("Readiness check %s failed: %s: %s", name, type(error).__name__, error)
        return UNAVAILABLE


def _database_ping() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    pool = getattr(connection, "pool", None)  # psycopg 3's pool, when DATABASES configures one
    if pool is not None and connection.connection is None:
        # Borrow from the pool with a short timeout of our own: a request would wait the pool's longer one.
        pool.open()
        with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as raw_connection:
            raw_connection.execute("SELECT 1")
        return OK
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def _broker_ping() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return DISABLED
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
        retry=None,  # one attempt: a probe that retries hides the outage it is there to report
    )
    try:
        client.ping()
    finally:
        client.close()
    return OK


_VIEWS = {HEALTHZ_PATH: healthz, READYZ_PATH: readyz}


class HealthCheckMiddleware:
    """Answers the health paths itself, before host validation, the HTTPS redirect, sessions and CSRF."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        view = _VIEWS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
