"""Regional statistics through the API against one hand-written SQL GROUP BY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench_stats \\
        .venv/bin/python bench/stats.py [--visits 1000000] [--runs 20] [--explain]

Loads N synthetic visits (default one million) at one site in each of the 15 municipalities
of region 24 (Västerbotten) over one year with COPY, unless exactly that many are already
there (reruns take seconds), then VACUUM ANALYZE. Then times
`GET /api/v1/stats/?scope=region:24&from=…&to=…&group_by=month|service` in-process
(django.test.Client, API-key caller: the region's own organisation, which owns 12 of the 15
sites, so suppression runs as for a partner) and, in the same run, one hand-written SQL
query each:

- month: visits per month (Swedish time) in the region and year;
- service: visits per e-service, COUNT(DISTINCT visit) over the help items.

Prints p50/p95 over `--runs` runs after `--warmups` warm-ups, and the ratio API / SQL. The
target (the issue): no slower than the SQL and under 100 ms at p50. The API computes every
indicator (14 of them, over four sources), the SQL only the visit count: the ratio is what
the engine's generality costs. The API's visit counts are checked against the SQL's.

`--explain` lists the SQL statements of one API call per grouping with their times, and
prints EXPLAIN (ANALYZE, BUFFERS) of the slowest ones.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    TIME_ZONE,
    BenchSite,
    VisitGenerator,
    configure_django,
    create_api_key,
    ensure_sites,
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

REGION_FILTER = """
    v.site_id IN (
        SELECT s.id FROM organisations_site s
        JOIN organisations_municipality m ON m.id = s.municipality_id
        JOIN organisations_region r ON r.id = m.region_id
        WHERE r.code = %(region)s
    )
    AND v.started_at >= %(start)s AND v.started_at < %(end)s
