"""List pages straight from ``.values()`` rows: a read-only serializer's output without a model instance a row.

DRF builds a model instance for every row, then walks each field's attribute chain and calls its conversion;
for a page of 50 projects that was most of the request. A ``RowReader`` compiles a serializer's readable
fields once per serializer class into the database columns they read and the conversion each applies, so a
page costs one ``values()`` query (a many-to-many relation's ids aggregated in it), one more per other
many-valued field (as ``prefetch_related`` did), and a loop over dicts. The serializer stays the one
definition of the shape: the schema, single objects and writes use it as before, and a field the reader
cannot compile is an error when the reader is built, never a wrong answer.

What compiles: model fields and their choices' ``get_<field>_display``; related ids; dotted sources along
to-one relations (``event.project.title``); a nested serializer on a to-one relation; many-valued relations
(ids, or a nested serializer ``many=True``), read in one query a page; and fields the serializer names in
``row_computed``: ``{name: ((column, ...), function)}``, the function given those columns' values.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.postgres.aggregates import JSONBAgg
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

# DRF fields whose conversion of a database value is the value itself.
_AS_IS = (
    serializers.BooleanField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.JSONField,
    serializers.PrimaryKeyRelatedField,
)


class UnsupportedField(TypeError):
    """The serializer has a field a RowReader cannot compute from columns (use the serializer itself)."""


@dataclass(frozen=True)
class _Plain:
    name: str
    column: str
    convert: Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Moment:
    """A DateTimeField in DRF's default output (ISO 8601 in the current time zone), the zone looked up once a page."""

    name: str
    column: str


@dataclass(frozen=True)
class _Computed:
    name: str
    columns: tuple[str, ...]
    function: Callable[..., Any]


@dataclass(frozen=True)
class _Nested:
    """A nested serializer on a to-one relation: None when the relation is empty."""

    name: str
    key_column: str
    reader: "RowReader"


@dataclass(frozen=True)
class _Ids:
    """The ids of a many-to-many relation of the model, aggregated in the rows' own query."""

    name: str
    column: str  # the annotation holding the ids, comma-separated
    expression: Subquery
    parse: Callable[[str], Any]


@dataclass(frozen=True)
class _JsonRows:
    """A nested serializer ``many=True`` on a many-to-many relation, its rows aggregated as JSON in the rows' own
    query (PostgreSQL; only columns whose JSON value is their Python value: integers, text, booleans)."""

    name: str
    column: str  # the annotation holding the related rows, a JSON array of objects keyed by column
    expression: Subquery
    reader: "RowReader"
    # Columns whose JSON text becomes their Python value first (dates, moments), as values() would give them.
    parsers: tuple[tuple[str, Callable[[str], Any]], ...] = ()


@dataclass(frozen=True)
class _Many:
    """A many-valued relation: the related rows' ids, or their nested output, in the related model's order."""

    name: str
    relation: str
    reader: "RowReader | None"  # None: ids only


