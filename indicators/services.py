"""Keeping the rollup tables (indicators/models.py) equal to the visit tables.

Writers of visits call `rollup_mark_stale` inside their transaction; readers call
`rollup_refresh` before they read, which rebuilds the stale site-days from the visit tables
with the very aggregates the engine would run on them (indicators/definitions.py), then the
months around them from the day rows. `rollup_rebuild` does every site and day, for a bulk
load or a repair (`manage.py rollup_rebuild`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, F, Max, Min, QuerySet, Sum, Value
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from indicators.definitions import Measure, Path, measures_by_source
from indicators.models import Grain, Rollup, RollupHistogram, StaleSiteDay
from indicators.querysets import month_start, next_month
from indicators.sources import (
    RESIDENT,
    SOURCES,
    Grouping,
    Period,
    Source,
    local_zone,
)
from organisations.models import Site
from visits.models import Visit

ROLLED_SOURCES = ("visit", "help_item")
# The plain site-day rows have no key; they serve totals and the breakdowns by month, week,
# site and municipality, which are properties of the site and day.
PLAIN = ""
KEYED_DIMENSIONS = ("age_band", "gender", "channel", "service", "provider", "mode", "barrier")
RESIDENT_DIMENSION = "resident"
# Stale days of one site closer than this are rebuilt as one range.
RUN_GAP = datetime.timedelta(days=7)
DELETE_BATCH = 500


def additive_measures(source_name: str) -> dict[str, Measure]:
    """The COUNT and SUM measures of a source by name: the columns of `Rollup`."""
    return {
        name: measure
        for name, measure in measures_by_source().get(source_name, {}).items()
        if not measure.is_median
    }


def median_measures(source_name: str) -> dict[str, Measure]:
    """The medians of a source by name: each has a `RollupHistogram` of its argument."""
    return {
        name: measure
        for name, measure in measures_by_source().get(source_name, {}).items()
        if measure.is_median
    }


def local_day(started_at: datetime.datetime) -> datetime.date:
    return timezone.localdate(started_at, local_zone())


def rollup_mark_stale(*, site_days: Iterable[tuple[int, datetime.date]]) -> None:
    """Note that visits of these (site id, Swedish day) pairs changed. Call it inside the
    transaction that changes them, so the mark commits (or rolls back) with the change."""
    now = timezone.now()
    marks = [
        StaleSiteDay(site_id=site_id, day=day, marked_at=now)
        for site_id, day in sorted(set(site_days))
    ]
    if marks:
        # An update on conflict (rather than ignoring it) waits while a refresh holds the
        # row, so the mark outlives that refresh, which may not have seen this change.
        StaleSiteDay.objects.bulk_create(
            marks, update_conflicts=True, unique_fields=["site", "day"], update_fields=["marked_at"]
        )


def rollup_mark_visits_stale(visits: Iterable[Visit]) -> None:
    rollup_mark_stale(site_days=[(visit.site_id, local_day(visit.started_at)) for visit in visits])


def rollup_refresh() -> int:
    """Rebuild the rollup rows of every stale site-day; returns how many there were."""
    if not StaleSiteDay.objects.exists():
        return 0
    with transaction.atomic():
        _one_refresh_at_a_time()
        stale = list(
            StaleSiteDay.objects.select_for_update()
            .order_by("site_id", "day")
            .values_list("pk", "site_id", "day")
        )
        # Sites with the same stale days (a bulk call, a busy morning) are rebuilt together,
        # and the regions' month rows once at the end, not once per site.
        ranges: dict[tuple[datetime.date, datetime.date], list[int]] = {}
        for site_id, first, last in _runs((site_id, day) for _pk, site_id, day in stale):
            ranges.setdefault((first, last), []).append(site_id)
        for (first, last), site_ids in ranges.items():
            _rebuild(site_ids=site_ids, date_from=first, date_to=last, regions=False)
        if ranges:
            _rebuild_region_months(
                site_ids=sorted({site_id for ids in ranges.values() for site_id in ids}),
                first=month_start(min(first for first, _last in ranges)),
                after=next_month(max(last for _first, last in ranges)),
            )
        pks = [pk for pk, _site_id, _day in stale]
        for start in range(0, len(pks), DELETE_BATCH):
            StaleSiteDay.objects.filter(pk__in=pks[start : start + DELETE_BATCH]).delete()
    return len(stale)


def rollup_rebuild(
    *, site_ids: Sequence[int] | None = None, progress: Callable[[str], None] | None = None
) -> None:
    """Rebuild every rollup row (of `site_ids`, or of all sites), month by month."""
    with transaction.atomic():
        _one_refresh_at_a_time()
        sites = (
            list(site_ids)
            if site_ids is not None
            else list(Site.objects.values_list("pk", flat=True))
        )
        StaleSiteDay.objects.filter(site__in=sites).delete()
        Rollup.objects.filter(site__in=sites).delete()
        RollupHistogram.objects.filter(site__in=sites).delete()
        bounds = Visit.objects.filter(site__in=sites).aggregate(
            first=Min("started_at"), last=Max("started_at")
        )
        if bounds["first"] is not None:
            month, last_day = month_start(local_day(bounds["first"])), local_day(bounds["last"])
            while month <= last_day:
                if progress:
                    progress(month.strftime("%Y-%m"))
                following = next_month(month)
                last = following - datetime.timedelta(days=1)
                _rebuild(site_ids=sites, date_from=month, date_to=last, regions=False)
                month = following
        # Once at the end rather than per month: every month of the regions, including months
        # in which only their other sites had visits.
        regions = Site.objects.filter(pk__in=sites).values("municipality__region_id")
        RollupHistogram.objects.filter(site__isnull=True, region__in=regions).delete()
        span = RollupHistogram.objects.filter(
            grain=Grain.MONTH, site__isnull=False, region__in=regions
        ).aggregate(first=Min("day"), last=Max("day"))
        if span["first"] is not None:
            _rebuild_region_months(
                site_ids=sites, first=span["first"], after=next_month(span["last"])
            )


def _one_refresh_at_a_time() -> None:
    # Two refreshes touching the same month would both rewrite its month rows. SQLite
    # serialises write transactions anyway; PostgreSQL needs a lock, held until commit.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('servicecenter.rollup'))")


def _runs(
    site_days: Iterable[tuple[int, datetime.date]],
) -> list[tuple[int, datetime.date, datetime.date]]:
    """(site, first day, last day) ranges covering sorted site-days, merging near days."""
    runs: list[tuple[int, datetime.date, datetime.date]] = []
    for site_id, day in site_days:
        if runs and runs[-1][0] == site_id and day - runs[-1][2] <= RUN_GAP:
            runs[-1] = (site_id, runs[-1][1], day)
        else:
            runs.append((site_id, day, day))
    return runs


def _rebuild(
    *,
    site_ids: Sequence[int],
    date_from: datetime.date,
    date_to: datetime.date,
    regions: bool = True,
) -> None:
    """Day rows of the sites and days from the visit tables, then their months' rows and
    (with `regions`) their regions' month rows."""
    period = Period(
        sites=Site.objects.filter(pk__in=site_ids), date_from=date_from, date_to=date_to
    )
    days = {"grain": Grain.DAY, "site__in": site_ids, "day__gte": date_from, "day__lte": date_to}
    Rollup.objects.filter(**days).delete()
    RollupHistogram.objects.filter(**days).delete()
    for dimension, source, grouping in _rolled_groupings():
        rows = _site_day_rows(source, grouping, period, keyed=dimension != PLAIN)
        constants = {"grain": Grain.DAY.value, "dimension": dimension}
        measures = additive_measures(source.name)
        _insert_select(
            Rollup,
            rows.annotate(**_aggregates(measures, grouping.path)),
            constants={**constants, "source": source.name},
            columns=["site", "day", "key", *measures],
        )
        if dimension == RESIDENT_DIMENSION:
            continue
        for name, measure in median_measures(source.name).items():
            argument = measure.expression(grouping.path).get_source_expressions()[0]
            histogram = (
                _site_day_queryset(source, grouping, period, keyed=dimension != PLAIN)
                .annotate(
                    m_value=argument,
                    m_region=F(_visit_path(source, grouping)("site__municipality__region_id")),
                )
                .filter(m_value__isnull=False)
                .values("m_site", "m_region", "m_day", "m_key", "m_value")
                .annotate(m_count=Count("pk"))
            )
            _insert_select(
                RollupHistogram,
                histogram,
                constants={**constants, "measure": name},
                columns=["site", "region", "day", "key", "value", "count"],
            )
    _rebuild_months(site_ids=site_ids, date_from=date_from, date_to=date_to, regions=regions)


