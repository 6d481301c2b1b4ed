"""Computes every available indicator for a scope and period, optionally broken down by one
or more dimensions (indicators/dimensions.py), in the database: a fixed number of aggregate
queries whatever the amount of data. Visit and help-item measures are read from the rollups
(indicators/rollups.py); the same aggregates over the visit tables are the oracle tests
compare them with. Pages, the API, exports and dashboards all call `compute()`.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import Combinable
from django.utils.translation import gettext as _

from indicators.aggregates import medians_of_buckets
from indicators.definitions import INDICATORS, Measure, Path, measures_by_source
from indicators.dimensions import (
    DIMENSIONS,
    GROUP_BY_CHOICES,
    MUNICIPALITY,
    RESIDENT,
    Dimension,
    Grouping,
    KeyedDimension,
    SiteDayDimension,
    TimeDimension,
)
from indicators.models import Grain, Rollup, RollupHistogram
from indicators.sources import ROLLUP_ROW, ROOT, SOURCES, Selection, SiteDay, Source, visits_in
from organisations.models import Municipality, Organisation, Site
from visits.models import Visit

__all__ = ["GROUP_BY_CHOICES", "GroupByError", "StatsTable", "compute", "dimensions_of"]

FOREIGN_VISITS = "_foreign_visits"
NUMERATORS = "_numerators"
DENOMINATORS = "_denominators"
_FOREIGN = "foreign_visits"


class GroupByError(ValueError):
    pass


@dataclass
class StatsTable:
    """Indicator values per row and for the total.

    Each row is `{"key", "label", <code>: value, …}`, key and label strings when grouped by
    one dimension and tuples (one part per dimension) when by several; the total has no key
    or label. Fields
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


GroupBy = str | Sequence[str] | None
# A row's key: one formatted key per dimension grouped by.
RowKey = tuple[str, ...]


def compute(
    *,
    sites: QuerySet[Site] | Iterable[Site],
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: GroupBy,
    area_municipalities: QuerySet[Municipality] | None = None,
    owned_organisations: QuerySet[Organisation] | Iterable[Organisation] | None = None,
    from_rollups: bool = True,
    indicators: Collection[str] | None = None,
) -> StatsTable:
    """All indicators at `sites` from `date_from` to `date_to` (both inclusive, Swedish
    time), for the whole scope and, with `group_by`, per key: one dimension's code (rows
    keyed and labelled by a string) or several (rows keyed and labelled by a tuple, e.g.
    `("municipality", "month")`). `area_municipalities` is the area the total denotes (for
    visits per 1,000 inhabitants); `owned_organisations` are the caller's, whose data needs
    no suppression (None: the caller owns nothing).

    The visit and help-item measures are read from the rollups, which every write keeps
    exact; `from_rollups=False` computes them from the visit tables instead (the same
    aggregates: tests compare the two)."""
    dimensions = dimensions_of(group_by)
    if date_from > date_to:
        raise ValueError(_("The start date must not be after the end date."))
    site_ids = _site_ids(sites)
    selection = Selection(
        sites=Site.objects.filter(pk__in=site_ids),
        site_ids=site_ids,
        date_from=date_from,
        date_to=date_to,
        area_municipalities=area_municipalities,
    )
    codes = None if indicators is None else {"visits", *indicators}
    measures = _measures_by_source(owned_organisations, codes)
    parts = _parts(
        selection, measures, from_rollups=from_rollups, owned=_owned_pks(owned_organisations)
    )

    total: dict[str, Any] = {}
    keyed: dict[RowKey, dict[str, Any]] = {}
    # Measures whose rows the breakdown cannot split (open cases by age band): their counts
    # are unknown per row, not zero.
    untied: set[str] = set()
    # Visits come first and define the rows: every other part's rows belong to a key some
    # visit has (help items of visits, staffed hours and residents where visits are).
    for index, part in enumerate(parts):
        part_total = part.total()
        total.update(part_total)
        if not dimensions:
            continue
        grouped = part.grouped(dimensions)
        if index == 0:
            keyed = {key: dict(values) for key, values in (grouped or {}).items()}
        elif grouped is None:
            # Not tied to these dimensions: every row gets the scope's value, or nothing.
            fill = part_total if part.ungrouped == "total" else dict.fromkeys(part.measures)
            if part.ungrouped != "total":
                untied.update(part.measures)
            for values in keyed.values():
                values.update(fill)
        else:
            for key, values in keyed.items():
                values.update(grouped[key])

    labels = _labels(dimensions, keyed)
    single = isinstance(group_by, str)
    rows = [
        {
            "key": key[0] if single else key,
            "label": labels[key][0] if single else labels[key],
            **_indicator_values(keyed[key], codes, untied),
        }
        for key in sorted(keyed)
    ]
    return StatsTable(
        rows=rows,
        total=_indicator_values(total, codes),
        group_by=group_by if group_by is None or single else ",".join(group_by),
    )


