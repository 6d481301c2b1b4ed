"""Regional statistics through the API against hand-written SQL over the same rollup tables,
and against one hand-written GROUP BY over the visit tables.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench_stats \\
        .venv/bin/python bench/stats.py [--visits 1000000] [--runs 20] [--explain]

Loads N synthetic visits (default one million) at one site in each of the 15 municipalities
of region 24 (Västerbotten) over one year with COPY, unless exactly that many are already
there (reruns take seconds), then VACUUM ANALYZE and builds the rollups
(`indicators.rollups.rollup_rebuild`: the rows were copied past the application). Then times
`GET /api/v1/stats/?scope=region:24&from=…&to=…&group_by=month|service` in-process
(django.test.Client, API-key caller: the region's own organisation, which owns 12 of the 15
sites, so suppression runs as for a partner; with a million visits it hides nothing, which
the script checks) and, in the same run, two hand-written baselines on one kept psycopg
connection:

- rollup SQL (the honest baseline): one statement per grouping over `indicators_rollup` and
  `indicators_rolluphistogram`, the rows the engine reads, giving every value the API
  publishes for each row and the total (counts, shares, mean, exact median, rates; see
  ROLLUP_SQL). The API's answer must equal it value for value before anything is timed;
- visit-table SQL: visits per month, or per e-service (COUNT(DISTINCT visit) over the help
  items), straight from the visit tables; only the visit counts are compared.

Prints p50/p95 over `--runs` runs after `--warmups` warm-ups (the API and the rollup SQL
taking turns, so that both see the same load on a shared machine) and the ratios API / baseline.
The target (the issue): API p50 at most 2x the rollup SQL's, and under 25 ms.

`--explain` lists the SQL statements of the API call per grouping with their times (medians
over `--explain-calls` calls, and the Python time around them), prints EXPLAIN (ANALYZE,
BUFFERS) of the slowest ones, and of the rollup SQL baseline.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import sys
import time
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

# The project first, and not this folder: bench/queue.py would stand in for the standard
# library's queue, which the thread pools import.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import (  # noqa: E402
    TIME_ZONE,
    BenchSite,
    VisitGenerator,
    configure_django,
    create_api_key,
    ensure_sites,
    explain_statements,
    load_average,
    machine_summary,
    percentile,
    print_table,
    raw_connection,
    truncate_visit_tables,
)

STATS_URL = "/api/v1/stats/"
REGION = "24"
ORGANISATION = "bench-stats-region"
LIBRARIES = "bench-stats-library"
SITE_PREFIX = "bench-stats"
CHUNK = 50_000  # visits generated and copied at a time: bounded memory
TARGET_SECONDS = 0.025  # the issue: API p50 under 25 ms, and at most 2x the rollup SQL

REGION_FILTER = """
    v.site_id IN (
        SELECT s.id FROM organisations_site s
        JOIN organisations_municipality m ON m.id = s.municipality_id
        JOIN organisations_region r ON r.id = m.region_id
        WHERE r.code = %(region)s
    )
    AND v.started_at >= %(start)s AND v.started_at < %(end)s
