"""Figures summed over many projects, kept in the cache until what they sum changes: one stamp per town (and per
strategy), renewed by whatever changes what they sum.

Sums over all of a town's projects (the portal's public energy figures and project count, the dashboard's funnel,
funding and energy totals) and over every project linked to a strategy's measures (``backend.strategy.coverage``)
grow with the town; so they are kept in the cache. Each depends on stamps: the town's, and the strategy's for its
coverage. Any change of a project of the town, of its KPIs, their CO₂ effects or its funding applications renews the
town's stamp (``town_figures_changed``, called by ``backend.projects.receivers`` and the energy and workflows apps'
receivers, and by bulk loaders); the services that change what the coverage sums renew the towns' and strategies'
stamps (``coverage_inputs_changed``). A renewal happens when the transaction commits (sums read before the commit
are not taken) and, before that, at the first read of stored figures later in the same transaction (which sums
again).

A stamp is a value of one clock (``clock_tick``: larger than every value given before, atomic on Redis). A town's
figures are stored with the stamp read before they were summed and taken while the stamp is still that value; the
coverage is stored with the clock read before it was computed and taken while every stamp it depends on is older.
Sums that raced a change are therefore never taken. Without a reachable cache every read sums; a renewal that
could not reach it is logged, and the stored figures expire by their own time (``CACHE_SECONDS``).

A town's figures may also be kept in slices (``town_slice_figures``: the projects by their id modulo
``TOWN_SLICES``, each slice with a stamp of its own), and each slice in parts (``town_part_figures``: the projects
by their id modulo ``TOWN_PARTS``, ``SLICE_PARTS`` parts a slice): a change of one project renews its slice's and
its part's stamps beside the town's, so the first read after it sums that part again, not the whole town nor the
whole slice, and adds the parts and slices kept. Two levels keep both the part summed and the keys read small as
the town grows (a slice of 100,000 projects is some 3,000 of them; a part some 100; one level of 1,024 slices
would read 2,048 keys a time).

What is stored for a town is what the town's own staff see of its own projects: a reader who sees less (a partner
guest, a user of another town) never reads these keys; who sees more (projects shared in) adds those live.
"""

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

CACHE_PREFIX = "town"
# A town's projects in this many slices (by id), each slice in this many parts: the first read after a change sums a
# part again, one in TOWN_PARTS of the town (some 100 projects of 100,000), and reads the other parts of its slice
# and the other slices from the cache.
TOWN_SLICES = 32
SLICE_PARTS = 32
TOWN_PARTS = TOWN_SLICES * SLICE_PARTS  # a project's slice is its part modulo TOWN_SLICES
# A stored sum lives at most this long (a change renews its stamps at once: the limit only bounds a renewal the
# cache missed, or a stamp evicted while the figures were kept).
CACHE_SECONDS = 60 * 60

logger = logging.getLogger(__name__)


def figures_key(name: str) -> str:
    """A cache key of this database's figures and stamps."""
    # The database's name too: two databases that share one cache (the bench's sizes, a test run's workers) have
    # towns of the same id.
    return f"{CACHE_PREFIX}:{settings.DATABASES['default']['NAME']}:{name}"


def municipality_stamp(municipality_id: int) -> str:
    """The key of the town's stamp."""
    return figures_key(f"{municipality_id}:stamp")


def strategy_stamp(strategy_id: int) -> str:
    """The key of the stamp of the links to a strategy's measures."""
    return figures_key(f"strategy:{strategy_id}:stamp")


def project_slice(project_id: int) -> int:
    """The slice of the town's figures a project is summed in."""
    return project_id % TOWN_SLICES


def project_part(project_id: int) -> int:
    """The part of its slice a project is summed in (its slice is this modulo ``TOWN_SLICES``)."""
    return project_id % TOWN_PARTS


def slice_parts(slice_number: int) -> list[int]:
    """The parts one slice is made of."""
    return list(range(slice_number, TOWN_PARTS, TOWN_SLICES))


def part_stamp(municipality_id: int, part: int) -> str:
    """The key of the stamp of one part of a slice of the town's projects."""
    return figures_key(f"{municipality_id}:part:{part}:stamp")


def slice_stamp(municipality_id: int, slice_number: int) -> str:
    """The key of the stamp of one slice of the town's projects."""
    return figures_key(f"{municipality_id}:slice:{slice_number}:stamp")


def slices_stamp(municipality_id: int) -> str:
    """The key of the stamp of every slice of the town (renewed by a change whose project is not known)."""
    return figures_key(f"{municipality_id}:slices:stamp")


def town_cache_keys(*, name: str, municipality_id: int) -> tuple[str, str]:
    """The key of the town's stored figures called ``name``, and the key of the town's stamp."""
    return figures_key(f"{municipality_id}:{name}"), municipality_stamp(municipality_id)


