from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import Action, cases_for, sites_for, visits_for
from api import schema
from api.case_serializers import CaseReferralSerializer, CaseSerializer, api_field_errors
from api.codes import CodeLists
from api.filters import VisitFilter
from api.pagination import CaseCursorPagination, VisitCursorPagination
from api.queue_serializers import (
    CallNextSerializer,
    CheckInSerializer,
    IssuedTicketSerializer,
    TicketSerializer,
)
from api.renderers import RowsCsvRenderer
from api.serializers import (
    MAX_BULK_VISITS,
    BulkVisitsSerializer,
    BulkVisitValidator,
    SiteSerializer,
    TaxonomySerializer,
    VisitSerializer,
)
from api.statistics import (
    OPEN_COLUMNS,
    OpenQuerySerializer,
    StatsQuerySerializer,
    StatsRequest,
    default_scope,
    open_indicators,
    statistics_for,
)
from helpdesk.models import Case
from helpdesk.services import case_create, queue_estimated_wait, ticket_call_next, ticket_issue
from indicators.definitions import INDICATORS
from visits.models import Visit
from visits.services import IngestResult, IngestStatus, VisitRecord, visit_ingest

INGEST_HTTP_STATUS = {
    IngestStatus.CREATED: status.HTTP_201_CREATED,
    IngestStatus.DUPLICATE: status.HTTP_200_OK,
    IngestStatus.CONFLICT: status.HTTP_409_CONFLICT,
}


def _visits_for_output(queryset):
    return queryset.select_related("site", "visitor_municipality").prefetch_related(
        "help_items", "barriers"
    )


def _ingest_context(request: Request) -> dict:
    return {"request": request, "codes": CodeLists.load(sites=sites_for(request.user, Action.LOG))}


def _actor(request: Request):
    return request.user if getattr(request.user, "pk", None) else None


def _ingest(
    request: Request, records: list[VisitRecord], *, readable: QuerySet[Visit]
) -> list[IngestResult]:
    """Save reported visits for the caller. Signed in rather than with a key (the tablet's
    outbox), they are the staff member's own visits logged at the counter; the access rule
    (the sites they may log at, the visits they may read) is the key's."""
    staff = _actor(request)
    return visit_ingest(
        records=records,
        readable=readable,
        actor=staff,
        logged_by=staff,
        source=Visit.Source.COUNTER if staff is not None else Visit.Source.API,
    )


@schema.sites
class SiteList(generics.ListAPIView):
    serializer_class = SiteSerializer
    pagination_class = None

    def get_queryset(self):
        return sites_for(self.request.user, Action.VIEW).select_related(
            "municipality", "organisation"
        )


@schema.taxonomy
class TaxonomyView(APIView):
    def get(self, request: Request) -> Response:
        return Response(TaxonomySerializer.build())


@schema.visits
class VisitListCreate(generics.ListAPIView):
    serializer_class = VisitSerializer
    pagination_class = VisitCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = VisitFilter

    def get_queryset(self):
        return _visits_for_output(visits_for(self.request.user, Action.VIEW))

    def post(self, request: Request) -> Response:
        serializer = VisitSerializer(data=request.data, context=_ingest_context(request))
        serializer.is_valid(raise_exception=True)
        readable = visits_for(request.user, Action.VIEW)
        [result] = _ingest(request, [serializer.to_record()], readable=readable)
        # Read back through the caller's scope: an id taken by a visit the caller may not
        # read is answered without it.
        visit = _visits_for_output(readable).filter(pk=result.id).first()
        if visit is None:
            body = {
                "detail": _(
                    "This id is already taken; nothing was saved. Send the visit with a new id."
                )
            }
        elif result.status == IngestStatus.CONFLICT:
            body = {
                "detail": _(
                    "A different visit with this id is already stored; nothing was changed."
                ),
                "stored": VisitSerializer(visit).data,
            }
        else:
            body = VisitSerializer(visit).data
        return Response(body, status=INGEST_HTTP_STATUS[result.status])


@schema.cases
class CaseListCreate(generics.ListAPIView):
    """A partner's own sites' follow-up cases and those it referred; POST refers a visitor."""

    serializer_class = CaseSerializer
    pagination_class = CaseCursorPagination

    def get_queryset(self):
        return cases_for(self.request.user, Action.VIEW).select_related("site", "referred_by")

    def post(self, request: Request) -> Response:
        serializer = CaseReferralSerializer(
            data=request.data, referable_sites=sites_for(request.user, Action.REFER)
        )
        serializer.is_valid(raise_exception=True)
        try:
            case = case_create(
                **serializer.workflow_values,
                created_by=_actor(request),
                referred_by=getattr(request.user, "organisation", None),
                source=Case.Source.API,
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(api_field_errors(error.message_dict)) from error
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


def _queue_site(request: Request, code: str):
    """A site whose queue the caller works: its counter staff, or its organisation's key.
    Any other site is a 404, like one that does not exist."""
    return get_object_or_404(sites_for(request.user, Action.LOG), code=code)


def _refused(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"detail": error.messages})


