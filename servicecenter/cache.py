"""The shared cache: Redis, and when Redis is out of reach, this process's own memory.

What the cache holds here can be lost without harm: throttle counts (a per-process limit
stands in for the shared one during an outage), code lists (read again from the database),
dashboard figures (servicecenter.live serves none of those while the cache is not shared,
since another process could not tell this one that they changed). So a Redis outage must
not fail a request: each call goes to Redis, and on a connection error or timeout to the
fallback, with Redis tried again a second later (servicecenter.outages.Outage). Short socket
timeouts keep a Redis that does not answer at all from holding requests up.

Django makes a cache object per thread, and under ASGI every request has a thread of its
own: the Redis client (with its connection pool), the fallback and the outage are therefore
kept once per process and server, not per cache object, or each request would connect to
Redis anew and learn of an outage by itself."""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from servicecenter.outages import UNREACHABLE, Outage

DEFAULT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}


_per_process: dict[str, tuple[RedisCacheClient, Outage]] = {}
_per_process_lock = threading.Lock()


class RedisWithFallbackCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        # LocMemCache keeps its data per process and name already.
        fallback_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self.fallback = LocMemCache(f"fallback-for-{server}", fallback_params)
        key = f"{server} {sorted(params['OPTIONS'].items())}"
        with _per_process_lock:
            if key not in _per_process:
                client = RedisCacheClient(self._servers, **self._options)
                _per_process[key] = (client, Outage(f"The Redis cache at {server}"))
        self._client, self.outage = _per_process[key]

    @property
    def _cache(self) -> RedisCacheClient:
        return self._client

    @property
    def shared(self) -> bool:
        """Whether what this process reads and writes is what every process sees."""
        return not self.outage.down

    @property
    def outages_seen(self) -> int:
        return self.outage.count


def _redis_or_fallback(name: str):
    through_redis = getattr(RedisCache, name)

    def method(self: RedisWithFallbackCache, *args: Any, **kwargs: Any) -> Any:
        if self.outage.worth_trying():
            try:
                result = through_redis(self, *args, **kwargs)
            except UNREACHABLE as error:
                self.outage.failed(error)
            else:
                self.outage.succeeded()
                return result
        return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(RedisWithFallbackCache, _name, _redis_or_fallback(_name))
