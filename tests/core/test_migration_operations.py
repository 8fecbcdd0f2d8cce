"""The migration operations of ``backend.core.migration_operations`` that the schema's own migrations rely on."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.state import ProjectState

from backend.core.migration_operations import SetTableStorageIfPostgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

VACUUM_SOONER = {"autovacuum_vacuum_scale_factor": 0.02, "autovacuum_analyze_scale_factor": 0.02}
SET = ["autovacuum_analyze_scale_factor=0.02", "autovacuum_vacuum_scale_factor=0.02"]  # as PostgreSQL lists them


def _options(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE relname = %s", [table])
        return sorted(cursor.fetchone()[0])


def test_the_projects_table_is_vacuumed_after_two_percent_of_its_rows_changed():
    assert _options("projects_project") == SET


def test_the_storage_parameters_are_reset_backwards_and_set_again_forwards():
    operation = SetTableStorageIfPostgres(model_name="project", parameters=VACUUM_SOONER)
    state = ProjectState.from_apps(apps)

    with connection.schema_editor() as editor:
        operation.database_backwards("projects", editor, state, state)
    assert _options("projects_project") == []
    with connection.schema_editor() as editor:
        operation.database_forwards("projects", editor, state, state)
    assert _options("projects_project") == SET


def test_a_name_that_is_not_a_parameter_is_refused_before_any_sql():
    operation = SetTableStorageIfPostgres(model_name="project", parameters={"fillfactor = 10) ; DROP TABLE x; --": 1})

    with pytest.raises(ValueError, match="not a storage parameter"), connection.schema_editor() as editor:
        operation.database_forwards("projects", editor, ProjectState.from_apps(apps), ProjectState.from_apps(apps))
