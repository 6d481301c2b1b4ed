"""Live dashboards: a WebSocket per open dashboard, told when a visit in its scope is logged,
changed, undone or ingested, or its staffed hours change.

The page says which period it shows (`{"type": "follow", "query": "period=month&…"}`); from
then on each change brings the redrawn figures themselves (`{"event": "figures", "html"}`),
the same HTML the page's own live view gives (indicators.dashboards.live_figures_html), for
the scope the user was allowed to read when the socket opened, suppressed as everywhere.
Every open dashboard of a scope gets the figures computed once per change (the shared
cache), without a request of its own. Until the page follows a period, a change is only
announced (`{"event": "changed"}`) and the page fetches its figures itself."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.http import QueryDict
from django.utils import translation

from indicators.dashboards import live_figures_html
from indicators.forms import PeriodForm
from indicators.periods import Period
from indicators.reports import ReadableScope, ScopeNotReadable, ScopeTooWide, readable_scope
from indicators.scopes import ScopeError, parse_scope
from servicecenter.live import LiveConsumer, site_group

# Closed with this code, the page stops reconnecting: the scope is not the user's to read.
NOT_READABLE = 4404
LANGUAGES = {code for code, _name in settings.LANGUAGES}


class DashboardConsumer(LiveConsumer):
    groups: list[str]
    readable: ReadableScope | None = None
    period: Period | None = None

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.readable = await self._readable(kwargs["kind"], kwargs["code"])
        if self.readable is None:
            await self.accept()
            await self.close(code=NOT_READABLE)
            return
        self.groups = [site_group(code) for code in self.readable.site_codes]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def _readable(self, kind: str, code: str) -> ReadableScope | None:
        try:
            scope = parse_scope(f"{kind}:{code}")
            readable = readable_scope(caller=self.scope["user"], scope=scope)
        except (ScopeError, ScopeNotReadable, ScopeTooWide):
            return None
        # Read now, in this thread: the sockets' events reuse them.
        list(readable.owned_organisations)
        return readable

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "ping":
            # The page's heartbeat: a connection that stops answering is one to replace.
            await self.send_json({"event": "pong"})
        elif content.get("type") == "follow" and isinstance(content.get("query"), str):
            form = PeriodForm(QueryDict(content["query"]))
            self.period = form.chosen if form.is_valid() else None
            if self.period is not None and content.get("refresh"):
                await self._send_figures()

    async def _changed(self, event: dict[str, Any]) -> None:
        if self.period is None:
            await self.send_json({"event": "changed", "site": event.get("site")})
        else:
            await self._send_figures()

    async def _send_figures(self) -> None:
        await self.send_json({"event": "figures", "html": await self._figures_html()})

    @database_sync_to_async
    def _figures_html(self) -> str:
        assert self.readable is not None and self.period is not None
        with translation.override(self._language()):
            return live_figures_html(self.readable, self.period)

    def _language(self) -> str:
        """The page's language: the cookie the language button sets, as on the pages."""
        chosen = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
        return chosen if chosen in LANGUAGES else settings.LANGUAGE_CODE

    # The events the visit, staffing and help-desk workflows send (visits.services,
    # helpdesk.services), by channels' naming: a dot in the type becomes an underscore.
    visit_logged = visit_changed = visit_deleted = visits_ingested = staffing_changed = _changed
    case_changed = queue_called = _changed
