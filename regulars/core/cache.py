"""The cache backend for production: Redis, degrading to a per-process memory cache when Redis
does not answer.

Pages, the nearby-page cache and rate limits all go through Django's cache. With the stock Redis
backend a Redis outage turned every one of them into a 500 (the home page, nearby search,
sign-in). Here a Redis error is logged, Redis is left alone for a few seconds (no request waits
on a dead server's timeout), and the call is answered from memory instead: pages render without
the shared cache, and rate limits keep counting per process — looser by the number of
processes, never off. `/healthz` still pings Redis itself and answers 503 naming it.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("regulars.cache")

RETRY_AFTER_SECONDS = 5.0
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**_FAST_FAILURE, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._fallback = LocMemCache("regulars-redis-fallback", {"TIMEOUT": self.default_timeout})
        self._down_until = 0.0

    def _either(self, name: str, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except REDIS_DOWN as error:
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
                log.warning("Redis cache unavailable (%s): answering from memory", error)
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._either("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._either("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._either("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._either("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._either("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._either("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._either("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._either("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._either("delete_many", *args, **kwargs)

    def clear(self):
        return self._either("clear")


# A dead Redis must cost a request at most a second, not the operating system's TCP timeout.
_FAST_FAILURE = {"socket_connect_timeout": 1, "socket_timeout": 1}
