"""Query expressions the permission scoping needs: ``InSubquery``, an ``IN (subquery)`` PostgreSQL plans well."""

from django.db.models import BooleanField, Func, QuerySet, Subquery


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
