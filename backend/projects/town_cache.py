"""Figures summed over every project of a town, kept in the cache under the town's version.

Sums over all of a town's projects (the portal's public energy figures and project count, the dashboard's funnel,
funding and energy totals) grow with the town; so they are kept in the cache, each under a name, with the town's
version they were summed under. Any change of a project of the town, of its KPIs, their CO₂ effects or its funding
applications gives the town a new version (``town_figures_changed``, called by ``backend.projects.receivers`` and
the energy and workflows apps' receivers, and by bulk loaders), and the next read sums again.

A read takes the version before it sums: sums that raced a change are stored under the version before it, which
no later read takes. Without a reachable cache every read sums.

What is stored here is what the town's own staff see of its own projects: a reader who sees less (a partner guest,
a user of another town) never reads these keys; who sees more (projects shared in) adds those live.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

CACHE_PREFIX = "town"
# A stored sum lives at most this long (a change renews the town's version at once: the limit only bounds a renewal
# the cache missed).
CACHE_SECONDS = 60 * 60

logger = logging.getLogger(__name__)


def _prefix(municipality_id: int) -> str:
    # The database's name too: two databases that share one cache (the bench's sizes, a test run's workers) have
    # towns of the same id.
    return f"{CACHE_PREFIX}:{settings.DATABASES['default']['NAME']}:{municipality_id}"


def town_cache_keys(*, name: str, municipality_id: int) -> tuple[str, str]:
    """The key of the town's stored figures called ``name``, and the key of the town's version."""
    prefix = _prefix(municipality_id)
    return f"{prefix}:{name}", f"{prefix}:version"


@dataclass
class TownFigures:
    """What one read found: ``found`` the stored figures per town (current version), ``missing`` the towns to sum.

    Sum the missing towns, then ``store`` them: they are kept under the versions read before the sums."""

    name: str
    found: dict[int, Any] = field(default_factory=dict)
    versions: dict[int, str | None] = field(default_factory=dict)

    @property
    def missing(self) -> list[int]:
        return sorted(self.versions)

    def store(self, figures: dict[int, Any]) -> None:
        stored = {
            town_cache_keys(name=self.name, municipality_id=pk)[0]: (self.versions[pk], value)
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
    """The towns' stored figures called ``name`` that are of the town's current version, in one round trip (two
    when a town has no version yet)."""
    ids = sorted(set(municipality_ids))
    read = TownFigures(name=name)
    if not ids:
        return read
    try:
        keys = {pk: town_cache_keys(name=name, municipality_id=pk) for pk in ids}
        found = cache.get_many([key for pair in keys.values() for key in pair])
        for pk, (key, version_key) in keys.items():
            version, stored = found.get(version_key), found.get(key)
            if version is not None and stored is not None and stored[0] == version:
                read.found[pk] = stored[1]
            else:
                read.versions[pk] = version
        new = [pk for pk, version in read.versions.items() if version is None]
        if new:
            for pk in new:
                cache.add(keys[pk][1], uuid.uuid4().hex, CACHE_SECONDS)
            versions = cache.get_many([keys[pk][1] for pk in new])
            for pk in new:
                read.versions[pk] = versions.get(keys[pk][1])
    except Exception:  # an unreachable cache must not take a page down: sum as without one
        logger.warning("The towns' figures %r could not be read from the cache.", name, exc_info=True)
        read.found, read.versions = {}, dict.fromkeys(ids)
    return read


def town_figures_changed(*, municipality_id: int) -> None:
    """The town's figures may have changed: a new version now (reads later in this transaction sum again) and once
    more when the transaction commits (reads that summed before the commit are not taken)."""
    _version_bump(municipality_id)
    transaction.on_commit(partial(_version_bump, municipality_id))


def _version_bump(municipality_id: int) -> None:
    try:
        cache.set(f"{_prefix(municipality_id)}:version", uuid.uuid4().hex, CACHE_SECONDS)
    except Exception:  # the change itself must stand; the stored sums expire within CACHE_SECONDS
        logger.warning("The cached figures of town %s could not be renewed.", municipality_id, exc_info=True)
