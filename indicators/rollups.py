"""Keeping the rollup tables (indicators/models.py) equal to the visit tables.

Every writer of visits applies its change's difference to the rollup rows in its own
transaction: `rollup_add` after inserting visits, `rollup_subtract` before deleting them,
and `rollup_change` around a change. The difference is computed by the database with the
very aggregates the engine runs (indicators/definitions.py), over the changed visits only,
and added to the day, month and region rows with INSERT ... ON CONFLICT DO UPDATE; rows
that reach zero are deleted. So a statistics read never writes.

`rollup_rebuild` rebuilds every row from the visit tables (`manage.py rollup_rebuild`, for
a load past the application or a repair) and `rollup_differences` compares the rows with
the visit tables (`manage.py rollup_check`).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import connection, models, transaction
from django.db.models import Count, F, Max, Min, QuerySet, Sum, Value
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from helpdesk.models import Case, QueueTicket
from indicators.definitions import Measure, Path, measures_by_source
from indicators.dimensions import Grouping, keyed_dimensions
from indicators.models import Grain, Rollup, RollupHistogram
from indicators.querysets import month_start, next_month
from indicators.sources import SOURCES, Selection, Source, local_zone
from organisations.models import Site
from visits.models import EService, HelpItem, StaffedHours, Visit

ROLLED_SOURCES = ("visit", "help_item")
# The plain site-day rows have no key; they serve totals and the breakdowns by month, week,
# site and municipality, which are properties of the site and day.
PLAIN = ""


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


@functools.cache
def rollup_columns() -> tuple[str, ...]:
    """The measure columns of `Rollup`, in the order rollup cells carry them (once per
    process: every row a write reads is laid out by them)."""
    return tuple(name for source in ROLLED_SOURCES for name in additive_measures(source))


RollupCell = tuple[str, str, int, datetime.date, str]  # dimension, source, site, day, key
# dimension, measure, site, region, day, key, value
HistogramCell = tuple[str, str, int, int, datetime.date, str, int]


@dataclass
class RollupCells:
    """What some visits add to the day rows: measure sums per rollup cell, and counts per
    histogram cell. Month and region rows follow from the day rows' cells."""

    sums: dict[RollupCell, list[int]] = field(default_factory=dict)
    counts: dict[HistogramCell, int] = field(default_factory=dict)

    def minus(self, other: RollupCells) -> RollupCells:
        width = len(rollup_columns())
        sums = {cell: list(values) for cell, values in self.sums.items()}
        for cell, values in other.sums.items():
            row = sums.setdefault(cell, [0] * width)
            for index, value in enumerate(values):
                row[index] -= value
        counts = dict(self.counts)
        for cell, count in other.counts.items():
            counts[cell] = counts.get(cell, 0) - count
        return RollupCells(
            sums={cell: row for cell, row in sums.items() if any(row)},
            counts={cell: count for cell, count in counts.items() if count},
        )


@dataclass(frozen=True)
class _CellQuery:
    """One query giving the cells of a dimension and source: rows per site, day and key,
    and, where the source's medians keep histograms, per value of each median's argument
    too. Summing its rows gives the rollup sums, counting them the histograms: one query
    instead of one per table."""

    dimension: str
    source: str
    medians: tuple[str, ...]
    queryset: QuerySet


def _cell_queries(selection: Selection) -> Iterator[_CellQuery]:
    for dimension, source, grouping, histograms in _rolled_groupings():
        keyed = dimension != PLAIN
        medians = median_measures(source.name) if histograms else {}
        rows = _site_day_queryset(source, grouping, selection, keyed=keyed)
        columns = ["m_site", "m_day", "m_key"]
        if medians:
            rows = rows.annotate(
                m_region=F(_visit_path(source, grouping)("site__municipality__region_id")),
                **{f"m_value_{name}": _argument(m, grouping) for name, m in medians.items()},
            )
            columns += ["m_region", *(f"m_value_{name}" for name in medians)]
        rows = rows.values(*columns).annotate(
            **_aggregates(additive_measures(source.name), grouping.path), m_count=Count("pk")
        )
        yield _CellQuery(dimension, source.name, tuple(medians), rows)