def _rebuild_months(
    *, site_ids: Sequence[int], date_from: datetime.date, date_to: datetime.date, regions: bool
) -> None:
    first, after = month_start(date_from), next_month(date_to)
    for model, group, sums in (
        (
            Rollup,
            ["dimension", "source", "key"],
            list(additive_measures("visit")) + list(additive_measures("help_item")),
        ),
        (RollupHistogram, ["region", "dimension", "measure", "key", "value"], ["count"]),
    ):
        model.objects.filter(
            grain=Grain.MONTH, site__in=site_ids, day__gte=first, day__lt=after
        ).delete()
        months = (
            model.objects.filter(grain=Grain.DAY, site__in=site_ids, day__gte=first, day__lt=after)
            .order_by()
            .values(
                m_site=F("site_id"),
                m_day=TruncMonth("day"),
                **{f"m_{name}": F(name) for name in group},
            )
            .annotate(**{f"m_{name}": Sum(name) for name in sums})
        )
        _insert_select(
            model,
            months,
            constants={"grain": Grain.MONTH.value},
            columns=["site", "day", *group, *sums],
        )
    if regions:
        _rebuild_region_months(site_ids=site_ids, first=first, after=after)


def _rebuild_region_months(
    *, site_ids: Sequence[int], first: datetime.date, after: datetime.date
) -> None:
    """The region rows of the histograms: each region's site rows summed, per month."""
    regions = Site.objects.filter(pk__in=site_ids).values("municipality__region_id")
    months = {"grain": Grain.MONTH, "region__in": regions, "day__gte": first, "day__lt": after}
    RollupHistogram.objects.filter(site__isnull=True, **months).delete()
    group = ["region", "day", "dimension", "measure", "key", "value"]
    sums = (
        RollupHistogram.objects.filter(site__isnull=False, **months)
        .order_by()
        .values(**{f"m_{name}": F(name) for name in group})
        .annotate(m_count=Sum("count"))
    )
    _insert_select(
        RollupHistogram, sums, constants={"grain": Grain.MONTH.value}, columns=[*group, "count"]
    )