"""
SQL_BASELINES = {
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
    results: list[tuple[str, Timing, Timing]] = []
    with raw_connection(prepare=False) as conn:
        for group_by in args.group_by.split(","):
            query = {
                "scope": f"region:{REGION}",
                "from": args.date_from.isoformat(),
                "to": args.date_to.isoformat(),
                "group_by": group_by,
            }
            sql = SQL_BASELINES.get(group_by)
            api_rows = client.get(query)
            if sql is not None:
                sql_rows = dict(conn.execute(sql, params).fetchall())
                check_agreement(group_by, api_rows, sql_rows)
            api = measure(f"API group_by={group_by}", lambda q=query: client.get(q), args)
            if sql is None:
                results.append((group_by, api, None))
                continue
            raw = measure(f"SQL group_by={group_by}", lambda s=sql: _fetch(conn, s, params), args)
            results.append((group_by, api, raw))
        if args.explain:
            for group_by in args.group_by.split(","):
                explain_api_call(client, group_by, args)

    report(results, args)
    print(f"finished; {load_average()}")
    return 0


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zoneinfo.ZoneInfo(TIME_ZONE))


def _fetch(conn, sql: str, params: dict) -> list:
    return conn.execute(sql, params).fetchall()


# --- Data -----------------------------------------------------------------------------------


def ensure_data(sites: Sequence[BenchSite], args: argparse.Namespace) -> None:
    """Exactly `--visits` visits, all at the bench sites within the period; else reload."""
    from django.db import connection

    start = local_midnight(args.date_from)
    end = local_midnight(args.date_to + datetime.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM visits_visit")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM visits_visit WHERE site_id = ANY(%s) "
            "AND started_at >= %s AND started_at < %s",
            [[site.id for site in sites], start, end],
        )
        ours = cursor.fetchone()[0]
    if total == ours == args.visits and not args.reload:
        print(f"data: {total:,} visits already loaded, reusing them")
        ensure_rollups()
        analyze()
        return
    print(f"data: found {total:,} visits ({ours:,} of this benchmark); loading {args.visits:,}")
    started = time.perf_counter()
    truncate_visit_tables()
    generator = VisitGenerator(sites=sites, seed=args.seed)
    generator.set_period(args.date_from, args.date_to)
    counts = {"visits": 0, "help items": 0, "barriers": 0}
    with raw_connection() as conn:
        with conn.transaction():
            conn.execute(
                "DELETE FROM visits_staffedhours WHERE site_id = ANY(%s)", [[s.id for s in sites]]
            )
            for offset in range(0, args.visits, CHUNK):
                chunk = list(generator.visits(min(CHUNK, args.visits - offset)))
                copy_visits(conn, chunk, counts)
                print(f"  {offset + len(chunk):,} visits copied", end="\r", flush=True)
            copy_staffed_hours(conn, sites, args)
        # Outside the transaction: VACUUM sets the visibility map (index-only scans), as
        # autovacuum would have done on a database in use.
        for table in ("visits_visit", "visits_helpitem", "visits_visit_barriers"):
            conn.execute(f"VACUUM {table}")
    print(
        f"  loaded {counts['visits']:,} visits, {counts['help items']:,} help items, "
        f"{counts['barriers']:,} barrier links in {time.perf_counter() - started:.0f} s"
    )
    analyze()
    rebuild_rollups()
    analyze()


def ensure_rollups() -> None:
    """The rows were copied past the application, which keeps no rollups: rebuild them
    unless a previous run did."""
    from indicators.models import Rollup

    if not Rollup.objects.exists():
        rebuild_rollups()


def rebuild_rollups() -> None:
    from indicators.models import Rollup, RollupHistogram
    from indicators.services import rollup_rebuild

    started = time.perf_counter()
    rollup_rebuild()
    print(
        f"  rollups rebuilt in {time.perf_counter() - started:.0f} s: "
        f"{Rollup.objects.count():,} rows, {RollupHistogram.objects.count():,} histogram rows"
    )


def analyze() -> None:
    """Statistics for every table, as autovacuum keeps them on a database in use. Without
    them the planner sees the freshly migrated organisation tables as nearly empty and
    picks nested loops over a million visits. A few seconds (ANALYZE samples)."""
    with raw_connection() as conn:
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

    def get(self, query: dict[str, str]) -> dict[str, int]:
        """The visits per row key (a wrong or failed answer stops the benchmark)."""
        import json

        response = self.client.get(STATS_URL, query, secure=True, **self.headers)
        if response.status_code != 200:
            raise SystemExit(f"stats answered {response.status_code}: {response.content[:500]!r}")
        return {row["key"]: row["visits"] for row in json.loads(response.content)["rows"]}


def measure(name: str, call: Callable[[], object], args: argparse.Namespace) -> Timing:
    started = time.perf_counter()
    for _ in range(args.warmups):
        call()
        if time.perf_counter() - started > args.budget / 4:
            break  # a call that slow has warmed every cache there is
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < args.runs:
        if len(samples) >= 5 and time.perf_counter() - started > args.budget:
            break
        call_started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - call_started)
    timing = Timing(name, samples)
    print(
        f"  {name}: p50 {timing.p50 * 1000:.1f} ms, p95 {timing.p95 * 1000:.1f} ms "
        f"({len(samples)} runs)"
    )
    return timing


def check_agreement(group_by: str, api_rows: dict[str, int], sql_rows: dict[str, int]) -> None:
    """Both sides must count the same visits, or the comparison means nothing."""
    if api_rows != sql_rows:
        differing = {
            key: (api_rows.get(key), sql_rows.get(key))
            for key in sorted(set(api_rows) | set(sql_rows))
            if api_rows.get(key) != sql_rows.get(key)
        }
        raise SystemExit(f"group_by={group_by}: API and SQL disagree (api, sql): {differing}")
    print(f"  group_by={group_by}: API and SQL agree on {len(api_rows)} rows")


# --- Where the time goes --------------------------------------------------------------------


def explain_api_call(client: StatsClient, group_by: str, args: argparse.Namespace) -> None:
    """The SQL statements of one API call with their times, and EXPLAIN ANALYZE of the
    slowest (run again on their own, with the call's parameters)."""
    from django.db import connection

    statements: list[tuple[float, str, object]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql, params))

    query = {
        "scope": f"region:{REGION}",
        "from": args.date_from.isoformat(),
        "to": args.date_to.isoformat(),
        "group_by": group_by,
    }
    started = time.perf_counter()
    with connection.execute_wrapper(record):
        client.get(query)
    total = time.perf_counter() - started
    sql_total = sum(seconds for seconds, _sql, _params in statements)
    print(
        f"\n=== group_by={group_by}: one call {total * 1000:.0f} ms, "
        f"{len(statements)} SQL statements {sql_total * 1000:.0f} ms, "
        f"Python {(total - sql_total) * 1000:.0f} ms"
    )
    print_table(
        ["#", "ms", "statement (start)"],
        [
            (index, f"{seconds * 1000:.1f}", " ".join(sql.split())[:110])
            for index, (seconds, sql, _params) in enumerate(statements, start=1)
        ],
    )
    slowest = sorted(enumerate(statements, start=1), key=lambda item: -item[1][0])
    with connection.cursor() as cursor:
        for index, (_seconds, sql, params) in slowest[: args.explain_top]:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"\n--- statement #{index}:\n{sql}\n--- params: {params}\n{plan}")


# --- Report ---------------------------------------------------------------------------------


def report(results: Sequence[tuple[str, Timing, Timing | None]], args) -> None:
    print(
        f"\n{args.visits:,} visits, scope region:{REGION}, {args.date_from} to {args.date_to}; "
        f"up to {args.runs} runs after up to {args.warmups} warm-ups (fewer when a side needs "
        f"more than {args.budget:.0f} s); in-process API call vs one SQL query on a plain "
        "psycopg connection."
    )
    rows = []
    for group_by, api, raw in results:
        ratio = f"{api.p50 / raw.p50:.1f}" if raw else "-"
        rows.append(
            (
                group_by,
                f"{api.p50 * 1000:.1f}",
                f"{api.p95 * 1000:.1f}",
                f"{raw.p50 * 1000:.1f}" if raw else "-",
                f"{raw.p95 * 1000:.1f}" if raw else "-",
                ratio,
                f"{len(api.samples)}/{len(raw.samples) if raw else 0}",
            )
        )
    print_table(
        ["group_by", "API p50 ms", "API p95 ms", "SQL p50 ms", "SQL p95 ms", "API/SQL p50", "runs"],
        rows,
    )
    for group_by, api, raw in results:
        under = api.p50 < 0.1
        not_slower = raw is not None and api.p50 <= raw.p50
        print(
            f"group_by={group_by}: p50 under 100 ms: {'met' if under else 'NOT met'}; "
            f"no slower than SQL: {'met' if not_slower else 'NOT met'}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
