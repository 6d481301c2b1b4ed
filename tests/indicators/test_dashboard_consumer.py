"""The live dashboards' WebSocket: told when a visit in its scope changes, and only then,
and only for a scope its user may read. Runs on the in-memory channel layer, and on Redis
where REDIS_URL is set (CI's second run)."""

from __future__ import annotations

import asyncio
import datetime

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from indicators.consumers import NOT_READABLE
from organisations.models import Membership
from servicecenter.routing import websocket_urlpatterns
from tests.factories import SiteFactory, log_visit, member
from visits.services import staffed_hours_refresh, visit_delete

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


async def connect(user, path: str) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    connected, _subprotocol = await communicator.connect()
    return communicator, connected


@pytest.fixture
def sites(db):
    return SiteFactory(code="live-a"), SiteFactory(code="live-b")


async def test_a_dashboard_hears_of_a_visit_logged_in_its_scope(sites):
    site_a, _site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicator, connected = await connect(manager, "/ws/statistik/site/live-a/")
    assert connected
    visit = await database_sync_to_async(log_visit)(site_a)
    assert await communicator.receive_json_from(timeout=5) == {"event": "changed", "site": "live-a"}
    await database_sync_to_async(visit_delete)(visit=visit, deleted_by=None)
    assert (await communicator.receive_json_from(timeout=5))["event"] == "changed"
    await communicator.disconnect()


async def test_a_dashboard_hears_nothing_of_visits_outside_its_scope(sites):
    site_a, site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicator, _connected = await connect(manager, "/ws/statistik/site/live-a/")
    await database_sync_to_async(log_visit)(site_b)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_a_scope_the_user_may_not_read_is_closed_at_once(sites):
    site_a, _site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicator, _connected = await connect(manager, "/ws/statistik/site/live-b/")
    closing = await communicator.receive_output(timeout=5)
    assert closing == {"type": "websocket.close", "code": NOT_READABLE}


async def test_a_signed_out_browser_gets_no_live_updates(sites):
    communicator, _connected = await connect(AnonymousUser(), "/ws/statistik/site/live-a/")
    closing = await communicator.receive_output(timeout=5)
    assert closing["code"] == NOT_READABLE


async def test_an_unknown_scope_is_closed_at_once(sites):
    site_a, _site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicator, _connected = await connect(manager, "/ws/statistik/planet/earth/")
    assert (await communicator.receive_output(timeout=5))["code"] == NOT_READABLE


async def test_every_open_dashboard_of_the_scope_is_told(sites):
    site_a, _site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicators = [(await connect(manager, "/ws/statistik/site/live-a/"))[0] for _ in range(3)]
    await database_sync_to_async(log_visit)(site_a)
    messages = await asyncio.gather(*(c.receive_json_from(timeout=5) for c in communicators))
    assert [message["event"] for message in messages] == ["changed"] * 3
    for communicator in communicators:
        await communicator.disconnect()


async def test_the_dashboard_answers_the_pages_heartbeat(sites):
    site_a, _site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicator, _connected = await connect(manager, "/ws/statistik/site/live-a/")
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"event": "pong"}
    await communicator.disconnect()


async def test_a_dashboard_hears_when_the_sites_staffed_hours_change(sites):
    site_a, _site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicator, _connected = await connect(manager, "/ws/statistik/site/live-a/")
    today = datetime.date(2026, 3, 2)
    await database_sync_to_async(staffed_hours_refresh)(site=site_a, date_from=today, date_to=today)
    assert await communicator.receive_json_from(timeout=5) == {"event": "changed", "site": "live-a"}
    await communicator.disconnect()


async def test_a_dashboard_following_a_period_gets_its_redrawn_figures(sites):
    site_a, _site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicator, _connected = await connect(manager, "/ws/statistik/site/live-a/")
    await communicator.send_json_to({"type": "follow", "query": "period=month"})
    await database_sync_to_async(log_visit)(site_a)
    message = await communicator.receive_json_from(timeout=5)
    assert message["event"] == "figures"
    assert 'data-indicator="visits" data-value="1"' in message["html"]
    await communicator.disconnect()


async def test_a_dashboard_back_from_an_outage_gets_its_figures_at_once(sites):
    site_a, _site_b = sites
    manager = await database_sync_to_async(member)(Membership.Role.MANAGER, site=site_a)
    communicator, _connected = await connect(manager, "/ws/statistik/site/live-a/")
    await communicator.send_json_to({"type": "follow", "query": "period=month", "refresh": True})
    message = await communicator.receive_json_from(timeout=5)
    assert 'data-indicator="visits" data-value="0"' in message["html"]
    await communicator.disconnect()
