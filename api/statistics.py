"""Statistics for the API: the indicator engine, scoped to what the caller may read, and
suppressed where the data is not the caller's (SPEC §3, §5, §7)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied

from accounts.access import Action, organisations_for
from api.bounds import OUT_OF_RANGE, date_in_range
from indicators.definitions import INDICATORS
from indicators.engine import GROUP_BY_CHOICES, StatsTable, compute
from indicators.reports import ScopeNotReadable, ScopeTooWide, readable_scope, statistics_read
from indicators.scopes import Scope, ScopeError, parse_scope
from indicators.suppression import suppress
from organisations.models import Municipality, Site

# Long enough for year-on-year comparisons, short enough to bound one request's work.
MAX_PERIOD = datetime.timedelta(days=366 * 5)


def default_period() -> tuple[datetime.date, datetime.date]:
    """The last twelve whole months up to today."""
    today = timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - 11, 12)
    return datetime.date(year, month + 1, 1), today


class PeriodSerializer(serializers.Serializer):
    """`from` and `to` (inclusive dates); both default to the last twelve months."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.DateField(required=False),
            "to": serializers.DateField(required=False),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        default_from, default_to = default_period()
        date_from = attrs.get("from", default_from)
        date_to = attrs.get("to", default_to)
        for name, value in (("from", date_from), ("to", date_to)):
            if not date_in_range(value):
                raise serializers.ValidationError({name: OUT_OF_RANGE})
        if date_from > date_to:
            raise serializers.ValidationError({"from": _("“from” must not be after “to”.")})
        if date_to - date_from > MAX_PERIOD:
            raise serializers.ValidationError({"to": _("The period may be at most five years.")})
        return {"from": date_from, "to": date_to}


class StatsQuerySerializer(PeriodSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            **super().get_fields(),
            "scope": serializers.CharField(required=False, max_length=80),
            "group_by": serializers.ChoiceField(choices=GROUP_BY_CHOICES, required=False),
        }

    def validate_scope(self, text: str) -> Scope:
        try:
            return parse_scope(text)
        except ScopeError as error:
            raise serializers.ValidationError(str(error)) from error

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {**attrs, **super().validate(attrs)}


class OpenQuerySerializer(PeriodSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            **super().get_fields(),
            "municipality": serializers.RegexField(r"^\d{4}$", required=False),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {**attrs, **super().validate(attrs)}


@dataclass(frozen=True)
class StatsRequest:
    scope: Scope
    date_from: datetime.date
    date_to: datetime.date
    group_by: str | None


def default_scope(user) -> Scope:
    """The caller's own organisation, when it has exactly one."""
    owned = list(organisations_for(user, Action.VIEW).values_list("code", flat=True)[:2])
    if len(owned) != 1:
        raise serializers.ValidationError(
            {"scope": _("Choose a scope, for example region:24 or organisation:<code>.")}
        )
    return parse_scope(f"organisation:{owned[0]}")


def statistics_for(*, user, request: StatsRequest) -> dict[str, Any]:
    """The scope's statistics, whole and suppressed where the caller's organisation does
    not own the data (indicators.reports); a scope outside the caller's reach is answered
    exactly like one that does not exist."""
    try:
        readable = readable_scope(caller=user, scope=request.scope)
    except ScopeNotReadable as error:
        raise NotFound(_("No statistics for that scope.")) from error
    except ScopeTooWide as error:
        raise PermissionDenied(
            _(
                "This scope includes sites whose statistics you may not read. Choose a scope "
                "within your own organisation, for example organisation:<code> or site:<code>."
            )
        ) from error
    statistics = statistics_read(
        readable,
        date_from=request.date_from,
        date_to=request.date_to,
        group_by=request.group_by,
    )
    return {
        "scope": str(request.scope),
        "from": request.date_from.isoformat(),
        "to": request.date_to.isoformat(),
        "group_by": request.group_by,
        "min_cell": settings.STATS_MIN_CELL,
        **statistics.table.public(),
        "suppressed": statistics.suppressed,
    }


# Every indicator, the help-desk ones (null until that data exists) included: open-data users
# keep the same columns from one year to the next.
OPEN_COLUMNS = ["municipality", "municipality_name", "month", *INDICATORS]
# Decimals published per kind of indicator: shares to a hundredth of a percent; the rest
# to what a reader of a table compares.
OPEN_DECIMALS = {"share": 4, "mean": 2, "median": 2, "rate": 2}


def open_indicators(
    *, date_from: datetime.date, date_to: datetime.date, municipality: str | None
) -> dict[str, Any]:
    """Monthly indicators per municipality with sites, for anyone: every visit counts as
    foreign, so everything is suppressed. All municipalities and months are computed
    together (the same number of queries for one municipality or fifteen); each
    municipality is suppressed on its own, against its total for the period, as if asked
    for alone."""
    municipalities = Municipality.objects.filter(pk__in=Site.objects.values("municipality"))
    if municipality:
        municipalities = municipalities.filter(code=municipality)
    names = dict(municipalities.values_list("code", "name"))
    sites = Site.objects.filter(municipality__code__in=list(names))
    period = {"sites": sites, "date_from": date_from, "date_to": date_to}
    by_month = compute(**period, group_by=("municipality", "month"), owned_organisations=None)
    totals = compute(**period, group_by="municipality", owned_organisations=None)
    months: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in by_month.rows:
        months[row["key"][0]].append({**row, "key": row["key"][1]})
    rows: list[dict[str, Any]] = []
    for total in totals.rows:
        code = total["key"]
        table = StatsTable(rows=months[code], total=total, group_by="month")
        table, _suppressed = suppress(table, min_cell=settings.STATS_MIN_CELL)
        for row in table.public()["rows"]:
            rows.append(
                {
                    "municipality": code,
                    "municipality_name": names[code],
                    "month": row["key"],
                    **{code: _rounded(code, row.get(code)) for code in INDICATORS},
                }
            )
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "min_cell": settings.STATS_MIN_CELL,
        "rows": rows,
    }


def _rounded(code: str, value: Any) -> Any:
    decimals = OPEN_DECIMALS.get(INDICATORS[code].kind)
    return round(value, decimals) if decimals is not None and value is not None else value
