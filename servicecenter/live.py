"""Live events over the channel layer (in-memory by default, Redis in production).

Workflows call `site_changed_on_commit` (or `broadcast_on_commit` for other groups) inside
their transaction: the event leaves only once the change is committed, so no screen ever
shows something that was rolled back. A change at a site also moves the site's generation, a
counter in the shared cache: figures cached under the generations they were computed at
(a dashboard's live figures) are then never served after a change they do not include."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def site_group(site_code: str) -> str:
    return f"site.{site_code}"


def _generation_key(site_code: str) -> str:
    return f"live:generation:{site_code}"


def broadcast(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a dashboard that misses one event must never fail the counter's save
        logger.exception("Could not broadcast %s to %s", event.get("type"), group)


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: broadcast(group, event))


def site_changed(site_code: str, event: dict[str, Any]) -> None:
    """Something the site's statistics count changed: move its generation, then tell the
    screens that follow the site."""
    key = _generation_key(site_code)
    try:
        # add() creates the counter where it is missing, so incr() always finds it.
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:  # without the shared cache nothing is cached under generations either
        logger.exception("Could not move the generation of %s", site_code)
    broadcast(site_group(site_code), event)


def site_changed_on_commit(site_code: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: site_changed(site_code, event))


def site_generations(site_codes: Sequence[str]) -> tuple[int, ...] | None:
    """The sites' generations (0 for a site never changed), or None when the shared cache
    cannot be read: then nothing may be served from it."""
    keys = [_generation_key(code) for code in site_codes]
    try:
        found = cache.get_many(keys)
    except Exception:
        logger.exception("Could not read site generations")
        return None
    return tuple(int(found.get(key, 0)) for key in keys)