"""
# The second baseline: the visit count alone, straight from the visit tables.
VISIT_TABLE_SQL = {
    "month": f"""
        SELECT to_char(date_trunc('month', v.started_at AT TIME ZONE '{TIME_ZONE}'), 'YYYY-MM'),
               count(*)
        FROM visits_visit v
        WHERE {REGION_FILTER}
        GROUP BY 1 ORDER BY 1
    """,
    "service": f"""
        SELECT h.service_id, count(DISTINCT h.visit_id)
        FROM visits_helpitem h
        JOIN visits_visit v ON v.id = h.visit_id
        WHERE {REGION_FILTER}
        GROUP BY 1 ORDER BY 1
    """,
}


# --- The first baseline: hand-written SQL over the rollup tables ----------------------------
#
# One statement per grouping computes every indicator the API publishes, for each row and
# for the total (the row with key NULL), from the rows the engine reads (indicators/engine.py):
# `indicators_rollup` of the scope's sites, both sources ('visit' and 'help_item'), month rows
# for the whole months of the period and day rows for the days around them (none for a
# calendar year); dimension '' for the total and the months, 'service' for the services;
# 'resident' rows for visits per 1,000 inhabitants. The median duration comes from
# `indicators_rolluphistogram`: the region's month rows (site NULL: a region scope holds every
# site of the region) and the sites' day rows, its exact median computed in SQL with a
# running sum over the counts (the values at ranks (n-1) div 2 and n div 2, averaged, as
# PERCENTILE_CONT(0.5) and the engine's medians_of_buckets give). Staffed hours come from
# `visits_staffedhours`, as in the engine. The shares and rates are computed in SQL as float8
# divisions, the same IEEE operations as the engine's Python, so both sides are compared
# exactly. The statement also counts the visits at sites the caller does not own (what
# suppression decides on; not published), so that it does the API's work for this caller.

ROLLUP_SUMS = """
    coalesce(sum(r.visits), 0)::bigint AS visits,
    coalesce(sum(r.participants), 0)::bigint AS participants,
    coalesce(sum(r.help_items), 0)::bigint AS help_items,
    coalesce(sum(r.first_visits), 0)::bigint AS first_visits,
    coalesce(sum(r.first_visit_known), 0)::bigint AS first_visit_known,
    coalesce(sum(r.self_reliant_items), 0)::bigint AS self_reliant_items,
    coalesce(sum(r.on_behalf_items), 0)::bigint AS on_behalf_items,
    coalesce(sum(r.referred_items), 0)::bigint AS referred_items,
    coalesce(sum(r.resolved_items), 0)::bigint AS resolved_items,
    coalesce(sum(r.confidence_change_sum), 0)::bigint AS confidence_change_sum,
    coalesce(sum(r.confidence_pairs), 0)::bigint AS confidence_pairs,
    coalesce(sum(r.age_65_plus), 0)::bigint AS age_65_plus,
    coalesce(sum(r.age_known), 0)::bigint AS age_known,
    coalesce(sum(r.visits) FILTER (WHERE s.foreign_site), 0)::bigint AS foreign_visits
"""

# The region's sites, and whether the caller's organisation owns them.
SCOPE_CTE = """
    scope AS MATERIALIZED (
        SELECT s.id,
               s.organisation_id NOT IN (
                   SELECT o.id FROM organisations_organisation o WHERE o.code = %(owner)s
               ) AS foreign_site
        FROM organisations_site s
        JOIN organisations_municipality m ON m.id = s.municipality_id
        JOIN organisations_region g ON g.id = m.region_id
        WHERE g.code = %(region)s
    )"""

# Visits per 1,000 inhabitants of the region: residents' visits at the scope's sites (the
# 'resident' rows, keyed by the visitor's municipality) over the region's population.
RESIDENTS_CTE = """
    residents AS (
        SELECT sum(m.population) AS population, coalesce(sum(v.visits), 0) AS visits
        FROM organisations_municipality m
        JOIN organisations_region g ON g.id = m.region_id
        LEFT JOIN (
            SELECT r.key, sum(r.visits) AS visits
            FROM indicators_rollup r JOIN scope s ON s.id = r.site_id
            WHERE r.dimension = 'resident' AND r.source = 'visit' AND ({rollup_cover})
            GROUP BY r.key
        ) v ON v.key = m.code
        WHERE g.code = %(region)s
    )"""

# The exact median per key from `buckets` (key, value, n): the first values whose running
# count passes the ranks (n-1) div 2 and n div 2, averaged.
MEDIANS_CTE = """
    ranked AS (
        SELECT key, value,
               sum(n) OVER (PARTITION BY key ORDER BY value) AS upto,
               sum(n) OVER (PARTITION BY key) AS total
        FROM buckets
        WHERE n <> 0
    ),
    medians AS (
        SELECT key,
               ((min(value) FILTER (WHERE upto > div(total - 1, 2))
                 + min(value) FILTER (WHERE upto > div(total, 2))) / 2.0)::float8 AS median
        FROM ranked
        GROUP BY key
    )"""


def _share(numerator: str, denominator: str) -> str:
    return f"k.{numerator}::float8 / nullif(k.{denominator}, 0)::float8"


# Every available indicator, named as the API names it; `foreign_visits` is not published.
INDICATOR_COLUMNS = f"""
    k.visits,
    k.participants AS people_helped,
    k.help_items,
    {_share("first_visits", "first_visit_known")} AS first_visit_share,
    {_share("self_reliant_items", "help_items")} AS self_reliance_share,
    {_share("on_behalf_items", "help_items")} AS on_behalf_share,
    {_share("referred_items", "help_items")} AS referral_share,
    {_share("resolved_items", "help_items")} AS resolved_share,
    {_share("confidence_change_sum", "confidence_pairs")} AS confidence_uplift,
    d.median AS median_duration_min,
    {_share("age_65_plus", "age_known")} AS age_65_plus_share,
    CASE WHEN k.key IS NULL
         THEN a.visits::float8 / nullif(a.population, 0)::float8 * 1000 END AS visits_per_1000,
    k.visits::float8 / nullif(t.staff_hours, 0)::float8 AS visits_per_staffed_hour,
    k.foreign_visits
