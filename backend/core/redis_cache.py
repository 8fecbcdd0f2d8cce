"""Django's Redis cache, each Redis client made once rather than on every cache call."""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    """Django builds a ``redis.Redis`` per call (its constructor registers some 170 response callbacks, 0.15 ms
    CPU): five times in a transition, for its throttle and cache stamps. A client only wraps its connection pool,
    so one per pool does; Django's caches are per thread, and so are these clients."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
