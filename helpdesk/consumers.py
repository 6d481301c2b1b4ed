"""The waiting room's display (and the staff panels) follow a site's queue over a WebSocket.

On connect the socket gets the queue's state (`{"event": "state", "calls": [{"number",
"desk"}, …], "waiting": n}`), and again after every change at the site, read once by the
workflow that made it and sent to every screen in the event; a call, recall or transfer also
carries `"announce": {"number", "desk"}` for the display to highlight and chime. Only
numbers and desks are sent, never personal data, so the display needs no login: it hangs on a
waiting room's wall."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from helpdesk.services import queue_display_state
from organisations.models import Site
from servicecenter.live import LiveConsumer, queue_group

# Closed with this code, the page stops reconnecting: there is no such active site.
UNKNOWN_SITE = 4404


class QueueDisplayConsumer(LiveConsumer):
    site: Site | None = None
    group = ""

    async def connect(self) -> None:
        code = self.scope["url_route"]["kwargs"]["site_code"]
        self.site = await self._site(code)
        if self.site is None:
            await self.accept()
            await self.close(code=UNKNOWN_SITE)
            return
        # Joined before accepting (LiveConsumer): with Redis away the socket is refused.
        self.group = queue_group(self.site.code)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send_state()

    @database_sync_to_async
    def _site(self, code: str) -> Site | None:
        return Site.objects.filter(code=code, is_active=True).first()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The page's heartbeat: a connection that stops answering is one to replace.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong"})

    async def queue_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"event": "state", **event["state"], "announce": event["announce"]})

    async def _send_state(self) -> None:
        state = await database_sync_to_async(queue_display_state)(site=self.site)
        await self.send_json({"event": "state", **state, "announce": None})
