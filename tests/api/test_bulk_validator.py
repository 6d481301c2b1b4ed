"""The bulk endpoint's fast path (api/serializers.py BulkVisitValidator) must never decide
differently from VisitSerializer: for every item it either returns exactly the serializer's
validated data, or None, and then the serializer decides and words the errors. It reads the
JSON itself and checks it with visits.records, so these tests are what keeps it in step with
DRF."""

import copy
import datetime
import json
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from api.codes import CodeLists
from api.serializers import (
    VISIT_DEFAULTS,
    BulkResponseSerializer,
    BulkVisitsSerializer,
    BulkVisitValidator,
    VisitSerializer,
)
from tests.api.test_visits import VISIT, visit
from visits.models import Visit
from visits.records import DURATION_MIN, PARTICIPANTS

pytestmark = pytest.mark.django_db

SOON = "2026-03-16T10:15:00+01:00"
REQUIRED = ["site", "started_at", "duration_min", "channel", "help"]


def in_an_hour() -> str:
    return (timezone.now() + datetime.timedelta(hours=1)).isoformat()


@pytest.fixture
def serializer(library_site):
    return VisitSerializer(context={"codes": CodeLists.load(sites=[library_site])})


@pytest.fixture
def fast(serializer):
    """One fast path for every example of a test, as for the items of one bulk call."""
    return BulkVisitValidator(serializer.context["codes"])


def serializer_verdict(serializer: VisitSerializer, item: object) -> tuple[bool, object]:
    """(valid, validated data or the errors as the bulk endpoint reports them)."""
    try:
        return True, serializer.run_validation(item)
    except serializers.ValidationError as error:
        return False, serializers.as_serializer_error(error)


def assert_agrees(serializer: VisitSerializer, fast: BulkVisitValidator, item: dict) -> None:
    data = fast.validate(item)
    valid, expected = serializer_verdict(serializer, item)
    if data is not None:
        assert valid, f"fast path accepted what the serializer refuses: {expected}"
        assert data == expected


def test_the_fast_path_takes_a_well_formed_visit_as_the_serializer_does(serializer, fast):
    assert fast.validate(visit()) == serializer.run_validation(visit())


def test_the_fast_path_gives_the_serializers_defaults(serializer, fast):
    minimal = {
        "site": "lycksele-bibliotek",
        "started_at": SOON,
        "duration_min": 10,
        "channel": "phone",
        "help": [{"service": "1177.login", "mode": "guided", "outcome": "partly"}],
    }
    data = fast.validate(minimal)
    assert data == serializer.run_validation(minimal)
    assert "id" not in data
    assert data["gender"] == Visit.Gender.UNSTATED


def test_the_fast_path_reads_every_field_the_serializer_writes(serializer):
    # A field added to the serializer alone would be dropped by the fast path unchecked.
    writable = {name for name, field in serializer.fields.items() if not field.read_only}
    assert writable == {"id", "barriers", *VISIT_DEFAULTS, *REQUIRED}


def test_the_serializer_has_no_rule_across_fields(serializer):
    # The fast path checks field by field, with visits.records; a rule across fields belongs
    # there too, or the fast path would let through what the serializer refuses.
    assert type(serializer).validate is serializers.Serializer.validate
    assert not serializer.validators


