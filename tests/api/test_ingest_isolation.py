"""A write never answers with a visit the caller may not read (issue: the 409 that leaked).

The region's centre stores a visit; a partner library then sends its own visit under the same
id, once with the same content (but at its own site, the only one it may report for) and once
with other content. Either way the answer must reveal nothing about the region's visit."""

import json

import pytest

from audit.models import AuditEntry
from tests.api.conftest import client_for
from tests.api.test_visits import VISIT, visit
from visits.models import Visit
from visits.services import VisitRecord

pytestmark = pytest.mark.django_db

FOREIGN_NOTE = "Anteckning som bara regionen får läsa"


@pytest.fixture
def foreign_visit(region_site) -> Visit:
    """The region centre's own visit, reported through its own key."""
    region = client_for(region_site.organisation)
    sent = visit(site=region_site.code, note=FOREIGN_NOTE, started_at="2026-03-16T10:47:00+01:00")
    response = region.post("/api/v1/visits/", sent, format="json")
    assert response.status_code == 201, response.json()
    return Visit.objects.get(pk=VISIT["id"])


def same_content(library_site) -> dict:
    """The foreign visit as far as the library can send it: everything equal but the site."""
    return visit(site=library_site.code, note=FOREIGN_NOTE, started_at="2026-03-16T10:47:00+01:00")


def other_content(library_site) -> dict:
    return visit(site=library_site.code, duration_min=40)


def assert_reveals_nothing(body: object, foreign: Visit) -> None:
    text = json.dumps(body, ensure_ascii=False)
    assert "stored" not in text
    for secret in (foreign.site.code, foreign.site.name, FOREIGN_NOTE, "10:47", "09:47"):
        assert secret not in text


@pytest.mark.parametrize("content", [same_content, other_content], ids=["same", "other"])
def test_a_foreign_id_posted_alone_answers_409_with_nothing_of_the_foreign_visit(
    api, library_site, foreign_visit, content
):
    response = api.post("/api/v1/visits/", content(library_site), format="json")
    assert response.status_code == 409
    assert list(response.json()) == ["detail"]
    assert_reveals_nothing(response.json(), foreign_visit)


def test_a_foreign_id_answers_alike_whatever_the_content(api, library_site, foreign_visit):
    same = api.post("/api/v1/visits/", same_content(library_site), format="json")
    other = api.post("/api/v1/visits/", other_content(library_site), format="json")
    assert (same.status_code, same.json()) == (other.status_code, other.json())


@pytest.mark.parametrize("content", [same_content, other_content], ids=["same", "other"])
def test_a_foreign_id_in_bulk_is_a_conflict_with_nothing_of_the_foreign_visit(
    api, library_site, foreign_visit, content
):
    response = api.post("/api/v1/visits/bulk/", {"visits": [content(library_site)]}, format="json")
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": VISIT["id"], "status": "conflict"}]
    assert_reveals_nothing(response.json(), foreign_visit)


@pytest.mark.parametrize("endpoint", ["/api/v1/visits/", "/api/v1/visits/bulk/"])
@pytest.mark.parametrize("content", [same_content, other_content], ids=["same", "other"])
def test_a_foreign_id_leaves_the_foreign_visit_unchanged(
    api, library_site, foreign_visit, content, endpoint
):
    before = VisitRecord.of(foreign_visit)
    history = AuditEntry.objects.filter(object_id=VISIT["id"]).count()
    sent = content(library_site)
    api.post(endpoint, {"visits": [sent]} if "bulk" in endpoint else sent, format="json")
    assert VisitRecord.of(Visit.objects.get(pk=VISIT["id"])) == before
    assert AuditEntry.objects.filter(object_id=VISIT["id"]).count() == history
    assert Visit.objects.count() == 1


def test_the_owner_still_sees_its_stored_visit_in_a_409(region_site, foreign_visit):
    region = client_for(region_site.organisation)
    changed = visit(site=region_site.code, duration_min=40)
    response = region.post("/api/v1/visits/", changed, format="json")
    assert response.status_code == 409
    assert response.json()["stored"]["note"] == FOREIGN_NOTE
