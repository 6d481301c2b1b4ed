"""A bounded pool of PostgreSQL connections per server process: however many requests run at
once, the connections stay within the pool's size, and a request that cannot get one in time
is told to come back (503 with Retry-After), never given a 500."""

import threading
import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from tests.api.conftest import client_for
from tests.api.test_visits import visit
from visits.models import Visit

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def small_pool():
    """The pool, resized for one test: at most `max_size` connections, `timeout` to wait."""
    original = connection.settings_dict["OPTIONS"].get("pool")

    def resize(*, max_size: int, timeout: float) -> None:
        connection.close()
        connection.close_pool()
        connection.settings_dict["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": max_size,
            "timeout": timeout,
        }

    yield resize
    connection.close()
    connection.close_pool()
    connection.settings_dict["OPTIONS"]["pool"] = original


def in_threads(count: int, request: Callable[[int], object]) -> list:
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = request(index)
        finally:
            connection.close()  # back to the pool, as at the end of a real request

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def backend_pid() -> int:
    """The PostgreSQL server process behind this thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_production_settings_pool_connections_rather_than_keep_one_per_thread():
    assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 1
    assert connection.settings_dict["CONN_MAX_AGE"] == 0


def test_twenty_requests_at_once_share_at_most_the_pools_connections(
    small_pool, library, library_site
):
    small_pool(max_size=3, timeout=30)
    clients = [client_for(library) for _ in range(20)]
    backends = set()

    def post(index: int) -> int:
        body = visit(id=str(uuid.uuid4()))
        status = clients[index].post("/api/v1/visits/", body, format="json").status_code
        backends.add(backend_pid())
        return status

    statuses = in_threads(20, post)

    assert statuses == [201] * 20
    assert Visit.objects.count() == 20
    assert 1 <= len(backends) <= 3


def test_an_api_call_that_gets_no_connection_in_time_is_answered_503_with_retry_after(
    small_pool, library, library_site
):
    api = client_for(library)
    api.raise_request_exception = False
    small_pool(max_size=1, timeout=0.5)
    connection.ensure_connection()  # this thread holds the only connection

    [response] = in_threads(
        1, lambda _i: api.post("/api/v1/visits/", visit(), format="json", HTTP_ACCEPT_LANGUAGE="en")
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response["Content-Type"] == "application/json"
    assert "try again" in response.json()["detail"]
    connection.close()
    assert Visit.objects.count() == 0


def test_a_page_that_gets_no_connection_in_time_says_to_try_again_shortly(small_pool, staff, site):
    browser = Client(raise_request_exception=False)
    browser.force_login(staff)
    small_pool(max_size=1, timeout=0.5)
    connection.ensure_connection()

    [response] = in_threads(1, lambda _i: browser.get("/start/"))

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "Försök igen om några sekunder" in response.content.decode()
