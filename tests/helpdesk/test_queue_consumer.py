"""The waiting room's display socket: the queue's state on connect, then every call at its site
and nothing from other sites; no login, numbers and desks only. Runs on the in-memory channel
layer, and on Redis where REDIS_URL is set."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from helpdesk.consumers import UNKNOWN_SITE
from helpdesk.services import ticket_recall, ticket_transfer
from servicecenter.routing import websocket_urlpatterns
from tests.factories import SiteFactory
from tests.helpdesk.queue_helpers import call, called, issue

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


async def display(site_code: str) -> WebsocketCommunicator:
    """A display's socket, opened as the waiting room's screen opens it: signed out."""
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/ko/{site_code}/skarm/"
    )
    communicator.scope["user"] = AnonymousUser()
    connected, _subprotocol = await communicator.connect()
    assert connected
    return communicator


@pytest.fixture
def sites(db):
    return SiteFactory(code="ko-a"), SiteFactory(code="ko-b")


async def test_a_display_gets_the_numbers_at_the_desks_on_connect(sites):
    site_a, _site_b = sites
    await database_sync_to_async(called)(site_a, "2")
    await database_sync_to_async(issue)(site_a, 2)
    communicator = await display("ko-a")
    assert await communicator.receive_json_from(timeout=5) == {
        "event": "state",
        "calls": [{"number": "A001", "desk": "2"}],
        "waiting": 2,
        "announce": None,
    }
    await communicator.disconnect()


async def test_a_display_hears_a_call_at_its_site(sites):
    site_a, _site_b = sites
    await database_sync_to_async(issue)(site_a)
    communicator = await display("ko-a")
    await communicator.receive_json_from(timeout=5)  # the state on connect
    await database_sync_to_async(call)(site_a, "3")
    message = await communicator.receive_json_from(timeout=5)
    assert message["announce"] == {"number": "A001", "desk": "3"}
    assert message["calls"] == [{"number": "A001", "desk": "3"}]
    await communicator.disconnect()


async def test_a_display_hears_a_recall_and_a_transfer_as_calls(sites):
    site_a, _site_b = sites
    ticket = await database_sync_to_async(called)(site_a, "3")
    communicator = await display("ko-a")
    await communicator.receive_json_from(timeout=5)
    await database_sync_to_async(ticket_recall)(ticket=ticket)
    assert (await communicator.receive_json_from(timeout=5))["announce"] == {
        "number": "A001",
        "desk": "3",
    }
    await database_sync_to_async(ticket_transfer)(ticket=ticket, desk="5")
    assert (await communicator.receive_json_from(timeout=5))["announce"] == {
        "number": "A001",
        "desk": "5",
    }
    await communicator.disconnect()


async def test_a_check_in_updates_the_waiting_count_without_a_call(sites):
    site_a, _site_b = sites
    communicator = await display("ko-a")
    await communicator.receive_json_from(timeout=5)
    await database_sync_to_async(issue)(site_a)
    message = await communicator.receive_json_from(timeout=5)
    assert (message["waiting"], message["announce"]) == (1, None)
    await communicator.disconnect()


async def test_a_display_hears_nothing_from_another_site(sites):
    _site_a, site_b = sites
    communicator = await display("ko-a")
    await communicator.receive_json_from(timeout=5)
    await database_sync_to_async(called)(site_b, "1")
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_an_unknown_site_is_closed_at_once(sites):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/ko/nowhere/skarm/")
    communicator.scope["user"] = AnonymousUser()
    await communicator.connect()
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": UNKNOWN_SITE,
    }


async def test_the_display_answers_the_pages_heartbeat(sites):
    communicator = await display("ko-a")
    await communicator.receive_json_from(timeout=5)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"event": "pong"}
    await communicator.disconnect()
