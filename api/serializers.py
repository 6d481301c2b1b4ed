"""Visit JSON in and out (SPEC §5). Validation asks the database nothing: codes are checked
against the code lists loaded once per request (api.codes.CodeLists, in the context)."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.bounds import OUT_OF_RANGE, date_in_range
from api.codes import CodeLists
from visits.models import (
    AgeBand,
    Barrier,
    Channel,
    EService,
    HelpMode,
    Language,
    Outcome,
    Provider,
    Visit,
)
from visits.records import (
    BARRIERS,
    CONFIDENCE,
    DURATION_MIN,
    HELP_ITEMS,
    NOTE_MAX_LENGTH,
    NOTE_VALIDATORS,
    PARTICIPANTS,
    RecordValues,
    check_value,
    visit_record_errors,
)
from visits.services import VisitRecord

MAX_BULK_VISITS = 500
# What a visit's optional field is when it is left out: the serializer's fields and the bulk
# fast path both read it.
VISIT_DEFAULTS: dict[str, Any] = {
    "participants": 1,
    "age_band": "unknown",
    # A plain string, not the enum member: the fast path reads a default like a sent value.
    "gender": Visit.Gender.UNSTATED.value,
    "language": "sv",
    "interpreter": False,
    "first_visit": None,
    "visitor_municipality": None,
    "confidence_before": None,
    "confidence_after": None,
    "note": "",
}


class CodeField(serializers.CharField):
    """A taxonomy code, checked against one of the request's code lists."""

    default_error_messages = {"unknown": _("Unknown code “%(code)s”. See /api/v1/taxonomy/.")}

    def __init__(self, code_list: str, **kwargs):
        self.code_list = code_list
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if code not in getattr(self.context["codes"], self.code_list):
            raise serializers.ValidationError(self.error_messages["unknown"] % {"code": code})
        return code


class BoundedDateTimeField(serializers.DateTimeField):
    """A moment within the API's date range; dates near year 1 or 9999 overflow on the way
    to UTC, and that is the client's mistake, not the server's."""

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except OverflowError as error:
            raise serializers.ValidationError(str(OUT_OF_RANGE)) from error
        if not date_in_range(moment.date()):
            raise serializers.ValidationError(str(OUT_OF_RANGE))
        return moment


class HelpItemSerializer(serializers.Serializer):
    service = CodeField("services", help_text=_("E-service code, for example eid.bankid"))
    mode = CodeField("modes", help_text=_("Help mode: info, on_behalf, guided, taught, referred"))
    outcome = CodeField("outcomes", help_text=_("resolved, partly, unresolved or referred"))


class VisitSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        required=False,
        help_text=_("Chosen by the client: the idempotency key. Generated when left out."),
    )
    site = serializers.SlugField(help_text=_("The site's code; one of the caller's own sites."))
    started_at = BoundedDateTimeField()
    # The limits are the record's (visits.records): DRF checks them here and words the errors
    # as the API always has, and the OpenAPI schema shows them as minimum, maximum, maxLength.
    duration_min = serializers.IntegerField(min_value=DURATION_MIN.low, max_value=DURATION_MIN.high)
    participants = serializers.IntegerField(
        min_value=PARTICIPANTS.low,
        max_value=PARTICIPANTS.high,
        default=VISIT_DEFAULTS["participants"],
    )
    channel = CodeField("channels")
    age_band = CodeField("age_bands", default=VISIT_DEFAULTS["age_band"])
    gender = serializers.ChoiceField(choices=Visit.Gender.choices, default=VISIT_DEFAULTS["gender"])
    language = CodeField(
        "languages", default=VISIT_DEFAULTS["language"], help_text=_("ISO 639 code")
    )
    interpreter = serializers.BooleanField(default=VISIT_DEFAULTS["interpreter"])
    first_visit = serializers.BooleanField(allow_null=True, default=VISIT_DEFAULTS["first_visit"])
    visitor_municipality = serializers.CharField(
        allow_null=True,
        default=VISIT_DEFAULTS["visitor_municipality"],
        max_length=4,
        help_text=_("SCB municipality code"),
    )
    barriers = serializers.ListField(
        child=CodeField("barriers"), default=list, max_length=BARRIERS.high
    )
    confidence_before = serializers.IntegerField(
        min_value=CONFIDENCE.low,
        max_value=CONFIDENCE.high,
        allow_null=True,
        default=VISIT_DEFAULTS["confidence_before"],
    )
    confidence_after = serializers.IntegerField(
        min_value=CONFIDENCE.low,
        max_value=CONFIDENCE.high,
        allow_null=True,
        default=VISIT_DEFAULTS["confidence_after"],
    )
    help = HelpItemSerializer(many=True, min_length=HELP_ITEMS.low, max_length=HELP_ITEMS.high)
    note = serializers.CharField(
        allow_blank=True,
        default=VISIT_DEFAULTS["note"],
        max_length=NOTE_MAX_LENGTH,
        trim_whitespace=True,
        validators=NOTE_VALIDATORS,
    )
    source = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def validate_site(self, code: str):
        site = self.context["codes"].sites.get(code)
        if site is None:
            # Another organisation's site is as unknown as a made-up one (no leaking).
            raise serializers.ValidationError(_("No site of yours has the code “%s”.") % code)
        return site

    def validate_started_at(self, value: datetime.datetime) -> datetime.datetime:
        check_value("started_at", value)  # DRF reports Django's ValidationError as its own
        return value

    def validate_visitor_municipality(self, code: str | None) -> int | None:
        if code is None:
            return None
        municipality_id = self.context["codes"].municipalities.get(code)
        if municipality_id is None:
            raise serializers.ValidationError(_("Unknown SCB municipality code “%s”.") % code)
        return municipality_id

    def to_record(self) -> VisitRecord:
        return self.record_from(self.validated_data)

    @staticmethod
    def record_from(data: dict) -> VisitRecord:
        return VisitRecord(
            id=data.get("id") or uuid.uuid4(),
            site_id=data["site"].pk,
            started_at=data["started_at"],
            duration_min=data["duration_min"],
            channel_id=data["channel"],
            help=tuple(sorted((h["service"], h["mode"], h["outcome"]) for h in data["help"])),
            participants=data["participants"],
            age_band_id=data["age_band"],
            gender=data["gender"],
            language_id=data["language"],
            interpreter=data["interpreter"],
            first_visit=data["first_visit"],
            visitor_municipality_id=data["visitor_municipality"],
            barriers=tuple(sorted(set(data["barriers"]))),
            confidence_before=data["confidence_before"],
            confidence_after=data["confidence_after"],
            note=data["note"],
        )

    def to_representation(self, visit: Visit) -> dict:
        return {
            "id": str(visit.pk),
            "site": visit.site.code,
            "started_at": serializers.DateTimeField().to_representation(visit.started_at),
            "duration_min": visit.duration_min,
            "participants": visit.participants,
            "channel": visit.channel_id,
            "age_band": visit.age_band_id,
            "gender": visit.gender,
            "language": visit.language_id,
            "interpreter": visit.interpreter,
            "first_visit": visit.first_visit,
            "visitor_municipality": visit.visitor_municipality.code
            if visit.visitor_municipality_id
            else None,
            "barriers": sorted(barrier.pk for barrier in visit.barriers.all()),
            "confidence_before": visit.confidence_before,
            "confidence_after": visit.confidence_after,
            "help": [
                {"service": i.service_id, "mode": i.mode_id, "outcome": i.outcome_id}
                for i in visit.help_items.all()
            ],
            "note": visit.note,
            "source": visit.source,
            "created_at": serializers.DateTimeField().to_representation(visit.created_at),
            "updated_at": serializers.DateTimeField().to_representation(visit.updated_at),
        }


