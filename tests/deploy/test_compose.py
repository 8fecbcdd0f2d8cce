"""docker/: the compose file names every service, with health checks, named volumes, one beat and warm shutdowns; the
image is built from the lock as a non-root user with static files collected; .env.example lists every setting.

``docker compose config`` validates the file where a docker client with the compose plugin is installed; everywhere
the same structure is checked from the YAML itself.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.apps import apps

from backend.accounts.management.commands.createcoordinator import PASSWORD_VARIABLE
from tests.deploy.conftest import DOCKER, ENTRYPOINT, ROOT

COMPOSE_FILE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
ENV_EXAMPLE = DOCKER / ".env.example"
APPLICATION = ("web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat", "postgres", "redis")
SERVICES = {*LONG_RUNNING, "migrate"}
MEDIA_ROOT = "/data/media"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(number) * units[unit] for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration))


# --- compose.yaml -------------------------------------------------------------------------------------------------


def test_compose_names_every_service(compose):
    assert set(compose["services"]) == SERVICES


# Ids of their own: a test whose id were "postgres" would count as marked postgres (tests/environment.py).
@pytest.mark.parametrize("name", LONG_RUNNING, ids=lambda name: f"{name}-service")
def test_every_long_running_service_has_a_health_check(compose, name):
    check = compose["services"][name]["healthcheck"]

    assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert seconds(check["timeout"]) < seconds(check["interval"])
    assert check["retries"] >= 3


def test_the_web_health_check_asks_healthz_so_a_broker_outage_never_restarts_the_web(compose):
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", [*APPLICATION, "migrate"])
def test_the_application_services_run_the_image_in_their_role(compose, name):
    service = compose["services"][name]

    assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert (COMPOSE_FILE.parent / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert service["command"] == [name]
    assert service["env_file"] == ".env"
    assert service["environment"]["MEDIA_ROOT"] == MEDIA_ROOT
    assert service["init"] is True


@pytest.mark.parametrize("name", APPLICATION)
def test_the_application_starts_after_the_migrations_on_healthy_services(compose, name):
    assert compose["services"][name]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert compose["services"][name]["restart"] == "unless-stopped"


def test_the_migrations_run_once_when_the_database_is_healthy(compose):
    migrate = compose["services"]["migrate"]

    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "healthcheck" not in migrate and "ports" not in migrate


def test_there_is_exactly_one_beat(compose):
    beat = compose["services"]["beat"]

    assert beat["deploy"]["replicas"] == 1
    assert beat.get("scale", 1) == 1


def test_the_database_and_the_uploads_live_in_named_volumes(compose):
    services = compose["services"]

    assert {"postgres-data", "media"} <= set(compose["volumes"])
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    for name in ("web", "worker"):  # the web stores uploads, the worker attaches them to e-mails
        assert f"media:{MEDIA_ROOT}" in services[name]["volumes"]


def test_worker_and_web_get_time_for_a_warm_shutdown(compose):
    worker, web = compose["services"]["worker"], compose["services"]["web"]

    assert worker.get("stop_signal", "SIGTERM") == "SIGTERM"  # Celery's warm shutdown
    # Longer than a running task may take: an e-mail waits up to EMAIL_TIMEOUT (30 s) for the mail server.
    assert seconds(worker["stop_grace_period"]) > 30
    # Longer than gunicorn's own graceful timeout (GUNICORN_GRACEFUL_TIMEOUT, 20 s).
    assert seconds(web["stop_grace_period"]) > 20


def test_the_web_port_is_published_on_the_loopback_only_by_default(compose):
    assert compose["services"]["web"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:8000"]


def docker_compose_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not docker_compose_works(), reason="no docker client with the compose plugin (the YAML is checked)")
def test_docker_compose_config_accepts_the_file(tmp_path):
    copy = tmp_path / "docker"
    shutil.copytree(DOCKER, copy)
    example = ENV_EXAMPLE.read_text()
    filled = example.replace("\nSECRET_KEY=\n", "\nSECRET_KEY=" + "k" * 60 + "\n").replace(
        "\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=0123456789abcdef\n"
    )
    (copy / ".env").write_text(filled)

    result = subprocess.run(
        ["docker", "compose", "-f", str(copy / "compose.yaml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert set(config["services"]) == SERVICES
    assert config["services"]["beat"]["deploy"]["replicas"] == 1
    assert config["services"]["web"]["environment"]["DATABASE_URL"] == (
        "postgres://ramec:0123456789abcdef@postgres:5432/ramec"
    )


# --- .env.example ------------------------------------------------------------------------------------------------


def settings_read_from_the_environment() -> set[str]:
    """Every variable backend/settings.py, the compose file, gunicorn's settings and the entrypoint read."""
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', (ROOT / "backend" / "settings.py").read_text()))
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z][A-Z0-9_]*)"', (DOCKER / "gunicorn.conf.py").read_text()))
    names |= set(re.findall(r'_flag\("([A-Z][A-Z0-9_]*)"', (DOCKER / "gunicorn.conf.py").read_text()))
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", ENTRYPOINT.read_text()))
    return names | {PASSWORD_VARIABLE}


def test_the_settings_are_found_at_all():
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "POSTGRES_PASSWORD", "WEB_CONCURRENCY"} <= (
        settings_read_from_the_environment()
    )


