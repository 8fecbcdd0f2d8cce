"""Chooses the services the suite runs against, before Django reads its settings (loaded with ``-p``).

PostgreSQL and Redis are used when ``DATABASE_URL`` / ``REDIS_URL`` are set or answer on their default
local ports; otherwise SQLite in memory, and tests marked ``postgres`` are skipped and listed. With
``CI=true`` a missing PostgreSQL is an error, not a reason to skip.
"""

import os
import socket

import pytest

POSTGRES_DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ramec"
REDIS_DEFAULT_URL = "redis://127.0.0.1:6379/15"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


if not os.environ.get("DATABASE_URL") and _answers("127.0.0.1", 5432):
    os.environ["DATABASE_URL"] = POSTGRES_DEFAULT_URL
if not os.environ.get("REDIS_URL") and _redis_answers():
    os.environ["REDIS_URL"] = REDIS_DEFAULT_URL
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
# The suite runs the production code path (DEBUG off) with a throwaway key and no HTTPS redirect.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
# Throttling has its own tests with low limits; elsewhere it must never interfere.
os.environ.setdefault("API_THROTTLE_ANON", "100000/minute")
os.environ.setdefault("API_THROTTLE_USER", "100000/minute")
os.environ.setdefault("API_THROTTLE_TOKEN", "100000/minute")
os.environ.setdefault("EMAIL_URL", "memorymail://")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

ON_POSTGRES = os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://", "pgsql://"))
ON_REDIS = bool(os.environ.get("REDIS_URL"))
_SKIP_REASON = "needs PostgreSQL (not reachable; set DATABASE_URL or start it on 127.0.0.1:5432)"


def _safe_url(url: str) -> str:
    """The URL without a password, for the report header."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI", "").lower() == "true" and not ON_POSTGRES:
        pytest.exit("CI=true but PostgreSQL is not reachable: the suite must run on PostgreSQL in CI.", returncode=3)


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = f"PostgreSQL ({_safe_url(os.environ['DATABASE_URL'])})" if ON_POSTGRES else "SQLite (in memory)"
    redis = _safe_url(os.environ["REDIS_URL"]) if ON_REDIS else "none (Celery tasks run eagerly)"
    return [f"ramec database: {database}", f"ramec redis: {redis}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason=_SKIP_REASON)
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    database = "PostgreSQL" if ON_POSTGRES else "SQLite"
    terminalreporter.write_line(f"ramec: ran against {database}; redis {'yes' if ON_REDIS else 'no'}")
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if _SKIP_REASON in str(report.longrepr)]
    if skipped:
        terminalreporter.write_line(f"ramec: {len(skipped)} test(s) skipped for lack of PostgreSQL:")
        for report in skipped:
            terminalreporter.write_line(f"  {report.nodeid}")