"""

ROLLUP_SQL = {
    # Months: one pass over the plain rows, GROUPING SETS giving the months and the total.
    "month": f"""
        WITH {SCOPE_CTE},
        sums AS (
            SELECT date_trunc('month', r.day::timestamp)::date AS key, {ROLLUP_SUMS}
            FROM indicators_rollup r JOIN scope s ON s.id = r.site_id
            WHERE r.dimension = '' AND ({{rollup_cover}})
            GROUP BY GROUPING SETS ((date_trunc('month', r.day::timestamp)), ())
        ),
        staffed AS (
            SELECT date_trunc('month', h.date::timestamp)::date AS key,
                   sum(h.staff_hours) AS staff_hours
            FROM visits_staffedhours h JOIN scope s ON s.id = h.site_id
            WHERE h.date >= %(date_from)s AND h.date <= %(date_to)s
            GROUP BY GROUPING SETS ((date_trunc('month', h.date::timestamp)), ())
        ),
        {RESIDENTS_CTE},
        buckets AS (
            SELECT date_trunc('month', h.day::timestamp)::date AS key, h.value,
                   sum(h.count)::bigint AS n
            FROM indicators_rolluphistogram h
            WHERE h.dimension = '' AND h.measure = 'duration_min' AND ({{histogram_cover}})
            GROUP BY GROUPING SETS ((date_trunc('month', h.day::timestamp), h.value), (h.value))
        ),
        {MEDIANS_CTE}
        SELECT to_char(k.key, 'YYYY-MM') AS key,
               (ARRAY['Januari', 'Februari', 'Mars', 'April', 'Maj', 'Juni', 'Juli', 'Augusti',
                      'September', 'Oktober', 'November', 'December'])[extract(month FROM k.key)]
                   || ' ' || extract(year FROM k.key) AS label,
               {INDICATOR_COLUMNS}
        FROM sums k
        LEFT JOIN staffed t ON t.key IS NOT DISTINCT FROM k.key
        LEFT JOIN medians d ON d.key IS NOT DISTINCT FROM k.key
        LEFT JOIN residents a ON k.key IS NULL
        ORDER BY k.key NULLS LAST
    """,
    # Services: the keyed 'service' rows for the rows, the plain rows for the total (a visit
    # with two services is one visit of the total); staffed hours are not per service, so
    # every row gets the scope's (as the engine does for a source without the grouping).
    "service": f"""
        WITH {SCOPE_CTE},
        sums AS (
            SELECT r.key AS key, {ROLLUP_SUMS}
            FROM indicators_rollup r JOIN scope s ON s.id = r.site_id
            WHERE r.dimension = 'service' AND ({{rollup_cover}})
            GROUP BY r.key
            UNION ALL
            SELECT NULL, {ROLLUP_SUMS}
            FROM indicators_rollup r JOIN scope s ON s.id = r.site_id
            WHERE r.dimension = '' AND ({{rollup_cover}})
        ),
        staffed AS (
            SELECT sum(h.staff_hours) AS staff_hours
            FROM visits_staffedhours h JOIN scope s ON s.id = h.site_id
            WHERE h.date >= %(date_from)s AND h.date <= %(date_to)s
        ),
        {RESIDENTS_CTE},
        buckets AS (
            SELECT h.key, h.value, sum(h.count)::bigint AS n
            FROM indicators_rolluphistogram h
            WHERE h.dimension = 'service' AND h.measure = 'duration_min'
              AND ({{histogram_cover}})
            GROUP BY h.key, h.value
            UNION ALL
            SELECT NULL, h.value, sum(h.count)::bigint
            FROM indicators_rolluphistogram h
            WHERE h.dimension = '' AND h.measure = 'duration_min' AND ({{histogram_cover}})
            GROUP BY h.value
        ),
        {MEDIANS_CTE}
        SELECT k.key, coalesce(nullif(e.label_sv, ''), k.key) AS label, {INDICATOR_COLUMNS}
        FROM sums k
        CROSS JOIN staffed t
        LEFT JOIN visits_eservice e ON e.code = k.key
        LEFT JOIN medians d ON d.key IS NOT DISTINCT FROM k.key
        LEFT JOIN residents a ON k.key IS NULL
        ORDER BY k.key NULLS LAST
    """,
}


def covered_ranges(
    date_from: datetime.date, date_to: datetime.date
) -> tuple[tuple[datetime.date, datetime.date] | None, list[tuple[datetime.date, datetime.date]]]:
    """The days from `date_from` to `date_to` as the engine reads them
    (indicators/querysets.py `covering`): the whole months [first, after), read from month
    rows, and the day ranges [first, after) around them, read from day rows."""
    after = date_to + datetime.timedelta(days=1)
    first_whole = date_from if date_from.day == 1 else _next_month(date_from)
    after_whole = after.replace(day=1)
    if first_whole >= after_whole:
        return None, [(date_from, after)]
    days = []
    if date_from < first_whole:
        days.append((date_from, first_whole))
    if after_whole < after:
        days.append((after_whole, after))
    return (first_whole, after_whole), days


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _cover(alias: str, months, days, *, month_sites: str, day_sites: str) -> str:
    """The condition on `alias`'s grain and day (and sites) for the covered ranges; only the
    ranges that exist, as the engine does."""
    parts = []
    if months is not None:
        parts.append(
            f"({alias}.grain = 'month' AND {month_sites}"
            f"{alias}.day >= %(months_from)s AND {alias}.day < %(months_to)s)"
        )
    for index, _range in enumerate(days):
        parts.append(
            f"({alias}.grain = 'day' AND {day_sites}"
            f"{alias}.day >= %(days{index}_from)s AND {alias}.day < %(days{index}_to)s)"
        )
    return " OR ".join(parts)


def rollup_sql(
    group_by: str, date_from: datetime.date, date_to: datetime.date
) -> tuple[str, dict[str, object]] | None:
    """The hand-written rollup statement for `group_by` over the period, with its
    parameters (None for a grouping without one)."""
    template = ROLLUP_SQL.get(group_by)
    if template is None:
        return None
    months, days = covered_ranges(date_from, date_to)
    params: dict[str, object] = {
        "region": REGION,
        "owner": ORGANISATION,
        "date_from": date_from,
        "date_to": date_to,
    }
    if months is not None:
        params["months_from"], params["months_to"] = months
    for index, (first, after) in enumerate(days):
        params[f"days{index}_from"], params[f"days{index}_to"] = first, after
    sql = template.format(
        # The rollup rows' sites come from the join with `scope`.
        rollup_cover=_cover("r", months, days, month_sites="", day_sites=""),
        histogram_cover=_cover(
            "h",
            months,
            days,
            month_sites="h.site_id IS NULL AND h.region_id = "
            "(SELECT id FROM organisations_region WHERE code = %(region)s) AND ",
            day_sites="h.site_id IN (SELECT id FROM scope) AND ",
        ),
    )
    return sql, params


@dataclass
class Timing:
    name: str
    samples: list[float]  # seconds

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)


def data_set_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the data set this script loads, shared by the scripts that use it."""
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--from", dest="date_from", type=datetime.date.fromisoformat,
                        default=datetime.date(2025, 1, 1))  # fmt: skip
    parser.add_argument("--to", dest="date_to", type=datetime.date.fromisoformat,
                        default=datetime.date(2025, 12, 31))  # fmt: skip
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--reload", action="store_true", help="regenerate the data anyway")
    parser.add_argument("--allow-any-database", action="store_true")