# Items the serializer refuses: the fast path must leave every one of them to it.
INVALID = [
    ("id", "not-a-uuid"),
    ("id", None),
    ("id", 1.5),
    ("site", "lycksele"),
    ("site", "no such site"),
    ("site", None),
    ("started_at", "not a date"),
    ("started_at", "1999-12-31T10:00:00+01:00"),
    ("started_at", "2101-01-01T10:00:00+01:00"),
    ("started_at", "0001-01-01T00:00:00+14:00"),
    ("started_at", "9999-12-31T23:59:59-12:00"),
    ("started_at", 1773652500),
    ("duration_min", 0),
    ("duration_min", 601),
    ("duration_min", "ten"),
    ("duration_min", True),
    ("duration_min", None),
    ("participants", 501),
    ("participants", None),
    ("channel", "carrier_pigeon"),
    ("channel", ""),
    ("channel", ["walk_in"]),
    ("age_band", "120+"),
    ("gender", "female"),
    ("gender", "woman "),
    ("gender", None),
    ("language", "xx"),
    ("interpreter", "maybe"),
    ("interpreter", None),
    ("first_visit", "perhaps"),
    ("visitor_municipality", "9999"),
    ("visitor_municipality", 9999),
    ("visitor_municipality", "24811"),
    ("barriers", ["no_eid", "bad_luck"]),
    ("barriers", "no_eid"),
    ("barriers", None),
    ("barriers", ["no_eid"] * 9),
    ("barriers", [["no_eid"]]),
    ("confidence_before", 0),
    ("confidence_after", 6),
    ("confidence_after", 4.5),
    ("help", []),
    ("help", None),
    ("help", {"service": "eid.bankid", "mode": "taught", "outcome": "resolved"}),
    ("help", [{"service": "eid.unknown", "mode": "taught", "outcome": "resolved"}]),
    ("help", [{"service": "eid.bankid", "mode": "taught"}]),
    ("help", [{"service": "eid.bankid", "mode": "taught", "outcome": None}]),
    ("help", ["eid.bankid"]),
    ("help", [{"service": "eid.bankid", "mode": "taught", "outcome": "resolved"}] * 21),
    ("note", "Hjälpte 19121212-1212 idag"),
    ("note", "ring 070-123 45 67"),
    ("note", "mejla anna@example.se"),
    ("note", "x" * 501),
    ("note", "nul \x00 byte"),
    ("note", "surrogate \ud800"),
    ("note", None),
    ("note", ["a note"]),
]


@pytest.mark.parametrize(("field", "value"), INVALID)
def test_an_invalid_item_is_left_to_the_serializer(serializer, fast, field, value):
    item = visit(**{field: value})
    valid, errors = serializer_verdict(serializer, item)
    assert not valid
    assert field in errors
    assert fast.validate(item) is None


@pytest.mark.parametrize("field", REQUIRED)
def test_a_missing_required_field_is_left_to_the_serializer(serializer, fast, field):
    item = visit()
    del item[field]
    assert fast.validate(item) is None


def test_equal_values_of_other_types_are_judged_apart(serializer, fast):
    # 1 == 1.0 == True in Python, and DRF takes 1 and 1.0 as a duration but refuses True.
    assert fast.validate(visit(duration_min=1))["duration_min"] == 1
    assert fast.validate(visit(duration_min=True)) is None
    assert fast.validate(visit(confidence_before=1)) is not None
    assert fast.validate(visit(confidence_before=True)) is None
    assert_agrees(serializer, fast, visit(duration_min=1.0))


def test_a_visit_in_the_future_is_left_to_the_serializer(fast):
    assert fast.validate(visit(started_at=in_an_hour())) is None


@pytest.mark.parametrize(
    ("field", "limit"), [("duration_min", DURATION_MIN), ("participants", PARTICIPANTS)]
)
def test_the_fast_path_keeps_to_the_records_limits(serializer, fast, field, limit):
    assert fast.validate(visit(**{field: limit.high})) is not None
    assert fast.validate(visit(**{field: limit.high + 1})) is None
    assert not serializer_verdict(serializer, visit(**{field: limit.high + 1}))[0]


