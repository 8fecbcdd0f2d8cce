"""Django's system checks pass and the models have no migration left to write."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db  # on SQLite the JSONField check asks the database what it supports
def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    # --check leaves with SystemExit(1) when a migration is missing; the captured output then names the changes.
    call_command("makemigrations", "--check", "--dry-run")