def _add_row(cells: RollupCells, query: _CellQuery, row: dict[str, Any]) -> None:
    day = row["m_day"]
    if isinstance(day, str):  # SQLite's raw answer, or JSON (PostgreSQL, _visit_cells)
        day = datetime.date.fromisoformat(day[:10])
    key = str(row["m_key"])
    values = [int(row.get(f"m_{name}") or 0) for name in rollup_columns()]
    cell = (query.dimension, query.source, row["m_site"], day, key)
    total = cells.sums.get(cell)
    if total is None:
        cells.sums[cell] = values
    else:
        for index, value in enumerate(values):
            total[index] += value
    for name in query.medians:
        value = row[f"m_value_{name}"]
        if value is not None:
            bucket = (query.dimension, name, row["m_site"], row["m_region"], day, key, int(value))
            cells.counts[bucket] = cells.counts.get(bucket, 0) + int(row["m_count"])


def rollup_cells(selection: Selection) -> RollupCells:
    """The day rows' cells of the visits in `selection`, from the visit tables."""
    cells = RollupCells()
    for query in _cell_queries(selection):
        for row in query.queryset:
            _add_row(cells, query, row)
    return cells


# Stands for the changed visits' ids while the cell queries are compiled (below).
_VISIT_ID_STANDIN = uuid.UUID("00000000-0000-4000-8000-5e1175e1175e")


@dataclass(frozen=True)
class _CompiledCellQuery:
    query: _CellQuery
    sql: str
    params: tuple[Any, ...]
    # Where the stand-in id sits: in the SQL (the n-th placeholder) and in `params`.
    standins: tuple[int, ...]
    # PostgreSQL: the SQL with the stand-in's `IN (%s)` as `= ANY(%s)`, one array of ids:
    # the same statement for any number of visits, so it stays prepared.
    array_sql: str | None = None


@functools.cache
def _compiled_cell_queries(vendor: str) -> tuple[_CompiledCellQuery, ...]:
    """The cell queries of one stand-in visit, compiled to SQL once per process: building
    two dozen querysets costs more than running them, and a write runs them for the few
    visits it changed."""
    standin = Visit._meta.pk.get_db_prep_value(_VISIT_ID_STANDIN, connection)
    compiled = []
    for query in _cell_queries(Selection.of_visits([_VISIT_ID_STANDIN])):
        sql, params = query.queryset.query.sql_with_params()
        positions = tuple(index for index, value in enumerate(params) if value == standin)
        array_sql = _as_array_sql(sql, positions) if vendor == "postgresql" else None
        compiled.append(_CompiledCellQuery(query, sql, tuple(params), positions, array_sql))
    return tuple(compiled)


_PLACEHOLDER = re.compile(r"%%|%s")
_ARRAY_MARK = "\x00ids\x00"


