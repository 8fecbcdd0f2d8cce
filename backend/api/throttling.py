"""The API's throttles: a counter per client and window, and fail open (a cache outage, Redis down, must not turn
every API call into a 500).

DRF's throttles keep a list of every request's timestamp in the window, read, trimmed and written back whole on
each request: at 1,200/minute up to 1,200 floats unpickled and pickled again per request, a cost that grows with
the traffic it is there to limit. A fixed window keeps one integer per client and window (``cache.incr``). It
lets through at most the limit in each window of the rate's duration (a client that spends it all at the end of
one window and the start of the next gets twice the limit across the boundary, the usual trade-off of a fixed
window), and a refused request waits until its window ends (``Retry-After``). On Redis a request costs one
round trip, where DRF's cost two (read, write).
"""

import logging
import math

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

logger = logging.getLogger(__name__)


class FixedWindowThrottle(throttling.SimpleRateThrottle):
    """DRF's rate throttle counting per window; a base after DRF's own class in each throttle below, so that theirs
    still decide the scope and the key (``ScopedRateThrottle`` reads the view's scope first)."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = math.floor(self.now / self.duration)
        self.window_ends_at = (window + 1) * self.duration
        return self._count(f"{self.key}_{window}") <= self.num_requests

    def _count(self, key: str) -> int:
        """This request counted on the window's counter: the count so far, this one included."""
        # DRF's default is Django's ``cache``, a proxy of the default backend that no isinstance sees through: the
        # backend itself says whether it is Redis (through the proxy every count took Django's incr, two round trips).
        cache = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
        if isinstance(cache, RedisCache):
            # One round trip (Django's incr asks whether the key exists first, add is a third): INCR makes the
            # counter at 1, and the window's first request gives it the expiry that drops it once its window is
            # over. (An EXPIRE lost with a broken connection leaves one counter of a window that never comes again.)
            key = cache.make_and_validate_key(key)
            client = cache._cache.get_client(key, write=True)
            count = client.incr(key)
            if count == 1:
                client.expire(key, self.duration)
            return count
        try:
            return cache.incr(key)
        except ValueError:  # the window's first request: no counter yet
            # Another request may have added it meanwhile: then count this one on it.
            return 1 if cache.add(key, 1, self.duration) else cache.incr(key)

    def wait(self) -> float:
        """Seconds until the window ends, when the count starts again."""
        return self.window_ends_at - self.now


class FailOpenMixin:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's connection errors differ per backend
            logger.warning("Throttle cache unavailable; letting the request through.", exc_info=True)
            return True


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle, FixedWindowThrottle):
    pass


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle, FixedWindowThrottle):
    pass


class ScopedRateThrottle(FailOpenMixin, throttling.ScopedRateThrottle, FixedWindowThrottle):
    pass
