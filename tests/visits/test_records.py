"""The rules of a visit record (visits/records.py): written once, and the same for every road
a visit takes to the database: the quick-log form, the API one at a time and in bulk, the
admin, and the services behind them."""

import datetime
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from api.codes import CodeLists
from api.serializers import VisitSerializer
from organisations.models import Membership
from servicecenter.personal_data import validate_no_personal_data
from tests.api.conftest import client_for
from tests.api.test_visits import visit as api_visit
from tests.factories import MembershipFactory, SiteFactory, UserFactory, VisitFactory
from tests.visits.test_ingest import record
from tests.visits.test_quick_log import typical_visit
from visits.forms import VisitForm
from visits.models import EService, HelpMode, Outcome, Visit
from visits.records import (
    BARRIERS,
    CLOCK_SKEW,
    CONFIDENCE,
    DURATION_MIN,
    HELP_ITEMS,
    NOTE_MAX_LENGTH,
    PARTICIPANTS,
    check_visit_record,
    visit_record_errors,
)
from visits.services import HelpItemInput, visit_ingest, visit_update

NOW = datetime.datetime(2026, 3, 16, 10, 15, tzinfo=datetime.UTC)
HELP_ITEM = ("eid.bankid", "taught", "resolved")
PERSONAL_NOTE = "Ring henne på 070-123 45 67"
LIMITED = [
    ("duration_min", DURATION_MIN),
    ("participants", PARTICIPANTS),
    ("confidence_before", CONFIDENCE),
    ("confidence_after", CONFIDENCE),
]


def messages(errors: list[ValidationError]) -> list[str]:
    return [message for error in errors for message in error]


# --- The rules themselves ----------------------------------------------------------------


@pytest.mark.parametrize(("field", "limit"), LIMITED)
def test_both_ends_of_a_limit_are_valid(field, limit):
    assert visit_record_errors({field: limit.low}) == {}
    assert visit_record_errors({field: limit.high}) == {}


@pytest.mark.parametrize(("field", "limit"), LIMITED)
def test_a_value_past_a_limit_is_refused_in_djangos_words_naming_the_limit(field, limit):
    with translation.override("en"):
        below = messages(visit_record_errors({field: limit.low - 1})[field])
        above = messages(visit_record_errors({field: limit.high + 1})[field])
    assert below == [f"Ensure this value is greater than or equal to {limit.low}."]
    assert above == [f"Ensure this value is less than or equal to {limit.high}."]


def test_a_confidence_not_asked_is_valid():
    assert visit_record_errors({"confidence_before": None, "confidence_after": None}) == {}


def test_a_start_within_the_clock_skew_is_valid():
    assert visit_record_errors({"started_at": NOW + CLOCK_SKEW}, now=NOW) == {}


def test_a_start_beyond_the_clock_skew_is_in_the_future():
    later = NOW + CLOCK_SKEW + datetime.timedelta(seconds=1)
    with translation.override("en"):
        errors = visit_record_errors({"started_at": later}, now=NOW)
        assert messages(errors["started_at"]) == ["A visit cannot start in the future."]


def test_a_visit_without_a_help_item_is_refused():
    with translation.override("en"):
        errors = visit_record_errors({"help": []})
        assert messages(errors["help"]) == [
            "Add at least one e-service the visitor was helped with."
        ]


def test_no_more_help_items_than_the_limit_are_taken():
    assert visit_record_errors({"help": [HELP_ITEM] * HELP_ITEMS.high}) == {}
    with translation.override("en"):
        errors = visit_record_errors({"help": [HELP_ITEM] * (HELP_ITEMS.high + 1)})
        assert messages(errors["help"]) == [
            f"Add at most {HELP_ITEMS.high} e-services to one visit."
        ]


def test_no_more_barriers_than_the_limit_are_taken_counting_repeats():
    assert visit_record_errors({"barriers": ["no_eid"] * BARRIERS.high}) == {}
    with translation.override("en"):
        errors = visit_record_errors({"barriers": ["no_eid"] * (BARRIERS.high + 1)})
        assert messages(errors["barriers"]) == [f"Choose at most {BARRIERS.high} barriers."]


