"""Statistics read while visits are being written: no refresh fails, none is lost, and once
the writers are done the rollups answer exactly what the visit tables answer."""

from __future__ import annotations

import datetime
import threading
import uuid

import pytest
from django.db import connection

from indicators.engine import compute
from indicators.rollups import rollup_differences
from organisations.models import Site
from tests.factories import SiteFactory
from tests.indicators.factories import local
from visits.models import Visit
from visits.services import VisitRecord, visit_ingest

MARCH_1, MARCH_31 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
WRITERS, READERS, BATCHES = 3, 2, 8


def batch(site_ids: list[int], writer: int, number: int) -> list[VisitRecord]:
    # Every writer hits the same few days at every site, so refreshes and writes collide.
    return [
        VisitRecord(
            id=uuid.uuid4(),
            site_id=site_id,
            started_at=local(2026, 3, 1 + (writer + number + index) % 4, 10 + index),
            duration_min=5 * (1 + (writer + index) % 7),
            channel_id="walk_in",
            help=(("eid.bankid", "taught", "resolved"),),
        )
        for site_id in site_ids
        for index in range(3)
    ]


def march(sites, *, from_rollups: bool, group_by: str | None = "site"):
    return compute(
        sites=sites,
        date_from=MARCH_1,
        date_to=MARCH_31,
        group_by=group_by,
        from_rollups=from_rollups,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reading_while_writing_loses_no_visit():
    site_ids = [SiteFactory(code=f"conc-{n}").pk for n in range(2)]
    sites = Site.objects.filter(pk__in=site_ids)
    errors: list[BaseException] = []
    writing = threading.Event()
    start = threading.Barrier(WRITERS + READERS)

    def write(writer: int) -> None:
        try:
            start.wait()
            for number in range(BATCHES):
                visit_ingest(records=batch(site_ids, writer, number), readable=Visit.objects.all())
        except BaseException as error:  # reported by the test thread
            errors.append(error)
        finally:
            connection.close()

    def read() -> None:
        try:
            start.wait()
            while writing.is_set():
                march(sites, from_rollups=True)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    writing.set()
    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    readers = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    for thread in readers:
        thread.join(timeout=120)

    assert errors == []
    rolled, exact = march(sites, from_rollups=True), march(sites, from_rollups=False)
    assert exact.total["visits"] == WRITERS * BATCHES * len(site_ids) * 3
    assert rolled.total == exact.total
    assert rolled.rows == exact.rows
    assert march(sites, from_rollups=True, group_by="week").rows == (
        march(sites, from_rollups=False, group_by="week").rows
    )
    assert rollup_differences() == []