def test_env_example_lists_every_setting_with_a_comment():
    lines = ENV_EXAMPLE.read_text().splitlines()
    setting = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=")
    listed = {}
    for number, line in enumerate(lines):
        if match := setting.match(line):
            listed.setdefault(match.group(1), number)

    missing = settings_read_from_the_environment() - set(listed)
    assert not missing, f"docker/.env.example does not list {sorted(missing)}"
    for name, number in listed.items():
        above = number - 1
        while above >= 0 and setting.match(lines[above]):  # settings of one group share their comment
            above -= 1
        assert above >= 0 and lines[above].startswith("# "), f"{name} in docker/.env.example has no comment"


def test_env_example_holds_no_secret_to_copy():
    values = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if re.match(r"^[A-Z_]+=", line))

    # Left empty, the containers refuse to start (settings) and compose refuses to run (POSTGRES_PASSWORD).
    assert values["SECRET_KEY"] == ""
    assert values["POSTGRES_PASSWORD"] == ""


# --- Dockerfile and entrypoint --------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, arguments = line.strip().partition(" ")
            instructions.append((instruction.upper(), arguments.strip()))
    return instructions


def test_the_image_is_slim_python_3_13_and_runs_as_an_unprivileged_user():
    instructions = dockerfile_instructions()
    arguments = dict(argument.split("=", 1) for kind, argument in instructions if kind == "ARG" and "=" in argument)
    [base] = [argument for kind, argument in instructions if kind == "FROM"]
    users = [argument for kind, argument in instructions if kind == "USER"]

    assert base == "${PYTHON_IMAGE}"
    assert re.fullmatch(r"python:3\.13-slim(-\w+)?", arguments["PYTHON_IMAGE"])
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert instructions[-2:] == [("ENTRYPOINT", '["/app/docker/entrypoint.sh"]'), ("CMD", '["web"]')]


def test_the_image_installs_exactly_the_lock_and_collects_static_files_at_build_time():
    runs = [argument for kind, argument in dockerfile_instructions() if kind == "RUN"]

    [install] = [run for run in runs if "pip install" in run]
    assert "--require-hashes" in install and "/tmp/requirements.txt" in install
    assert ("COPY", "requirements/base.txt /tmp/requirements.txt") in dockerfile_instructions()
    [collect] = [run for run in runs if "collectstatic" in run]
    # Build-only values: the settings refuse to start without them, collectstatic uses neither.
    assert "DEBUG=false" in collect and "SECRET_KEY=" in collect and "DATABASE_URL=" in collect
    assert "gunicorn==" in (ROOT / "requirements" / "base.txt").read_text()


def test_the_image_holds_every_application_the_settings_install():
    copied = {
        source
        for kind, argument in dockerfile_instructions()
        if kind == "COPY" and not argument.startswith("--from")
        for source in argument.split()[:-1]
    }
    ignore_file = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()

    installed_packages = Path(sys.prefix).resolve()  # the virtualenv, which may live inside the repository
    for config in apps.get_app_configs():  # INSTALLED_APPS may name an AppConfig class, not a module
        app = config.name
        module = Path(config.module.__file__).resolve()
        if module.is_relative_to(ROOT) and not module.is_relative_to(installed_packages):
            top = module.relative_to(ROOT).parts[0]
            assert top in copied, f"docker/Dockerfile does not copy {top}/ ({app})"
    assert "manage.py" in copied
    for source in copied:  # the build context sends what the Dockerfile copies
        assert f"!{source}" in ignore_file or f"!{source}/" in ignore_file, f"{source} is not in the build context"


@pytest.fixture
def stub_servers(tmp_path) -> Path:
    """gunicorn, celery and python that only say how they were started, and by which process."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for name in ("gunicorn", "celery", "python"):
        stub = directory / name
        stub.write_text('#!/bin/sh\necho "$$ $(basename "$0") $*"\n')
        stub.chmod(0o755)
    return directory


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        pytest.param([], "gunicorn backend.wsgi:application --config {app}/docker/gunicorn.conf.py", id="default"),
        pytest.param(["web"], "gunicorn backend.wsgi:application --config {app}/docker/gunicorn.conf.py", id="web"),
        pytest.param(
            ["worker"],
            "celery --app backend --quiet worker --loglevel INFO --concurrency 2 --max-tasks-per-child 1000",
            id="worker",
        ),
        pytest.param(
            ["beat"],
            "celery --app backend --quiet beat --loglevel INFO --schedule {app}/var/beat/celerybeat-schedule",
            id="beat",
        ),
        pytest.param(["migrate"], "python manage.py migrate --noinput", id="migrate"),
        pytest.param(
            ["manage", "createcoordinator", "--help"], "python manage.py createcoordinator --help", id="manage"
        ),
    ],
)
def test_the_entrypoint_execs_each_role(stub_servers, arguments, expected):
    process = subprocess.Popen(
        ["sh", str(ENTRYPOINT), *arguments],
        env={"PATH": f"{stub_servers}:/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        text=True,
    )
    output, _ = process.communicate(timeout=30)

    pid, command = output.strip().split(" ", 1)
    assert command == expected.format(app=ROOT)
    # exec: the server is the process the container started, so docker stop's SIGTERM reaches it.
    assert int(pid) == process.pid


def test_the_entrypoint_is_valid_posix_shell_and_executable():
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True).returncode == 0
    assert ENTRYPOINT.stat().st_mode & 0o111