@dataclass
class RowReader:
    """The output of one serializer class computed from ``values()`` rows (``prefix``: the columns' relation path)."""

    model: type[models.Model]
    prefix: str = ""
    parts: list = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The ``values()`` paths this reader reads, its to-one nested readers' included."""
        columns = []
        for part in self.parts:
            if isinstance(part, _Plain | _Moment | _Ids | _JsonRows):
                columns.append(part.column)
            elif isinstance(part, _Computed):
                columns.extend(part.columns)
            elif isinstance(part, _Nested):
                columns.extend([part.key_column, *part.reader.columns])
        return list(dict.fromkeys(columns))

    @property
    def _annotations(self) -> dict[str, Subquery]:
        return {part.column: part.expression for part in self.parts if isinstance(part, _Ids | _JsonRows)}

    def rows(self, queryset: QuerySet, *extra: str) -> QuerySet:
        """The queryset as the rows this reader needs (``extra``: further columns, e.g. the pagination's)."""
        queryset = queryset.prefetch_related(None).annotate(**self._annotations)
        return queryset.values(*dict.fromkeys(["pk", *self.columns, *extra]))

    def annotate(self, queryset: QuerySet) -> QuerySet:
        """The model's queryset with the many-valued columns the rows aggregate, for ``row_of`` its objects."""
        return queryset.annotate(**self._annotations)

    def row_of(self, instance: models.Model, *, annotated: models.Model) -> dict | None:
        """The row ``rows()`` would read for ``instance``, from its fields as they are now and the aggregated
        columns of ``annotated`` (the same object, read through ``annotate``); None when a column is no field of
        the model's own (a path through a relation): then read the row."""
        aggregated = self._annotations
        row = {"pk": instance.pk}
        for column in self.columns:
            if column in aggregated:
                row[column] = getattr(annotated, column)
                continue
            try:
                row[column] = getattr(instance, self.model._meta.get_field(column).attname)
            except FieldDoesNotExist:
                return None
        return row

    def represent(self, rows: Sequence[dict], *, key: str = "pk") -> list[dict]:
        """The serializer's output of each row; many-valued fields are read now, in one query each."""
        zone = timezone.get_current_timezone()
        many = {part.name: self._many_values(part, [row[key] for row in rows], zone) for part in self._many_parts}
        return [self._one(row, many, row[key], zone) for row in rows]

    @property
    def _many_parts(self) -> list[_Many]:
        return [part for part in self.parts if isinstance(part, _Many)]

    def _one(self, row: dict, many: dict, pk, zone) -> dict:
        output = {}
        for part in self.parts:
            if isinstance(part, _Plain):
                value = row[part.column]
                output[part.name] = value if value is None or part.convert is None else part.convert(value)
            elif isinstance(part, _Moment):
                value = row[part.column]
                output[part.name] = None if value is None else _iso_8601(value.astimezone(zone))
            elif isinstance(part, _Computed):
                output[part.name] = part.function(*(row[column] for column in part.columns))
            elif isinstance(part, _Nested):
                output[part.name] = None if row[part.key_column] is None else part.reader._one(row, {}, None, zone)
            elif isinstance(part, _Ids):
                ids = row[part.column]
                output[part.name] = [part.parse(value) for value in ids.split(",")] if ids else []
            elif isinstance(part, _JsonRows):
                items = row[part.column] or ()
                for item in items if part.parsers else ():
                    for column, parse in part.parsers:
                        if item[column] is not None:
                            item[column] = parse(item[column])
                output[part.name] = [part.reader._one(item, {}, None, zone) for item in items]
            else:
                output[part.name] = many[part.name].get(pk, [])
        return output

    def _many_values(self, part: _Many, keys: Iterable, zone) -> dict[Any, list]:
        """Parent pk → the related ids or nested outputs, as ``prefetch_related`` orders them."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        related = self.model._meta.get_field(part.relation).related_model
        related_pk = f"{part.relation}__pk"
        columns = [related_pk] if part.reader is None else [related_pk, *part.reader.columns]
        found = (
            self.model._default_manager.filter(pk__in=keys, **{f"{related_pk}__isnull": False})
            .order_by(*_ordering_along(part.relation, related))
            .values("pk", *columns)
        )
        grouped: dict[Any, list] = {}
        for row in found:
            value = row[related_pk] if part.reader is None else part.reader._one(row, {}, None, zone)
            grouped.setdefault(row["pk"], []).append(value)
        return grouped


@cache
def row_reader(serializer_class: type[serializers.ModelSerializer]) -> RowReader:
    """The reader of a serializer class, compiled once per process."""
    return _compile(serializer_class, prefix="")


def _compile(serializer_class, *, prefix: str) -> RowReader:
    serializer = serializer_class()
    model = serializer.Meta.model
    reader = RowReader(model=model, prefix=prefix)
    computed = getattr(serializer_class, "row_computed", {})
    for name, drf_field in serializer.fields.items():
        if drf_field.write_only:
            continue
        if name in computed:
            columns, function = computed[name]
            reader.parts.append(_Computed(name, tuple(prefix + column for column in columns), function))
            continue
        part = _compile_field(model, name, drf_field, prefix=prefix)
        if prefix and isinstance(part, _Many | _Ids | _JsonRows):
            raise UnsupportedField(f"{model.__name__}.{name}: a nested serializer's many-valued relation")
        reader.parts.append(part)
    return reader


def _compile_field(model, name: str, drf_field, *, prefix: str):
    source = drf_field.source
    if source == "*" or isinstance(drf_field, serializers.SerializerMethodField):
        raise UnsupportedField(f"{model.__name__}.{name}: computed in Python; name it in row_computed")
    path, last_model, last = _path(model, source)
    if isinstance(drf_field, serializers.ManyRelatedField):
        if "." in source:
            raise UnsupportedField(f"{model.__name__}.{name}: a many-valued relation must be the serializer's own")
        relation = model._meta.get_field(source)
        # SQLite before 3.44 cannot order inside an aggregate: there the ids come in a query of their own.
        many_to_many = isinstance(relation, (models.ManyToManyField, models.ManyToManyRel))
        if many_to_many and connection.features.supports_aggregate_order_by_clause:
            return _ids_of(name, relation)
        return _Many(name, source, None)
    if isinstance(drf_field, serializers.ListSerializer):
        if "." in source:
            raise UnsupportedField(f"{model.__name__}.{name}: a many-valued relation must be the serializer's own")
        nested = _compile(type(drf_field.child), prefix=f"{source}__")
        relation = model._meta.get_field(source)
        if connection.vendor == "postgresql" and isinstance(relation, models.ManyToManyField) and _json_safe(nested):
            return _json_rows_of(name, relation, nested)
        if connection.vendor == "postgresql" and isinstance(relation, models.ManyToOneRel):
            parsers = _json_parsers(nested)
            if parsers is not None:
                return _json_rows_of_reverse(name, relation, nested, parsers)
        return _Many(name, source, nested)
    if isinstance(drf_field, serializers.BaseSerializer):
        nested_prefix = f"{prefix}{path}__"
        return _Nested(name, f"{nested_prefix}pk", _compile(type(drf_field), prefix=nested_prefix))
    if isinstance(last, str):  # get_<field>_display
        choices = dict(last_model._meta.get_field(last).flatchoices)
        return _Plain(name, prefix + path, lambda value, choices=choices: str(choices.get(value, value)))
    if isinstance(drf_field, serializers.DateTimeField) and _default_datetime_output(drf_field):
        return _Moment(name, prefix + path)
    if isinstance(drf_field, serializers.CharField):
        return _Plain(name, prefix + path, str)
    if isinstance(drf_field, serializers.DecimalField):
        return _Plain(name, prefix + path, _decimal_text(drf_field))
    convert = None if isinstance(drf_field, _AS_IS) else drf_field.to_representation
    return _Plain(name, prefix + path, convert)


def _decimal_text(drf_field: serializers.DecimalField) -> Callable[[Decimal], Any]:
    """DRF's conversion of a decimal, without its quantizing where the database's value has the field's places
    already (a numeric column of that scale): quantizing to them changes nothing, and cost a context copy a value."""
    convert = drf_field.to_representation
    places = drf_field.decimal_places
    as_string = getattr(drf_field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if places is None or not as_string or drf_field.localize:
        return convert
    exponent = -places

    def text(value):
        if isinstance(value, Decimal) and value.as_tuple().exponent == exponent:
            return f"{value:f}"
        return convert(value)

    return text


def _ordering_along(path: str, model: type[models.Model]) -> list[str]:
    """The model's default ordering seen from a relation ``path`` that leads to it, its pk last."""
    names = [f"-{path}__{name[1:]}" if name.startswith("-") else f"{path}__{name}" for name in model._meta.ordering]
    return [*names, f"{path}__pk"]


