"""Fixtures for the Playwright tests: a counter tablet, a site, its staff and their login, and
a live server that speaks WebSocket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application
from django.db import connections
from playwright.sync_api import Page

from servicecenter.routing import websocket_urlpatterns
from tests.browser.helpers import TABLET, Taps, log_in


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests after all others. From the first browser test to the end of the
    session Playwright's sync API keeps its event loop marked as running in the main thread,
    so an async test after it fails ("cannot be called from a running event loop")."""
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_alongside_playwright(request, django_db_setup):
    """Let serialized_rollback restore the seeded rows in browser tests too.

    Django keeps database connections per thread, but per asyncio context while an event
    loop runs in the thread. Playwright marks its loop as running, so once it has started
    the tests get a new connection object, without the serialized copy of the migrations'
    rows that the test database set-up stored on the thread's connection; Django then
    silently skips the restore and the tests find no taxonomies or municipalities."""
    serialized = {
        conn.alias: conn._test_serialized_contents
        for conn in connections.all()
        if hasattr(conn, "_test_serialized_contents")
    }
    request.getfixturevalue("playwright")
    for alias, contents in serialized.items():
        connections[alias]._test_serialized_contents = contents


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A Swedish tablet, as at the counters. The timers must not depend on the tablet's zone:
    # test_timers.py opens a tablet set to UTC of its own.
    return {
        **browser_context_args,
        "viewport": TABLET,
        "has_touch": True,
        "locale": "sv-SE",
        "timezone_id": "Europe/Stockholm",
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every test creates its users and logs in through the form: two hashes per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def quick_log_url(live_server, site) -> str:
    return f"{live_server.url}/visits/{site.code}/"


@pytest.fixture
def today_url(live_server, site) -> str:
    return f"{live_server.url}/visits/{site.code}/today/"


@pytest.fixture
def staff_page(page: Page, live_server, staff, quick_log_url) -> Page:
    """A tablet logged in as staff; with one site, the start page opens its quick log."""
    log_in(page, live_server.url, staff.username)
    page.wait_for_url(quick_log_url)
    return page


@pytest.fixture
def tap() -> Taps:
    return Taps()


class _AsgiLiveServer:
    """The ASGI application under uvicorn in a thread of the test process, WebSockets
    included (pytest-django's live server speaks WSGI only). It reaches the test database
    like the WSGI live server: in-memory SQLite is opened in shared-cache mode, and
    PostgreSQL is a server."""

    def __init__(self) -> None:
        application = ProtocolTypeRouter(
            {
                "http": ASGIStaticFilesHandler(get_asgi_application()),
                "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
            }
        )
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(
            application, lifespan="off", log_level="warning", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> _AsgiLiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("The ASGI live server did not start.")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@pytest.fixture
def asgi_live_server(transactional_db, _plain_static_storage) -> Iterator[_AsgiLiveServer]:
    with _AsgiLiveServer() as server:
        yield server