class BulkVisitValidator:
    """The bulk endpoint's fast path: DRF walking its fields was most of a bulk call's time
    (bench/RESULTS.md §1). It reads an item as the JSON it is, finds the site and the
    municipality in the request's code lists, and checks the values with the rules every road
    to the database shares (visits.records). For a well-formed item `validate` returns exactly
    the data that `VisitSerializer.run_validation` would; whenever it is not sure, for a wrong
    value but also for a valid yet unusual spelling (a time without offset, a number as a
    string, spaces around a code), it returns None and the caller asks the serializer, which
    then decides and words the errors. So it may be stricter than the serializer, never
    laxer; tests/api/test_bulk_validator.py holds the two to that.

    What it takes as it is, is what DRF also takes unchanged: JSON integers, booleans and
    strings where those belong, codes as listed, a time in ISO 8601 with an offset (DRF parses
    it with `fromisoformat` first and converts it to the current time zone)."""

    def __init__(self, codes: CodeLists) -> None:
        self.codes = codes
        self.zone = timezone.get_current_timezone()
        # One moment for the whole call: a visit is "in the future" a little sooner than for
        # the serializer, which asks the clock item by item; stricter, never laxer.
        self.now = timezone.now()

    def validate(self, item: dict) -> dict | None:
        """The validated data of `item`, or None: ask the serializer."""
        try:
            data, values = self._read(item)
        except _Unusual:
            return None
        if visit_record_errors(values, codes=self.codes, now=self.now):
            return None
        return data

    def _read(self, item: dict) -> tuple[dict[str, Any], RecordValues]:
        """The item's values as visits.records checks them, and as the serializer's data."""
        # A left-out field is its default, which DRF takes unchecked; every default passes the
        # reading below unchanged.
        get = (VISIT_DEFAULTS | item).get
        help_items, help_codes = _help(get("help"))
        values: RecordValues = {
            "started_at": self._moment(get("started_at")),
            "duration_min": _whole(get("duration_min")),
            "participants": _whole(get("participants")),
            "channel": _text(get("channel")),
            "age_band": _text(get("age_band")),
            "gender": _text(get("gender")),
            "language": _text(get("language")),
            "barriers": _texts(item["barriers"]) if "barriers" in item else [],
            "confidence_before": _optional_whole(get("confidence_before")),
            "confidence_after": _optional_whole(get("confidence_after")),
            "help": help_codes,
            "note": _note(get("note")),
        }
        site = self.codes.sites.get(_text(get("site")))
        if site is None:
            raise _Unusual
        data = {
            **values,
            "site": site,
            "interpreter": _flag(get("interpreter")),
            "first_visit": _optional_flag(get("first_visit")),
            "visitor_municipality": self._municipality(get("visitor_municipality")),
            "help": help_items,
        }
        if "id" in item:  # not required and no default: DRF leaves it out
            data["id"] = _uuid(item["id"])
        return data, values

    def _moment(self, value: Any) -> datetime.datetime:
        if value.__class__ is not str:
            raise _Unusual
        try:
            moment = datetime.datetime.fromisoformat(value)
            if moment.utcoffset() is None:
                # DRF makes it aware in the current zone and checks for DST gaps.
                raise _Unusual
            moment = moment.astimezone(self.zone)
        except (ValueError, OverflowError) as error:
            raise _Unusual from error
        if not date_in_range(moment.date()):
            raise _Unusual
        return moment

    def _municipality(self, code: Any) -> int | None:
        if code is None:
            return None
        municipality_id = self.codes.municipalities.get(_text(code))
        if municipality_id is None:
            raise _Unusual
        return municipality_id


class _Unusual(Exception):
    """A value the fast path leaves to the serializer, to decide on and to word."""


def _whole(value: Any) -> int:
    if value.__class__ is not int:  # not a bool either, which DRF refuses as a number
        raise _Unusual
    return value


def _flag(value: Any) -> bool:
    if value.__class__ is not bool:
        raise _Unusual
    return value


def _optional_whole(value: Any) -> int | None:
    return None if value is None else _whole(value)


def _optional_flag(value: Any) -> bool | None:
    return None if value is None else _flag(value)


def _text(value: Any) -> str:
    # A code is checked against its list by visits.records; one with spaces around it,
    # which DRF trims, is not in any list and goes to the serializer.
    if value.__class__ is not str:
        raise _Unusual
    return value