def load_data_set(args: argparse.Namespace) -> list[BenchSite]:
    """Django configured, the region's sites, and the visits (loaded unless already there)."""
    database = configure_django(allow_any_database=args.allow_any_database)
    print(f"database {database}; {machine_summary()}")
    sites = ensure_sites(
        prefix=SITE_PREFIX, organisation_code=ORGANISATION, library_organisation_code=LIBRARIES
    )
    ensure_data(sites, args)
    return sites


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data_set_arguments(parser)
    parser.add_argument("--group-by", default="month,service", help="comma-separated")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--budget",
        type=float,
        default=90,
        help="seconds per side and grouping: stop early (after at least 5 runs) when a call "
        "is so slow that 20 runs would blow it; keeps the whole run under ten minutes",
    )
    parser.add_argument(
        "--explain", action="store_true", help="list the API's queries and EXPLAIN the slowest"
    )
    parser.add_argument("--explain-top", type=int, default=3)
    parser.add_argument("--explain-calls", type=int, default=10)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load_data_set(args)
    key = create_api_key(ORGANISATION)
    client = StatsClient(key)
    gc.collect()

    params = {
        "region": REGION,
        "start": local_midnight(args.date_from),
        "end": local_midnight(args.date_to + datetime.timedelta(days=1)),
    }
    results: list[Result] = []
    with raw_connection(prepare=False) as conn:
        for group_by in args.group_by.split(","):
            query = {
                "scope": f"region:{REGION}",
                "from": args.date_from.isoformat(),
                "to": args.date_to.isoformat(),
                "group_by": group_by,
            }
            answer = client.get(query)
            rollup = rollup_sql(group_by, args.date_from, args.date_to)
            if rollup is not None:
                check_rollup_agreement(group_by, answer, fetch_indicators(conn, *rollup))
            visit_sql = VISIT_TABLE_SQL.get(group_by)
            if visit_sql is not None:
                visit_rows = dict(conn.execute(visit_sql, params).fetchall())
                check_visit_agreement(group_by, answer, visit_rows)
            # The API and the rollup SQL take turns: their ratio is the figure that matters.
            sides = {f"API group_by={group_by}": lambda q=query: client.get(q)}
            if rollup is not None:
                sides[f"rollup SQL group_by={group_by}"] = lambda r=rollup: _fetch(conn, *r)
            timings = measure_alternating(sides, args)
            result = Result(group_by, timings[0], rollup=timings[1] if rollup else None)
            if visit_sql is not None:
                result.visit_table = measure(
                    f"visit-table SQL group_by={group_by}",
                    lambda s=visit_sql: _fetch(conn, s, params),
                    args,
                )
            results.append(result)
        if args.explain:
            for group_by in args.group_by.split(","):
                explain_api_call(client, group_by, args)
                explain_rollup_sql(conn, group_by, args)

    report(results, args)
    print(f"finished; {load_average()}")
    return 0