def _ids_of(name: str, relation: models.ManyToManyField | models.ManyToManyRel) -> _Ids:
    """The related ids of each row in one subquery over the relation's table, in the order ``prefetch_related``
    gives (the related model's ordering); from either side of the relation."""
    if isinstance(relation, models.ManyToManyRel):  # the other model's field, seen from this one
        through = relation.field.remote_field.through
        source, target = relation.field.m2m_reverse_field_name(), relation.field.m2m_field_name()
    else:
        through = relation.remote_field.through
        source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
    related = relation.related_model
    ids = (
        through._default_manager.filter(**{source: OuterRef("pk")})
        .values(source)
        .annotate(
            ids=StringAgg(
                Cast(f"{target}__pk", output_field=models.TextField()),
                Value(","),
                order_by=_ordering_along(target, related),
            )
        )
        .values("ids")
    )
    return _Ids(name, f"rows_{name}_ids", Subquery(ids), related._meta.pk.to_python)


# Model fields whose value survives a round trip through jsonb unchanged.
_JSON_SAFE = (models.IntegerField, models.AutoField, models.CharField, models.TextField, models.BooleanField)


def _json_safe(reader: RowReader) -> bool:
    """Every column of the nested reader is plain (no datetime, no nested object) and of a JSON-safe type."""
    if not all(isinstance(part, _Plain | _Computed) for part in reader.parts):
        return False
    for column in reader.columns:
        model = reader.model
        name = column.removeprefix(reader.prefix)
        if "__" in name:
            return False
        model_field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        if not isinstance(model_field, _JSON_SAFE):
            return False
    return True


# Model fields whose jsonb text is parsed back into what values() gives (PostgreSQL writes ISO 8601 in UTC, the
# connection's time zone).
_JSON_PARSED = {
    models.DateTimeField: datetime.datetime.fromisoformat,
    models.DateField: datetime.date.fromisoformat,
}


