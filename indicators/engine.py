"""Computes every available indicator for a scope and period, optionally broken down, in the
database: one aggregate query per source for the total and one per source for the rows,
whatever the amount of data. Pages, the API, exports and dashboards all call `compute()`.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.definitions import INDICATORS, Indicator, Measure, Path
from indicators.sources import DIMENSIONS, ROOT, SOURCES, Dimension, Period, Source
from organisations.models import Municipality, Organisation, Site

GROUP_BY_CHOICES: tuple[str, ...] = tuple(DIMENSIONS)

FOREIGN_VISITS = "_foreign_visits"
NUMERATORS = "_numerators"
DENOMINATORS = "_denominators"
_FOREIGN_ALIAS = "m_foreign_visits"


class GroupByError(ValueError):
    pass


@dataclass
class StatsTable:
    """Indicator values per row and for the total.

    Each row is `{"key", "label", <code>: value, …}`; the total has no key or label. Fields
    starting with an underscore are private to suppression and must not be published:
    `_foreign_visits` (visits at sites the caller does not own), `_numerators` and
    `_denominators` (per share, mean, median and rate code)."""

    rows: list[dict[str, Any]]
    total: dict[str, Any]
    group_by: str | None = None

    def public(self) -> dict[str, Any]:
        return {"rows": [_public(row) for row in self.rows], "total": _public(self.total)}

    def copy(self) -> StatsTable:
        return copy.deepcopy(self)


def _public(cells: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in cells.items() if not name.startswith("_")}


def compute(
    *,
    sites: QuerySet[Site] | Iterable[Site],
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: str | None,
    area_municipalities: QuerySet[Municipality] | None = None,
    owned_organisations: QuerySet[Organisation] | Iterable[Organisation] | None = None,
) -> StatsTable:
    """All indicators at `sites` from `date_from` to `date_to` (both inclusive, Swedish
    time), for the whole scope and, with `group_by`, per key. `area_municipalities` is the
    area the total denotes (for visits per 1,000 inhabitants); `owned_organisations` are
    the caller's, whose data needs no suppression (None: the caller owns nothing)."""
    dimension = _dimension(group_by)
    if date_from > date_to:
        raise ValueError(_("The start date must not be after the end date."))
    period = Period(
        sites=_site_queryset(sites),
        date_from=date_from,
        date_to=date_to,
        area_municipalities=area_municipalities,
    )
    measures = _measures_by_source(owned_organisations)

    total: dict[str, Any] = {}
    keyed: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    # Visits come first and define the rows: every other source's rows belong to a key
    # some visit has (help items of visits, staffed hours and residents where visits are).
    for source_name, source_measures in measures.items():
        source = SOURCES[source_name]
        source_total = _total(source, period, source_measures)
        total.update(source_total)
        if dimension is None:
            continue
        grouped = _grouped(source, dimension, period, source_measures)
        if source_name == "visit":
            for key, entry in (grouped or {}).items():
                keyed[key] = dict(entry["values"])
                labels[key] = entry["label"]
        elif grouped is None:
            # Not tied to this dimension: every row gets the scope's value, or nothing.
            fill = source_total if source.ungrouped == "total" else dict.fromkeys(source_measures)
            for values in keyed.values():
                values.update(fill)
        else:
            missing = dict.fromkeys(source_measures)
            for key, values in keyed.items():
                values.update(grouped[key]["values"] if key in grouped else missing)

    rows = [
        {"key": key, "label": labels[key], **_indicator_values(keyed[key])} for key in sorted(keyed)
    ]
    return StatsTable(rows=rows, total=_indicator_values(total), group_by=group_by)


def _dimension(group_by: str | None) -> Dimension | None:
    if group_by is None:
        return None
    try:
        return DIMENSIONS[group_by]
    except KeyError:
        raise GroupByError(
            _("Unknown group_by %(value)r; choose one of: %(choices)s.")
            % {"value": group_by, "choices": ", ".join(GROUP_BY_CHOICES)}
        ) from None


def _site_queryset(sites: QuerySet[Site] | Iterable[Site]) -> QuerySet[Site]:
    # A queryset stays lazy and ends up as a subquery, so the caller's permission filter
    # (e.g. sites_for_statistics) costs no query of its own.
    if isinstance(sites, QuerySet):
        return sites
    return Site.objects.filter(pk__in=[site.pk for site in sites])