@dataclass
class Result:
    group_by: str
    api: Timing
    rollup: Timing | None = None  # hand-written SQL over the rollup tables
    visit_table: Timing | None = None  # hand-written GROUP BY over the visit tables


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zoneinfo.ZoneInfo(TIME_ZONE))


def _fetch(conn, sql: str, params: dict) -> list:
    return conn.execute(sql, params).fetchall()


# --- Data -----------------------------------------------------------------------------------


def bench_visit_counts(
    sites: Sequence[BenchSite], date_from: datetime.date, date_to: datetime.date
) -> tuple[int, int]:
    """All visits in the database, and those at the bench sites within the period: a run
    reuses what an earlier run loaded only when both are what it would load."""
    from django.db import connection

    start = local_midnight(date_from)
    end = local_midnight(date_to + datetime.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM visits_visit")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM visits_visit WHERE site_id = ANY(%s) "
            "AND started_at >= %s AND started_at < %s",
            [[site.id for site in sites], start, end],
        )
        return total, cursor.fetchone()[0]


def copy_bench_visits(
    sites: Sequence[BenchSite], args: argparse.Namespace, count: int
) -> dict[str, int]:
    """Empty the visit tables and COPY `count` synthetic visits (and staffed hours) at the
    sites over `args.date_from` … `args.date_to`, then VACUUM them. Returns how many visits,
    help items and barrier links were copied."""
    truncate_visit_tables()
    generator = VisitGenerator(sites=sites, seed=args.seed)
    generator.set_period(args.date_from, args.date_to)
    counts = {"visits": 0, "help items": 0, "barriers": 0}
    with raw_connection() as conn:
        with conn.transaction():
            conn.execute(
                "DELETE FROM visits_staffedhours WHERE site_id = ANY(%s)", [[s.id for s in sites]]
            )
            for offset in range(0, count, CHUNK):
                chunk = list(generator.visits(min(CHUNK, count - offset)))
                copy_visits(conn, chunk, counts)
                print(f"  {offset + len(chunk):,} visits copied", end="\r", flush=True)
            copy_staffed_hours(conn, sites, args)
        # Outside the transaction: VACUUM sets the visibility map (index-only scans), as
        # autovacuum would have done on a database in use.
        for table in ("visits_visit", "visits_helpitem", "visits_visit_barriers"):
            conn.execute(f"VACUUM {table}")
    return counts


