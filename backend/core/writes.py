"""Rows written as the parts of one PostgreSQL statement, for hot paths where each ``save()`` was a round trip, an
SQL compilation and a transaction step of its own (a transition wrote its project, history row and event so: half
of its CPU, bench/scale.py).

Each part is what ``save()`` would have written: the same columns, the values the fields prepare for the database
(``pre_save``, so ``auto_now`` and defaults apply as they do in ``save()``), and the same ``pre_save`` and
``post_save`` signals around the statement (``saves_announced``), so that the receivers of the models hear of the
write as they would of a save. The SQL text is built once per model and shape from the model's meta, never from
values; the caller puts the parts together (``WITH a AS (…), b AS (…) SELECT …``).
"""

import functools
from collections.abc import Iterable, Mapping
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save


def _quote(name: str) -> str:
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(name)


@functools.cache
def _written_fields(model: type[Model]) -> tuple[Field, ...]:
    """The columns an INSERT by ``save()`` writes: every concrete field but an automatic primary key (worked out once
    per model: ``insert_parameters`` asks on every write)."""
    meta = model._meta
    return tuple(field for field in meta.local_concrete_fields if not field.primary_key and not field.generated)


@functools.cache
def insert_sql(model: type[Model], expressions: tuple[tuple[str, str], ...] = ()) -> str:
    """``INSERT … RETURNING`` the primary key of one row of ``model``, with one ``%s`` per written field in field
    order; ``expressions`` put SQL of their own around a field's ``%s`` (``("payload", "%s || …")``)."""
    meta, around, fields = model._meta, dict(expressions), _written_fields(model)
    unknown = set(around) - {field.name for field in fields}
    if unknown or any(expression.count("%s") != 1 for expression in around.values()):
        raise ValueError(f"expressions of {model.__name__} must each hold one %s of a written field: {expressions!r}")
    columns = ", ".join(_quote(field.column) for field in fields)
    values = ", ".join(around.get(field.name, "%s") for field in fields)
    return (
        f"INSERT INTO {_quote(meta.db_table)} ({columns}) VALUES ({values}) "  # noqa: S608  (names from the model)
        f"RETURNING {_quote(meta.pk.column)}"
    )


def insert_parameters(instance: Model, *, using: str) -> list:
    """The values of ``insert_sql(type(instance))``, prepared as ``save()`` prepares them for a new row."""
    connection = connections[using]
    return [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in _written_fields(type(instance))
    ]


@functools.cache
def update_sql(model: type[Model], names: tuple[str, ...], where: tuple[str, ...]) -> str:
    """``UPDATE`` of the fields ``names`` of the row whose primary key and the fields ``where`` have the values given
    (as ``save(update_fields=…)`` of a model whose state the update checks, as django-fsm's
    ``ConcurrentTransitionMixin`` does), ``RETURNING`` the primary key; parameters: the ``names`` in order, the
    primary key, then the ``where`` fields."""
    meta = model._meta
    assigned = ", ".join(f"{_quote(meta.get_field(name).column)} = %s" for name in names)
    checked = " AND ".join(
        f"{_quote(column)} = %s" for column in (meta.pk.column, *(meta.get_field(name).column for name in where))
    )
    return f"UPDATE {_quote(meta.db_table)} SET {assigned} WHERE {checked} RETURNING {_quote(meta.pk.column)}"  # noqa: S608


def update_parameters(instance: Model, names: Iterable[str], *, using: str) -> list:
    """The values of the fields ``names`` of ``update_sql``, prepared as ``save()`` prepares an update of them."""
    connection, meta = connections[using], instance._meta
    return [
        field.get_db_prep_save(field.pre_save(instance, False), connection)
        for field in (meta.get_field(name) for name in names)
    ]


@contextmanager
def saves_announced(created: Iterable[Model], updated: Mapping[Model, Iterable[str]], *, using: str):
    """``pre_save`` of the instances before the block that writes them and, when it succeeded, ``post_save`` after
    it, with the arguments ``save()`` sends (the sender is the instance's class, a proxy too); the created instances
    then count as saved ones (``_state``). The block sets their primary keys."""
    created, updated = list(created), {instance: frozenset(names) for instance, names in updated.items()}
    for instance, names in updated.items():
        pre_save.send(sender=type(instance), instance=instance, raw=False, using=using, update_fields=names)
    for instance in created:
        pre_save.send(sender=type(instance), instance=instance, raw=False, using=using, update_fields=None)
    yield
    for instance, names in updated.items():
        post_save.send(
            sender=type(instance), instance=instance, created=False, update_fields=names, raw=False, using=using
        )
    for instance in created:
        instance._state.adding, instance._state.db = False, using
        post_save.send(
            sender=type(instance), instance=instance, created=True, update_fields=None, raw=False, using=using
        )