def _pks(objects: QuerySet | Iterable[Any]) -> QuerySet | list[Any]:
    if isinstance(objects, QuerySet):
        return objects.values("pk")
    return [obj.pk for obj in objects]


def _alias(indicator: Indicator, part: str) -> str:
    return f"m_{indicator.code}_{part}"


def _measures_by_source(
    owned_organisations: QuerySet[Organisation] | Iterable[Organisation] | None,
) -> dict[str, dict[str, Measure]]:
    measures: dict[str, dict[str, Measure]] = {"visit": {}}
    for indicator in INDICATORS.values():
        if not indicator.available:
            continue
        for part, measure in indicator.measures.items():
            measures.setdefault(measure.over, {})[_alias(indicator, part)] = measure
    measures["visit"][_FOREIGN_ALIAS] = _foreign_visits(owned_organisations)
    return measures


def _foreign_visits(
    owned_organisations: QuerySet[Organisation] | Iterable[Organisation] | None,
) -> Measure:
    owned = None if owned_organisations is None else _pks(owned_organisations)
    if owned is None or (isinstance(owned, list) and not owned):
        # Nothing owned (the open-data case): every visit is someone else's.
        return Measure("visit", lambda p: Count(p("pk")))
    return Measure("visit", lambda p: Count(p("pk"), filter=~p.q(site__organisation__in=owned)))


def _aggregates(measures: dict[str, Measure], path: Path) -> dict[str, Any]:
    return {alias: measure.expression(path) for alias, measure in measures.items()}


def _total(source: Source, period: Period, measures: dict[str, Measure]) -> dict[str, Any]:
    queryset = source.queryset(period)
    if queryset is None:
        return dict.fromkeys(measures)
    return queryset.order_by().aggregate(**_aggregates(measures, ROOT))


def _grouped(
    source: Source, dimension: Dimension, period: Period, measures: dict[str, Measure]
) -> dict[str, dict[str, Any]] | None:
    """{key: {"label": …, "values": {alias: value}}}, or None when the source has no
    grouping for the dimension."""
    grouping = source.groupings.get(dimension.code)
    if grouping is None:
        return None
    queryset = (grouping.queryset or source.queryset)(period)
    if queryset is None:
        return None
    queryset = queryset.order_by().annotate(row_key=grouping.key())
    if grouping.skip_null_keys:
        queryset = queryset.filter(row_key__isnull=False)
    label_columns = (
        {"row_label_sv": F(grouping.labels[0]), "row_label_en": F(grouping.labels[1])}
        if grouping.labels
        else {}
    )
    result = (
        queryset.values("row_key", **label_columns)
        .annotate(**_aggregates(measures, grouping.path))
        .order_by()
    )
    english = (get_language() or "sv").startswith("en")
    grouped: dict[str, dict[str, Any]] = {}
    for row in result:
        key = dimension.format_key(row.pop("row_key"))
        label_sv, label_en = row.pop("row_label_sv", None), row.pop("row_label_en", None)
        if grouping.labels:
            label = label_en if english else label_sv
        else:
            label = dimension.label(key) if dimension.label else key
        grouped[key] = {"label": label, "values": row}
    return grouped


def _indicator_values(measured: dict[str, Any]) -> dict[str, Any]:
    """Indicator values from the measured aggregates, with the private counts suppression
    needs. Arithmetic on a handful of numbers per row: the data were aggregated in SQL."""
    values: dict[str, Any] = {}
    numerators: dict[str, Any] = {}
    denominators: dict[str, Any] = {}
    for indicator in INDICATORS.values():
        code = indicator.code
        if not indicator.available:
            values[code] = None
            continue
        value = measured.get(_alias(indicator, "value"))
        numerator = measured.get(_alias(indicator, "numerator"))
        denominator = measured.get(_alias(indicator, "denominator"))
        if indicator.kind == "count":
            values[code] = int(value or 0)
            continue
        if indicator.kind in ("share", "rate"):
            numerators[code] = _number(numerator)
            value = _ratio(numerator, denominator, indicator.per)
        values[code] = None if value is None else float(value)
        denominators[code] = _number(denominator)
    values[FOREIGN_VISITS] = int(measured.get(_FOREIGN_ALIAS) or 0)
    values[NUMERATORS] = numerators
    values[DENOMINATORS] = denominators
    return values


def _number(value: Any) -> int | float | None:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _ratio(numerator: Any, denominator: Any, per: int) -> float | None:
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator) * per