def _texts(value: Any) -> list[str]:
    if value.__class__ is not list:
        raise _Unusual
    for entry in value:
        if entry.__class__ is not str:
            raise _Unusual
    return value


def _help(value: Any) -> tuple[list[dict[str, str]], list[tuple[str, str, str]]]:
    """The help items as the serializer's data and as (service, mode, outcome) codes."""
    if value.__class__ is not list:
        raise _Unusual
    items, codes = [], []
    for entry in value:
        if entry.__class__ is not dict:
            raise _Unusual
        service, mode, outcome = entry.get("service"), entry.get("mode"), entry.get("outcome")
        if service.__class__ is not str or mode.__class__ is not str:
            raise _Unusual
        if outcome.__class__ is not str:
            raise _Unusual
        items.append({"service": service, "mode": mode, "outcome": outcome})
        codes.append((service, mode, outcome))
    return items, codes


# What DRF's CharField refuses in any text: a NUL character, a lone surrogate.
NOT_PLAIN_TEXT = re.compile(r"[\x00\ud800-\udfff]")


def _note(value: Any) -> str:
    note = _text(value).strip()  # DRF trims it before any check
    if NOT_PLAIN_TEXT.search(note):
        raise _Unusual
    return note


def _uuid(value: Any) -> uuid.UUID:
    if value.__class__ is not str:
        raise _Unusual
    try:
        return uuid.UUID(hex=value)  # as serializers.UUIDField does
    except ValueError as error:
        raise _Unusual from error


class BulkVisitsSerializer(serializers.Serializer):
    visits = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=MAX_BULK_VISITS,
        help_text=_("Up to 500 visits, each as for POST /api/v1/visits/."),
    )


class BulkResultSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "conflict", "invalid"])
    errors = serializers.DictField(required=False)


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)


class SiteSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.CharField()
    organisation = serializers.SlugField(source="organisation.code")
    municipality = serializers.CharField(source="municipality.code", help_text=_("SCB code"))
    is_active = serializers.BooleanField()


class CodeEntrySerializer(serializers.Serializer):
    code = serializers.CharField()
    label_sv = serializers.CharField()
    label_en = serializers.CharField()
    active = serializers.BooleanField()


class ServiceEntrySerializer(CodeEntrySerializer):
    provider = serializers.CharField()


class TaxonomySerializer(serializers.Serializer):
    providers = CodeEntrySerializer(many=True)
    services = ServiceEntrySerializer(many=True)
    modes = CodeEntrySerializer(many=True)
    outcomes = CodeEntrySerializer(many=True)
    barriers = CodeEntrySerializer(many=True)
    channels = CodeEntrySerializer(many=True)
    age_bands = CodeEntrySerializer(many=True)
    languages = CodeEntrySerializer(many=True)
    genders = CodeEntrySerializer(many=True)

    @staticmethod
    def build() -> dict:
        def entries(model, *extra: str) -> list[dict]:
            rows = model.objects.values("code", "label_sv", "label_en", "is_active", *extra)
            return [
                {
                    "code": row["code"],
                    "label_sv": row["label_sv"],
                    "label_en": row["label_en"],
                    "active": row["is_active"],
                    **({"provider": row["provider"]} if extra else {}),
                }
                for row in rows
            ]

        return {
            "providers": entries(Provider),
            "services": entries(EService, "provider"),
            "modes": entries(HelpMode),
            "outcomes": entries(Outcome),
            "barriers": entries(Barrier),
            "channels": entries(Channel),
            "age_bands": entries(AgeBand),
            "languages": entries(Language),
            "genders": _gender_entries(),
        }


def _gender_entries() -> list[dict]:
    """Gender is a fixed choice on the visit, not an editable taxonomy; labels as translated."""
    labels = {}
    for language in ("sv", "en"):
        with translation.override(language):
            labels[language] = {value: str(label) for value, label in Visit.Gender.choices}
    return [
        {
            "code": code,
            "label_sv": labels["sv"][code],
            "label_en": labels["en"][code],
            "active": True,
        }
        for code in Visit.Gender.values
    ]