# Valid but unusual spellings: the fast path may take them or leave them, but what it takes
# must be exactly what the serializer makes of them.
UNUSUAL = [
    ("id", "{6F1C0F9E-8A53-4D0E-9C7E-2B1F4F2D9A10}"),
    ("id", "urn:uuid:6f1c0f9e-8a53-4d0e-9c7e-2b1f4f2d9a10"),
    ("id", "6f1c0f9e8a534d0e9c7e2b1f4f2d9a10"),
    ("id", 2**100),
    ("id", 12),
    ("site", " lycksele-bibliotek "),
    ("started_at", "2026-03-16T09:15:00Z"),
    ("started_at", "2026-03-16T10:15:00.123456+01:00"),
    ("started_at", "2026-03-16 10:15"),
    ("started_at", "20260316T101500+0100"),
    ("started_at", "2026-03-16T10:15:00"),
    ("started_at", "2026-03-16"),
    ("started_at", "2026-03-29T02:30:00"),  # skipped by Swedish clocks, DRF takes it
    ("duration_min", "25"),
    ("duration_min", 25.0),
    ("duration_min", "25.0"),
    ("participants", "3"),
    ("channel", " walk_in"),
    ("interpreter", "true"),
    ("interpreter", 1),
    ("first_visit", "no"),
    ("first_visit", None),
    ("visitor_municipality", 2481),
    ("visitor_municipality", None),
    ("barriers", []),
    ("barriers", ["skills", "no_eid", "skills"]),
    ("confidence_before", None),
    ("confidence_before", "3"),
    ("help", [{"service": " eid.bankid", "mode": "taught", "outcome": "resolved", "x": 1}]),
    ("note", ""),
    ("note", "   "),
    ("note", "  Mobilt BankID installerat  "),
    ("note", 42),
    ("note", "Ärende 2026-03-16, kostnad 120 kr"),
    ("unknown_field", "is ignored"),
    ("source", "counter"),
]


@pytest.mark.parametrize(("field", "value"), UNUSUAL)
def test_an_unusual_spelling_gives_the_serializers_data_or_none(serializer, fast, field, value):
    item = visit(**{field: value})
    assert serializer_verdict(serializer, item)[0]
    assert_agrees(serializer, fast, item)


POOL = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    3,
    25,
    600,
    601,
    -1,
    "",
    " ",
    "1",
    "25",
    "true",
    "walk_in",
    " walk_in",
    "phone",
    "woman",
    "man ",
    "75+",
    "sv",
    "en",
    "2481",
    2481,
    "9999",
    "no_eid",
    "skills",
    "lycksele-bibliotek",
    SOON,
    "2026-03-16T10:15:00",
    "2026-03-16",
    "2026-03-16T09:15:00Z",
    "1999-12-31T23:00:00Z",
    "1999-12-31T12:00:00Z",
    "0001-01-01T00:00:00+14:00",
    [],
    ["no_eid"],
    ["no_eid", "bad_luck"],
    [{"service": "eid.bankid", "mode": "taught", "outcome": "resolved"}],
    [{"service": "eid.bankid", "mode": "taught"}],
    {},
    {"service": "eid.bankid"},
    "Hjälpte 19121212-1212",
    "x" * 501,
    str(uuid.UUID(int=7)),
]
FIELDS = [
    "id",
    "site",
    "started_at",
    "duration_min",
    "participants",
    "channel",
    "age_band",
    "gender",
    "language",
    "interpreter",
    "first_visit",
    "visitor_municipality",
    "barriers",
    "confidence_before",
    "confidence_after",
    "help",
    "note",
]
VALUES = st.sampled_from(POOL) | st.integers(-3, 700) | st.text(max_size=6)
# Values each field takes, so that many examples reach the fast path's acceptance too.
VALID = {
    "id": [str(uuid.UUID(int=7)), str(uuid.uuid4()).upper(), 12],
    "started_at": [SOON, "2026-03-16T09:15:00Z", "2025-01-01T00:00:00-05:00"],
    "duration_min": [1, 600, 25.0, "25"],
    "participants": [1, 500, "2"],
    "channel": ["walk_in", "phone", " phone"],
    "age_band": ["unknown", "75+"],
    "gender": ["woman", "man", "other", "unstated"],
    "language": ["sv", "en"],
    "interpreter": [True, False, "yes"],
    "first_visit": [True, False, None],
    "visitor_municipality": ["2481", None, 2481],
    "barriers": [[], ["skills"], ["no_eid", "skills", "no_eid"]],
    "confidence_before": [1, 5, None],
    "confidence_after": [1, 5, None],
    "note": ["", "Visade appen", " BankID ", 7],
}
HELP_ITEM = st.fixed_dictionaries(
    {},
    optional={
        "service": st.sampled_from(["eid.bankid", "1177.login", " eid.bankid", "nope"]) | VALUES,
        "mode": st.sampled_from(["taught", "guided", "teach"]) | VALUES,
        "outcome": st.sampled_from(["resolved", "partly", ""]) | VALUES,
    },
)


