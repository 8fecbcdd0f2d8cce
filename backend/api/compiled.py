"""A list page's SQL compiled once per shape of the request, each request binding its own values into it.

Building and compiling a page's queryset cost more CPU than the database spent answering it (3-4 ms a page).
When the SQL text of a page depends only on a shape (which branches of a visibility filter apply, how many ids
each holds, the ordering, the cursor's offset and page size), the page's SQL is proven reusable once per shape
(``backend.core.compiled.query_prove``: two compilations from different stand-ins, the same text, parameters that
differ exactly where the stand-ins went). Each request then reads the page with that SQL, its own values in
those places, and Django's own conversions of the columns. A shape whose compilations
do not compare so (or that compiles to nothing) is read through the ORM, every time.

What a caller proves: the queryset ``build`` makes from the stand-ins takes the same branches as the one it
makes from the request's values whenever their shapes (``key``) are equal, and everything it reads of the request,
the user or the clock comes from ``values``. A moment (``timezone.now()``) differs between the two compilations and
so keeps a shape out; a date would not, and would stay compiled in: pass it as a value. ``tests/api/test_compiled.py``
compares both ways for every shape the API reads.
"""

import datetime
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable

from backend.accounts.selectors import Access
from backend.core.compiled import Proven, query_prove

# A shape's compiled page, or None for a shape read through the ORM; bounded (shapes are few: page sizes up to
# the maximum, cursor offsets up to DRF's cutoff, a few role shapes), emptied when full.
_CACHE: dict[tuple, "_Compiled | None"] = {}
_CACHE_LIMIT = 1024
_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Compiled:
    proven: Proven
    names: tuple[str, ...]  # the dict keys of a row, as values() names them
    converters: tuple[tuple[int, tuple, Any], ...]  # (column, converters, expression), as the compiler applies them
    alias: str

    def rows(self, values: Mapping[str, Sequence]) -> list[dict]:
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.proven.sql, self.proven.parameters(values))
            fetched = cursor.fetchall()
        names = self.names
        rows = []
        for row in fetched:
            if self.converters:
                row = list(row)
                for position, converters, expression in self.converters:
                    value = row[position]
                    for convert in converters:
                        value = convert(value, expression, connection)
                    row[position] = value
            rows.append(dict(zip(names, row, strict=True)))
        return rows


def _prove(build, shape, kind, prepare) -> _Compiled | None:
    """The page's SQL proven reusable (``backend.core.compiled.query_prove``) of a ``values()`` queryset, with the
    row's names and the columns' conversions as the ORM would apply them."""
    iterables = set()

    def built(values):
        queryset = build(values)
        iterables.add(queryset._iterable_class)
        return queryset

    proven = query_prove(built, shape, kind=kind, prepare=prepare)
    if proven is None or iterables != {ValuesIterable}:
        return None
    compiler = proven.compiler
    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    if compiler.has_composite_fields(fields):
        return None
    query = compiler.query
    # As ValuesIterable names a row's columns.
    names = tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select))
    if len(names) != compiler.col_count:
        return None
    converters = compiler.get_converters(fields)
    converters = tuple((position, tuple(found), expression) for position, (found, expression) in converters.items())
    return _Compiled(proven, names, converters, compiler.using)


