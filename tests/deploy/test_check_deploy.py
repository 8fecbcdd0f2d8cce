"""The production settings, read in a fresh interpreter from a production environment: ``check --deploy`` is clean,
connections are pooled by psycopg 3, logs are JSON, the probes come first, static files collect as at build time.
"""

import json
import subprocess
import sys

import pytest

from tests.deploy.conftest import ROOT, production_environment, run_manage

PRODUCTION = {
    "DATABASE_URL": "postgres://ramec:secret@postgres:5432/ramec",
    "REDIS_URL": "redis://redis:6379/0",
    "ALLOWED_HOSTS": "ramec.example.cz",
    "SITE_URL": "https://ramec.example.cz",
    "EMAIL_URL": "smtp://smtp.example.cz:587/?tls=True",
}
READ_SETTINGS = """
import django, json
django.setup()
from django.conf import settings
database = settings.DATABASES["default"]
console = settings.LOGGING["handlers"]["console"]
print(json.dumps({
    "database": {key: database[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS")},
    "middleware": settings.MIDDLEWARE,
    "formatter": settings.LOGGING["formatters"][console["formatter"]],
    "hijack": settings.CELERY_WORKER_HIJACK_ROOT_LOGGER,
    "queue": settings.CELERY_TASK_DEFAULT_QUEUE,
}, default=repr))
"""


def read_settings(**variables: str) -> subprocess.CompletedProcess:
    """The settings read in a fresh interpreter with these variables beside ``PRODUCTION``."""
    return subprocess.run(
        [sys.executable, "-c", READ_SETTINGS],
        cwd=ROOT,
        env=production_environment(**{**PRODUCTION, **variables}),
        capture_output=True,
        text=True,
        timeout=60,
    )