def _labels(dimensions: list[Dimension], keyed: dict[RowKey, Any]) -> dict[RowKey, RowKey]:
    """Each row's label per dimension, in the active language (a query per dimension
    whose labels live in a table)."""
    by_dimension = [
        dimension.labels({key[index] for key in keyed})
        for index, dimension in enumerate(dimensions)
    ]
    return {
        key: tuple(labels.get(part, part) for labels, part in zip(by_dimension, key, strict=True))
        for key in keyed
    }


class _Rows(dict[RowKey, dict[str, Any]]):
    """A part's values per row key, and what a row it has no values for gets (`default`):
    nothing, unless the part says otherwise (an area without residents' visits has none)."""

    def __init__(
        self,
        values: dict[RowKey, dict[str, Any]],
        default: Callable[[RowKey], dict[str, Any]],
    ) -> None:
        super().__init__(values)
        self.default = default

    def __missing__(self, key: RowKey) -> dict[str, Any]:
        return self.default(key)


def _none_of(measures: dict[str, Measure]) -> Callable[[RowKey], dict[str, Any]]:
    return lambda key: dict.fromkeys(measures)


@dataclass(frozen=True)
class _Part:
    """Some of the measures, and how to read them for the total and per row key (`grouped`
    gives None when these rows are not tied to the dimensions)."""

    measures: dict[str, Measure]
    total: Callable[[], dict[str, Any]]
    grouped: Callable[[list[Dimension]], _Rows | None]
    ungrouped: str = "null"


def _parts(
    selection: Selection,
    measures: dict[str, dict[str, Measure]],
    *,
    from_rollups: bool,
    owned: QuerySet | list[Any] | None,
) -> list[_Part]:
    def from_source(name: str) -> _Part:
        source, source_measures = SOURCES[name], measures[name]
        return _Part(
            measures=source_measures,
            total=lambda: _total(source, selection, source_measures),
            grouped=lambda dimensions: _grouped(source, dimensions, selection, source_measures),
            ungrouped=source.ungrouped,
        )

    rest = [name for name in measures if name not in ("visit", "help_item", "area")]
    area = (
        [_AreaPart(selection, measures["area"], from_rollups).part()] if "area" in measures else []
    )
    if not from_rollups:
        visit_data = [from_source(name) for name in ("visit", "help_item") if name in measures]
        return [*visit_data, *area, *(from_source(name) for name in rest)]
    rolled = {**measures["visit"], **measures.get("help_item", {})}
    histograms = _Histograms(selection)
    return [
        _Part(
            measures=rolled,
            total=lambda: _rollup_total(selection, rolled, owned, histograms),
            grouped=lambda dimensions: _rollup_grouped(
                selection, dimensions, rolled, owned, histograms
            ),
        ),
        *area,
        *(from_source(name) for name in rest),
    ]


def dimensions_of(group_by: GroupBy) -> list[Dimension]:
    """The dimensions of a breakdown, or GroupByError saying why it cannot be made."""
    if group_by is None:
        return []
    codes = [group_by] if isinstance(group_by, str) else list(group_by)
    public = [code for code, dimension in DIMENSIONS.items() if dimension.public]
    unknown = [code for code in codes if code not in public]
    if unknown or not codes:
        raise GroupByError(
            _("Unknown group_by %(value)r; choose one of: %(choices)s.")
            % {"value": ",".join(unknown), "choices": ", ".join(public)}
        )
    dimensions = [DIMENSIONS[code] for code in codes]
    if len(set(codes)) < len(codes) or sum(d.keyed for d in dimensions) > 1:
        # The rollups keep rows per key of one dimension, not per pair of keys.
        raise GroupByError(
            _("Combine at most one of %(keyed)s with month, week, site and municipality.")
            % {"keyed": ", ".join(code for code in public if DIMENSIONS[code].keyed)}
        )
    return dimensions


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
    codes: Collection[str] | None,
) -> dict[str, dict[str, Measure]]:
    """Every measure of the indicators (all available ones, or those in `codes`) once, by
    source and name, and the count of visits that are not the caller's."""
    measures = {"visit": {}, **measures_by_source(codes)}
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


def _total(source: Source, selection: Selection, measures: dict[str, Measure]) -> dict[str, Any]:
    queryset = source.queryset(selection)
    if queryset is None:
        return dict.fromkeys(measures)
    return _unaliased(queryset.order_by().aggregate(**_aggregates(measures, ROOT)))


def _key_names(dimensions: list[Dimension]) -> list[str]:
    return [f"row_key_{index}" for index in range(len(dimensions))]


