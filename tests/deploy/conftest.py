"""The production configuration as processes: environments for subprocesses, and servers started the way the
containers start them (docker/entrypoint.sh), each killed with its whole process group at teardown.
"""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.notifications.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
ENTRYPOINT = DOCKER / "entrypoint.sh"
VENV_BIN = Path(sys.executable).parent
# What a bare shell keeps; nothing else of the suite's environment (its DEBUG, SECURE_SSL_REDIRECT…) leaks in.
KEPT_FROM_THE_SHELL = ("HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
# One key for the whole run, as random and as long as check --deploy wants.
PRODUCTION_SECRET_KEY = secrets.token_urlsafe(50)


def production_environment(**variables: str) -> dict[str, str]:
    """The environment of a production container: DEBUG off, a real secret, nothing from the suite's settings."""
    environment = {name: os.environ[name] for name in KEPT_FROM_THE_SHELL if name in os.environ}
    environment.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="backend.settings",
        PYTHONUNBUFFERED="1",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="ramec.example.cz",
    )
    environment.update(variables)
    return environment


def run_manage(*arguments: str, environment: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- Services -----------------------------------------------------------------------------------------------------


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def redis_answers(url: str) -> bool:
    try:
        return bool(url) and redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return False


NO_REDIS_REASON = "needs Redis (not reachable; set REDIS_URL or start it on 127.0.0.1:6379)"


@pytest.fixture
def redis_url() -> str:
    """The suite's Redis; skips without it (fails with CI=true, where .ci/run starts it)."""
    url = os.environ.get("REDIS_URL", "")
    if not redis_answers(url):
        if in_ci():
            pytest.fail(f"CI=true: {NO_REDIS_REASON}")
        pytest.skip(NO_REDIS_REASON)
    return url


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """What the Dockerfile's build step makes: collectstatic with the production settings and build-only values."""
    static_root = tmp_path_factory.mktemp("static")
    result = run_manage(
        "collectstatic",
        "--noinput",
        "--verbosity",
        "0",
        environment=production_environment(
            SECRET_KEY="build-time-only-collectstatic-uses-no-secret",
            DATABASE_URL="sqlite:////tmp/unused.sqlite3",
            STATIC_ROOT=str(static_root),
        ),
    )
    assert result.returncode == 0, result.stderr
    return static_root


@pytest.fixture
def unreachable_redis_url() -> str:
    """A Redis URL nothing answers: a port that was free a moment ago."""
    return f"redis://127.0.0.1:{free_port()}/0"


# --- Processes ----------------------------------------------------------------------------------------------------


@dataclass
class Service:
    """A server process started through docker/entrypoint.sh (which execs it: the pid is the server's)."""

    name: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, timeout: float = 30) -> int:
        """SIGTERM, as `docker stop` sends it, and the exit status once the server has shut down by itself."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.name} did not stop within {timeout:.0f} s of SIGTERM:\n{self.output()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the server and everything it started (gunicorn workers, Celery's pool)."""
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # children left behind by a server that exited
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def start_service(tmp_path) -> Iterator[Callable[..., Service]]:
    """``start_service(name, role, *arguments, environment=...)`` runs ``docker/entrypoint.sh role arguments``.

    Each service runs in a session of its own; at teardown every one still there is killed with its process group.
    Tests that need the database request it before this fixture, so the processes are gone before it is flushed.
    """
    services: list[Service] = []

    def start(name: str, role: str, *arguments: str, environment: dict[str, str]) -> Service:
        log = tmp_path / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                ["sh", str(ENTRYPOINT), role, *arguments],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        service = Service(name=name, process=process, log=log)
        services.append(service)
        return service

    try:
        yield start
    finally:
        for service in services:
            service.kill()
