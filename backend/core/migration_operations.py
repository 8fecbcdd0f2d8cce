"""Migration operations that work on PostgreSQL and on the demo's SQLite alike."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex


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
