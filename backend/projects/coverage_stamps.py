"""Stamps that tell the strategy coverage's cache (``backend.strategy.coverage``) that what it sums has changed.

The coverage sums every project linked to a strategy's measures (stage, cost, approved funding, energy and CO₂
KPIs). Its cached figures record the clock value they were computed at and the stamps they depend on: the
strategy's own and one per municipality whose projects they counted. Each service that changes what the coverage
reads (a project's creation with measures, its cost or measures, its stage, a funding application, a KPI) calls
``coverage_inputs_changed`` in its transaction: the stamps take a new clock value at once (so the same
transaction reads fresh figures) and again on commit (so figures computed by another request before the commit are
never taken for current). Figures older than any of their stamps are recomputed.

The clock and the stamps live in the cache (Redis in production), keyed by the database's name, so test and bench
databases sharing one Redis never see each other's stamps. A cache that cannot be reached is logged and
ignored: the write goes on, and the cached figures expire after ``COVERAGE_CACHE_SECONDS`` at the latest.
"""

import logging
from collections.abc import Iterable

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction

logger = logging.getLogger(__name__)

# The longest cached figures are trusted, whatever the stamps say: the bound on staleness when a stamp was lost
# (the cache unreachable during a write, or a stamp evicted while the figures were kept).
COVERAGE_CACHE_SECONDS = 15 * 60


def coverage_key(name: str) -> str:
    """A cache key of the coverage in this database."""
    return f"coverage:{connection.settings_dict['NAME']}:{name}"


def coverage_clock_tick() -> int:
    """The next value of the coverage clock: larger than every value given before (atomic on Redis)."""
    key = coverage_key("clock")
    cache.add(key, 0, timeout=None)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between the two calls
        cache.add(key, 0, timeout=None)
        return cache.incr(key)


def municipality_stamp(municipality_id: int) -> str:
    return coverage_key(f"municipality:{municipality_id}")


def strategy_stamp(strategy_id: int) -> str:
    return coverage_key(f"strategy:{strategy_id}")


# The clock's tick and the stamps set to it, in one round trip to Redis (a transition stamps twice: the cache's own
# add, exists, incr and set_many were eight round trips of its ~25 ms). Redis writes go to the first server, and
# keeps integers as their digits, which is how ``RedisCache`` stores (and reads back) an int.
_TICK_AND_STAMP = """
local value = redis.call('INCR', KEYS[1])
for index = 2, #KEYS do redis.call('SET', KEYS[index], value) end
return value
"""


def _stamp(keys: list[str]) -> None:
    try:
        backend = caches[DEFAULT_CACHE_ALIAS]
        if isinstance(backend, RedisCache):
            names = [backend.make_and_validate_key(key) for key in (coverage_key("clock"), *keys)]
            backend._cache.get_client(names[0], write=True).eval(_TICK_AND_STAMP, len(names), *names)
            return
        value = coverage_clock_tick()
        cache.set_many(dict.fromkeys(keys, value), timeout=None)
    except Exception:
        logger.exception(
            "The strategy coverage's stamps could not be written: cached figures may be stale for up to %s s.",
            COVERAGE_CACHE_SECONDS,
        )


def coverage_inputs_changed(*, municipality_ids: Iterable[int] = (), strategy_ids: Iterable[int] = ()) -> None:
    """What the coverage sums changed for the projects of these municipalities, or the links to these strategies'
    measures: stamp them now and on commit."""
    keys = sorted({*(municipality_stamp(pk) for pk in municipality_ids), *(strategy_stamp(pk) for pk in strategy_ids)})
    if not keys:
        return
    _stamp(keys)
    transaction.on_commit(lambda: _stamp(keys))
