"""The settings module refuses to run production without a secret key and a database, and lets the demo run bare."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'backend.settings'; django.setup()"
PRODUCTION_URL = "postgres://ramec@db.example.cz:5432/ramec"
# What a bare shell keeps; everything else (the suite's own DATABASE_URL, REDIS_URL, EMAIL_URL…) goes.
KEPT_FROM_THE_SHELL = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")

pytestmark = pytest.mark.skipif(
    (PROJECT_ROOT / ".env").is_file(), reason="a local .env file fills in the settings these tests leave out"
)


def start_django(**variables: str) -> subprocess.CompletedProcess:
    """Run ``django.setup()`` in a fresh interpreter whose environment holds ``variables`` and nothing of Rámec's."""
    environment = {name: os.environ[name] for name in KEPT_FROM_THE_SHELL if name in os.environ}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", SETUP], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("variables", "missing"),
    [
        pytest.param({}, ["SECRET_KEY", "DATABASE_URL"], id="nothing"),
        pytest.param({"DEBUG": "false"}, ["SECRET_KEY", "DATABASE_URL"], id="debug-false"),
        pytest.param({"DEBUG": "false", "DATABASE_URL": PRODUCTION_URL}, ["SECRET_KEY"], id="no-secret-key"),
        pytest.param({"DEBUG": "off", "SECRET_KEY": "s3cr3t-" * 8}, ["DATABASE_URL"], id="no-database-url"),
        pytest.param({"SECRET_KEY": "", "DATABASE_URL": PRODUCTION_URL}, ["SECRET_KEY"], id="empty-secret-key"),
    ],
)
def test_production_refuses_to_start_without_a_secret_key_and_a_database(variables, missing):
    result = start_django(**variables)

    assert result.returncode != 0, result.stderr
    assert "ImproperlyConfigured" in result.stderr
    for name in ("SECRET_KEY", "DATABASE_URL"):
        assert (name in result.stderr) is (name in missing), result.stderr


def test_production_starts_with_a_secret_key_and_a_database():
    result = start_django(DEBUG="false", SECRET_KEY="s3cr3t-" * 8, DATABASE_URL=PRODUCTION_URL)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("debug", ["true", "1"])
def test_the_demo_starts_with_nothing_but_debug(debug):
    result = start_django(DEBUG=debug)

    assert result.returncode == 0, result.stderr


def manage(*arguments: str, **variables: str) -> subprocess.CompletedProcess:
    environment = {name: os.environ[name] for name in KEPT_FROM_THE_SHELL if name in os.environ}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_py_in_an_unconfigured_checkout_runs_as_the_demo():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_manage_py_with_debug_off_still_refuses_without_a_secret_key():
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
