"""OpenAPI descriptions of every endpoint, with examples (drf-spectacular). Kept apart from
the views so that the views stay short; each view is decorated with one name from here."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from api.case_serializers import CaseReferralSerializer, CaseSerializer
from api.queue_serializers import (
    CallNextSerializer,
    CheckInSerializer,
    IssuedTicketSerializer,
    TicketSerializer,
)
from api.serializers import (
    BulkResponseSerializer,
    BulkVisitsSerializer,
    SiteSerializer,
    TaxonomySerializer,
    VisitSerializer,
)
from visits.records import DURATION_MIN

ERROR = inline_serializer(
    "Error",
    {"detail": serializers.CharField()},
)
FIELD_ERRORS = inline_serializer(
    "FieldErrors",
    {
        "detail": serializers.CharField(),
        "field": serializers.ListField(child=serializers.CharField(), required=False),
    },
)
CONFLICT = inline_serializer(
    "VisitConflict",
    {
        "detail": serializers.CharField(),
        # Only when the caller may read the stored visit (its own organisation's).
        "stored": VisitSerializer(required=False),
    },
)

VISIT_EXAMPLE = {
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

COMMON_ERRORS = {
    401: OpenApiResponse(ERROR, description="Missing, unknown, revoked or expired API key."),
    403: OpenApiResponse(ERROR, description="Authenticated but not allowed."),
    429: OpenApiResponse(
        ERROR, description="Too many requests for this key; see the Retry-After header."
    ),
}


def _examples(name: str, value, *, request=False, response=True):
    return OpenApiExample(name, value=value, request_only=request, response_only=not request)


sites = extend_schema_view(
    get=extend_schema(
        summary="The caller's own sites",
        responses={200: SiteSerializer(many=True), **COMMON_ERRORS},
        examples=[
            _examples(
                "Sites",
                [
                    {
                        "code": "lycksele-bibliotek",
                        "name": "Lycksele bibliotek",
                        "kind": "library",
                        "organisation": "lycksele-bibliotek",
                        "municipality": "2481",
                        "is_active": True,
                    }
                ],
            )
        ],
    )
)

taxonomy = extend_schema_view(
    get=extend_schema(
        summary="Every code list with Swedish and English labels",
        responses={200: TaxonomySerializer, **COMMON_ERRORS},
    )
)

visits = extend_schema_view(
    get=extend_schema(
        summary="The caller's visits, newest first (cursor-paginated)",
        responses={200: VisitSerializer(many=True), 400: FIELD_ERRORS, **COMMON_ERRORS},
    ),
    post=extend_schema(
        summary="Report one visit (idempotent on id)",
        description=(
            "201 when created. The same id with the same content again answers 200 with the "
            "stored visit and changes nothing; the same id with different content answers 409 "
            "with the stored visit. An id taken by another organisation's visit answers 409 "
            "without it, whatever the content."
        ),
        request=VisitSerializer,
        responses={
            201: VisitSerializer,
            200: OpenApiResponse(VisitSerializer, description="Already stored, identical."),
            400: OpenApiResponse(FIELD_ERRORS, description="Invalid fields; nothing saved."),
            409: OpenApiResponse(
                CONFLICT, description="Same id, different content; or an id taken elsewhere."
            ),
            **COMMON_ERRORS,
        },
        examples=[
            _examples("A visit", VISIT_EXAMPLE, request=True),
            _examples(
                "Personal identity number in the note",
                {
                    "detail": "The request has invalid fields.",
                    "note": [
                        "Remove the personal identity number (19121212-****) at character 8: "
                        "visits are anonymous and must not hold personal data."
                    ],
                },
            ),
        ],
    ),
)

CASE_REFERRAL_EXAMPLE = {
    "site": "lycksele",
    "service": "forsakringskassan.housing",
    "title": "Ansökan om bostadsbidrag behöver kompletteras",
    "description": "Besökaren behöver hjälp att ladda upp hyresavtalet.",
    "priority": "normal",
    "contact": {"consent": True, "name": "Karin", "phone": "070-123 45 67"},
}
CASE_EXAMPLE = {
    "number": "LYC-2026-00042",
    "site": "lycksele",
    "service": "forsakringskassan.housing",
    "title": "Ansökan om bostadsbidrag behöver kompletteras",
    "description": "Besökaren behöver hjälp att ladda upp hyresavtalet.",
    "status": "new",
    "priority": "normal",
    "due_date": "2026-03-23",
    "referral_agency": None,
    "referred_by": "lycksele-bibliotek",
    "created_at": "2026-03-16T10:15:00+01:00",
    "first_response_at": None,
    "resolved_at": None,
    "closed_at": None,
}

cases = extend_schema_view(
    get=extend_schema(
        summary="The caller's own sites' follow-up cases and those it referred, newest first",
        description=(
            "Cursor-paginated. Contact details are never returned, not even to the partner "
            "that sent them."
        ),
        responses={200: CaseSerializer(many=True), 400: FIELD_ERRORS, **COMMON_ERRORS},
    ),
    post=extend_schema(
        summary="Refer a visitor to a service centre's follow-up",
        description=(
            "Opens a follow-up case at one of the region's service centres (or one of the "
            "caller's own sites) and answers 201 with it and its case number. Contact details "
            "are kept only with the visitor's consent (`contact.consent`), and a personal "
            "identity number in the title or description is refused; nothing is saved then."
        ),
        request=CaseReferralSerializer,
        responses={
            201: CaseSerializer,
            400: OpenApiResponse(FIELD_ERRORS, description="Invalid fields; nothing saved."),
            **COMMON_ERRORS,
        },
        examples=[
            _examples("A referral", CASE_REFERRAL_EXAMPLE, request=True, response=False),
            _examples("The case opened", CASE_EXAMPLE),
            _examples(
                "Contact details without consent",
                {
                    "detail": "The request has invalid fields.",
                    "contact": [
                        "Contact details can be kept only with the visitor's consent. Record the "
                        "consent, or leave the contact details out."
                    ],
                },
            ),
        ],
    ),
)

TICKET_EXAMPLE = {
    "number": "A017",
    "site": "lycksele",
    "letter": "A",
    "service": None,
    "status": "waiting",
    "desk": "",
    "issued_at": "2026-03-16T10:15:00+01:00",
    "called_at": None,
    "started_at": None,
    "finished_at": None,
}

queue_check_in = extend_schema_view(
    post=extend_schema(
        summary="Check a visitor in to a site's queue",
        description=(
            "For the site's counter staff (session) or its organisation's key. Answers 201 "
            "with the ticket, how many wait before it and the estimated wait in minutes. "
            "Another organisation's site is a 404."
        ),
        request=CheckInSerializer,
        responses={
            201: IssuedTicketSerializer,
            400: OpenApiResponse(FIELD_ERRORS, description="Unknown e-service or queue."),
            404: ERROR,
            **COMMON_ERRORS,
        },
        examples=[
            _examples("Into the e-service's queue", {"service": "eid.bankid"}, request=True),
            _examples("The ticket", {**TICKET_EXAMPLE, "ahead": 3, "estimated_wait_min": 15}),
        ],
    )
)

queue_call_next = extend_schema_view(
    post=extend_schema(
        summary="Call the visitor who has waited longest today to a desk",
        description=(
            "Two desks calling at once never get the same ticket. Answers 200 with the called "
            "ticket, or 204 with no body when nobody waits."
        ),
        request=CallNextSerializer,
        responses={
            200: TicketSerializer,
            204: OpenApiResponse(description="Nobody waits."),
            400: OpenApiResponse(FIELD_ERRORS, description="No desk given."),
            404: ERROR,
            **COMMON_ERRORS,
        },
        examples=[
            _examples("Desk 2", {"desk": "2"}, request=True),
            _examples(
                "The called ticket",
                {
                    **TICKET_EXAMPLE,
                    "status": "called",
                    "desk": "2",
                    "called_at": "2026-03-16T10:31:00+01:00",
                },
            ),  # fmt: skip
        ],
    )
)

visit_detail = extend_schema_view(
    get=extend_schema(
        summary="One of the caller's visits",
        responses={200: VisitSerializer, 404: ERROR, **COMMON_ERRORS},
    )
)

visits_bulk = extend_schema_view(
    post=extend_schema(
        summary="Report up to 500 visits; each is saved or rejected on its own",
        description=(
            "A partner's system calls with its key. The counter's tablet sends the visits it "
            "kept while offline with the signed-in staff member's session (and the CSRF "
            "token): they are saved as that staff member's counter visits, under the same "
            "rule of which sites may be reported. The visit's id is the idempotency key: "
            "a visit sent again is a `duplicate`, never a second visit."
        ),
        request=BulkVisitsSerializer,
        responses={200: BulkResponseSerializer, 400: FIELD_ERRORS, **COMMON_ERRORS},
        examples=[
            _examples("Visits", {"visits": [VISIT_EXAMPLE]}, request=True),
            _examples(
                "Results in input order",
                {
                    "results": [
                        {"id": "6f1c0f9e-8a53-4d0e-9c7e-2b1f4f2d9a10", "status": "created"},
                        {
                            "id": None,
                            "status": "invalid",
                            "errors": {
                                "duration_min": [
                                    "Ensure this value is less than or equal to "
                                    f"{DURATION_MIN.high}."
                                ]
                            },
                        },
                    ]
                },
            ),
        ],
    )
)


def _indicator_fields() -> dict:
    from indicators.definitions import INDICATORS

    fields = {}
    for code, indicator in INDICATORS.items():
        field = (
            serializers.IntegerField(allow_null=True, help_text=indicator.definition_en)
            if indicator.kind == "count"
            else serializers.FloatField(allow_null=True, help_text=indicator.definition_en)
        )
        fields[code] = field
    return fields


STATS_ROW = inline_serializer(
    "StatsRow",
    {"key": serializers.CharField(), "label": serializers.CharField(), **_indicator_fields()},
)
STATS_TOTAL = inline_serializer("StatsTotal", _indicator_fields())
SUPPRESSED = inline_serializer(
    "SuppressedCell",
    {
        "key": serializers.CharField(allow_null=True, help_text="Row key, or null for the total"),
        "indicator": serializers.CharField(),
        "reason": serializers.ChoiceField(choices=["primary", "secondary"]),
    },
)
STATS = inline_serializer(
    "Stats",
    {
        "scope": serializers.CharField(),
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "group_by": serializers.CharField(allow_null=True),
        "min_cell": serializers.IntegerField(),
        "rows": STATS_ROW.__class__(many=True),
        "total": STATS_TOTAL,
        "suppressed": SUPPRESSED.__class__(many=True),
    },
)
PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="First day (inclusive); default 12 months back"
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (inclusive); default today"),
]

stats = extend_schema_view(
    get=extend_schema(
        summary="Indicators for a scope and period, optionally broken down",
        description=(
            "Shares are fractions between 0 and 1. Values computed from data the caller's "
            "organisation does not own are suppressed (null) when they rest on fewer than "
            "`min_cell` visits, and listed in `suppressed`."
        ),
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                description="region:<code>, municipality:<code>, site:<code> or "
                "organisation:<code>; default the caller's organisation",
                examples=[OpenApiExample("Västerbotten", value="region:24")],
            ),
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                enum=[
                    "month",
                    "week",
                    "site",
                    "municipality",
                    "service",
                    "provider",
                    "mode",
                    "age_band",
                    "gender",
                    "channel",
                    "barrier",
                ],
            ),
        ],
        responses={200: STATS, 400: FIELD_ERRORS, 404: ERROR, **COMMON_ERRORS},
        examples=[
            _examples(
                "Visits per month",
                {
                    "scope": "region:24",
                    "from": "2026-01-01",
                    "to": "2026-02-28",
                    "group_by": "month",
                    "min_cell": 5,
                    "rows": [
                        {
                            "key": "2026-01",
                            "label": "2026-01",
                            "visits": 412,
                            "resolved_share": 0.81,
                        },
                        {
                            "key": "2026-02",
                            "label": "2026-02",
                            "visits": None,
                            "resolved_share": None,
                        },
                    ],
                    "total": {"visits": None, "resolved_share": 0.8},
                    "suppressed": [
                        {"key": "2026-02", "indicator": "visits", "reason": "primary"},
                        {"key": None, "indicator": "visits", "reason": "secondary"},
                    ],
                },
            )
        ],
    )
)

INDICATOR = inline_serializer(
    "Indicator",
    {
        "code": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=["count", "share", "mean", "median", "rate"]),
        "label_sv": serializers.CharField(),
        "label_en": serializers.CharField(),
        "definition_sv": serializers.CharField(),
        "definition_en": serializers.CharField(),
        "available": serializers.BooleanField(),
    },
)

indicators = extend_schema_view(
    get=extend_schema(
        summary="Every indicator with its names and definition",
        responses={200: INDICATOR.__class__(many=True), **COMMON_ERRORS},
    )
)

OPEN_ROW = inline_serializer(
    "OpenIndicatorRow",
    {
        "municipality": serializers.CharField(help_text="SCB municipality code"),
        "municipality_name": serializers.CharField(),
        "month": serializers.CharField(help_text="YYYY-MM"),
        **_indicator_fields(),
    },
)
OPEN = inline_serializer(
    "OpenIndicators",
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "min_cell": serializers.IntegerField(),
        "rows": OPEN_ROW.__class__(many=True),
    },
)

open_indicators = extend_schema_view(
    get=extend_schema(
        summary="Open data: monthly indicators per municipality (no key needed)",
        description=(
            "Suppressed for everyone. `?format=csv` gives the same columns as CSV. Shares "
            "are rounded to 4 decimals; means, medians and rates to 2. `visits_per_1000` is "
            "the visits by the municipality's residents that month (at the sites of the "
            "municipalities listed) per 1,000 of its inhabitants."
        ),
        auth=[],
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "municipality", OpenApiTypes.STR, description="SCB code, for example 2481"
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={
            (200, "application/json"): OPEN,
            (200, "text/csv"): OpenApiTypes.STR,
            400: FIELD_ERRORS,
            404: OpenApiResponse(ERROR, description="Unknown `format`."),
            429: COMMON_ERRORS[429],
        },
        examples=[
            _examples(
                "Lycksele, March",
                {
                    "from": "2026-03-01",
                    "to": "2026-03-31",
                    "min_cell": 5,
                    "rows": [
                        {
                            "municipality": "2481",
                            "municipality_name": "Lycksele",
                            "month": "2026-03",
                            "visits": 41,
                            "self_reliance_share": 0.4615,
                            "visits_per_1000": 3.27,
                        }
                    ],
                },
            )
        ],
    )
)
