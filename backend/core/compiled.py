"""A queryset's SQL compiled by the ORM once per process and run with each call's values: for hot paths where
building and compiling the queryset costs more CPU than PostgreSQL spends running it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model, QuerySet

# Placeholders stand for the values a query is compiled with: integers no id ever takes, told apart by position.
_PLACEHOLDER_BASE = -(2**62)


@dataclass(frozen=True)
class CompiledQuery:
    """SQL and, per parameter, the name of the value it takes (``None``: a constant of the query's shape)."""

    sql: str
    slots: tuple[tuple[str | None, object], ...]

    def parameters(self, **values: int) -> list:
        return [values[name] if name is not None else constant for name, constant in self.slots]

    def rows(self, **values: int) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.parameters(**values))
            return cursor.fetchall()

    def objects(self, model: type[Model], **values: int) -> list[Model]:
        """The rows as instances of ``model``, for a query that selects its columns (the ORM's own conversions)."""
        return list(model.objects.raw(self.sql, self.parameters(**values)))


def query_compile(build: Callable[..., QuerySet], *names: str) -> CompiledQuery:
    """Compile the queryset ``build`` makes of placeholder integers passed as ``names``; ``rows(**values)`` then
    runs it with the values in their places. ``build`` must use each value as a plain parameter (not in a list
    sent as one array, not in arithmetic) and must not read the database; the caller keys the result by whatever
    else changes the SQL (which branches exist, which constants it holds)."""
    placeholders = {name: _PLACEHOLDER_BASE - number for number, name in enumerate(names)}
    named = {value: name for name, value in placeholders.items()}
    sql, parameters = build(**placeholders).query.sql_with_params()
    slots = []
    for parameter in parameters:
        if isinstance(parameter, list | tuple | set | frozenset) and any(
            type(value) is int and value in named for value in parameter
        ):
            raise ValueError(f"a placeholder was sent inside a list parameter: {parameter!r}")
        name = named.get(parameter) if type(parameter) is int else None
        slots.append((name, None if name else parameter))
    if any(str(value) in sql for value in placeholders.values()):
        raise ValueError("a placeholder was written into the SQL itself, not sent as a parameter")
    return CompiledQuery(sql=sql, slots=tuple(slots))
