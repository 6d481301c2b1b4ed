import copy
import datetime
import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from tests.api.conftest import client_for
from tests.factories import VisitFactory
from visits.models import HelpItem, Visit

pytestmark = pytest.mark.django_db

VISIT = {
    "id": "6f1c0f9e-8a53-4d0e-9c7e-2b1f4f2d9a10",
    "site": "lycksele-bibliotek",
    "started_at": "2026-03-16T10:15:00+01:00",
    "duration_min": 25,
    "participants": 1,
    "channel": "walk_in",
    "age_band": "75+",
    "gender": "woman",
    "language": "sv",
    "interpreter": False,
    "first_visit": True,
    "visitor_municipality": "2481",
    "barriers": ["no_eid", "skills"],
    "confidence_before": 2,
    "confidence_after": 4,
    "help": [{"service": "eid.bankid", "mode": "taught", "outcome": "resolved"}],
    "note": "Mobilt BankID installerat och testat",
}


def visit(**overrides) -> dict:
    data = copy.deepcopy(VISIT)
    data.update(overrides)
    return data


def test_a_visit_is_created_with_201_and_read_back_as_sent(api):
    response = api.post("/api/v1/visits/", visit(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    for field in ("id", "site", "duration_min", "channel", "age_band", "barriers", "help", "note"):
        assert body[field] == VISIT[field]
    assert body["source"] == "api"
    stored = Visit.objects.get()
    assert stored.staff is None
    assert stored.started_at == datetime.datetime.fromisoformat(VISIT["started_at"])


def test_the_same_visit_again_answers_200_without_a_second_row(api):
    api.post("/api/v1/visits/", visit(), format="json")
    response = api.post("/api/v1/visits/", visit(), format="json")
    assert response.status_code == 200
    assert response.json()["id"] == VISIT["id"]
    assert Visit.objects.count() == 1
    assert HelpItem.objects.count() == 1


def test_the_same_id_with_other_content_answers_409_and_changes_nothing(api):
    api.post("/api/v1/visits/", visit(), format="json")
    response = api.post("/api/v1/visits/", visit(duration_min=40), format="json")
    assert response.status_code == 409
    assert response.json()["stored"]["duration_min"] == 25
    assert Visit.objects.get().duration_min == 25


def test_optional_fields_may_be_left_out(api):
    minimal = {
        "site": "lycksele-bibliotek",
        "started_at": "2026-03-16T10:15:00+01:00",
        "duration_min": 10,
        "channel": "phone",
        "help": [{"service": "1177.login", "mode": "guided", "outcome": "partly"}],
    }
    response = api.post("/api/v1/visits/", minimal, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["age_band"], body["gender"], body["first_visit"]) == ("unknown", "unstated", None)
    uuid.UUID(body["id"])


def test_a_personal_identity_number_in_the_note_is_a_400_on_note(api):
    response = api.post("/api/v1/visits/", visit(note="Hjälpte 19121212-1212 idag"), format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", "carrier_pigeon"),
        ("duration_min", 0),
        ("confidence_after", 6),
        ("visitor_municipality", "9999"),
        ("barriers", ["no_eid", "bad_luck"]),
        ("help", []),
        ("help", [{"service": "eid.unknown", "mode": "taught", "outcome": "resolved"}]),
        ("started_at", "not a date"),
        ("gender", "female"),
    ],
)
def test_invalid_fields_are_named_in_a_400_and_nothing_is_saved(api, field, value):
    response = api.post("/api/v1/visits/", visit(**{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Visit.objects.exists()


def test_a_visit_in_the_future_beyond_clock_skew_is_refused(api):
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    response = api.post("/api/v1/visits/", visit(started_at=later), format="json")
    assert response.status_code == 400
    assert "started_at" in response.json()


def test_a_site_of_another_organisation_is_refused_as_unknown(api, region_site):
    response = api.post("/api/v1/visits/", visit(site=region_site.code), format="json")
    assert response.status_code == 400
    assert "site" in response.json()
    assert not Visit.objects.exists()


def test_malformed_json_is_a_json_400(api):
    response = api.generic("POST", "/api/v1/visits/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"


def test_an_ingested_visit_is_in_the_audit_history(api):
    api.post("/api/v1/visits/", visit(), format="json")
    entry = AuditEntry.objects.get(object_id=VISIT["id"])
    assert entry.changes["channel"] == [None, "walk_in"]


def test_bulk_reports_each_item_in_input_order(api):
    created = visit()
    api.post("/api/v1/visits/", created, format="json")
    items = [
        visit(id=str(uuid.uuid4())),
        created,
        visit(duration_min=99),
        visit(id=str(uuid.uuid4()), note="ring 070-123 45 67"),
        visit(id=str(uuid.uuid4()), duration_min=12),
    ]
    response = api.post("/api/v1/visits/bulk/", {"visits": items}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "duplicate",
        "conflict",
        "invalid",
        "created",
    ]
    assert [r["id"] for r in results] == [item["id"] for item in items]
    assert "note" in results[3]["errors"]
    assert Visit.objects.count() == 3


def test_bulk_treats_a_repeated_id_within_one_call_as_a_duplicate(api):
    item = visit(id=str(uuid.uuid4()))
    response = api.post("/api/v1/visits/bulk/", {"visits": [item, item]}, format="json")
    assert [r["status"] for r in response.json()["results"]] == ["created", "duplicate"]
    assert Visit.objects.count() == 1


def test_bulk_refuses_more_than_500_items(api):
    items = [visit(id=str(uuid.uuid4())) for _ in range(501)]
    response = api.post("/api/v1/visits/bulk/", {"visits": items}, format="json")
    assert response.status_code == 400
    assert "visits" in response.json()
    assert not Visit.objects.exists()


def test_bulk_marks_an_item_that_is_not_an_object_invalid(api):
    response = api.post("/api/v1/visits/bulk/", {"visits": [visit(), 42]}, format="json")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"][1]["status"] == "invalid"


def test_the_list_shows_only_the_callers_visits(api, library_site, region_site):
    own = VisitFactory(site=library_site)
    VisitFactory(site=region_site)
    response = api.get("/api/v1/visits/")
    assert [item["id"] for item in response.json()["results"]] == [str(own.pk)]


def test_another_organisations_visit_is_404(api, region_site):
    foreign = VisitFactory(site=region_site)
    assert api.get(f"/api/v1/visits/{foreign.pk}/").status_code == 404


def test_the_list_filters_by_site_and_time(api, library_site):
    now = timezone.now()
    old = VisitFactory(site=library_site, started_at=now - datetime.timedelta(days=10))
    new = VisitFactory(site=library_site, started_at=now - datetime.timedelta(hours=1))
    since = (now - datetime.timedelta(days=1)).isoformat()
    response = api.get("/api/v1/visits/", {"since": since, "site": library_site.code})
    assert [item["id"] for item in response.json()["results"]] == [str(new.pk)]
    until = (now - datetime.timedelta(days=1)).isoformat()
    response = api.get("/api/v1/visits/", {"until": until})
    assert [item["id"] for item in response.json()["results"]] == [str(old.pk)]


def test_the_list_pages_with_a_cursor(api, library_site):
    for minutes in range(5):
        VisitFactory(
            site=library_site, started_at=timezone.now() - datetime.timedelta(minutes=minutes + 1)
        )
    first = api.get("/api/v1/visits/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    ids = [v["id"] for v in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 4


def test_the_list_query_count_does_not_grow_with_page_size(
    api, library_site, django_assert_num_queries
):
    VisitFactory(site=library_site)
    api.get("/api/v1/visits/")
    with django_assert_num_queries(4):
        api.get("/api/v1/visits/")
    for _ in range(20):
        VisitFactory(site=library_site)
    with django_assert_num_queries(4):
        api.get("/api/v1/visits/")


def test_visits_of_one_partner_are_invisible_to_another(library_site):
    from tests.factories import OrganisationFactory

    other = client_for(OrganisationFactory(code="storuman-bibliotek"))
    VisitFactory(site=library_site)
    assert other.get("/api/v1/visits/").json()["results"] == []


def test_a_garbled_cursor_is_a_400_naming_the_cursor(api):
    response = api.get("/api/v1/visits/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_visit_from_before_2000_is_refused(api):
    response = api.post(
        "/api/v1/visits/", visit(started_at="1999-12-31T10:00:00+01:00"), format="json"
    )
    assert response.status_code == 400
    assert "started_at" in response.json()