def production_settings(**variables: str) -> dict:
    result = read_settings(**variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("preload", ["false", "true"])
def test_check_deploy_is_clean_with_the_production_settings(preload):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        environment=production_environment(**PRODUCTION, SECURE_HSTS_PRELOAD=preload),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_still_fails_on_what_production_must_not_have():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        environment=production_environment(**PRODUCTION, SECRET_KEY="too-short", SECURE_SSL_REDIRECT="false"),
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr and "security.W008" in result.stderr


def test_production_pools_connections_with_psycopg_and_checks_them():
    database = production_settings()["database"]

    assert database["OPTIONS"]["pool"] == {
        "min_size": 1,
        "max_size": 4,
        "timeout": 10.0,
        "check": "CheckUnlessRecentlyUsed(window=1.0)",  # backend.core.pool; tests/core/test_pool.py
    }
    assert database["CONN_MAX_AGE"] == 0  # Django refuses persistent connections beside a pool
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["connect_timeout"] == 5


def test_the_pool_is_tunable_and_can_give_way_to_an_outside_pooler():
    tuned = production_settings(DATABASE_POOL_MAX_SIZE="8", DATABASE_POOL_TIMEOUT="3")["database"]
    without = production_settings(DATABASE_POOL="false", CONN_MAX_AGE="30")["database"]

    assert tuned["OPTIONS"]["pool"]["max_size"] == 8 and tuned["OPTIONS"]["pool"]["timeout"] == 3.0
    assert "pool" not in without["OPTIONS"]
    assert without["CONN_MAX_AGE"] == 30


def test_the_pool_checks_every_connection_when_asked_to():
    recent = production_settings(DATABASE_POOL_CHECK_AFTER="5")["database"]["OPTIONS"]["pool"]
    every = production_settings(DATABASE_POOL_CHECK_AFTER="0")["database"]

    assert recent["check"] == "CheckUnlessRecentlyUsed(window=5.0)"
    assert "check" not in every["OPTIONS"]["pool"]  # Django's own: ConnectionPool.check_connection on every one
    assert every["CONN_HEALTH_CHECKS"] is True


def test_statements_are_prepared_per_connection_unless_a_pooler_forbids_it():
    prepared = production_settings()["database"]["OPTIONS"]
    behind_pgbouncer = production_settings(DATABASE_PREPARED_STATEMENTS="false")["database"]["OPTIONS"]

    assert prepared["server_side_binding"] is True and prepared["prepare_threshold"] == 5
    assert "server_side_binding" not in behind_pgbouncer and "prepare_threshold" not in behind_pgbouncer


def test_queries_start_no_parallel_workers_unless_asked_to():
    default = production_settings()["database"]["OPTIONS"]
    two = production_settings(DATABASE_PARALLEL_WORKERS="2")["database"]["OPTIONS"]
    server_s_own = production_settings(DATABASE_PARALLEL_WORKERS="")["database"]["OPTIONS"]
    beside_the_url_s = production_settings(
        DATABASE_URL=PRODUCTION["DATABASE_URL"] + "?options=-c%20statement_timeout%3D5000"
    )["database"]["OPTIONS"]

    assert default["options"] == "-c max_parallel_workers_per_gather=0"
    assert two["options"] == "-c max_parallel_workers_per_gather=2"
    assert "options" not in server_s_own
    assert beside_the_url_s["options"] == "-c statement_timeout=5000 -c max_parallel_workers_per_gather=0"


def test_a_number_of_parallel_workers_that_is_no_number_is_refused_by_name():
    result = read_settings(DATABASE_PARALLEL_WORKERS="two")

    assert result.returncode != 0
    assert "DATABASE_PARALLEL_WORKERS must be a whole number of workers (0 for none) or empty, not 'two'" in (
        result.stderr
    )


def test_production_logs_json_and_celery_logs_through_the_same_configuration():
    configured = production_settings()

    assert configured["formatter"] == {"()": "backend.core.logging.JsonFormatter"}
    assert configured["hijack"] is False


def test_the_demo_logs_plain_text():
    assert "()" not in production_settings(DEBUG="true")["formatter"]


def test_the_request_log_and_the_probes_come_before_every_other_middleware():
    assert production_settings()["middleware"][:3] == [
        "backend.core.logging.RequestLogMiddleware",
        "backend.core.health.HealthCheckMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ]


def test_installations_sharing_one_redis_name_their_own_queue():
    assert production_settings()["queue"] == "celery"
    assert production_settings(CELERY_QUEUE="ramec-staging")["queue"] == "ramec-staging"


def test_static_files_collect_with_the_production_settings_as_at_build_time(collected_static):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())["paths"]

    for name in ("ramec/ramec.css", "ramec/ramec.js", "django_htmx/htmx-2.min.js", "admin/css/base.css"):
        hashed = manifest[name]
        assert (collected_static / hashed).is_file()
        assert (collected_static / f"{hashed}.gz").is_file()  # WhiteNoise serves the compressed copy


READ_HEADERS = """
import django, json
django.setup()
from django.test import Client
response = Client(HTTP_HOST="ramec.example.cz").get("/login/", secure=True)
print(json.dumps({"status": response.status_code, "headers": dict(response.headers)}))
"""


def test_production_pages_carry_every_security_header():
    """A page answered by the production settings (in a fresh interpreter): CSP, HSTS, nosniff, referrer, frames."""
    result = subprocess.run(
        [sys.executable, "-c", READ_HEADERS],
        cwd=ROOT,
        # Static files are collected at build time; headers do not depend on the manifest.
        env=production_environment(**PRODUCTION, STATIC_MANIFEST="false"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {name.lower(): value for name, value in answer["headers"].items()}

    assert answer["status"] == 200
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self' 'nonce-" in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"


READ_SECURITY_SETTINGS = """
import django, json
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in (
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_AGE", "AXES_FAILURE_LIMIT", "AXES_LOCKOUT_PARAMETERS", "AXES_HANDLER", "TRUSTED_PROXY_COUNT",
    "AUDIT_RETENTION_DAYS",
)} | {"AXES_COOLOFF_SECONDS": settings.AXES_COOLOFF_TIME.total_seconds(), "BEAT": sorted(
    entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())}))
"""


def test_production_security_settings_and_their_safe_defaults():
    result = subprocess.run(
        [sys.executable, "-c", READ_SECURITY_SETTINGS],
        cwd=ROOT,
        env=production_environment(**PRODUCTION),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    configured = json.loads(result.stdout.strip().splitlines()[-1])

    assert configured["SESSION_COOKIE_SECURE"] is True and configured["CSRF_COOKIE_SECURE"] is True
    assert configured["SESSION_COOKIE_HTTPONLY"] is True and configured["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert configured["SESSION_COOKIE_AGE"] == 30 * 60  # the inactivity timeout
    assert configured["AXES_FAILURE_LIMIT"] == 5 and configured["AXES_COOLOFF_SECONDS"] == 15 * 60
    assert configured["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    # Attempts in the database: a Redis outage neither blocks sign-in nor forgets a lockout.
    assert configured["AXES_HANDLER"] == "axes.handlers.database.AxesDatabaseHandler"
    assert configured["TRUSTED_PROXY_COUNT"] == 0  # X-Forwarded-For is ignored unless proxies are declared
    assert configured["AUDIT_RETENTION_DAYS"] == 365
    assert "backend.core.tasks.audit_prune" in configured["BEAT"]