def _field_at(model: type[models.Model], path: str):
    """The model field a ``values()`` path (``approver__username``) ends on, following to-one relations."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model
    return model._meta.pk if last == "pk" else model._meta.get_field(last)


def _json_parsers(reader: RowReader) -> tuple[tuple[str, Callable[[str], Any]], ...] | None:
    """For a nested reader read from jsonb: the columns to parse back (dates and moments) and how; None when some
    column does not survive jsonb (decimals, files, ...) or a part is many-valued."""
    if not all(isinstance(part, _Plain | _Moment | _Computed | _Nested) for part in reader.parts):
        return None
    if any(isinstance(part, _Nested) and _json_parsers(part.reader) is None for part in reader.parts):
        return None
    parsers = []
    for column in reader.columns:
        model_field = _field_at(reader.model, column.removeprefix(reader.prefix))
        parse = next((parse for kind, parse in _JSON_PARSED.items() if isinstance(model_field, kind)), None)
        if parse is not None:
            parsers.append((column, parse))
        elif not isinstance(model_field, (*_JSON_SAFE, models.JSONField, models.ForeignKey)):
            return None
    return tuple(parsers)


def _json_rows_of_reverse(name: str, relation: models.ManyToOneRel, reader: RowReader, parsers) -> _JsonRows:
    """The rows pointing at each row by a foreign key (``decisions`` of an approval request) as one jsonb array
    in the related model's ordering (as ``prefetch_related``), their to-one relations joined in."""
    related = relation.related_model
    columns = {column: column.removeprefix(reader.prefix) for column in reader.columns}
    ordering = [*related._meta.ordering, "pk"]
    rows = (
        related._default_manager.filter(**{relation.field.name: OuterRef("pk")})
        .order_by()
        .values(relation.field.name)
        .annotate(rows=JSONBAgg(JSONObject(**columns), order_by=ordering))
        .values("rows")
    )
    return _JsonRows(name, f"rows_{name}_json", Subquery(rows), reader, parsers)


def _json_rows_of(name: str, relation: models.ManyToManyField, reader: RowReader) -> _JsonRows:
    """The related rows of each row as one jsonb array, in the related model's ordering (as ``prefetch_related``)."""
    through = relation.remote_field.through
    source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
    columns = {column: f"{target}__{column.removeprefix(reader.prefix)}" for column in reader.columns}
    rows = (
        through._default_manager.filter(**{source: OuterRef("pk")})
        .values(source)
        .annotate(
            rows=JSONBAgg(
                JSONObject(**columns),
                order_by=_ordering_along(target, relation.related_model),
            )
        )
        .values("rows")
    )
    return _JsonRows(name, f"rows_{name}_json", Subquery(rows), reader)


def _default_datetime_output(drf_field: serializers.DateTimeField) -> bool:
    """The field writes what DRF writes by default: ISO 8601 in the current time zone (``_iso_8601``)."""
    output_format = getattr(drf_field, "format", api_settings.DATETIME_FORMAT)
    return (
        settings.USE_TZ
        and not hasattr(drf_field, "timezone")
        and isinstance(output_format, str)
        and output_format.lower() == ISO_8601
    )


def _iso_8601(moment: datetime.datetime) -> str:
    """As ``serializers.DateTimeField.to_representation`` writes an aware datetime: UTC as ``Z``."""
    text = moment.isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def _path(model, source: str) -> tuple[str, type[models.Model], models.Field | str]:
    """The ``values()`` path of a dotted DRF source, the model it ends on, and its last field (or, for
    ``get_<field>_display``, that field's name)."""
    parts = source.split(".")
    path = []
    for position, part in enumerate(parts):
        last_part = position == len(parts) - 1
        if last_part and part.startswith("get_") and part.endswith("_display"):
            return "__".join([*path, part[4:-8]]), model, part[4:-8]
        try:
            model_field = model._meta.get_field(part)
        except FieldDoesNotExist:
            model_field = next((f for f in model._meta.concrete_fields if f.attname == part), None)
            if model_field is None:
                raise UnsupportedField(f"{model.__name__}.{part} is not a model field") from None
            return "__".join([*path, model_field.name]), model, model_field
        path.append(part)
        if last_part:
            return "__".join(path), model, model_field
        if not (model_field.many_to_one or model_field.one_to_one):
            raise UnsupportedField(f"{model.__name__}.{part}: only to-one relations can be followed")
        model = model_field.related_model
    raise UnsupportedField(source)
