"""How a shared part that may be out of reach (Redis: the cache, the channel layer) is
followed in one server process.

When the part fails, the process goes on without it and says so once: one log line when it
goes down, one when it is back, whatever the number of requests in between. After a failure
it is not tried again for `retry_after` seconds, so that requests during an outage do not
each wait for a server that is not there; the first try after that finds out whether it is
back, and nothing needs a restart."""

from __future__ import annotations

import logging
import threading
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("servicecenter.outages")

# What Redis being out of reach looks like, to the cache and to the channel layer alike.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class Outage:
    def __init__(self, part: str, *, retry_after: float = 1.0) -> None:
        self.part = part
        self.retry_after = retry_after
        self.down = False
        self.count = 0  # outages begun in this process
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def worth_trying(self) -> bool:
        return not self.down or time.monotonic() >= self._retry_at

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_after
            if self.down:
                return
            self.down = True
            self.count += 1
        logger.warning("%s is out of reach, going on without it (%s)", self.part, error)

    def succeeded(self) -> None:
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        logger.warning("%s is back", self.part)