def ensure_data(sites: Sequence[BenchSite], args: argparse.Namespace) -> None:
    """Exactly `--visits` visits, all at the bench sites within the period; else reload."""
    total, ours = bench_visit_counts(sites, args.date_from, args.date_to)
    if total == ours == args.visits and not args.reload:
        print(f"data: {total:,} visits already loaded, reusing them")
        ensure_rollups()
        analyze()
        return
    print(f"data: found {total:,} visits ({ours:,} of this benchmark); loading {args.visits:,}")
    started = time.perf_counter()
    counts = load_bench_visits(sites, args, args.visits)
    print(
        f"  loaded {counts['visits']:,} visits, {counts['help items']:,} help items, "
        f"{counts['barriers']:,} barrier links and rebuilt the rollups in "
        f"{time.perf_counter() - started:.0f} s"
    )


def load_bench_visits(
    sites: Sequence[BenchSite], args: argparse.Namespace, count: int
) -> dict[str, int]:
    """`count` synthetic visits copied into emptied visit tables, with their rollups
    rebuilt and the planner's statistics fresh on both: a database as one in use."""
    counts = copy_bench_visits(sites, args, count)
    analyze()
    rebuild_rollups()
    analyze()
    return counts


def ensure_rollups() -> None:
    """The rows were copied past the application, which keeps no rollups: rebuild them
    unless a previous run did."""
    from indicators.models import Rollup

    if not Rollup.objects.exists():
        rebuild_rollups()


def rebuild_rollups() -> None:
    from indicators.models import Rollup, RollupHistogram
    from indicators.rollups import rollup_rebuild

    started = time.perf_counter()
    rollup_rebuild()
    print(
        f"  rollups rebuilt in {time.perf_counter() - started:.0f} s: "
        f"{Rollup.objects.count():,} rows, {RollupHistogram.objects.count():,} histogram rows"
    )


def analyze() -> None:
    """Statistics for every table, as autovacuum keeps them on a database in use. Without
    them the planner sees the freshly migrated organisation tables as nearly empty and
    picks nested loops over a million visits. A few seconds (ANALYZE samples).

    The rollup tables are vacuumed too, as autovacuum would have done after the rebuild's
    inserts (this server may run without autovacuum): without the visibility map no read
    is an index-only scan. Quick once done: VACUUM skips the pages already all-visible."""
    with raw_connection() as conn:
        conn.execute("VACUUM indicators_rollup, indicators_rolluphistogram")
        conn.execute("ANALYZE")


def copy_visits(conn, chunk: Sequence, counts: dict[str, int]) -> None:
    from bench.common import VISIT_COLUMNS, visit_row

    with conn.cursor() as cursor:
        with cursor.copy(f"COPY visits_visit ({', '.join(VISIT_COLUMNS)}) FROM STDIN") as copy:
            for visit in chunk:
                # Logged as the visit ended, as at the counter.
                ended = visit.started_at + datetime.timedelta(minutes=visit.duration_min)
                source = "api" if visit.site.kind == "library" else "counter"
                copy.write_row(visit_row(visit, source=source, now=ended))
        with cursor.copy(
            "COPY visits_helpitem (visit_id, service_id, mode_id, outcome_id) FROM STDIN"
        ) as copy:
            for visit in chunk:
                for item in visit.help:
                    copy.write_row((visit.id, *item))
                    counts["help items"] += 1
        with cursor.copy("COPY visits_visit_barriers (visit_id, barrier_id) FROM STDIN") as copy:
            for visit in chunk:
                for code in visit.barriers:
                    copy.write_row((visit.id, code))
                    counts["barriers"] += 1
    counts["visits"] += len(chunk)


