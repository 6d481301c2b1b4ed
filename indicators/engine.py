"""Computes every available indicator for a scope and period, optionally broken down, in the
database: one aggregate query per source for the total and one per source for the rows,
whatever the amount of data. Pages, the API, exports and dashboards all call `compute()`.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, When
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.aggregates import median_of_counts
from indicators.definitions import INDICATORS, Measure, Path, measures_by_source
from indicators.models import Grain, Rollup, RollupHistogram
from indicators.sources import (
    DIMENSIONS,
    ROLLUP_GROUPINGS,
    ROOT,
    SOURCES,
    Dimension,
    Period,
    RollupGrouping,
    Source,
)
from organisations.models import Municipality, Organisation, Site

GROUP_BY_CHOICES: tuple[str, ...] = tuple(DIMENSIONS)

FOREIGN_VISITS = "_foreign_visits"
NUMERATORS = "_numerators"
DENOMINATORS = "_denominators"
_FOREIGN = "foreign_visits"


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
    from_rollups: bool = True,
) -> StatsTable:
    """All indicators at `sites` from `date_from` to `date_to` (both inclusive, Swedish
    time), for the whole scope and, with `group_by`, per key. `area_municipalities` is the
    area the total denotes (for visits per 1,000 inhabitants); `owned_organisations` are
    the caller's, whose data needs no suppression (None: the caller owns nothing).

    The visit and help-item measures are read from the rollups, which every write keeps
    exact; `from_rollups=False` computes them from the visit tables instead (the same aggregates:
    tests compare the two)."""
    dimension = _dimension(group_by)
    if date_from > date_to:
        raise ValueError(_("The start date must not be after the end date."))
    site_ids = _site_ids(sites)
    period = Period(
        sites=Site.objects.filter(pk__in=site_ids),
        site_ids=site_ids,
        date_from=date_from,
        date_to=date_to,
        area_municipalities=area_municipalities,
        from_rollups=from_rollups,
    )
    measures = _measures_by_source(owned_organisations)
    parts = _parts(
        period, measures, from_rollups=from_rollups, owned=_owned_pks(owned_organisations)
    )

    total: dict[str, Any] = {}
    keyed: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    # Visits come first and define the rows: every other part's rows belong to a key some
    # visit has (help items of visits, staffed hours and residents where visits are).
    for index, part in enumerate(parts):
        part_total = part.total()
        total.update(part_total)
        if dimension is None:
            continue
        grouped = part.grouped(dimension)
        if index == 0:
            for key, entry in (grouped or {}).items():
                keyed[key] = dict(entry["values"])
                labels[key] = entry["label"]
        elif grouped is None:
            # Not tied to this dimension: every row gets the scope's value, or nothing.
            fill = part_total if part.ungrouped == "total" else dict.fromkeys(part.measures)
            for values in keyed.values():
                values.update(fill)
        else:
            missing = dict.fromkeys(part.measures)
            for key, values in keyed.items():
                values.update(grouped[key]["values"] if key in grouped else missing)

    rows = [
        {"key": key, "label": labels[key], **_indicator_values(keyed[key])} for key in sorted(keyed)
    ]
    return StatsTable(rows=rows, total=_indicator_values(total), group_by=group_by)


@dataclass(frozen=True)
class _Part:
    """Some of the measures, and how to read them for the total and per key (`grouped`
    gives None when these rows are not tied to the dimension)."""

    measures: dict[str, Measure]
    total: Callable[[], dict[str, Any]]
    grouped: Callable[[Dimension], dict[str, dict[str, Any]] | None]
    ungrouped: str = "null"


def _parts(
    period: Period,
    measures: dict[str, dict[str, Measure]],
    *,
    from_rollups: bool,
    owned: QuerySet | list[Any] | None,
) -> list[_Part]:
    def from_source(name: str, source_measures: dict[str, Measure]) -> _Part:
        source = SOURCES[name]
        return _Part(
            measures=source_measures,
            total=lambda: _total(source, period, source_measures),
            grouped=lambda dimension: _grouped(source, dimension, period, source_measures),
            ungrouped=source.ungrouped,
        )

    if not from_rollups:
        return [from_source(name, source_measures) for name, source_measures in measures.items()]
    rolled = {**measures["visit"], **measures.get("help_item", {})}
    rest = [name for name in measures if name not in ("visit", "help_item")]
    histograms = _Histograms(period)
    return [
        _Part(
            measures=rolled,
            total=lambda: _rollup_total(period, rolled, owned, histograms),
            grouped=lambda dimension: _rollup_grouped(period, dimension, rolled, owned, histograms),
        ),
        *(from_source(name, measures[name]) for name in rest),
    ]


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


def _site_ids(sites: QuerySet[Site] | Iterable[Site]) -> tuple[int, ...]:
    # Evaluated once: as a subquery the planner guesses one or two sites and picks plans
    # that read per site (bench/RESULTS.md); with the ids it reads index ranges per site.
    if isinstance(sites, QuerySet):
        return tuple(sites.values_list("pk", flat=True))
    return tuple(site.pk for site in sites)


def _pks(objects: QuerySet | Iterable[Any]) -> QuerySet | list[Any]:
    if isinstance(objects, QuerySet):
        return objects.values("pk")
    return [obj.pk for obj in objects]


def _measures_by_source(
    owned_organisations: QuerySet[Organisation] | Iterable[Organisation] | None,
) -> dict[str, dict[str, Measure]]:
    """Every measure of the available indicators once, by source and name, and the count
    of visits that are not the caller's."""
    measures = {"visit": {}, **measures_by_source()}
    measures["visit"] = {**measures["visit"], _FOREIGN: _foreign_visits(owned_organisations)}
    return measures