@st.composite
def items(draw):
    item = copy.deepcopy(VISIT)
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        if draw(st.booleans()):
            item.pop(name, None)
        elif name in VALID and draw(st.booleans()):
            item[name] = draw(st.sampled_from(VALID[name]))
        elif name == "help":
            item[name] = draw(st.lists(HELP_ITEM, max_size=3) | VALUES)
        elif name == "barriers":
            item[name] = draw(st.lists(VALUES, max_size=3) | VALUES)
        else:
            item[name] = draw(VALUES)
    return item


@settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(item=items())
def test_the_fast_path_never_decides_differently(serializer, fast, item):
    assert_agrees(serializer, fast, item)


def post_json(api, path: str, body: object):
    # ASCII JSON: the test client's own encoding cannot carry a lone surrogate.
    return api.generic("POST", path, json.dumps(body), content_type="application/json")


def test_the_bulk_errors_are_the_serializers(api, library_site):
    """The bulk response reports an invalid item exactly as VisitSerializer words it."""
    bad = [visit(**{"id": str(uuid.uuid4()), field: value}) for field, value in INVALID]
    bad = [item for item in bad if isinstance(item["id"], str) and len(item["id"]) == 36]
    good = visit(id=str(uuid.uuid4()))
    response = post_json(api, "/api/v1/visits/bulk/", {"visits": [good, *bad]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {"id": good["id"], "status": "created"}
    serializer = VisitSerializer(context={"codes": CodeLists.load(sites=[library_site])})
    for item, result in zip(bad, results[1:], strict=True):
        valid, errors = serializer_verdict(serializer, item)
        assert not valid
        rendered = post_json(api, "/api/v1/visits/", item).json()
        assert result["status"] == "invalid"
        assert result["id"] == item["id"]
        assert set(result["errors"]) == set(errors)
        assert result["errors"] == {key: rendered[key] for key in errors}


def test_the_bulk_response_has_the_documented_shape(api):
    items = [visit(id=str(uuid.uuid4())), visit(id=str(uuid.uuid4()), duration_min=0)]
    items.append({"note": "no id at all"})
    body = api.post("/api/v1/visits/bulk/", {"visits": items}, format="json").json()
    assert [result["status"] for result in body["results"]] == ["created", "invalid", "invalid"]
    assert body["results"][2]["id"] is None
    assert BulkResponseSerializer(body).data == body


@pytest.mark.parametrize(
    "body",
    [
        {"visits": []},
        {"visits": "not a list"},
        {"visits": [visit(), 42]},
        {"visits": [visit(), None]},
        {"visits": [visit()] * 501},
        {"items": [visit()]},
        [visit()],
    ],
)
def test_a_malformed_envelope_is_refused_as_before(api, body):
    response = api.post("/api/v1/visits/bulk/", body, format="json")
    assert response.status_code == 400
    assert not Visit.objects.exists()
    envelope = BulkVisitsSerializer(data=body)
    assert not envelope.is_valid()
    expected = json.loads(json.dumps(envelope.errors))  # int keys of list items as strings
    assert {key: response.json()[key] for key in expected} == expected