def _row_key(row: dict[str, Any], dimensions: list[Dimension]) -> RowKey:
    """The row's formatted key, taking the key columns out of `row`."""
    return tuple(
        dimension.format_key(row.pop(name))
        for name, dimension in zip(_key_names(dimensions), dimensions, strict=True)
    )


def _grouped(
    source: Source, dimensions: list[Dimension], selection: Selection, measures: dict[str, Measure]
) -> _Rows | None:
    """{row key: {measure: value}} from the source's rows, or None when its rows are not
    tied to the dimensions (staffed hours by age band)."""
    keyed = [dimension for dimension in dimensions if isinstance(dimension, KeyedDimension)]
    grouping = keyed[0].grouping(source.name) if keyed else Grouping(key=lambda: Value(""))
    if grouping is None:
        return None
    queryset = (grouping.queryset or source.queryset)(selection)
    if queryset is None:
        return None
    site_day = source.site_day_via(grouping.path)
    keys = {
        name: dimension.key(site_day) if isinstance(dimension, SiteDayDimension) else grouping.key()
        for name, dimension in zip(_key_names(dimensions), dimensions, strict=True)
    }
    queryset = queryset.order_by().annotate(**keys)
    if grouping.skip_null_keys:
        queryset = queryset.filter(
            **{
                f"{name}__isnull": False
                for name, d in zip(keys, dimensions, strict=True)
                if d.keyed
            }
        )
    result = queryset.values(*keys).annotate(**_aggregates(measures, grouping.path)).order_by()
    values = {_row_key(row, dimensions): _unaliased(row) for row in result}
    return _Rows(values, default=_none_of(measures))


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


def _rollup_rows(selection: Selection, dimension: str, *, days_only: bool = False) -> QuerySet:
    return (
        Rollup.objects.covering(
            sites=selection.site_ids,
            date_from=selection.date_from,
            date_to=selection.date_to,
            days_only=days_only,
        )
        .filter(dimension=dimension)
        .order_by()
    )


def _rollup_total(
    selection: Selection,
    measures: dict[str, Measure],
    owned: QuerySet | list[Any] | None,
    histograms: _Histograms,
) -> dict[str, Any]:
    total = _unaliased(_rollup_rows(selection, "").aggregate(**_rollup_sums(measures, owned)))
    for name in _median_names(measures):
        buckets = (
            histograms.rows("", name, days_only=False, per_site=False)
            .values("value")
            .annotate(n=histograms.count())
        )
        total[name] = next(medians_of_buckets(buckets, []), ((), None))[1]
    return total


@dataclass(frozen=True)
class _RollupReading:
    """Which rollup rows serve a breakdown and their key columns: the rows of its keyed
    dimension (the plain site-day rows when it has none)."""

    dimension: str
    keys: dict[str, Combinable]
    days_only: bool
    per_site: bool

    @classmethod
    def of(cls, dimensions: list[Dimension]) -> _RollupReading:
        site_day = [d for d in dimensions if isinstance(d, SiteDayDimension)]
        keyed = [d.code for d in dimensions if not isinstance(d, SiteDayDimension)]
        return cls(
            dimension=keyed[0] if keyed else "",
            keys={
                name: d.key(ROLLUP_ROW) if isinstance(d, SiteDayDimension) else F("key")
                for name, d in zip(_key_names(dimensions), dimensions, strict=True)
            },
            days_only=any(d.days_only for d in site_day),
            per_site=any(d.per_site for d in site_day),
        )


def _rollup_grouped(
    selection: Selection,
    dimensions: list[Dimension],
    measures: dict[str, Measure],
    owned: QuerySet | list[Any] | None,
    histograms: _Histograms,
) -> _Rows:
    reading = _RollupReading.of(dimensions)
    rows = _rollup_rows(selection, reading.dimension, days_only=reading.days_only)
    result = rows.values(**reading.keys).annotate(**_rollup_sums(measures, owned))
    grouped = {_row_key(row, dimensions): _unaliased(row) for row in result}
    for name in _median_names(measures):
        buckets = (
            histograms.rows(
                reading.dimension, name, days_only=reading.days_only, per_site=reading.per_site
            )
            .values("value", **reading.keys)
            .annotate(n=histograms.count())
        )
        medians = {
            _row_key(dict(zip(reading.keys, key, strict=True)), dimensions): median
            for key, median in medians_of_buckets(buckets, list(reading.keys))
        }
        for key, values in grouped.items():
            values[name] = medians.get(key)
    return _Rows(grouped, default=_none_of(measures))


