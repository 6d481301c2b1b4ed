"""Visit JSON in and out (SPEC §5). Validation asks the database nothing: codes are checked
against the code lists loaded once per request (api.codes.CodeLists, in the context)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField, empty
from rest_framework.settings import api_settings

from api.bounds import OUT_OF_RANGE, date_in_range
from servicecenter.personal_data import validate_no_personal_data
from visits.models import (
    NOTE_MAX_LENGTH,
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
from visits.services import CLOCK_SKEW, VisitRecord

MAX_HELP_ITEMS = 20
MAX_BULK_VISITS = 500


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
    service = CodeField("services", help_text=_("E-service code, e.g. eid.bankid"))
    mode = CodeField("modes", help_text=_("Help mode: info, guided, on_behalf, taught, referred"))
    outcome = CodeField("outcomes", help_text=_("resolved, partly, unresolved or referred"))


class VisitSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        required=False,
        help_text=_("Chosen by the client: the idempotency key. Generated when left out."),
    )
    site = serializers.SlugField(help_text=_("The site's code; one of the caller's own sites."))
    started_at = BoundedDateTimeField()
    duration_min = serializers.IntegerField(min_value=1, max_value=600)
    participants = serializers.IntegerField(min_value=1, max_value=500, default=1)
    channel = CodeField("channels")
    age_band = CodeField("age_bands", default="unknown")
    gender = serializers.ChoiceField(choices=Visit.Gender.choices, default=Visit.Gender.UNSTATED)
    language = CodeField("languages", default="sv", help_text=_("ISO 639 code"))
    interpreter = serializers.BooleanField(default=False)
    first_visit = serializers.BooleanField(allow_null=True, default=None)
    visitor_municipality = serializers.CharField(
        allow_null=True, default=None, max_length=4, help_text=_("SCB municipality code")
    )
    barriers = serializers.ListField(child=CodeField("barriers"), default=list, max_length=8)
    confidence_before = serializers.IntegerField(
        min_value=1, max_value=5, allow_null=True, default=None
    )
    confidence_after = serializers.IntegerField(
        min_value=1, max_value=5, allow_null=True, default=None
    )
    help = HelpItemSerializer(many=True, min_length=1, max_length=MAX_HELP_ITEMS)
    note = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=NOTE_MAX_LENGTH,
        trim_whitespace=True,
        validators=[validate_no_personal_data],
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
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError(_("A visit cannot start in the future."))
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


# What the fast path answers when it leaves a value to the serializer.
_UNSURE = object()
HELP_ITEM_FIELDS = ("service", "mode", "outcome")


class BulkVisitValidator:
    """The bulk endpoint's fast path: DRF walking its fields was most of a bulk call's time
    (bench/RESULTS.md §1). For a well-formed item `validate` returns exactly the data that
    `VisitSerializer.run_validation` would; whenever it is not sure, for a wrong value but
    also for a valid yet unusual spelling (a time without offset, a number as a string,
    spaces around a code), it returns None and the caller asks the serializer, which then
    decides and words the errors. So it may be stricter than the serializer, never laxer.

    Fields whose verdict depends on their value alone (codes, numbers, booleans, the site)
    are validated by the serializer's own fields and `validate_<field>` methods, once per
    distinct value in the request. `started_at` is parsed the way DRF tries first
    (`fromisoformat`) and then checked like `BoundedDateTimeField` and
    `validate_started_at`; the note always goes through its field (personal data)."""

    SCALAR_FIELDS = (
        "site",
        "duration_min",
        "participants",
        "channel",
        "age_band",
        "gender",
        "language",
        "interpreter",
        "first_visit",
        "visitor_municipality",
        "confidence_before",
        "confidence_after",
    )
    FIELDS = frozenset({"id", "started_at", "barriers", "help", "note", *SCALAR_FIELDS})

    def __init__(self, serializer: VisitSerializer) -> None:
        self.serializer = serializer
        fields = serializer.fields
        self.help_field = fields["help"]
        self.barriers_field = fields["barriers"]
        self.note_field = fields["note"]
        help_item = self.help_field.child
        # A cross-field rule or a new field would be skipped here: then no fast path at all.
        self.enabled = (
            _validates_field_by_field(serializer, self.FIELDS)
            and _validates_field_by_field(help_item, frozenset(HELP_ITEM_FIELDS))
            and not self.help_field.validators
            and type(self.help_field).validate is serializers.ListSerializer.validate
        )
        self.zone = _zone_after_iso_parse(fields["started_at"])
        self.checks: dict[str, tuple[serializers.Field, Any]] = {
            name: (fields[name], getattr(serializer, f"validate_{name}", None))
            for name in self.SCALAR_FIELDS
        }
        self.checks["barrier"] = (self.barriers_field.child, None)
        for name in HELP_ITEM_FIELDS:
            self.checks[f"help.{name}"] = (
                help_item.fields[name],
                getattr(help_item, f"validate_{name}", None),
            )
        self.verdicts: dict[str, dict[tuple[type, object], object]] = {
            name: {} for name in self.checks
        }

    def validate(self, item: dict) -> dict | None:
        """The validated data of `item`, or None: ask the serializer."""
        if not self.enabled:
            return None
        data: dict[str, Any] = {}
        for name in self.SCALAR_FIELDS:
            value = self._scalar(name, item.get(name, empty))
            if value is _UNSURE:
                return None
            data[name] = value
        for name, value in (
            ("id", self._id(item.get("id", empty))),
            ("started_at", self._started_at(item.get("started_at", empty))),
            ("barriers", self._barriers(item.get("barriers", empty))),
            ("help", self._help(item.get("help", empty))),
            ("note", self._note(item.get("note", empty))),
        ):
            if value is _UNSURE:
                return None
            if value is not empty:
                data[name] = value
        return data

    def _scalar(self, name: str, value: object) -> object:
        verdicts = self.verdicts[name]
        key = (value.__class__, value)  # the class too: 1, 1.0 and True are equal keys
        try:
            return verdicts[key]
        except KeyError:
            verdict = verdicts[key] = _verdict(*self.checks[name], value)
            return verdict
        except TypeError:  # unhashable: a list or an object where a scalar belongs
            return _UNSURE

    def _id(self, value: object) -> object:
        if value is empty:
            return empty  # not required and no default: DRF leaves it out
        if value.__class__ is not str:
            return _UNSURE
        try:
            return uuid.UUID(hex=value)  # as serializers.UUIDField does
        except ValueError:
            return _UNSURE

    def _started_at(self, value: object) -> object:
        if value.__class__ is not str or self.zone is None:
            return _UNSURE
        try:
            moment = datetime.datetime.fromisoformat(value)
            if moment.utcoffset() is None:
                # DRF makes it aware in the current zone and checks for DST gaps.
                return _UNSURE
            moment = moment.astimezone(self.zone)
        except (ValueError, OverflowError):
            return _UNSURE
        if not date_in_range(moment.date()):
            return _UNSURE
        try:
            return self.serializer.validate_started_at(moment)
        except serializers.ValidationError:
            return _UNSURE

    def _barriers(self, value: object) -> object:
        if value is empty:
            return _verdict(self.barriers_field, None, empty)  # the default, a new list
        if value.__class__ is not list or not _length_allowed(self.barriers_field, len(value)):
            return _UNSURE
        codes = [self._scalar("barrier", code) for code in value]
        return _UNSURE if any(code is _UNSURE for code in codes) else codes

    def _help(self, value: object) -> object:
        if value.__class__ is not list or not _length_allowed(self.help_field, len(value)):
            return _UNSURE
        items = []
        for entry in value:
            if entry.__class__ is not dict:
                return _UNSURE
            item = {}
            for name in HELP_ITEM_FIELDS:
                code = self._scalar(f"help.{name}", entry.get(name, empty))
                if code is _UNSURE:
                    return _UNSURE
                item[name] = code
            items.append(item)
        return items

    def _note(self, value: object) -> object:
        # Notes are checked one by one (personal data), never remembered: they rarely repeat.
        return _verdict(self.note_field, None, value)


def _verdict(field: serializers.Field, validate_method: Any, value: object) -> object:
    """What the serializer makes of one field's value, or _UNSURE if it refuses it."""
    try:
        validated = field.run_validation(value)
        return validate_method(validated) if validate_method is not None else validated
    except (serializers.ValidationError, DjangoValidationError, SkipField):
        return _UNSURE


