"""Redis is optional at run time: when it is out of reach, every page and API call goes on
working, throttling falls back to a limit per process, the login lockout keeps counting, and
live events are dropped with one log line; when it is back, shared throttling and live
updates resume without a restart. Each test runs its own redis-server and stops it
mid-test."""

import logging
import time
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from organisations.models import Membership
from servicecenter.live import TRY_AGAIN_LATER
from servicecenter.routing import websocket_urlpatterns
from servicecenter.settings import redis_parts
from tests.api.conftest import client_for
from tests.api.test_visits import visit
from tests.factories import (
    PASSWORD,
    SiteFactory,
    UserFactory,
    log_visit,
    member,
)
from tests.indicators.test_dashboard_pages import tiles_of
from tests.servicecenter.redis_process import RedisProcess
from tests.visits.test_quick_log import typical_visit
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_server(tmp_path, settings):
    """The application's cache and channel layer on a redis-server of this test's own."""
    server = RedisProcess(tmp_path)
    server.start()
    settings.CHANNEL_LAYERS, settings.CACHES = redis_parts(server.url)
    yield server
    server.stop()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a workflow and then what it left for after the commit (moving generations,
    live events), as a real commit would."""

    def run(workflow, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return workflow(*args, **kwargs)

    return run


def until(condition, *, seconds: float = 5.0) -> bool:
    """Whether `condition()` comes true within `seconds`. The application tries Redis again
    a second after its last failure; a test waits for that, and not much longer."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def visits_tile(client, site) -> str | None:
    response = client.get(f"/statistik/site/{site.code}/live/", {"period": "week"})
    assert response.status_code == 200
    return tiles_of(response)["visits"]["data-value"]


def test_the_api_takes_visits_while_redis_is_down(redis_server, library, library_site):
    api = client_for(library)
    redis_server.stop()

    created = api.post("/api/v1/visits/", visit(id=str(uuid.uuid4())), format="json")
    listed = api.get("/api/v1/visits/")

    assert (created.status_code, listed.status_code) == (201, 200)
    assert Visit.objects.count() == 1


def test_while_redis_is_down_each_process_still_limits_the_rate(
    redis_server, library, library_site, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute"},
    }
    api = client_for(library)
    redis_server.stop()

    statuses = [api.get("/api/v1/visits/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_shared_throttling_resumes_when_redis_is_back(redis_server, library, library_site):
    api = client_for(library)
    redis_server.stop()
    api.get("/api/v1/visits/")
    redis_server.start()

    def counted_in_redis() -> bool:
        api.get("/api/v1/visits/")
        return bool(redis_server.client().keys("*throttle_api*"))

    assert until(counted_in_redis)


def test_the_login_lockout_keeps_counting_while_redis_is_down(redis_server, client, settings):
    settings.LOGIN_LOCKOUT_ATTEMPTS = 3
    UserFactory(username="anna")
    redis_server.stop()
    login = reverse("accounts:login")
    for _ in range(3):
        client.post(login, {"username": "anna", "password": "wrong"})

    response = client.post(login, {"username": "anna", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_counter_saves_and_the_dashboard_counts_while_redis_is_down(
    redis_server, client, site, staff
):
    manager = member(Membership.Role.MANAGER, site=site)
    redis_server.stop()
    client.force_login(staff)
    saved = client.post(reverse("visits:quick_log", args=[site.code]), typical_visit())
    client.force_login(manager)

    assert saved.status_code == 302
    assert Visit.objects.count() == 1
    assert visits_tile(client, site) == "1"


def test_an_outage_is_logged_once_and_its_end_once(redis_server, site, caplog, committed):
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="servicecenter.outages"):
        committed(log_visit, site)
        committed(log_visit, site)
        redis_server.start()
        assert until(lambda: bool(committed(log_visit, site)) and "is back" in caplog.text)

    lines = [record.getMessage() for record in caplog.records]
    assert sum("out of reach" in line and "cache" in line for line in lines) == 1
    assert sum("out of reach" in line and "channel layer" in line for line in lines) == 1
    assert sum("cache" in line and line.endswith("is back") for line in lines) == 1


def test_figures_cached_before_an_outage_are_not_served_after_it(
    redis_server, client, site, committed
):
    client.force_login(member(Membership.Role.MANAGER, site=site))
    committed(log_visit, site)
    assert visits_tile(client, site) == "1"  # and cached in Redis
    redis_server.stop()
    committed(log_visit, site)  # its generation moves in this process's fallback only
    redis_server.start()  # with its data: the figures cached above are still there

    assert until(lambda: visits_tile(client, site) == "2")
    assert visits_tile(client, site) == "2"


@pytest.fixture
def live_site(db):
    site = SiteFactory(code="live-a")
    return site, member(Membership.Role.MANAGER, site=site)


async def dashboard_socket(user, site) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/statistik/site/{site.code}/"
    )
    communicator.scope["user"] = user
    connected, _subprotocol = await communicator.connect()
    return communicator, connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_an_open_dashboard_is_told_to_try_again_later_when_redis_goes_away(
    redis_server, live_site
):
    site, manager = await database_sync_to_async(lambda: live_site)()
    socket, connected = await dashboard_socket(manager, site)
    assert connected

    await database_sync_to_async(redis_server.stop)()

    assert await socket.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": TRY_AGAIN_LATER,
    }


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_dashboard_hears_of_visits_again_once_redis_is_back(redis_server, live_site):
    site, manager = await database_sync_to_async(lambda: live_site)()
    await database_sync_to_async(redis_server.stop)()
    _refused, connected_during = await dashboard_socket(manager, site)
    await database_sync_to_async(redis_server.start)()
    socket, connected_after = await dashboard_socket(manager, site)

    async def hears_a_visit() -> bool:
        # Events sent within a second of the last failure are still dropped.
        await database_sync_to_async(log_visit)(site)
        return not await socket.receive_nothing(timeout=0.5)

    deadline = time.monotonic() + 5
    while not await hears_a_visit() and time.monotonic() < deadline:
        pass
    assert (connected_during, connected_after) == (False, True)
    assert (await socket.receive_json_from())["event"] == "changed"