def _rolled_groupings() -> list[tuple[str, Source, Grouping]]:
    groupings: list[tuple[str, Source, Grouping]] = []
    for source_name in ROLLED_SOURCES:
        source = SOURCES[source_name]
        groupings.append((PLAIN, source, Grouping(key=lambda: Value(""))))
        for dimension in KEYED_DIMENSIONS:
            groupings.append((dimension, source, source.groupings[dimension]))
    groupings.append((RESIDENT_DIMENSION, SOURCES["visit"], RESIDENT))
    return groupings


def _site_day_queryset(
    source: Source, grouping: Grouping, period: Period, *, keyed: bool
) -> QuerySet:
    """The source's rows in the period, annotated with their site, Swedish day and key."""
    visit = _visit_path(source, grouping)
    queryset = (grouping.queryset or source.queryset)(period)
    queryset = queryset.order_by().annotate(
        m_site=F(visit("site_id")),
        m_day=TruncDate(visit("started_at"), tzinfo=local_zone()),
        m_key=grouping.key(),
    )
    if keyed:
        # A row without a key (a help item of a visit without barriers, a visitor who did
        # not say where they live) belongs to no row of that breakdown.
        queryset = queryset.filter(m_key__isnull=False)
    return queryset


def _visit_path(source: Source, grouping: Grouping) -> Path:
    """From a row of the grouping's queryset to its visit."""
    assert source.visit is not None
    return Path(grouping.path.prefix + source.visit.prefix)


def _site_day_rows(source: Source, grouping: Grouping, period: Period, *, keyed: bool) -> QuerySet:
    return _site_day_queryset(source, grouping, period, keyed=keyed).values(
        "m_site", "m_day", "m_key"
    )


def _aggregates(measures: dict[str, Measure], path: Path) -> dict[str, Any]:
    return {f"m_{name}": measure.expression(path) for name, measure in measures.items()}


def _insert_select(
    model: type[models.Model], queryset: QuerySet, *, constants: dict[str, Any], columns: list[str]
) -> None:
    """INSERT INTO the model's table the rows the queryset selects, each field in `columns`
    from the queryset's `m_<field>` column, the `constants` alike for every row; the rows
    never leave the database."""
    quote = connection.ops.quote_name
    select_sql, params = queryset.query.sql_with_params()
    fields = [*constants, *columns]
    target = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    values = ", ".join(
        ["%s"] * len(constants) + [f"selected.{quote('m_' + name)}" for name in columns]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({target}) "
            f"SELECT {values} FROM ({select_sql}) selected",
            [*constants.values(), *params],
        )
