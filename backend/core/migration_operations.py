"""Migration operations that work on PostgreSQL and on the demo's SQLite alike."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex
from django.db.migrations.operations.base import Operation


class _ConcurrentlyIfPostgres:
    """The concurrent operation on PostgreSQL; ``plain``, the same without ``CONCURRENTLY``, elsewhere."""

    plain: type

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexConcurrentlyIfPostgres(_ConcurrentlyIfPostgres, AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL (no lock on writes to a big table); a plain index elsewhere.

    The migration using it must say ``atomic = False``: PostgreSQL cannot build an index concurrently inside
    a transaction.
    """

    plain = AddIndex


class RemoveIndexConcurrentlyIfPostgres(_ConcurrentlyIfPostgres, RemoveIndexConcurrently):
    """``DROP INDEX CONCURRENTLY`` on PostgreSQL; a plain drop elsewhere (the migration says ``atomic = False``)."""

    plain = RemoveIndex


class SetTableStorageIfPostgres(Operation):
    """``ALTER TABLE … SET (name = value, …)`` of a model's table on PostgreSQL (``RESET`` backwards); nothing
    elsewhere. Storage parameters (autovacuum's thresholds of one table, say) are not part of Django's model state."""

    reversible = True

    def __init__(self, model_name: str, parameters: dict[str, float | int]) -> None:
        self.model_name = model_name
        self.parameters = parameters

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"model_name": self.model_name, "parameters": self.parameters}

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        settings = ", ".join(f"{name} = {float(value)!r}" for name, value in self.parameters.items())
        self._alter(app_label, schema_editor, to_state, f"SET ({settings})")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._alter(app_label, schema_editor, from_state, f"RESET ({', '.join(self.parameters)})")

    def _alter(self, app_label, schema_editor, state, change: str) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in self.parameters:
            if not name.replace("_", "").isalnum():
                raise ValueError(f"not a storage parameter: {name!r}")
        table = schema_editor.quote_name(state.apps.get_model(app_label, self.model_name)._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} {change}")

    def describe(self):
        return f"Set the storage parameters {', '.join(self.parameters)} of {self.model_name}'s table on PostgreSQL"

    @property
    def migration_name_fragment(self):
        return f"storage_of_{self.model_name.lower()}"
