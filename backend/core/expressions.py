"""Query expressions the permission scoping needs: ``InSubquery``, an ``IN (subquery)`` PostgreSQL plans well;
``AnyOf``, an ``IN (list)`` sent as one array parameter."""

from collections.abc import Iterable

from django.db.models import BooleanField, F, Func, QuerySet, Subquery


class InSubquery(Func):
    """``expression IN (subquery)``; on PostgreSQL written ``expression = ANY(ARRAY(subquery))``.

    In an ``OR`` beside an indexed condition, PostgreSQL runs a plain ``IN (subquery)`` as a hashed subplan
    tested on every row, so the index on the other branch goes unused and a small town's list scans the
    whole table. ``ARRAY(subquery)`` is evaluated once (an InitPlan) and ``= ANY`` of it is indexable: the
    planner can then take a ``BitmapOr`` of both indexes for a small town, or keep the order of the
    ``created_at`` index for a big one. The subquery must select one column and need no outer reference.
    """

    output_field = BooleanField()

    def __init__(self, expression, queryset: QuerySet) -> None:
        super().__init__(expression, Subquery(queryset))

    def _parts(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        rhs, rhs_params = compiler.compile(self.source_expressions[1])  # "(SELECT ...)", with its parentheses
        return lhs, rhs, (*lhs_params, *rhs_params)

    def as_sql(self, compiler, connection, **extra_context):
        lhs, rhs, params = self._parts(compiler, connection)
        return f"{lhs} IN {rhs}", params

    def as_postgresql(self, compiler, connection, **extra_context):
        lhs, rhs, params = self._parts(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", params


class AnyOf(Func):
    """``column IN (values)``; on PostgreSQL written ``column = ANY(%s::type[])`` with the values as one array.

    A fan-out to 1,000 people wrote ``IN (%s, %s, …)`` with 1,000 parameters: a new statement text for every
    length (no prepared plan reused, ``pg_stat_statements`` flooded) and 1,000 values quoted one by one. One
    array parameter is one statement whatever the length. SQLite (the demo) has no arrays: a plain ``IN``.
    An empty list matches nothing on either. Use as ``queryset.filter(AnyOf("user_id", ids))``.
    """

    output_field = BooleanField()

    def __init__(self, column: str, values: Iterable) -> None:
        self.values = list(values)
        super().__init__(F(column))

    def as_sql(self, compiler, connection, **extra_context):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        if not self.values:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(self.values))
        return f"{lhs} IN ({marks})", (*lhs_params, *self.values)

    def as_postgresql(self, compiler, connection, **extra_context):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        db_type = self.source_expressions[0].output_field.cast_db_type(connection)
        return f"{lhs} = ANY(%s::{db_type}[])", (*lhs_params, self.values)