@schema.queue_check_in
class QueueCheckIn(APIView):
    def post(self, request: Request, code: str) -> Response:
        site = _queue_site(request, code)
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            ticket = ticket_issue(site=site, issued_by=_actor(request), **serializer.validated_data)
        except DjangoValidationError as error:
            raise _refused(error) from error
        estimate = queue_estimated_wait(site=site, letter=ticket.letter, ahead_of=ticket)
        ticket.ahead, ticket.estimated_wait_min = estimate.ahead, estimate.minutes
        return Response(IssuedTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


@schema.queue_call_next
class QueueCallNext(APIView):
    def post(self, request: Request, code: str) -> Response:
        site = _queue_site(request, code)
        serializer = CallNextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            ticket = ticket_call_next(
                site=site, called_by=_actor(request), **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise _refused(error) from error
        if ticket is None:  # nobody waits
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(TicketSerializer(ticket).data)


@schema.visit_detail
class VisitDetail(generics.RetrieveAPIView):
    serializer_class = VisitSerializer

    def get_object(self):
        # Another organisation's visit is a 404, exactly like one that does not exist.
        return get_object_or_404(
            _visits_for_output(visits_for(self.request.user, Action.VIEW)), pk=self.kwargs["pk"]
        )


@schema.visits_bulk
class VisitBulk(APIView):
    def post(self, request: Request) -> Response:
        items = _bulk_items(request.data)
        # One serializer for every item: building one per item costs more than the
        # validation itself; and a fast path before it for well-formed items (bench/RESULTS.md).
        context = _ingest_context(request)
        validator = VisitSerializer(context=context)
        fast = BulkVisitValidator(context["codes"])
        results: list[dict | None] = []
        valid: list[tuple[int, object]] = []
        for item in items:
            data = fast.validate(item)
            if data is None:
                try:
                    data = validator.run_validation(item)
                except serializers.ValidationError as error:
                    errors = serializers.as_serializer_error(error)
                    results.append({"id": _item_id(item), "status": "invalid", "errors": errors})
                    continue
            valid.append((len(results), VisitSerializer.record_from(data)))
            results.append(None)
        outcomes = _ingest(
            request,
            [record for _i, record in valid],
            readable=visits_for(request.user, Action.VIEW),
        )
        for (index, _record), outcome in zip(valid, outcomes, strict=True):
            results[index] = {"id": str(outcome.id), "status": outcome.status}
        # Already what BulkResponseSerializer (the documented shape) would make of it:
        # plain strings, None and error dicts.
        return Response({"results": results})


def _bulk_items(data: object) -> list[dict]:
    """The envelope's visits. BulkVisitsSerializer copies every item key by key through a
    field each; a well-formed envelope (a list of 1-500 objects) is taken as it is."""
    visits = data.get("visits") if data.__class__ is dict else None  # type: ignore[union-attr]
    if (
        visits.__class__ is list
        and 1 <= len(visits) <= MAX_BULK_VISITS
        and all(item.__class__ is dict for item in visits)
    ):
        return visits
    envelope = BulkVisitsSerializer(data=data)
    envelope.is_valid(raise_exception=True)
    return envelope.validated_data["visits"]


def _item_id(item: dict) -> str | None:
    try:
        return str(serializers.UUIDField().to_internal_value(item.get("id")))
    except serializers.ValidationError:
        return None


@schema.stats
class StatsView(APIView):
    def get(self, request: Request) -> Response:
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        stats_request = StatsRequest(
            scope=data.get("scope") or default_scope(request.user),
            date_from=data["from"],
            date_to=data["to"],
            group_by=data.get("group_by"),
        )
        return Response(statistics_for(user=request.user, request=stats_request))


@schema.indicators
class IndicatorList(APIView):
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "code": code,
                    "kind": indicator.kind,
                    "label_sv": indicator.label_sv,
                    "label_en": indicator.label_en,
                    "definition_sv": indicator.definition_sv,
                    "definition_en": indicator.definition_en,
                    "available": indicator.available,
                }
                for code, indicator in INDICATORS.items()
            ]
        )


@schema.open_indicators
class OpenIndicators(APIView):
    """Public, no key: aggregated and suppressed, so nothing here can identify anyone."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, RowsCsvRenderer]
    csv_columns = OPEN_COLUMNS

    def get(self, request: Request) -> Response:
        query = OpenQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return Response(
            open_indicators(
                date_from=data["from"], date_to=data["to"], municipality=data.get("municipality")
            )
        )

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors stay JSON even when CSV was asked for.
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