def test_a_gender_outside_the_choices_is_refused():
    assert visit_record_errors({"gender": Visit.Gender.WOMAN}) == {}
    assert "gender" in visit_record_errors({"gender": "female"})


@pytest.mark.django_db
def test_codes_are_checked_against_the_code_lists_given():
    codes = CodeLists.load(sites=[])
    valid = {"channel": "walk_in", "barriers": ["no_eid"], "help": [HELP_ITEM]}
    assert visit_record_errors(valid, codes=codes) == {}
    wrong = {
        "channel": "carrier_pigeon",
        "age_band": "120+",
        "language": "xx",
        "barriers": ["no_eid", "bad_luck"],
        "help": [("eid.bankid", "teach", "resolved")],
    }
    with translation.override("en"):
        errors = visit_record_errors(wrong, codes=codes)
        assert messages(errors["help"]) == ["Unknown code “teach”."]
    assert set(errors) == set(wrong)


def test_codes_are_not_checked_without_code_lists():
    assert visit_record_errors({"channel": "carrier_pigeon", "help": [("a", "b", "c")]}) == {}


def test_a_long_note_with_personal_data_is_told_both():
    note = PERSONAL_NOTE + "." * NOTE_MAX_LENGTH
    errors = visit_record_errors({"note": note})
    assert [error.code for error in errors["note"]] == ["max_length", "personal_data"]


def test_a_note_of_the_greatest_length_is_valid():
    assert visit_record_errors({"note": "x" * NOTE_MAX_LENGTH}) == {}


def test_only_the_values_given_are_checked():
    assert visit_record_errors({}) == {}


def test_every_field_with_an_error_is_named_at_once():
    with pytest.raises(ValidationError) as error:
        check_visit_record({"duration_min": 0, "participants": 0, "note": PERSONAL_NOTE})
    assert set(error.value.message_dict) == {"duration_min", "participants", "note"}


# --- Who reads the limits ----------------------------------------------------------------


@pytest.mark.parametrize(("field", "limit"), LIMITED)
def test_the_model_validates_with_the_records_limits(field, limit):
    validators = Visit._meta.get_field(field).validators
    assert MaxValueValidator(limit.high) in validators


@pytest.mark.parametrize(("field", "limit"), LIMITED)
def test_the_api_schema_gets_the_records_limits(field, limit):
    serializer_field = VisitSerializer().fields[field]
    assert (serializer_field.min_value, serializer_field.max_value) == (limit.low, limit.high)


@pytest.mark.django_db
def test_the_forms_widgets_get_the_records_limits():
    form = VisitForm()
    attrs = form.fields["duration_min"].widget.attrs
    assert (attrs["min"], attrs["max"]) == (DURATION_MIN.low, DURATION_MIN.high)
    assert form.fields["participants"].widget.attrs["max"] == PARTICIPANTS.high
    assert form.fields["note"].widget.attrs["maxlength"] == str(NOTE_MAX_LENGTH)


# --- The services are the last gate ------------------------------------------------------


@pytest.mark.django_db
def test_ingest_refuses_an_invalid_record_and_saves_nothing():
    site = SiteFactory()
    sent = [record(site), record(site, duration_min=DURATION_MIN.high + 1)]
    with pytest.raises(ValidationError) as error:
        visit_ingest(records=sent, readable=Visit.objects.all())
    assert "duration_min" in error.value.message_dict
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_an_update_with_more_help_items_than_the_limit_is_refused():
    visit = VisitFactory()
    help_item = HelpItemInput(
        service=EService.objects.get(pk="eid.bankid"),
        mode=HelpMode.objects.get(pk="taught"),
        outcome=Outcome.objects.get(pk="resolved"),
    )
    with pytest.raises(ValidationError) as error:
        visit_update(visit=visit, updated_by=None, help_items=[help_item] * (HELP_ITEMS.high + 1))
    assert "help" in error.value.message_dict
    assert visit.help_items.count() == 1


# --- One rule, every road ----------------------------------------------------------------


