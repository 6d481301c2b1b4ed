"""Live events over the channel layer (in-memory by default, Redis in production).

Workflows call `broadcast_on_commit` inside their transaction: the event leaves only once the
change is committed, so no screen ever shows something that was rolled back."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def site_group(site_code: str) -> str:
    return f"site.{site_code}"


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
