"""visit_ingest's inserts: COPY on PostgreSQL, bulk_create elsewhere, the same rows either way
(this module runs on both in CI)."""

import datetime
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction

import visits.services
from audit.models import AuditEntry
from tests.factories import SiteFactory
from visits.models import HelpItem, Visit
from visits.services import (
    IngestStatus,
    VisitRecord,
    _insert,
    _record_changes,
    visit_ingest,
)

pytestmark = pytest.mark.django_db

only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's"
)


def record(site, **overrides) -> VisitRecord:
    values = {
        "id": uuid.uuid4(),
        "site_id": site.pk,
        "started_at": datetime.datetime(2026, 3, 16, 10, 15, tzinfo=datetime.UTC),
        "duration_min": 20,
        "channel_id": "walk_in",
        "help": (("1177.login", "guided", "resolved"), ("eid.bankid", "taught", "partly")),
        "participants": 2,
        "age_band_id": "75+",
        "gender": Visit.Gender.WOMAN,
        "language_id": "en",
        "interpreter": True,
        "first_visit": False,
        "visitor_municipality_id": site.municipality_id,
        "barriers": ("no_eid", "skills"),
        "confidence_before": 2,
        "confidence_after": 4,
        "note": "Visade appen",
    }
    values.update(overrides)
    return VisitRecord(**values)


def stored(visit_id) -> VisitRecord:
    visit = Visit.objects.prefetch_related("help_items", "barriers").get(pk=visit_id)
    return VisitRecord.of(visit)


def test_an_ingested_visit_is_stored_as_reported():
    site = SiteFactory()
    sent = [record(site), record(site, barriers=(), note="", visitor_municipality_id=None)]
    results = visit_ingest(records=sent, readable=Visit.objects.all())
    assert [result.status for result in results] == [IngestStatus.CREATED] * 2
    for one in sent:
        assert stored(one.id) == one
    visit = Visit.objects.get(pk=sent[0].id)
    assert (visit.source, visit.staff, visit.created_by) == ("api", None, None)
    assert visit.created_at is not None and visit.updated_at is not None
    assert HelpItem.objects.count() == 4
    assert Visit.barriers.through.objects.count() == 2


def test_every_ingested_visit_has_its_own_audit_entry():
    site = SiteFactory()
    sent = [record(site), record(site, duration_min=5, gender=Visit.Gender.UNSTATED)]
    visit_ingest(records=sent, readable=Visit.objects.all())
    entries = AuditEntry.objects.order_by("id")
    assert [entry.object_id for entry in entries] == [str(one.id) for one in sent]
    for entry, one in zip(entries, sent, strict=True):
        assert entry.content_type == ContentType.objects.get_for_model(Visit)
        assert (entry.action, entry.actor) == ("create", None)
        assert entry.changes == {"source": [None, "api"], **_record_changes(one)}
        assert entry.changes["gender"][1] in ("woman", "unstated")
        assert entry.at is not None


def test_a_duplicate_id_raises_integrity_error_and_leaves_the_transaction_usable():
    site = SiteFactory()
    first = record(site)
    visit_ingest(records=[first], readable=Visit.objects.all())
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(
            [record(site, id=first.id, duration_min=99)], source="api", actor=None, logged_by=None
        )
    assert stored(first.id) == first
    assert AuditEntry.objects.count() == 1


def test_an_id_stored_meanwhile_makes_ingest_retry_record_by_record(monkeypatch):
    """The idempotency look-up missed a visit another request stored just before: the bulk
    insert hits the primary key and each record is retried on its own."""
    site = SiteFactory()
    existing = record(site)
    visit_ingest(records=[existing], readable=Visit.objects.all())
    fresh = record(site)
    changed = record(site, id=existing.id, duration_min=99)
    monkeypatch.setattr(visits.services, "_stored_records", _stored_once_empty())
    results = visit_ingest(records=[fresh, existing], readable=Visit.objects.all())
    assert [r.status for r in results] == [IngestStatus.CREATED, IngestStatus.DUPLICATE]
    monkeypatch.setattr(visits.services, "_stored_records", _stored_once_empty())
    assert (
        visit_ingest(records=[changed], readable=Visit.objects.all())[0].status
        == IngestStatus.CONFLICT
    )
    assert stored(existing.id) == existing
    assert stored(fresh.id) == fresh
    assert AuditEntry.objects.count() == 2


def _stored_once_empty():
    """`_stored_records` that finds nothing the first time (the look-up before the insert)
    and works afterwards (the retry's look-up)."""
    real = visits.services._stored_records
    calls = []

    def stored_records(ids, *, readable):
        calls.append(ids)
        return {} if len(calls) == 1 else real(ids, readable=readable)

    return stored_records


@only_postgresql
def test_copy_goes_through_the_execute_wrappers():
    statements = []

    def remember(execute, sql, params, many, context):
        statements.append(sql.split()[:2])
        return execute(sql, params, many, context)

    site = SiteFactory()
    with connection.execute_wrapper(remember):
        visit_ingest(records=[record(site)], readable=Visit.objects.all())
    copied = [table for verb, table in statements if verb == "COPY"]
    assert copied == [
        '"visits_visit"',
        '"visits_helpitem"',
        '"visits_visit_barriers"',
        '"audit_auditentry"',
    ]