def clock_tick() -> int:
    """The next value of the clock: larger than every value given before (atomic on Redis)."""
    key = figures_key("clock")
    # A clock that was evicted starts again from the time in microseconds: past every value it gave before (it
    # would have to tick a million times a second to catch up with the time).
    cache.add(key, time.time_ns() // 1000, timeout=None)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between the two calls
        cache.add(key, time.time_ns() // 1000, timeout=None)
        return cache.incr(key)


def stamps_renew(keys: Iterable[str]) -> None:
    """What the figures of these stamps sum changed: a new value when the transaction commits, and before that at
    the first read of stored figures later in the same transaction (``stamps_flush``), which would otherwise take
    figures summed before the change. Outside a transaction, a new value now."""
    keys = set(keys)
    if not keys:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _stamp(sorted(keys))
        return
    _renewal(connection).add(keys)


class _Renewal:
    """The stamps a transaction renews: all of them when it commits (an on-commit callback), those not renewed yet
    before a read in it (``flush``). Other transactions do not see the change until it commits, so nothing they
    sum before then can be newer than the stamps they read: a renewal at the change itself (a Redis round trip of
    each transition) served only reads in the same transaction."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.unflushed: set[str] = set()

    def add(self, keys: set[str]) -> None:
        self.keys |= keys
        self.unflushed |= keys

    def flush(self) -> None:
        if self.unflushed:
            _stamp(sorted(self.unflushed))
            self.unflushed = set()

    def __call__(self) -> None:
        _stamp(sorted(self.keys))


def _pending(connection) -> _Renewal | None:
    """The renewal the current transaction registered (gone with it when it, or the savepoint that made it, rolled
    back: Django drops those callbacks)."""
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Renewal):
            return callback
    return None


def _renewal(connection) -> _Renewal:
    renewal = _pending(connection)
    if renewal is None:
        renewal = _Renewal()
        transaction.on_commit(renewal, using=connection.alias)
    return renewal


def stamps_flush() -> None:
    """Before stored figures are read: the stamps this transaction renews get their new values now, so that what was
    stored before its changes is not taken."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and (renewal := _pending(connection)) is not None:
        renewal.flush()


# On Redis the clock's tick and the stamps set to it go in one round trip (a transition stamps twice: the cache's own
# add, incr and set_many were eight round trips, about a tenth of its time). The clock starts as ``clock_tick`` starts
# it; Redis keeps integers as their digits, which is how ``RedisCache`` stores (and reads back) an int.
_TICK_AND_STAMP = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
local value = redis.call('INCR', KEYS[1])
for index = 2, #KEYS do redis.call('SET', KEYS[index], value) end
return value
"""


def _stamp(keys: list[str]) -> None:
    try:
        backend = caches[DEFAULT_CACHE_ALIAS]
        if isinstance(backend, RedisCache):
            names = [backend.make_and_validate_key(key) for key in (figures_key("clock"), *keys)]
            client = backend._cache.get_client(names[0], write=True)
            client.eval(_TICK_AND_STAMP, len(names), *names, time.time_ns() // 1000)
            return
        cache.set_many(dict.fromkeys(keys, clock_tick()), timeout=None)
    except Exception:  # the change itself must stand; the stored figures expire within CACHE_SECONDS
        logger.warning("The stamps %s could not be renewed: figures may be stale for up to %s s.", keys,
                       CACHE_SECONDS, exc_info=True)  # fmt: skip


def town_figures_changed(*, municipality_id: int, project_id: int | None = None) -> None:
    """The town's figures may have changed (those of the project ``project_id``, or of any): its stamp and the
    stamps of the project's slice and part (of every slice and part) renewed now and on commit."""
    if project_id is None:
        pieces = [slices_stamp(municipality_id)]
    else:
        pieces = [
            slice_stamp(municipality_id, project_slice(project_id)),
            part_stamp(municipality_id, project_part(project_id)),
        ]
    stamps_renew([municipality_stamp(municipality_id), *pieces])


def coverage_inputs_changed(*, municipality_ids: Iterable[int] = (), strategy_ids: Iterable[int] = ()) -> None:
    """What the strategy coverage sums changed for the projects of these towns, or the links to these strategies'
    measures: their stamps renewed now and on commit."""
    stamps_renew([*(municipality_stamp(pk) for pk in municipality_ids), *(strategy_stamp(pk) for pk in strategy_ids)])


@dataclass
class TownFigures:
    """What one read found: ``found`` the stored figures per town (current stamp), ``missing`` the towns to sum.

    Sum the missing towns, then ``store`` them: they are kept under the stamps read before the sums."""

    name: str
    found: dict[int, Any] = field(default_factory=dict)
    versions: dict[int, Any] = field(default_factory=dict)

    @property
    def missing(self) -> list[int]:
        return sorted(self.versions)

    def key(self, pk: int) -> str:
        """The key the figures of ``pk`` (here a town) are stored under."""
        return town_cache_keys(name=self.name, municipality_id=pk)[0]

    def store(self, figures: dict[int, Any]) -> None:
        stored = {
            self.key(pk): (self.versions[pk], value)
            for pk, value in figures.items()
            if self.versions.get(pk) is not None
        }
        self.found |= figures
        if not stored:
            return
        try:
            cache.set_many(stored, CACHE_SECONDS)
        except Exception:
            logger.warning("The towns' figures %r could not be stored in the cache.", self.name, exc_info=True)


def town_figures(*, name: str, municipality_ids: Iterable[int]) -> TownFigures:
    """The towns' stored figures called ``name`` that are of the town's current stamp, in one round trip (three
    when a town has no stamp yet: it gets a new value, which no stored figures have)."""
    ids = sorted(set(municipality_ids))
    read = TownFigures(name=name)
    if not ids:
        return read
    try:
        stamps_flush()
        keys = {pk: town_cache_keys(name=name, municipality_id=pk) for pk in ids}
        found = cache.get_many([key for pair in keys.values() for key in pair])
        for pk, (key, stamp_key) in keys.items():
            stamp, stored = found.get(stamp_key), found.get(key)
            if stamp is not None and stored is not None and stored[0] == stamp:
                read.found[pk] = stored[1]
            else:
                read.versions[pk] = stamp
        new = [pk for pk, stamp in read.versions.items() if stamp is None]
        if new:
            tick = clock_tick()
            for pk in new:
                cache.add(keys[pk][1], tick, timeout=None)
            stamps = cache.get_many([keys[pk][1] for pk in new])
            for pk in new:
                read.versions[pk] = stamps.get(keys[pk][1])
    except Exception:  # an unreachable cache must not take a page down: sum as without one
        logger.warning("The towns' figures %r could not be read from the cache.", name, exc_info=True)
        read.found, read.versions = {}, dict.fromkeys(ids)
    return read


@dataclass
class TownSlices(TownFigures):
    """What one read of a town's slices (or of parts of them) found: ``found`` the stored figures per slice (part)
    of current stamps, ``missing`` those to sum; ``store`` them then (kept under the stamps read before the sums)."""

    municipality_id: int = field(kw_only=True)
    level: str = field(default="slice", kw_only=True)

    def key(self, pk: int) -> str:
        return _piece_key(self.name, self.municipality_id, self.level, pk)


def _piece_key(name: str, municipality_id: int, level: str, number: int) -> str:
    return figures_key(f"{municipality_id}:{name}:{level}:{number}")


def town_slice_figures(*, name: str, municipality_ids: Iterable[int]) -> dict[int, TownSlices]:
    """Each town's stored slices of the figures called ``name`` that are of their current stamps, in one round trip
    (more the first time: each stamp missing gets a new value, which no stored figures have)."""
    return _pieces(name=name, level="slice", numbers={pk: range(TOWN_SLICES) for pk in set(municipality_ids)},
                   stamp=slice_stamp)  # fmt: skip


def town_part_figures(*, name: str, slices: dict[int, Iterable[int]]) -> dict[int, TownSlices]:
    """For each town, the stored parts of these of its slices (``slices``: town → slice numbers) of the figures
    called ``name`` that are of their current stamps, in one round trip (more the first time, as for the slices)."""
    numbers = {pk: [part for number in numbers for part in slice_parts(number)] for pk, numbers in slices.items()}
    return _pieces(name=name, level="part", numbers={pk: parts for pk, parts in numbers.items() if parts},
                   stamp=part_stamp)  # fmt: skip


def _pieces(*, name: str, level: str, numbers: dict[int, Iterable[int]], stamp) -> dict[int, TownSlices]:
    """The stored pieces (slices or parts: ``numbers`` per town) of current stamps: a piece's version is the stamp of
    every slice of its town (renewed by a change whose project is not known) and its own."""
    numbers = {pk: list(numbers[pk]) for pk in sorted(numbers)}
    reads = {pk: TownSlices(name=name, municipality_id=pk, level=level) for pk in numbers}
    if not numbers:
        return reads
    try:
        stamps_flush()
        stamps = [key for pk, own in numbers.items() for key in (slices_stamp(pk), *(stamp(pk, n) for n in own))]
        stored = [_piece_key(name, pk, level, n) for pk, own in numbers.items() for n in own]
        found = cache.get_many([*stamps, *stored])
        new = [key for key in stamps if key not in found]
        if new:
            tick = clock_tick()
            for key in new:
                cache.add(key, tick, timeout=None)
            found |= cache.get_many(new)
        for pk, read in reads.items():
            every = found.get(slices_stamp(pk))
            for number in numbers[pk]:
                one, figures = found.get(stamp(pk, number)), found.get(read.key(number))
                version = None if every is None or one is None else (every, one)
                if version is not None and figures is not None and figures[0] == version:
                    read.found[number] = figures[1]
                else:
                    read.versions[number] = version
    except Exception:  # an unreachable cache must not take a page down: sum as without one
        logger.warning("The towns' figures %r could not be read from the cache.", name, exc_info=True)
        reads = {
            pk: TownSlices(name=name, municipality_id=pk, level=level, versions=dict.fromkeys(numbers[pk]))
            for pk in numbers
        }
    return reads