def copy_staffed_hours(conn, sites: Sequence[BenchSite], args: argparse.Namespace) -> None:
    """Staffed hours at the service centres on every weekday they are open: 7 hours
    (6.5 on Fridays), one to three staff. The engine reads them for visits per staffed hour."""
    import random

    from visits import demo

    rng = random.Random(args.seed)
    day = args.date_from
    with (
        conn.cursor() as cursor,
        cursor.copy(
            "COPY visits_staffedhours (site_id, date, open_hours, staff_hours) FROM STDIN"
        ) as copy,
    ):
        while day <= args.date_to:
            if day.weekday() < 5 and not demo._is_holiday(day):
                open_hours = Decimal("6.5") if day.weekday() == 4 else Decimal("7")
                for site in sites:
                    if site.kind == "service_centre":
                        staff = rng.randint(1, 3)
                        copy.write_row((site.id, day, open_hours, open_hours * staff))
            day += datetime.timedelta(days=1)


# --- Measuring ------------------------------------------------------------------------------


class StatsClient:
    """GET /api/v1/stats/ in-process with the API key, as HTTPS behind a proxy."""

    def __init__(self, key: str):
        from django.test import Client

        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}

    def get(self, query: dict[str, str]) -> dict:
        """The decoded answer (a wrong or failed answer stops the benchmark)."""
        import json

        response = self.client.get(STATS_URL, query, secure=True, **self.headers)
        if response.status_code != 200:
            raise SystemExit(f"stats answered {response.status_code}: {response.content[:500]!r}")
        return json.loads(response.content)


def measure(name: str, call: Callable[[], object], args: argparse.Namespace) -> Timing:
    return measure_alternating({name: call}, args)[0]


def measure_alternating(
    calls: dict[str, Callable[[], object]], args: argparse.Namespace
) -> list[Timing]:
    """Each call `--runs` times after its warm-ups, the calls taking turns (in alternating
    order) so that on a shared machine every side sees the same neighbours: the ratio of
    two sides moves much less than their times."""
    names = list(calls)
    for name in names:
        started = time.perf_counter()
        for _ in range(args.warmups):
            calls[name]()
            if time.perf_counter() - started > args.budget / 4:
                break  # a call that slow has warmed every cache there is
    samples: dict[str, list[float]] = {name: [] for name in names}
    started = time.perf_counter()
    for run in range(args.runs):
        if run >= 5 and time.perf_counter() - started > args.budget * len(names):
            break
        for name in names if run % 2 == 0 else reversed(names):
            call_started = time.perf_counter()
            calls[name]()
            samples[name].append(time.perf_counter() - call_started)
    timings = [Timing(name, samples[name]) for name in names]
    for timing in timings:
        print(
            f"  {timing.name}: p50 {timing.p50 * 1000:.1f} ms, p95 {timing.p95 * 1000:.1f} ms "
            f"({len(timing.samples)} runs)"
        )
    return timings


def fetch_indicators(conn, sql: str, params: dict) -> dict[str | None, dict]:
    """The rollup statement's rows by key (None: the total), each a dict by column name."""
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def check_rollup_agreement(group_by: str, answer: dict, sql_rows: dict[str | None, dict]) -> None:
    """Every published value of every row and of the total must equal the hand-written
    SQL's, or the comparison means nothing. Floats are compared exactly: both sides divide
    the same integers in float8. The caller (the region's organisation) does not own 3 of
    the 15 sites, so suppression runs; it must have hidden nothing (else the API's nulls
    would not be the SQL's numbers)."""
    if answer["suppressed"]:
        raise SystemExit(f"group_by={group_by}: the API suppressed {answer['suppressed'][:5]}…")
    api_rows: dict[str | None, dict] = {row["key"]: row for row in answer["rows"]}
    api_rows[None] = {"key": None, **answer["total"]}
    if set(api_rows) != set(sql_rows):
        raise SystemExit(
            f"group_by={group_by}: rows differ: API only {sorted(set(api_rows) - set(sql_rows))},"
            f" SQL only {sorted(set(sql_rows) - set(api_rows))}"
        )
    differing = []
    compared: set[str] = set()
    not_in_sql: set[str] = set()
    for key, api_row in api_rows.items():
        for name, value in api_row.items():
            if name not in sql_rows[key]:
                not_in_sql.add(name)
                if value is not None:
                    differing.append((key, name, value, "(not computed)"))
                continue
            compared.add(name)
            if value != sql_rows[key][name] or type(value) is not type(sql_rows[key][name]):
                differing.append((key, name, value, sql_rows[key][name]))
    if differing:
        shown = "\n".join(f"  {key} {name}: API {a!r}, SQL {b!r}" for key, name, a, b in differing)
        raise SystemExit(f"group_by={group_by}: API and rollup SQL disagree:\n{shown}")
    values = sum(1 for row in api_rows.values() for name in row if name in compared)
    print(
        f"  group_by={group_by}: API and rollup SQL agree on {len(api_rows) - 1} rows + total, "
        f"{values} values ({', '.join(sorted(compared - {'key'}))}); "
        f"null on both sides (no data yet): {', '.join(sorted(not_in_sql))}; nothing suppressed"
    )


