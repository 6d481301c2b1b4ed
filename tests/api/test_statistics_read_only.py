"""A statistics read never writes: right after visits were logged, changed, removed and
ingested, every statistics endpoint answers with SELECTs alone, so a read replica could
serve it. (A key's last-used stamp is the one write, at most once a minute per key.)"""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiKey
from indicators.engine import GROUP_BY_CHOICES
from tests.factories import VisitFactory
from visits.models import Visit
from visits.services import VisitRecord, visit_delete, visit_ingest, visit_update

pytestmark = pytest.mark.django_db

WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE|LOCK)\b"
    r"|\bFOR\s+(NO\s+KEY\s+)?UPDATE\b|\bFOR\s+SHARE\b|pg_advisory",
    re.IGNORECASE,
)
STATISTICS = [
    *[f"/api/v1/stats/?from=2026-03-01&to=2026-03-31&group_by={g}" for g in GROUP_BY_CHOICES],
    "/api/v1/stats/?from=2026-03-01&to=2026-03-31",
    "/api/v1/stats/?from=2026-03-01&to=2026-03-31&scope=region:24",
    "/api/v1/indicators/",
    "/api/v1/open/indicators/?from=2026-03-01&to=2026-03-31",
    "/api/v1/open/indicators/?from=2026-03-01&to=2026-03-31&format=csv",
]
MARCH = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def freshly_written(library_site, region_site):
    """Visits at both organisations' sites, some changed, one removed, some ingested: all
    the writes that used to leave work for the next read."""
    kept = VisitFactory(site=library_site, started_at=MARCH)
    VisitFactory(site=region_site, started_at=MARCH)
    visit_update(visit=kept, updated_by=None, duration_min=45)
    visit_delete(visit=VisitFactory(site=library_site, started_at=MARCH), deleted_by=None)
    record = VisitRecord(
        id=uuid.uuid4(),
        site_id=library_site.pk,
        started_at=MARCH,
        duration_min=20,
        channel_id="walk_in",
        help=(("eid.bankid", "taught", "resolved"),),
    )
    visit_ingest(records=[record], readable=Visit.objects.all())


@pytest.mark.parametrize("url", STATISTICS)
def test_a_statistics_read_right_after_writes_runs_no_write(api, freshly_written, url):
    ApiKey.objects.update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as context:
        response = api.get(url)
    assert response.status_code == 200
    writes = [query["sql"] for query in context if WRITES.search(query["sql"])]
    assert writes == []


def test_a_key_is_stamped_as_used_at_most_once_a_minute(api):
    ApiKey.objects.update(last_used_at=timezone.now() - datetime.timedelta(minutes=2))
    with CaptureQueriesContext(connection) as first:
        api.get("/api/v1/indicators/")
    with CaptureQueriesContext(connection) as second:
        api.get("/api/v1/indicators/")
    assert [q["sql"] for q in first if WRITES.search(q["sql"])] != []
    assert [q["sql"] for q in second if WRITES.search(q["sql"])] == []
