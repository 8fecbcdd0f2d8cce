"""A queryset's SQL compiled by the ORM once and run with each call's values: for hot paths where building and
compiling the queryset costs more CPU than PostgreSQL spends running it (an API list page, a transition's
audience, the town's webhook endpoints).

The proof that the SQL can be reused: the queryset is built and compiled twice, from two different series of
stand-in values, and kept only when both compilations give the same text and their parameters differ exactly
where the stand-ins went. A value written into the SQL text, sent inside an array, used in arithmetic or
turned into something else makes the two compilations disagree, and the SQL is refused. What the proof cannot
see is a value that is the same in both series but comes from the caller (the clock, the user): ``build`` must
take every such value from its arguments. The caller keys what it keeps by whatever else changes the SQL (which
branches exist, how many ids a list holds).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


def _stand_ins(shape: Mapping[str, int], kind: Mapping[str, Callable[[int], Any]], series: int) -> dict[str, tuple]:
    """Values no real row holds, different in each series: negative ids, or ``kind[name]`` of a negative number."""
    values, serial = {}, 0
    for name, count in shape.items():
        make = kind.get(name, int)
        values[name] = tuple(make(-(series * 1_000_000 + (serial := serial + 1))) for _ in range(count))
    return values


def _place(places: dict, parameter) -> tuple[str, int] | None:
    try:
        return places.get(parameter)
    except TypeError:  # an unhashable parameter (a list for an array): no stand-in
        return None


@dataclass(frozen=True)
class Proven:
    """SQL and, per parameter, ``(name, index)`` of the value that goes there, or ``(None, a constant)``; the
    compiler of the first compilation (for its columns and their conversions)."""

    sql: str
    slots: tuple[tuple[str | None, Any], ...]
    compiler: SQLCompiler
    fetch_mode: Any = None  # the queryset's (Django's fetch modes), for the instances ``CompiledQuery.objects`` builds

    def parameters(self, values: Mapping[str, Sequence]) -> list:
        return [where if name is None else values[name][where] for name, where in self.slots]

    @cached_property
    def reader(self) -> "_Reader":
        """How rows of this SQL become instances, worked out once (the columns' conversions alone were some 0.1 ms
        of a transition's two lookups when ``results_iter`` found them again on every call)."""
        compiler = self.compiler
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Reader(
            model=klass_info["model"],
            alias=compiler.using,
            fetch_mode=self.fetch_mode,
            start=start,
            end=end,
            names=tuple(column[0].target.attname for column in select[start:end]),
            # What ``SQLCompiler.results_iter`` applies, of the same columns.
            converters=compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
            apply_converters=compiler.apply_converters,
            # Related populators keep nothing of the rows they fill in: one set serves every call.
            populators=tuple(get_related_populators(klass_info, select, compiler.using, self.fetch_mode)),
            annotations=tuple((compiler.annotation_col_map or {}).items()),
        )


@dataclass(frozen=True)
class _Reader:
    """``django.db.models.query.ModelIterable`` over rows already fetched (without known related objects, which a
    compiled query has none of), with what it works out per queryset worked out once per proven SQL."""

    model: type[Model]
    alias: str
    fetch_mode: Any
    start: int
    end: int
    names: tuple[str, ...]
    converters: dict
    apply_converters: Callable
    populators: tuple
    annotations: tuple[tuple[str, int], ...]

    def instances(self, rows: list[tuple]) -> list[Model]:
        if self.converters:  # the columns' conversions, as the ORM applies them
            rows = self.apply_converters(rows, self.converters)
        found = []
        model, alias, names, start, end = self.model, self.alias, self.names, self.start, self.end
        for row in rows:
            instance = model.from_db(alias, names, row[start:end], fetch_mode=self.fetch_mode)
            for populator in self.populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found


def _compile(queryset: QuerySet) -> tuple[SQLCompiler, str, tuple, Any] | None:
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, parameters = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):
        return None
    return compiler, sql, tuple(parameters), getattr(queryset, "_fetch_mode", None)


def query_prove(
    build: Callable[[Mapping[str, Sequence]], QuerySet],
    shape: Mapping[str, int],
    *,
    kind: Mapping[str, Callable[[int], Any]] | None = None,
    prepare: Callable[[str, Any], Any] = lambda name, value: value,
) -> Proven | None:
    """The SQL of ``build(values)`` for any values of ``shape`` (``shape[name]`` values under each name), or None
    when the two compilations of stand-ins do not prove it reusable. ``kind[name]`` makes a stand-in of a
    negative number (``int`` by default); ``prepare(name, value)`` is the parameter a value is sent as."""
    kind = kind or {}
    series = [_stand_ins(shape, kind, number) for number in (1, 2)]
    compiled = [_compile(build(values)) for values in series]
    if compiled[0] is None or compiled[1] is None:
        return None
    (compiler, sql, first, fetch_mode), (_, other_sql, second, _) = compiled
    if sql != other_sql or len(first) != len(second):
        return None
    places = [
        {
            prepare(name, value): (name, index)
            for name, values in stand_ins.items()
            for index, value in enumerate(values)
        }
        for stand_ins in series
    ]
    slots = []
    for one, two in zip(first, second, strict=True):
        place, other_place = _place(places[0], one), _place(places[1], two)
        if place is not None or other_place is not None:
            if place != other_place:
                return None
            slots.append(place)
        elif one == two and type(one) is type(two):
            slots.append((None, one))
        else:
            return None
    return Proven(sql, tuple(slots), compiler, fetch_mode)


@dataclass(frozen=True)
class CompiledQuery:
    """A proven query of one value per name, run with keyword values."""

    proven: Proven
    alias: str

    def parameters(self, **values: int) -> list:
        return self.proven.parameters({name: (value,) for name, value in values.items()})

    def rows(self, **values: int) -> list[tuple]:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.proven.sql, self.parameters(**values))
            return cursor.fetchall()

    def objects(self, **values: int) -> list[Model]:
        """The rows as instances of the queryset's model, with what it selected related and its annotations, built
        as the ORM's model iterable builds them from the compilation's columns and conversions (a raw queryset
        worked out the columns again on every call: a third of a one-row lookup's time)."""
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.proven.sql, self.parameters(**values))
            rows = cursor.fetchall()
        return self.proven.reader.instances(rows) if rows else []


def query_compile(build: Callable[..., QuerySet], *names: str) -> CompiledQuery:
    """Compile the queryset ``build`` makes of stand-in integers passed as ``names``; ``rows(**values)`` then runs
    it with the values in their places. ValueError when the SQL cannot be proven reusable (``query_prove``)."""
    proven = query_prove(lambda values: build(**{name: values[name][0] for name in names}), dict.fromkeys(names, 1))
    if proven is None:
        raise ValueError(f"the SQL of {build!r} is not the same for other values of {names!r}")
    return CompiledQuery(proven, proven.compiler.using)
