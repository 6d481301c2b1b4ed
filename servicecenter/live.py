"""Live events over the channel layer (in-memory by default, Redis in production).

Workflows call `site_changed_on_commit` (or `broadcast_on_commit` for other groups) inside
their transaction: the event leaves only once the change is committed, so no screen ever
shows something that was rolled back. A change at a site also moves the site's generation, a
counter in the shared cache: figures cached under the generations they were computed at
(a dashboard's live figures) are then never served after a change they do not include.

Both go through Redis in production, and a Redis outage must cost no save: events are then
dropped (the pages reconnect and catch up when it is back), with one log line per outage
(servicecenter.outages); generations are not read while the cache is not shared, so nothing
is served from it; and once it is back, the first process that notices and saw the outage
moves an epoch that every set of generations includes, so that nothing cached before the
outage is served after it."""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

from servicecenter.outages import UNREACHABLE, Outage

logger = logging.getLogger(__name__)
# One per channel layer object: one per process in production, a new one in a test that
# changes CHANNEL_LAYERS.
_channel_layer_outages: weakref.WeakKeyDictionary[Any, Outage] = weakref.WeakKeyDictionary()
EPOCH_KEY = "live:epoch"
# How many of the shared cache's outages this process has made up for (_after_an_outage).
_outages_made_up_for = 0


def site_group(site_code: str) -> str:
    return f"site.{site_code}"


def queue_group(site_code: str) -> str:
    """The screens that follow a site's waiting queue: its display and the staff panels."""
    return f"queue.{site_code}"


def _generation_key(site_code: str) -> str:
    return f"live:generation:{site_code}"


def channel_layer_outage(layer: Any) -> Outage:
    return _channel_layer_outages.setdefault(layer, Outage("The channel layer"))


def broadcast(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    outage = channel_layer_outage(layer)
    if not outage.worth_trying():
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception as error:  # a dashboard missing an event must never fail a save
        outage.failed(error)
    else:
        outage.succeeded()


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: broadcast(group, event))


def site_changed(site_code: str, event: dict[str, Any]) -> None:
    """Something the site's statistics count changed: move its generation, then tell the
    screens that follow the site."""
    _move(_generation_key(site_code))
    _after_an_outage()
    broadcast(site_group(site_code), event)


def _move(key: str) -> None:
    try:
        # add() creates the counter where it is missing, so incr() always finds it.
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:  # without the shared cache nothing is cached under generations
        logger.exception("Could not move %s", key)


def _after_an_outage() -> bool:
    """Whether the shared cache is back from an outage this process has not yet made up for.
    Generations moved meanwhile went to this process's fallback only, so it moves the epoch,
    which every set of generations includes: nothing cached before the outage is served."""
    global _outages_made_up_for
    seen = getattr(cache, "outages_seen", 0)
    if seen == _outages_made_up_for or not getattr(cache, "shared", True):
        return False
    _move(EPOCH_KEY)
    _outages_made_up_for = seen
    return True


def site_changed_on_commit(site_code: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: site_changed(site_code, event))


def site_generations(site_codes: Sequence[str]) -> tuple[int, ...] | None:
    """The cache's epoch and the sites' generations (0 for one never moved), or None when
    the shared cache cannot be read: then nothing may be served from it."""
    keys = [EPOCH_KEY, *(_generation_key(code) for code in site_codes)]
    try:
        found = cache.get_many(keys)
    except Exception:
        logger.exception("Could not read site generations")
        return None
    if not getattr(cache, "shared", True) or _after_an_outage():
        return None
    return tuple(int(found.get(key, 0)) for key in keys)


# WebSocket close code 1013, "try again later": the page reconnects after a pause.
TRY_AGAIN_LATER = 1013


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """A page's WebSocket that follows live events. When Redis, under the channel layer,
    goes away, the socket is closed (1013 once open; refused while opening) and the outage
    logged once, as for events; the page reconnects by itself, and once Redis is back its new
    socket joins its groups again. Subclasses join their groups before accepting, so that a
    socket opened during an outage is refused rather than opened and closed at once."""

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except UNREACHABLE as error:
            channel_layer_outage(self.channel_layer).failed(error)
            # The browser may be gone already; there is nobody left to tell then.
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