@dataclass(frozen=True)
class PageQuery:
    """What DRF's cursor pagination asks of a queryset (``order_by``, a filter on the position, a slice), answered
    from the SQL compiled for the page's shape; ``fallback`` (the ORM queryset of the request) otherwise.

    ``build(values)`` makes the page's ``values()`` queryset from ``values``: the request's (``values``) or stand-ins
    of the same shape (as many of each). ``key`` names the shape: everything else the SQL text depends on.
    """

    model: type[models.Model]
    key: tuple
    build: Callable[[Mapping[str, Sequence]], QuerySet]
    values: Mapping[str, Sequence]
    fallback: Callable[[], QuerySet]
    ordering: tuple[str, ...] = ()
    position: tuple[str, Any] | None = None  # (lookup, the cursor's position as DRF gives it)
    window: tuple[int, int] | None = None

    def order_by(self, *names: str) -> "PageQuery":
        return replace(self, ordering=names)

    def filter(self, **lookup: Any) -> "PageQuery":
        ((name, position),) = lookup.items()
        return replace(self, position=(name, position))

    def __getitem__(self, window: slice) -> "PageQuery":
        if window.step is not None or window.start is None or window.stop is None:
            raise TypeError("a page is a slice with a start and a stop")
        return replace(self, window=(window.start, window.stop))

    def __iter__(self):
        return iter(self._rows())

    def _apply(self, queryset: QuerySet, position=None) -> QuerySet:
        queryset = queryset.order_by(*self.ordering)
        if self.position is not None:
            queryset = queryset.filter(**{self.position[0]: self.position[1] if position is None else position})
        return queryset[self.window[0] : self.window[1]]

    def _rows(self) -> list[dict]:
        position_field = self._position_field()
        if self.window is None or (self.position is not None and position_field is None):
            return list(self._apply(self.fallback()))
        shape = tuple((name, len(values)) for name, values in self.values.items())
        key = (self.model, self.key, shape, self.ordering, self.position and self.position[0], self.window)
        try:
            compiled = _CACHE[key]
        except KeyError:
            compiled = self._prove(position_field)
            with _LOCK:
                if len(_CACHE) >= _CACHE_LIMIT:
                    _CACHE.clear()
                _CACHE[key] = compiled
        if compiled is None:
            return list(self._apply(self.fallback()))
        values = dict(self.values)
        if self.position is not None:
            values["position"] = (_database_value(position_field, self.position[1], compiled.alias),)
        return compiled.rows(values)

    def _prove(self, position_field) -> _Compiled | None:
        shape = {name: len(values) for name, values in self.values.items()}
        kind = {}
        if self.position is not None:
            shape["position"] = 1
            kind["position"] = _stand_in_position(position_field)
            if kind["position"] is None:
                return None
        alias = self.fallback().db

        def prepare(name, value):
            return _database_value(position_field, value, alias) if name == "position" else value

        def build(values):
            page = {name: values[name] for name in self.values}
            position = values["position"][0] if self.position is not None else None
            return self._apply(self.build(page), position)

        return _prove(build, shape, kind, prepare)

    def _position_field(self):
        if self.position is None:
            return None
        name, _, lookup = self.position[0].rpartition("__")
        if lookup not in ("lt", "gt") or "__" in name:
            return None
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        return field if isinstance(field, models.DateTimeField | models.IntegerField) else None


def _stand_in_position(field) -> Callable[[int], Any] | None:
    """Positions as DRF writes them (``str`` of the value) that no row holds: moments before 1900, negative ids."""
    if isinstance(field, models.DateTimeField):
        epoch = datetime.datetime(1800, 1, 1, tzinfo=datetime.UTC)
        return lambda number: str(epoch + datetime.timedelta(microseconds=-number))
    if isinstance(field, models.IntegerField):
        return str
    return None


def _database_value(field, position, alias: str):
    """The parameter a filter ``<field>__lt=position`` sends (as a lookup prepares its right-hand side)."""
    return field.get_db_prep_value(field.get_prep_value(position), connections[alias], prepared=True)


_ROLE_SETS = tuple(field.name for field in fields(Access) if field.name not in ("user_id", "is_platform_admin"))


def access_values(access: Access) -> dict[str, tuple]:
    """Someone's roles as ``PageQuery`` values: the user's id, the ids of each set of roles, and whether they are a
    platform operator as a value of its own (one or none), so that the flag is part of every shape made from roles.
    An operator's visibility has no filter, no id in its SQL: were the flag left to a caller's key, the operator's
    page would answer anyone with the same counts of roles (a user with none saw every task and every comment)."""
    return {
        "user_id": (access.user_id,),
        "platform_admin": (True,) if access.is_platform_admin else (),
        **{name: tuple(getattr(access, name)) for name in _ROLE_SETS},
    }


def access_of(values: Mapping[str, Sequence]) -> Access:
    """The roles of ``values`` (the request's or stand-ins of their shape): every id a value, so that no id of the
    request's user is compiled into the SQL of another, and a platform operator when ``platform_admin`` holds one."""
    return Access(
        user_id=values["user_id"][0],
        is_platform_admin=bool(values["platform_admin"]),
        **{name: frozenset(values[name]) for name in _ROLE_SETS},
    )