def _zone_after_iso_parse(field: serializers.DateTimeField) -> datetime.tzinfo | None:
    """The zone DRF converts an ISO 8601 time with offset to, if ISO 8601 is the first
    format it tries (so `fromisoformat` is its first parse) and the field checks no more
    than `BoundedDateTimeField` does; else None: no fast path for the time."""
    formats = getattr(field, "input_formats", api_settings.DATETIME_INPUT_FORMATS)
    if not formats or formats[0].lower() != ISO_8601:
        return None
    if type(field) is not BoundedDateTimeField or field.validators:
        return None
    return field.timezone if hasattr(field, "timezone") else field.default_timezone()


def _length_allowed(field: serializers.Field, length: int) -> bool:
    """The length checks of a ListField or a ListSerializer (`many=True`)."""
    return (
        (length > 0 or field.allow_empty)
        and (field.min_length is None or length >= field.min_length)
        and (field.max_length is None or length <= field.max_length)
    )


def _validates_field_by_field(serializer: serializers.Serializer, names: frozenset[str]) -> bool:
    """True if the serializer has exactly these writable fields, each stored under its own
    name, and no validation beyond them (no `validate()`, no serializer validators)."""
    writable = list(serializer._writable_fields)
    return (
        {field.field_name for field in writable} == names
        and all(field.source_attrs == [field.field_name] for field in writable)
        and type(serializer).validate is serializers.Serializer.validate
        and not serializer.validators
    )


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