@pytest.fixture
def roads():
    """A site, and a client for each road a visit takes to it, all speaking English."""
    site = SiteFactory(code="roads")
    staff = UserFactory()
    MembershipFactory(user=staff, site=site, role=Membership.Role.STAFF)
    counter = Client()
    counter.force_login(staff)
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    api = client_for(site.organisation)
    for client in (counter, admin, api):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return {"site": site, "counter": counter, "admin": admin, "api": api}


def refused_by_quick_log(roads, field: str, value) -> list[str]:
    url = reverse("visits:quick_log", args=[roads["site"].code])
    response = roads["counter"].post(url, typical_visit(**{field: str(value)}))
    assert response.status_code == 200
    return response.context["form"].errors[field]


def refused_by_api(roads, field: str, value) -> list[str]:
    item = api_visit(id=str(uuid.uuid4()), site=roads["site"].code, **{field: value})
    response = roads["api"].post("/api/v1/visits/", item, format="json")
    assert response.status_code == 400
    return response.json()[field]


def refused_by_api_bulk(roads, field: str, value) -> list[str]:
    item = api_visit(id=str(uuid.uuid4()), site=roads["site"].code, **{field: value})
    response = roads["api"].post("/api/v1/visits/bulk/", {"visits": [item]}, format="json")
    [result] = response.json()["results"]
    assert result["status"] == "invalid"
    return result["errors"][field]


def admin_add(roads, **changes):
    """The admin's add form as a browser sends it for a visit an hour ago, with `changes`."""
    started = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "site": roads["site"].pk,
        "started_at_0": started.date().isoformat(),
        "started_at_1": started.strftime("%H:%M:%S"),
        "duration_min": 15,
        "participants": 1,
        "channel": "walk_in",
        "age_band": "75+",
        "gender": "unstated",
        "language": "sv",
        "first_visit": "unknown",
        "source": "counter",
        "note": "",
        "help_items-TOTAL_FORMS": 1,
        "help_items-INITIAL_FORMS": 0,
        "help_items-MIN_NUM_FORMS": 0,
        "help_items-MAX_NUM_FORMS": 1000,
        "help_items-0-service": "eid.bankid",
        "help_items-0-mode": "taught",
        "help_items-0-outcome": "resolved",
    }
    return roads["admin"].post("/admin/visits/visit/add/", data | changes)


def refused_by_admin(roads, field: str, value) -> list[str]:
    response = admin_add(roads, **{field: value})
    assert response.status_code == 200
    return response.context["adminform"].form.errors[field]


ROADS = [refused_by_quick_log, refused_by_api, refused_by_api_bulk, refused_by_admin]


@pytest.mark.django_db
@pytest.mark.parametrize("road", ROADS)
@pytest.mark.parametrize(
    ("field", "limit"), [("duration_min", DURATION_MIN), ("participants", PARTICIPANTS)]
)
def test_every_road_refuses_a_number_past_the_records_limit_and_names_it(roads, road, field, limit):
    [message] = road(roads, field, limit.high + 1)
    assert str(limit.high) in message
    assert not Visit.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("road", ROADS)
def test_every_road_refuses_personal_data_in_the_note_in_the_same_words(roads, road):
    with translation.override("en"), pytest.raises(ValidationError) as expected:
        validate_no_personal_data(PERSONAL_NOTE)
    assert road(roads, "note", PERSONAL_NOTE) == expected.value.messages
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_the_admin_takes_a_valid_visit(roads):
    response = admin_add(roads)
    assert response.status_code == 302
    assert Visit.objects.get().help_items.count() == 1


@pytest.mark.django_db
def test_the_admin_refuses_a_visit_in_the_future(roads):
    later = timezone.localtime() + CLOCK_SKEW + datetime.timedelta(hours=1)
    response = admin_add(
        roads,
        started_at_0=later.date().isoformat(),
        started_at_1=later.strftime("%H:%M:%S"),
    )
    assert response.context["adminform"].form.errors["started_at"] == [
        "A visit cannot start in the future."
    ]
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_visit_without_a_help_item(roads):
    response = admin_add(roads, **{"help_items-0-DELETE": "on"})
    [formset] = response.context["inline_admin_formsets"]
    assert formset.formset.non_form_errors() == [
        "Add at least one e-service the visitor was helped with."
    ]
    assert not Visit.objects.exists()