def check_visit_agreement(group_by: str, answer: dict, sql_rows: dict[str, int]) -> None:
    """The visit-table baseline counts visits only: those must agree."""
    api_rows = {row["key"]: row["visits"] for row in answer["rows"]}
    if api_rows != sql_rows:
        differing = {
            key: (api_rows.get(key), sql_rows.get(key))
            for key in sorted(set(api_rows) | set(sql_rows))
            if api_rows.get(key) != sql_rows.get(key)
        }
        raise SystemExit(f"group_by={group_by}: API and SQL disagree (api, sql): {differing}")
    print(f"  group_by={group_by}: API and visit-table SQL agree on visits in {len(api_rows)} rows")


# --- Where the time goes --------------------------------------------------------------------


def explain_api_call(client: StatsClient, group_by: str, args: argparse.Namespace) -> None:
    """The SQL statements of the API call with their times, and EXPLAIN ANALYZE of the
    slowest (bench.common.explain_statements)."""
    query = {
        "scope": f"region:{REGION}",
        "from": args.date_from.isoformat(),
        "to": args.date_to.isoformat(),
        "group_by": group_by,
    }
    explain_statements(
        lambda: client.get(query),
        title=f"group_by={group_by}: API call",
        calls=args.explain_calls,
        top=args.explain_top,
    )


def explain_rollup_sql(conn, group_by: str, args: argparse.Namespace) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the hand-written rollup statement, for comparison."""
    rollup = rollup_sql(group_by, args.date_from, args.date_to)
    if rollup is None:
        return
    sql, params = rollup
    plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).fetchall()
    print(f"\n=== group_by={group_by}: the rollup SQL baseline\n" + "\n".join(r[0] for r in plan))


# --- Report ---------------------------------------------------------------------------------


def report(results: Sequence[Result], args) -> None:
    print(
        f"\n{args.visits:,} visits, scope region:{REGION}, {args.date_from} to {args.date_to}; "
        f"up to {args.runs} runs after up to {args.warmups} warm-ups (fewer when a side needs "
        f"more than {args.budget:.0f} s); in-process API call against one hand-written "
        "statement on a kept plain psycopg connection (not prepared, as Django): over the "
        "rollup tables (every indicator; taking turns with the API) and over the visit "
        "tables (visits only)."
    )

    def ms(timing: Timing | None, attribute: str) -> str:
        return "-" if timing is None else f"{getattr(timing, attribute) * 1000:.1f}"

    def ratio(api: Timing, baseline: Timing | None) -> str:
        return "-" if baseline is None else f"{api.p50 / baseline.p50:.2f}"

    print_table(
        [
            "group_by",
            "API p50",
            "API p95",
            "rollup SQL p50",
            "p95",
            "API/rollup SQL",
            "visit-table SQL p50",
            "p95",
            "API/visit SQL",
            "runs",
        ],
        [
            (
                result.group_by,
                ms(result.api, "p50"),
                ms(result.api, "p95"),
                ms(result.rollup, "p50"),
                ms(result.rollup, "p95"),
                ratio(result.api, result.rollup),
                ms(result.visit_table, "p50"),
                ms(result.visit_table, "p95"),
                ratio(result.api, result.visit_table),
                "/".join(
                    str(len(timing.samples)) if timing else "0"
                    for timing in (result.api, result.rollup, result.visit_table)
                ),
            )
            for result in results
        ],
    )
    print("(ms; runs: API / rollup SQL / visit-table SQL)")
    for result in results:
        under = result.api.p50 < TARGET_SECONDS
        within = result.rollup is not None and result.api.p50 <= 2 * result.rollup.p50
        print(
            f"group_by={result.group_by}: p50 under {TARGET_SECONDS * 1000:.0f} ms: "
            f"{'met' if under else 'NOT met'}; at most 2x the rollup SQL: "
            f"{'met' if within else 'NOT met'}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