def _owned_pks(
    owned_organisations: QuerySet[Organisation] | Iterable[Organisation] | None,
) -> QuerySet | list[Any] | None:
    """The caller's organisations, or None when that is nothing at all."""
    owned = None if owned_organisations is None else _pks(owned_organisations)
    if owned is None or (isinstance(owned, list) and not owned):
        return None
    return owned


def _foreign_visits(
    owned_organisations: QuerySet[Organisation] | Iterable[Organisation] | None,
) -> Measure:
    owned = _owned_pks(owned_organisations)
    if owned is None:
        # Nothing owned (the open-data case): every visit is someone else's.
        return Measure(_FOREIGN, "visit", lambda p: Count(p("pk")))
    return Measure(
        _FOREIGN, "visit", lambda p: Count(p("pk"), filter=~p.q(site__organisation__in=owned))
    )


def _aggregates(measures: dict[str, Measure], path: Path) -> dict[str, Any]:
    return {_alias(name): measure.expression(path) for name, measure in measures.items()}


def _alias(name: str) -> str:
    # Prefixed: an aggregate may not take the name of a model field (e.g. `participants`).
    return f"m_{name}"


def _unaliased(row: dict[str, Any]) -> dict[str, Any]:
    return {name.removeprefix("m_"): value for name, value in row.items()}


def _total(source: Source, period: Period, measures: dict[str, Measure]) -> dict[str, Any]:
    queryset = source.queryset(period)
    if queryset is None:
        return dict.fromkeys(measures)
    return _unaliased(queryset.order_by().aggregate(**_aggregates(measures, ROOT)))


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
    result = (
        queryset.values("row_key", **_label_columns(grouping.labels))
        .annotate(**_aggregates(measures, grouping.path))
        .order_by()
    )
    return _by_key(result, dimension)


def _label_columns(labels: tuple[str, str] | None) -> dict[str, F]:
    return {"row_label_sv": F(labels[0]), "row_label_en": F(labels[1])} if labels else {}


def _by_key(result: Iterable[dict[str, Any]], dimension: Dimension) -> dict[str, dict[str, Any]]:
    """{key: {"label": …, "values": {measure: value}}} from grouped rows with `row_key` and,
    where the query has them, label columns; otherwise the dimension labels the key."""
    english = _english()
    grouped: dict[str, dict[str, Any]] = {}
    for row in result:
        key = dimension.format_key(row.pop("row_key"))
        if "row_label_sv" in row:
            label_sv, label_en = row.pop("row_label_sv"), row.pop("row_label_en")
            label = label_en if english else label_sv
        else:
            label = dimension.label(key) if dimension.label else key
        grouped[key] = {"label": label, "values": _unaliased(row)}
    return grouped


def _english() -> bool:
    return (get_language() or "sv").startswith("en")


def _rollup_sums(
    measures: dict[str, Measure], owned: QuerySet | list[Any] | None
) -> dict[str, Any]:
    """Sums of the rollup columns for the additive measures, and the foreign-visit count:
    the visits at sites of other organisations (the site is part of a row's key)."""
    sums: dict[str, Any] = {}
    for name, measure in measures.items():
        if name == _FOREIGN:
            foreign = None if owned is None else ~Q(site__organisation__in=owned)
            sums[_alias(name)] = Sum("visits", filter=foreign, default=0)
        elif not measure.is_median:
            sums[_alias(name)] = Sum(name, default=0)
    return sums


def _rollup_rows(period: Period, dimension: str, *, days_only: bool = False) -> QuerySet:
    return (
        Rollup.objects.covering(
            sites=period.site_ids,
            date_from=period.date_from,
            date_to=period.date_to,
            days_only=days_only,
        )
        .filter(dimension=dimension)
        .order_by()
    )


def _rollup_total(
    period: Period,
    measures: dict[str, Measure],
    owned: QuerySet | list[Any] | None,
    histograms: _Histograms,
) -> dict[str, Any]:
    total = _unaliased(_rollup_rows(period, "").aggregate(**_rollup_sums(measures, owned)))
    for name in _median_names(measures):
        buckets = (
            histograms.rows("", name, days_only=False, per_site=False)
            .values("value")
            .annotate(n=histograms.count())
            .order_by("value")
        )
        total[name] = median_of_counts((row["value"], row["n"]) for row in buckets)
    return total


