"""Visit JSON in and out (SPEC §5). Validation asks the database nothing: codes are checked
against the code lists loaded once per request (api.codes.CodeLists, in the context)."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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


class BulkVisitsSerializer(serializers.Serializer):
    visits = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=500,
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