class _AreaPart:
    """Visits per 1,000 inhabitants: the visits at the scope's sites by residents of an
    area, and the area's population. The total's area is the scope's (a region or a
    municipality; sites and organisations are no area); a row is an area where it is one
    municipality, alone or in a month or week (open data's rows). Other rows are no area."""

    def __init__(self, selection: Selection, measures: dict[str, Measure], from_rollups: bool):
        self.selection = selection
        self.measures = measures
        self.from_rollups = from_rollups

    def part(self) -> _Part:
        return _Part(measures=self.measures, total=self.total, grouped=self.grouped)

    def total(self) -> dict[str, Any]:
        if self.selection.area_municipalities is None:
            return dict.fromkeys(self.measures)
        return self._read([], self.selection.area_municipalities)[()]

    def grouped(self, dimensions: list[Dimension]) -> _Rows | None:
        others = [d for d in dimensions if d is not MUNICIPALITY]
        if len(others) == len(dimensions) or any(not isinstance(d, TimeDimension) for d in others):
            return None
        areas = Municipality.objects.filter(pk__in=self.selection.sites.values("municipality"))
        return self._read(dimensions, areas)

    def _read(self, dimensions: list[Dimension], areas: QuerySet[Municipality]) -> _Rows:
        """The residents' visits and the population per row key; a row without residents'
        visits has none, and its area's population."""
        populations = {
            row["code"]: row["population"]
            for row in areas.order_by()
            .values("code")
            .annotate(population=self.measures["population"].expression(ROOT))
        }
        place = dimensions.index(MUNICIPALITY) if MUNICIPALITY in dimensions else None

        def nothing(key: RowKey) -> dict[str, Any]:
            if place is None:
                population = sum(populations.values()) if populations else None
            else:
                population = populations.get(key[place])
            return {"visits_by_residents": 0, "population": population}

        times = [d for d in dimensions if d is not MUNICIPALITY]
        counts: dict[RowKey, int] = defaultdict(int)
        for row in self._residents(times, codes=list(populations)):
            resident, count = row.pop("resident"), row.pop("count")
            if resident not in populations:
                continue
            time_key = iter(_row_key(row, times))
            key = tuple(resident if d is MUNICIPALITY else next(time_key) for d in dimensions)
            counts[key] += count
        values = {key: {**nothing(key), "visits_by_residents": n} for key, n in counts.items()}
        return _Rows(values, default=nothing)

    def _residents(self, times: list[Dimension], *, codes: list[str]) -> QuerySet:
        """Visits by residents of the areas (`codes`), per municipality of residence and
        time key."""
        if self.from_rollups:
            days_only = any(isinstance(d, SiteDayDimension) and d.days_only for d in times)
            # Every resident's rows, the areas' picked below: a `key IN (...)` beside the
            # sites' list made PostgreSQL look up each pair of site and key (bench/RESULTS.md).
            rows = _rollup_rows(self.selection, RESIDENT.code, days_only=days_only).filter(
                source="visit"
            )
            row, resident, count = ROLLUP_ROW, F("key"), Sum("visits")
        else:
            rows = Visit.objects.filter(
                visits_in(self.selection), visitor_municipality__code__in=codes
            )
            row = SiteDay.of_visit(ROOT)
            resident = F("visitor_municipality__code")
            count = self.measures["visits_by_residents"].expression(ROOT)
        keys = {
            name: d.key(row)
            for name, d in zip(_key_names(times), times, strict=True)
            if isinstance(d, SiteDayDimension)
        }
        return rows.order_by().values(resident=resident, **keys).annotate(count=count)


class _Histograms:
    """Reads histogram rows for a selection. Whole months of a region whose sites are (nearly)
    all in scope come from the region's rows, minus the rows of its sites out of scope:
    counts subtract exactly, and a region row stands for a value at every site at once."""

    def __init__(self, selection: Selection) -> None:
        self.selection = selection

    def rows(self, dimension: str, measure: str, *, days_only: bool, per_site: bool) -> QuerySet:
        month_sites = None if per_site else self._month_sites
        return (
            RollupHistogram.objects.covering(
                sites=self.selection.site_ids,
                date_from=self.selection.date_from,
                date_to=self.selection.date_to,
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
        in_scope = set(self.selection.site_ids or ())
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


def _indicator_values(
    measured: dict[str, Any], codes: Collection[str] | None, untied: Collection[str] = ()
) -> dict[str, Any]:
    """Indicator values from the measured aggregates (of all indicators, or those in
    `codes`), with the private counts suppression needs. Arithmetic on a handful of numbers
    per row: the data were aggregated in SQL."""
    values: dict[str, Any] = {}
    numerators: dict[str, Any] = {}
    denominators: dict[str, Any] = {}
    for indicator in INDICATORS.values():
        code = indicator.code
        if codes is not None and code not in codes:
            continue
        if not indicator.available:
            values[code] = None
            continue
        value, numerator, denominator = (
            None if measure is None else measured.get(measure.name)
            for measure in (indicator.value, indicator.numerator, indicator.denominator)
        )
        if indicator.kind == "count":
            untied_count = indicator.value is not None and indicator.value.name in untied
            values[code] = None if untied_count else int(value or 0)
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