def _rollup_grouped(
    period: Period,
    dimension: Dimension,
    measures: dict[str, Measure],
    owned: QuerySet | list[Any] | None,
    histograms: _Histograms,
) -> dict[str, dict[str, Any]]:
    grouping = ROLLUP_GROUPINGS[dimension.code]
    rows = _rollup_rows(period, grouping.dimension, days_only=grouping.days_only)
    result = rows.values(row_key=grouping.key(), **_label_columns(grouping.labels)).annotate(
        **_rollup_sums(measures, owned)
    )
    grouped = _by_key(result, dimension)
    for name in _median_names(measures):
        buckets = (
            histograms.rows(
                grouping.dimension,
                name,
                days_only=grouping.days_only,
                per_site=grouping.per_site,
            )
            .values("value", row_key=grouping.key())
            .annotate(n=histograms.count())
            .order_by("row_key", "value")
        )
        by_key: dict[str, list[tuple[int, int]]] = {}
        for row in buckets:
            by_key.setdefault(dimension.format_key(row["row_key"]), []).append(
                (row["value"], row["n"])
            )
        for key, entry in grouped.items():
            entry["values"][name] = median_of_counts(by_key.get(key, []))
    _label_from_code_list(grouped, grouping)
    return grouped


def _label_from_code_list(grouped: dict[str, dict[str, Any]], grouping: RollupGrouping) -> None:
    """Rollup keys are codes: their labels come from the code list they belong to."""
    if grouping.code_list is None:
        return
    english = _english()
    entries = grouping.code_list.objects.filter(pk__in=list(grouped)).values_list(
        "pk", "label_sv", "label_en"
    )
    for code, label_sv, label_en in entries:
        grouped[code]["label"] = (label_en if english else label_sv) or code


class _Histograms:
    """Reads histogram rows for a period. Whole months of a region whose sites are (nearly)
    all in scope come from the region's rows, minus the rows of its sites out of scope:
    counts subtract exactly, and a region row stands for a value at every site at once."""

    def __init__(self, period: Period) -> None:
        self.period = period

    def rows(self, dimension: str, measure: str, *, days_only: bool, per_site: bool) -> QuerySet:
        month_sites = None if per_site else self._month_sites
        return (
            RollupHistogram.objects.covering(
                sites=self.period.site_ids,
                date_from=self.period.date_from,
                date_to=self.period.date_to,
                days_only=days_only,
                month_sites=month_sites,
            )
            .filter(dimension=dimension, measure=measure)
            .order_by()
        )

    def count(self) -> Sum:
        """The summed count of the rows, subtracting the sites left out of a region."""
        if not self._left_out:
            return Sum("count")
        left_out = Q(grain=Grain.MONTH, site__in=self._left_out)
        signed = Case(
            When(left_out, then=-F("count")), default=F("count"), output_field=BigIntegerField()
        )
        return Sum(signed)

    @cached_property
    def _plan(self) -> tuple[Q, tuple[int, ...]]:
        in_scope = set(self.period.site_ids or ())
        regions_of_scope = Site.objects.filter(pk__in=in_scope).values("municipality__region")
        by_region: dict[int, list[int]] = {}
        for site_id, region_id in Site.objects.filter(
            municipality__region__in=regions_of_scope
        ).values_list("pk", "municipality__region"):
            by_region.setdefault(region_id, []).append(site_id)
        whole: list[int] = []
        left_out: list[int] = []
        single: list[int] = []
        for region_id, site_ids in by_region.items():
            inside = [site_id for site_id in site_ids if site_id in in_scope]
            outside = [site_id for site_id in site_ids if site_id not in in_scope]
            # A region row costs about what one site's rows cost; each left-out site as much.
            if len(outside) + 1 < len(inside):
                whole.append(region_id)
                left_out.extend(outside)
            else:
                single.extend(inside)
        condition = Q(site__in=single) | Q(site__isnull=True, region__in=whole)
        if left_out:
            condition |= Q(site__in=left_out)
        return condition, tuple(left_out)

    @property
    def _month_sites(self) -> Q:
        return self._plan[0]

    @property
    def _left_out(self) -> tuple[int, ...]:
        return self._plan[1]


def _median_names(measures: dict[str, Measure]) -> list[str]:
    return [name for name, measure in measures.items() if measure.is_median]


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
        value, numerator, denominator = (
            None if measure is None else measured.get(measure.name)
            for measure in (indicator.value, indicator.numerator, indicator.denominator)
        )
        if indicator.kind == "count":
            values[code] = int(value or 0)
            continue
        if indicator.numerator is not None:
            numerators[code] = _number(numerator)
            value = _ratio(numerator, denominator, indicator.per)
        values[code] = None if value is None else float(value)
        denominators[code] = _number(denominator)
    values[FOREIGN_VISITS] = int(measured.get(_FOREIGN) or 0)
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