def _as_array_sql(sql: str, standins: tuple[int, ...]) -> str:
    counter = iter(range(sql.count("%s")))

    def placeholder(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%%"
        return _ARRAY_MARK if next(counter) in standins else "%s"

    marked = _PLACEHOLDER.sub(placeholder, sql)
    array_sql = marked.replace(f"IN ({_ARRAY_MARK})", "= ANY(%s)")
    if _ARRAY_MARK in array_sql:
        raise ValueError("A cell query filters the visits other than by `id IN (...)`.")
    return array_sql


def _visit_cells(visit_ids: Sequence[Any]) -> RollupCells:
    """`rollup_cells` of these visits, by the compiled queries: on PostgreSQL all of them in
    one statement, each row as JSON tagged with its query, since a round trip per query
    cost a single-visit save more than running them."""
    ids = [Visit._meta.pk.get_db_prep_value(pk, connection) for pk in visit_ids]
    compiled_queries = _compiled_cell_queries(connection.vendor)
    cells = RollupCells()
    with _upkeep_cursor() as cursor:
        if connection.vendor == "postgresql":
            params = [
                ids if index in compiled.standins else value
                for compiled in compiled_queries
                for index, value in enumerate(compiled.params)
            ]
            cursor.execute(_all_cell_queries_sql(compiled_queries), params)
            # Django reads jsonb as text and decodes it itself (in JSONField).
            for query_index, row in cursor.fetchall():
                _add_row(cells, compiled_queries[query_index].query, json.loads(row))
            return cells
        for compiled in compiled_queries:
            sql, params = _with_visit_ids(compiled, ids)
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            for values in cursor.fetchall():
                _add_row(cells, compiled.query, dict(zip(names, values, strict=True)))
    return cells


def _all_cell_queries_sql(compiled_queries: Sequence[_CompiledCellQuery]) -> str:
    """PostgreSQL: the compiled cell queries (`= ANY(%s)` over an array of ids) as one
    statement, the same for any number of visits, so that it stays prepared. (Joined anew
    each time, microseconds, rather than cached beside the compiled queries' own cache.)"""
    return " UNION ALL ".join(
        f"SELECT {index} AS m_query, to_jsonb(cell) AS m_row FROM ({compiled.array_sql}) AS cell"
        for index, compiled in enumerate(compiled_queries)
    )


@contextlib.contextmanager
def _upkeep_cursor() -> Iterator[Any]:
    """A cursor for the upkeep's statements. On PostgreSQL it binds parameters on the
    server, so psycopg keeps each statement prepared on the connection (settings.py sets
    `prepare_threshold`; Django's own cursors bind on the client and never prepare), and the
    transaction has the planner reuse one generic plan for them: planning two dozen small
    statements took longer than running them (bench/RESULTS.md §0). Nor may they start
    parallel workers: the cell queries in one UNION ALL looked worth a parallel append to
    the planner, and each started processes for a statement over one visit's rows."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    server_binding = psycopg.Cursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(server_binding) as cursor:
        cursor.execute(
            "SELECT set_config('plan_cache_mode', 'force_generic_plan', true),"
            " set_config('max_parallel_workers_per_gather', '0', true)"
        )
        yield cursor


def _with_visit_ids(compiled: _CompiledCellQuery, ids: list[Any]) -> tuple[str, list[Any]]:
    """The compiled SQL and parameters with the stand-in's `IN (%s)` widened to the ids."""
    params: list[Any] = []
    expanded = ", ".join(["%s"] * len(ids))
    counter = iter(range(len(compiled.params)))

    def placeholder(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%%"
        index = next(counter)
        if index in compiled.standins:
            params.extend(ids)
            return expanded
        params.append(compiled.params[index])
        return "%s"

    return _PLACEHOLDER.sub(placeholder, compiled.sql), params


def rollup_add(*, visit_ids: Sequence[Any]) -> None:
    """Add visits just inserted to the rollups (in the inserting transaction)."""
    if visit_ids:
        _rollup_apply(_visit_cells(visit_ids))


def rollup_subtract(*, visit_ids: Sequence[Any]) -> None:
    """Take visits about to be deleted out of the rollups (in the deleting transaction)."""
    if visit_ids:
        _rollup_apply(RollupCells().minus(_visit_cells(visit_ids)))


@contextlib.contextmanager
def rollup_change(*, visit_ids: Sequence[Any]) -> Iterator[None]:
    """Around a change of these visits (their fields, help items or barriers): the rollups
    lose what the visits counted for before and gain what they count for after."""
    before = _visit_cells(visit_ids)
    yield
    _rollup_apply(_visit_cells(visit_ids).minus(before))


def _rollup_apply(difference: RollupCells) -> None:
    """Add the difference to the day, month and region rows. Each statement takes its rows
    in the order of the table's unique key, so two writers never wait for each other in a
    circle; a rebuild waits for the writers (and they for it)."""
    if not difference.sums and not difference.counts:
        return
    sums, counts, region_counts = _table_rows(difference)
    with _upkeep_cursor() as cursor:
        _rollup_lock(exclusive=False, cursor=cursor)
        _upsert(
            cursor,
            Rollup,
            unique=["grain", "dimension", "site", "day", "key", "source"],
            added=list(rollup_columns()),
            rows={cell: values for cell, values in sums.items() if any(values)},
            empty="visits = 0 AND help_items = 0",
        )
        _upsert(
            cursor,
            RollupHistogram,
            unique=["grain", "dimension", "measure", "site", "day", "key", "value"],
            extra=["region"],
            added=["count"],
            rows={cell: [count] for cell, count in counts.items() if count},
            condition="site_id IS NOT NULL",
            empty="count = 0",
        )
        _upsert(
            cursor,
            RollupHistogram,
            unique=["grain", "dimension", "measure", "region", "day", "key", "value"],
            added=["count"],
            rows={cell: [count] for cell, count in region_counts.items() if count},
            condition="site_id IS NULL",
            empty="count = 0",
        )


def _table_rows(
    cells: RollupCells,
) -> tuple[dict[tuple, list[int]], dict[tuple, int], dict[tuple, int]]:
    """The rows that day cells make in the tables, by their unique key: rollup rows (day and
    month), histogram rows of sites (day and month, the region after the key) and of
    regions (month)."""
    width = len(rollup_columns())
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * width)
    for (dimension, source, site, day, key), values in cells.sums.items():
        for grain, first in ((Grain.DAY, day), (Grain.MONTH, month_start(day))):
            row = sums[(grain.value, dimension, site, first, key, source)]
            for index, value in enumerate(values):
                row[index] += value
    counts: dict[tuple, int] = defaultdict(int)
    region_counts: dict[tuple, int] = defaultdict(int)
    for (dimension, measure, site, region, day, key, value), count in cells.counts.items():
        month = month_start(day)
        counts[(Grain.DAY.value, dimension, measure, site, day, key, value, region)] += count
        counts[(Grain.MONTH.value, dimension, measure, site, month, key, value, region)] += count
        region_counts[(Grain.MONTH.value, dimension, measure, region, month, key, value)] += count
    return sums, counts, region_counts


def rollup_differences(
    *, site_ids: Sequence[int] | None = None, limit: int = 20, progress: Progress | None = None
) -> list[str]:
    """Where the rollup rows differ from what the visit tables give, one line each (at most
    `limit`); empty when they agree. Region rows are checked when all sites are."""
    sites = (
        list(site_ids) if site_ids is not None else list(Site.objects.values_list("pk", flat=True))
    )
    differences: list[str] = []
    expected_regions: dict[tuple, int] = defaultdict(int)
    months = _months_with_rows(sites)
    for done, month in enumerate(months):
        if progress:
            progress(done, len(months), month.strftime("%Y-%m"))
        selection = Selection(
            sites=Site.objects.filter(pk__in=sites),
            date_from=month,
            date_to=next_month(month) - datetime.timedelta(days=1),
        )
        sums, counts, region_counts = _table_rows(rollup_cells(selection))
        for cell, count in region_counts.items():
            expected_regions[cell] += count
        in_month = {"site__in": sites, "day__gte": month, "day__lt": next_month(month)}
        stored_sums = {
            (grain, dimension, site, day, key, source): list(values)
            for grain, dimension, site, day, key, source, *values in Rollup.objects.filter(
                **in_month
            ).values_list("grain", "dimension", "site", "day", "key", "source", *rollup_columns())
        }
        stored_counts = {
            (*cell, region): count
            for *cell, region, count in RollupHistogram.objects.filter(**in_month).values_list(
                "grain", "dimension", "measure", "site", "day", "key", "value", "region", "count"
            )
        }
        differences += _compare("rollup", dict(sums), stored_sums)
        differences += _compare("histogram", dict(counts), stored_counts)
    if site_ids is None:
        stored_regions = {
            tuple(cell[:-1]): cell[-1]
            for cell in RollupHistogram.objects.filter(site__isnull=True).values_list(
                "grain", "dimension", "measure", "region", "day", "key", "value", "count"
            )
        }
        differences += _compare("region histogram", dict(expected_regions), stored_regions)
    if progress:
        progress(len(months), len(months), "")
    return differences[:limit] if limit else differences


def _months_with_rows(site_ids: Sequence[int]) -> list[datetime.date]:
    """Every month in which the sites have visits or rollup rows."""
    bounds = Visit.objects.filter(site__in=site_ids).aggregate(
        first=Min("started_at"), last=Max("started_at")
    )
    stored = Rollup.objects.filter(site__in=site_ids).aggregate(first=Min("day"), last=Max("day"))
    firsts = [local_day(bounds["first"])] if bounds["first"] else []
    lasts = [local_day(bounds["last"])] if bounds["last"] else []
    firsts += [stored["first"]] if stored["first"] else []
    lasts += [stored["last"]] if stored["last"] else []
    if not firsts:
        return []
    months, month = [], month_start(min(firsts))
    while month <= max(lasts):
        months.append(month)
        month = next_month(month)
    return months


def _compare(table: str, expected: dict[tuple, Any], stored: dict[tuple, Any]) -> list[str]:
    lines = []
    for cell in sorted(expected.keys() | stored.keys(), key=lambda c: tuple(map(_sortable, c))):
        want, have = expected.get(cell), stored.get(cell)
        if want != have:
            lines.append(f"{table} {cell}: visit tables give {want}, rollups hold {have}")
    return lines


# Rows per statement: SQLite takes at most 32,766 parameters in one.
UPSERT_BATCH = 400


def _upsert(
    cursor: Any,
    model: type[models.Model],
    *,
    unique: list[str],
    added: list[str],
    rows: dict[tuple, list[int]],
    empty: str,
    extra: Sequence[str] = (),
    condition: str | None = None,
) -> None:
    """Add `rows` ({unique and extra values: added values}) to the model's table, creating
    the rows that do not exist, then delete the rows this left at zero (`empty`)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [*unique, *extra, *added]
    target = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    conflict = ", ".join(quote(model._meta.get_field(name).column) for name in unique)
    where = f" WHERE {condition}" if condition else ""
    updates = ", ".join(
        f"{quote(column)} = {table}.{quote(column)} + excluded.{quote(column)}" for column in added
    )
    upsert = f"ON CONFLICT ({conflict}){where} DO UPDATE SET {updates} " + (
        f"RETURNING id, CASE WHEN {empty} THEN 1 ELSE 0 END"
    )
    ordered = sorted(rows.items(), key=lambda item: tuple(map(_sortable, item[0])))
    fields = [model._meta.get_field(name) for name in names]
    emptied: list[int] = []
    for values_sql, params in _row_sources(fields, [(*c, *v) for c, v in ordered]):
        cursor.execute(f"INSERT INTO {table} ({target}) {values_sql} {upsert}", params)
        emptied.extend(pk for pk, is_empty in cursor.fetchall() if is_empty)
    if emptied and connection.vendor == "postgresql":
        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [emptied])
        return
    for start in range(0, len(emptied), UPSERT_BATCH):
        batch_ids = emptied[start : start + UPSERT_BATCH]
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(batch_ids))})",
            batch_ids,
        )


def _row_sources(fields: list[models.Field], rows: list[tuple]) -> Iterator[tuple[str, list]]:
    """The rows as the source of an INSERT, in statements of bounded size. PostgreSQL takes
    one array per column: a few parameters however many rows, where composing a VALUES list
    of thousands of rows costs more than running it. The arrays are sent as PostgreSQL's
    array text, which the server parses in C, where psycopg inspected every element (most of
    a bulk ingest's Python time). Elsewhere VALUES in batches."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{_ARRAY_TYPES[f.get_internal_type()]}" for f in fields)
        columns = zip(*rows, strict=True)
        yield (
            f"SELECT * FROM unnest({arrays})",
            [
                _array_text(column, quoted=field.get_internal_type() == "CharField")
                for field, column in zip(fields, columns, strict=True)
            ],
        )
        return
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(rows), UPSERT_BATCH):
        batch = rows[start : start + UPSERT_BATCH]
        params = [
            field.get_db_prep_value(value, connection)
            for values in batch
            for field, value in zip(fields, values, strict=True)
        ]
        yield "VALUES " + ", ".join([row] * len(batch)), params


def _array_text(values: Sequence[Any], *, quoted: bool) -> str:
    """PostgreSQL's text form of an array of numbers, dates (ISO) or, `quoted`, strings."""
    if quoted:
        elements = (
            '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values
        )
    else:
        elements = ("NULL" if value is None else str(value) for value in values)
    return "{" + ",".join(elements) + "}"


# PostgreSQL array types of the rollup tables' columns, by Django field type.
_ARRAY_TYPES = {
    "CharField": "text[]",
    "DateField": "date[]",
    "ForeignKey": "integer[]",
    "IntegerField": "integer[]",
    "BigIntegerField": "bigint[]",
}


def _sortable(value: Any) -> tuple[int, Any]:
    # Cells hold None (no site: a region row) next to numbers: None sorts first.
    return (0, "") if value is None else (1, value)


def _rollup_lock(*, exclusive: bool, cursor: Any = None) -> None:
    """Writers share the lock and a rebuild takes it alone, so a rebuild never deletes rows
    a writer is adding to. SQLite serialises write transactions anyway; on PostgreSQL the
    lock is held until the transaction ends."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with contextlib.nullcontext(cursor) if cursor else connection.cursor() as lock_cursor:
        lock_cursor.execute(f"SELECT {function}(hashtext('servicecenter.rollup'))")


# What a rebuild reads: the sources' tables and the e-service table their groupings join.
_REBUILD_READS = (Visit, HelpItem, EService, StaffedHours, QueueTicket, Case)


def _refresh_planner_statistics() -> None:
    """A rebuild often follows a bulk load in the same transaction (the demo seed, an
    import), before autovacuum has looked at the tables. Where their statistics still say
    "empty", PostgreSQL plans nested loops and one month's INSERT ... SELECT of a 3,000-visit
    seed ran for minutes. ANALYZE inside the transaction counts its own new rows; it samples,
    so it costs seconds on a million visits against a rebuild of minutes."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in _REBUILD_READS)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


# Told how far a long run is: months done, months in all, the month at hand.
Progress = Callable[[int, int, str], None]


def rollup_rebuild(
    *, site_ids: Sequence[int] | None = None, progress: Progress | None = None
) -> None:
    """Rebuild every rollup row (of `site_ids`, or of all sites), month by month."""
    with transaction.atomic():
        _rollup_lock(exclusive=True)
        sites = (
            list(site_ids)
            if site_ids is not None
            else list(Site.objects.values_list("pk", flat=True))
        )
        _refresh_planner_statistics()
        Rollup.objects.filter(site__in=sites).delete()
        RollupHistogram.objects.filter(site__in=sites).delete()
        months = _months_with_rows(sites)
        for done, month in enumerate(months):
            if progress:
                progress(done, len(months), month.strftime("%Y-%m"))
            last = next_month(month) - datetime.timedelta(days=1)
            _rebuild(site_ids=sites, date_from=month, date_to=last, regions=False)
        if progress:
            progress(len(months), len(months), "")
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


def _rebuild(
    *,
    site_ids: Sequence[int],
    date_from: datetime.date,
    date_to: datetime.date,
    regions: bool = True,
) -> None:
    """Day rows of the sites and days from the visit tables, then their months' rows and
    (with `regions`) their regions' month rows."""
    selection = Selection(
        sites=Site.objects.filter(pk__in=site_ids), date_from=date_from, date_to=date_to
    )
    days = {"grain": Grain.DAY, "site__in": site_ids, "day__gte": date_from, "day__lte": date_to}
    Rollup.objects.filter(**days).delete()
    RollupHistogram.objects.filter(**days).delete()
    for dimension, source, grouping, histograms in _rolled_groupings():
        rows = _site_day_rows(source, grouping, selection, keyed=dimension != PLAIN)
        constants = {"grain": Grain.DAY.value, "dimension": dimension}
        measures = additive_measures(source.name)
        _insert_select(
            Rollup,
            rows.annotate(**_aggregates(measures, grouping.path)),
            constants={**constants, "source": source.name},
            columns=["site", "day", "key", *measures],
        )
        if not histograms:
            continue
        for name, measure in median_measures(source.name).items():
            _insert_select(
                RollupHistogram,
                _histogram_rows(source, grouping, selection, measure, keyed=dimension != PLAIN),
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


def _rolled_groupings() -> list[tuple[str, Source, Grouping, bool]]:
    """Each kind of rollup row: its dimension (PLAIN or a keyed dimension's code), the
    source whose measures it sums, how that source's rows get their key, and whether its
    medians keep histograms."""
    groupings: list[tuple[str, Source, Grouping, bool]] = []
    for source_name in ROLLED_SOURCES:
        source = SOURCES[source_name]
        groupings.append((PLAIN, source, Grouping(key=lambda: Value("")), True))
        for dimension in keyed_dimensions():
            grouping = dimension.grouping(source_name)
            if source_name in dimension.rolled_sources and grouping is not None:
                groupings.append((dimension.code, source, grouping, dimension.histograms))
    return groupings


def _site_day_queryset(
    source: Source, grouping: Grouping, selection: Selection, *, keyed: bool
) -> QuerySet:
    """The source's rows in the selection, annotated with their site, Swedish day and key."""
    visit = _visit_path(source, grouping)
    queryset = (grouping.queryset or source.queryset)(selection)
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


def _site_day_rows(
    source: Source, grouping: Grouping, selection: Selection, *, keyed: bool
) -> QuerySet:
    return _site_day_queryset(source, grouping, selection, keyed=keyed).values(
        "m_site", "m_day", "m_key"
    )


def _histogram_rows(
    source: Source, grouping: Grouping, selection: Selection, measure: Measure, *, keyed: bool
) -> QuerySet:
    """How many rows have each value of the median's argument, per site, day and key."""
    return (
        _site_day_queryset(source, grouping, selection, keyed=keyed)
        .annotate(
            m_value=_argument(measure, grouping),
            m_region=F(_visit_path(source, grouping)("site__municipality__region_id")),
        )
        .filter(m_value__isnull=False)
        .values("m_site", "m_region", "m_day", "m_key", "m_value")
        .annotate(m_count=Count("pk"))
    )


def _argument(median: Measure, grouping: Grouping) -> Any:
    """What a median is taken of (e.g. the visit's duration), reached from the grouped row."""
    return median.expression(grouping.path).get_source_expressions()[0]


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
