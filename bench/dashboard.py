"""Server time of the region dashboard (its HTML and its data endpoints) at growing data
sizes, against a bare Django view rendering the same template with constant data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench_dashboard \\
        .venv/bin/python bench/dashboard.py [--sizes 10000,100000,1000000] [--runs 20] \\
        [--explain] [--profile]

Issue 9: "prints the server time of the region dashboard (HTML and its data endpoints) at
10,000, 100,000 and 1,000,000 visits and the growth ratio, beside a bare Django view rendering
the same template with constant data. Targets: under 150 ms at 1M visits and less than 2×
time for 100× data."

For each size in turn, the visit tables are emptied and that many synthetic visits loaded
with COPY (one site per municipality of region 24, Västerbotten, over one year, 2025 by
default, as `bench/stats.py` does; three of the fifteen sites are libraries of another
organisation, so suppression runs), unless exactly that many are already there; then VACUUM
ANALYZE, and the rollups are rebuilt (`indicators.rollups.rollup_rebuild`: the rows were
copied past the application). The load and rebuild times are printed.

The caller is an analyst of the organisation that owns the bench sites (a `Membership` with
role `analyst`, created here), signed in with `force_login`; requests are sent in-process
with django.test.Client as HTTPS (as behind the production proxy). Two periods: the month
with the most visits ("month", fixed at the first size so every size shows the same month)
and the whole year ("year", `?period=year&date=…`). Per size and period it times, p50 and
p95 over `--runs` runs after `--warmups` warm-ups:

- `dashboard`: `GET /statistik/region/24/?period=…&date=…`, the whole page;
- `bare`: the baseline, taking turns with the dashboard: a view defined here, behind the same
  middleware, session and `login_required`, rendering `indicators/dashboard.html` with the
  context the real view passed (captured once per size and period, outside the timing). The
  same template, the same charts drawn (the SVG is drawn as the template renders) and the
  same figures formatted, but no statistics read;
- `live fresh` and `live`: `GET …/live/`, the tiles and today's counters an open dashboard
  refetches after a change: `live fresh` with the cache emptied before each call (outside
  the timing), as for the first fetch after a visit changed (the fragment is cached under the
  sites' generations, which a change bumps), `live` as cached for every later fetch;
- `csv <chart>`: `GET …/<chart>.csv` for every chart of `indicators.dashboards.CHARTS`.

It also counts the SQL queries of each request (CaptureQueriesContext): the count must not
depend on the size. A count that differs between sizes is reported loudly and the script
exits with status 1 after its report.

The growth ratio is the p50 at the largest size over the p50 at the smallest. Targets: p50
under 150 ms at the largest size, and growth under 2 (for 100× the data). The machine may be
shared and the sizes are measured minutes apart, so the script also prints the CPU time per
request (this process and its PostgreSQL backend, from /proc, read outside the timed window)
and its growth, which moves far less with the neighbours than wall-clock time.

`--explain` lists the SQL statements of one dashboard request per period at the largest size
with their median times over `--explain-calls` calls and the Python time around them, and
EXPLAIN (ANALYZE, BUFFERS) of the slowest `--explain-top`. `--profile` prints a profile of one
dashboard request per period at the largest size (pyinstrument if installed, else cProfile).

The second part of issue 9's benchmark, the time from a visit's commit to the updated tile
in 1, 20 and 100 open browsers, is not measured here; it lives with the live-update code's
benchmark, not in this script.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import sys
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The project first, and not this folder: bench/queue.py would stand in for the standard
# library's queue, which the thread pools import.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import (  # noqa: E402
    TIME_ZONE,
    BenchSite,
    CpuMeter,
    backend_pid,
    configure_django,
    ensure_sites,
    explain_statements,
    load_average,
    machine_summary,
    percentile,
    print_table,
)
from bench.stats import (  # noqa: E402
    analyze,
    bench_visit_counts,
    copy_bench_visits,
    local_midnight,
)

REGION = "24"
ORGANISATION = "bench-dash-region"
LIBRARIES = "bench-dash-library"
SITE_PREFIX = "bench-dash"
ANALYST = "bench-dash-analyst"
DASHBOARD_URL = f"/statistik/region/{REGION}/"
BARE_URL = "/bench-bare-dashboard/"
TARGET_SECONDS = 0.150  # the issue: under 150 ms at 1M visits
TARGET_GROWTH = 2.0  # ... and less than 2x the time for 100x the data
TEMPLATE = "indicators/dashboard.html"


# --- Arguments ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="comma-separated visit counts, loaded in turn into the same database",
    )
    parser.add_argument("--from", dest="date_from", type=datetime.date.fromisoformat,
                        default=datetime.date(2025, 1, 1))  # fmt: skip
    parser.add_argument("--to", dest="date_to", type=datetime.date.fromisoformat,
                        default=datetime.date(2025, 12, 31))  # fmt: skip
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument(
        "--month",
        type=lambda text: datetime.date.fromisoformat(f"{text}-01"),
        help="YYYY-MM: the month to show (default: the month with the most visits)",
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--budget",
        type=float,
        default=60,
        help="seconds per endpoint: stop early (after at least 5 runs) when a request is so "
        "slow that all runs would blow it",
    )
    parser.add_argument("--reload", action="store_true", help="load the first size anyway")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--explain-top", type=int, default=3)
    parser.add_argument("--explain-calls", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",")]
    return args


def size_label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


# --- Data -----------------------------------------------------------------------------------


@dataclass
class Loaded:
    size: int
    reused: bool
    load_seconds: float = 0.0
    rebuild_seconds: float = 0.0
    rollup_rows: int = 0
    histogram_rows: int = 0


def load(size: int, sites: Sequence[BenchSite], args: argparse.Namespace, *, first: bool) -> Loaded:
    """Exactly `size` visits at the bench sites within the period, and their rollups:
    emptied and loaded unless they are already there."""

    from indicators.models import Rollup, RollupHistogram
    from indicators.rollups import rollup_rebuild

    total, ours = bench_visit_counts(sites, args.date_from, args.date_to)
    if total == ours == size and not (first and args.reload) and Rollup.objects.exists():
        print(f"data: {total:,} visits and their rollups already loaded, reusing them")
        analyze()
        return Loaded(
            size,
            reused=True,
            rollup_rows=Rollup.objects.count(),
            histogram_rows=RollupHistogram.objects.count(),
        )

    print(f"data: found {total:,} visits ({ours:,} of this benchmark); loading {size:,}")
    started = time.perf_counter()
    counts = copy_bench_visits(sites, args, size)
    loaded = Loaded(size, reused=False)
    analyze()
    loaded.load_seconds = time.perf_counter() - started
    print(
        f"\n  loaded {counts['visits']:,} visits, {counts['help items']:,} help items, "
        f"{counts['barriers']:,} barrier links in {loaded.load_seconds:.1f} s "
        "(COPY, VACUUM, ANALYZE)"
    )
    started = time.perf_counter()
    rollup_rebuild()
    analyze()  # vacuums the rollup tables too (visibility map: index-only scans)
    loaded.rebuild_seconds = time.perf_counter() - started
    loaded.rollup_rows = Rollup.objects.count()
    loaded.histogram_rows = RollupHistogram.objects.count()
    check_unchanged(loaded)
    print(
        f"  rollups rebuilt in {loaded.rebuild_seconds:.1f} s (with VACUUM ANALYZE): "
        f"{loaded.rollup_rows:,} rows, {loaded.histogram_rows:,} histogram rows"
    )
    return loaded


def busiest_month(args: argparse.Namespace) -> tuple[datetime.date, int]:
    """The first day of the month with the most visits in the period, and its visits."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT date_trunc('month', started_at AT TIME ZONE '{TIME_ZONE}')::date, count(*)
            FROM visits_visit WHERE started_at >= %s AND started_at < %s
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """,
            [
                local_midnight(args.date_from),
                local_midnight(args.date_to + datetime.timedelta(days=1)),
            ],
        )
        return cursor.fetchone()


def visits_in(first: datetime.date, last: datetime.date) -> int:
    from visits.models import Visit

    return Visit.objects.filter(
        started_at__gte=local_midnight(first),
        started_at__lt=local_midnight(last + datetime.timedelta(days=1)),
    ).count()


def ensure_analyst():
    """A user with the analyst role in the organisation that owns the bench sites."""
    from django.contrib.auth import get_user_model

    from organisations.models import Membership, Organisation

    user, _created = get_user_model().objects.get_or_create(username=ANALYST)
    Membership.objects.get_or_create(
        user=user,
        organisation=Organisation.objects.get(code=ORGANISATION),
        site=None,
        role=Membership.Role.ANALYST,
    )
    return user


# --- The bare view --------------------------------------------------------------------------

# The context the real dashboard view passed to its template, by period name: the bare view
# renders the template with it.
BARE_CONTEXTS: dict[str, dict[str, Any]] = {}


def install_bare_view() -> None:
    """Serve the bare view at BARE_URL, beside the project's URLs, behind the same
    middleware: a URLconf made here, whose patterns are the bare view's and the project's."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import render
    from django.test.utils import override_settings
    from django.urls import path

    @login_required
    def bare_dashboard(request, period: str):
        return render(request, TEMPLATE, BARE_CONTEXTS[period])

    project = import_module(settings.ROOT_URLCONF)
    module = types.ModuleType("bench_dashboard_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path(f"{BARE_URL.strip('/')}/<str:period>/", bare_dashboard),
        *project.urlpatterns,
    ]
    sys.modules[module.__name__] = module
    override_settings(ROOT_URLCONF=module.__name__).enable()


def capture_context(client, url: str, query: dict[str, str]) -> dict[str, Any]:
    """The context dict the real dashboard view passes to `render`, from one request."""
    from indicators import views

    captured: list[dict[str, Any]] = []
    real_render = views.render

    def capturing_render(request, template_name, context=None, *args, **kwargs):
        if template_name == TEMPLATE:
            captured.append(dict(context))
        return real_render(request, template_name, context, *args, **kwargs)

    views.render = capturing_render
    try:
        get(client, url, query)
    finally:
        views.render = real_render
    if len(captured) != 1:
        raise SystemExit(f"expected one render of {TEMPLATE}, got {len(captured)}")
    return captured[0]


# --- Requests -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Endpoint:
    period: str  # "month" / "year"
    name: str  # "dashboard", "bare", "live fresh", "live", "csv <chart>"
    url: str
    query: dict[str, str]
    fresh: bool = False  # empty the cache before each call (outside the timing)


def prepare(endpoint: Endpoint) -> None:
    """For a `fresh` endpoint, the state after a visit changed: nothing cached (the live
    figures are cached under the sites' generations, which a change bumps)."""
    if endpoint.fresh:
        from django.core.cache import cache

        cache.clear()


def call(client, endpoint: Endpoint):
    prepare(endpoint)
    return get(client, endpoint.url, endpoint.query)


def get(client, url: str, query: dict[str, str]):
    response = client.get(url, query, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} {query} answered {response.status_code}")
    return response


def endpoints(period: str, query: dict[str, str]) -> list[Endpoint]:
    from indicators.dashboards import CHARTS

    return [
        Endpoint(period, "dashboard", DASHBOARD_URL, query),
        Endpoint(period, "bare", f"{BARE_URL}{period}/", {}),
        Endpoint(period, "live fresh", f"{DASHBOARD_URL}live/", query, fresh=True),
        Endpoint(period, "live", f"{DASHBOARD_URL}live/", query),
        *(Endpoint(period, f"csv {code}", f"{DASHBOARD_URL}{code}.csv", query) for code in CHARTS),
    ]


def query_count(client, endpoint: Endpoint) -> tuple[int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prepare(endpoint)
    with CaptureQueriesContext(connection) as captured:
        get(client, endpoint.url, endpoint.query)
    return len(captured), [query["sql"] for query in captured.captured_queries]


@dataclass
class Timing:
    samples: list[float]  # seconds
    cpu: list[float] = field(default_factory=list)  # CPU seconds, Python + PostgreSQL backend

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def cpu_p50(self) -> float | None:
        return percentile(self.cpu, 50) if self.cpu else None


def cpu_meter() -> CpuMeter | None:
    """CPU seconds of this process and the PostgreSQL backend serving Django: on a shared
    machine wall-clock times move with the neighbours, CPU seconds much less. None when
    /proc cannot be read."""
    from django.db import connection

    try:
        meter = CpuMeter([backend_pid(connection)])
        meter.read()
    except OSError:
        return None
    return meter


def measure(client, group: Sequence[Endpoint], args: argparse.Namespace) -> dict[Endpoint, Timing]:
    """Each endpoint of the group `--runs` times after its warm-ups, taking turns (in
    alternating order) so that on a shared machine each sees the same neighbours."""
    for endpoint in group:
        started = time.perf_counter()
        for _ in range(args.warmups):
            call(client, endpoint)
            if time.perf_counter() - started > args.budget / 4:
                break
    timings = {endpoint: Timing([]) for endpoint in group}
    # Read outside the timed window; a connection reopened during a call (CONN_MAX_AGE
    # 60 s) loses that call's CPU figure.
    meter = cpu_meter()
    started = time.perf_counter()
    for run in range(args.runs):
        if run >= 5 and time.perf_counter() - started > args.budget * len(group):
            break
        for endpoint in group if run % 2 == 0 else reversed(group):
            cpu_before = _cpu(meter)
            if cpu_before is None:  # reopened: read the new backend's pid
                meter = cpu_meter()
                cpu_before = _cpu(meter)
            prepare(endpoint)
            call_started = time.perf_counter()
            get(client, endpoint.url, endpoint.query)
            timings[endpoint].samples.append(time.perf_counter() - call_started)
            cpu_after = _cpu(meter)
            if cpu_before is not None and cpu_after is not None:
                timings[endpoint].cpu.append(sum(CpuMeter.since(cpu_before, cpu_after).values()))
    return timings


def _cpu(meter: CpuMeter | None) -> dict[int, float] | None:
    try:
        return meter.read() if meter else None
    except OSError:  # the backend is gone: the connection was reopened
        return None


@dataclass
class SizeResult:
    loaded: Loaded
    timings: dict[tuple[str, str], Timing] = field(default_factory=dict)  # (period, name)
    queries: dict[tuple[str, str], int] = field(default_factory=dict)
    sql: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    period_visits: dict[str, int] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""


def run_size(
    client, periods: dict[str, dict[str, str]], loaded: Loaded, args: argparse.Namespace
) -> SizeResult:
    from indicators.forms import PeriodForm

    result = SizeResult(loaded, load_before=load_average())
    for period, query in periods.items():
        chosen = PeriodForm(query)
        chosen.is_valid()
        result.period_visits[period] = visits_in(chosen.chosen.date_from, chosen.chosen.date_to)
        BARE_CONTEXTS[period] = capture_context(client, DASHBOARD_URL, query)
        group = endpoints(period, query)
        for endpoint in group:
            call(client, endpoint)  # a first call, then the count
            count, sql = query_count(client, endpoint)
            result.queries[period, endpoint.name] = count
            result.sql[period, endpoint.name] = sql
        gc.collect()
        # The dashboard and its baseline take turns; the rest one by one.
        timed = measure(client, group[:2], args)
        for endpoint in group[2:]:
            timed.update(measure(client, [endpoint], args))
        for endpoint, timing in timed.items():
            result.timings[period, endpoint.name] = timing
        by_name = {endpoint.name: timing for endpoint, timing in timed.items()}
        print(
            f"  {period}: dashboard p50 {ms(by_name['dashboard'].p50)} ms, p95 "
            f"{ms(by_name['dashboard'].p95)} ms; bare {ms(by_name['bare'].p50)} ms; live "
            f"fresh {ms(by_name['live fresh'].p50)} ms, cached {ms(by_name['live'].p50)} ms; "
            "CSV p50 "
            + ", ".join(
                f"{name[4:]} {ms(timing.p50)}"
                for name, timing in by_name.items()
                if name.startswith("csv ")
            )
        )
    result.load_after = load_average()
    check_unchanged(loaded)
    return result


def check_unchanged(loaded: Loaded) -> None:
    """The figures mean nothing if another process emptied or reloaded the database meanwhile
    (seen once: a second run against the same database truncated it during a rebuild)."""
    from django.db import connection

    from indicators.models import Rollup

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM visits_visit")
        visits = cursor.fetchone()[0]
    rollups = Rollup.objects.count()
    if visits != loaded.size or rollups != loaded.rollup_rows or not rollups:
        raise SystemExit(
            f"!!! the data changed under the benchmark: {visits:,} visits and {rollups:,} rollup "
            f"rows, expected {loaded.size:,} and {loaded.rollup_rows:,}: is another process "
            "using this database? Use a database of your own."
        )


# --- Where the time goes --------------------------------------------------------------------


def explain(client, endpoint: Endpoint, args: argparse.Namespace) -> None:
    """The statements of one request with their median times, the Python time around them
    (ORM, engine, template) and EXPLAIN (ANALYZE, BUFFERS) of the slowest."""
    explain_statements(
        lambda: get(client, endpoint.url, endpoint.query),
        title=f"{endpoint.name} {endpoint.period}",
        calls=args.explain_calls,
        top=args.explain_top,
    )


def profile(client, endpoint: Endpoint) -> None:
    """One request under pyinstrument (if installed) or cProfile."""
    print(f"\n=== profile of one {endpoint.name} {endpoint.period} request")
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        get(client, endpoint.url, endpoint.query)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(30)
        # The project's own functions (engine, dashboards, charts, reports), cumulative.
        stats.print_stats(r"/(indicators|accounts|servicecenter|organisations)/", 30)
        stats.sort_stats("tottime").print_stats(20)
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    get(client, endpoint.url, endpoint.query)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


# --- Report ---------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def ms_or_dash(seconds: float | None) -> str:
    return "-" if seconds is None else ms(seconds)


def cpu_growth(timing: Timing, first: Timing) -> str:
    if timing.cpu_p50 is None or not first.cpu_p50:
        return "-"
    return f"{timing.cpu_p50 / first.cpu_p50:.2f}"


def report(results: list[SizeResult], args: argparse.Namespace) -> bool:
    """The tables and the target lines; False when a query count differs between sizes."""
    # By size, whatever the order of loading (`--sizes 1000000,10000` reuses a loaded million).
    results = sorted(results, key=lambda result: result.loaded.size)
    sizes = [result.loaded.size for result in results]
    smallest, largest = results[0], results[-1]
    growth_label = f"{size_label(sizes[-1])}/{size_label(sizes[0])}"
    print(
        f"\nregion:{REGION} dashboard as an analyst of its organisation, {args.date_from} to "
        f"{args.date_to}; up to {args.runs} runs after up to {args.warmups} warm-ups; "
        "in-process django.test.Client (HTTPS), the dashboard and the bare template view "
        "taking turns. CPU: this process + its PostgreSQL backend per request."
    )
    print_table(
        ["size", "load s", "rollups s", "rollup rows", "histogram rows", "load avg before/after"],
        [
            (
                size_label(result.loaded.size),
                "reused" if result.loaded.reused else f"{result.loaded.load_seconds:.1f}",
                "reused" if result.loaded.reused else f"{result.loaded.rebuild_seconds:.1f}",
                f"{result.loaded.rollup_rows:,}",
                f"{result.loaded.histogram_rows:,}",
                f"{result.load_before.split()[2]}/{result.load_after.split()[2]}",
            )
            for result in results
        ],
    )
    print()
    keys = list(largest.timings)
    rows = []
    for period, name in keys:
        for result in results:
            timing = result.timings[period, name]
            bare = result.timings[period, "bare"]
            rows.append(
                (
                    f"{period} {name}",
                    size_label(result.loaded.size),
                    f"{result.period_visits[period]:,}",
                    ms(timing.p50),
                    ms(timing.p95),
                    result.queries[period, name],
                    f"{timing.p50 / bare.p50:.2f}" if name == "dashboard" else "",
                    f"{timing.p50 / smallest.timings[period, name].p50:.2f}",
                    ms_or_dash(timing.cpu_p50),
                    cpu_growth(timing, smallest.timings[period, name]),
                    len(timing.samples),
                )
            )
    print_table(
        [
            "request",
            "size",
            "visits in period",
            "p50 ms",
            "p95 ms",
            "queries",
            "/bare",
            f"growth vs {size_label(sizes[0])}",
            "CPU ms p50",
            "CPU growth",
            "runs",
        ],
        rows,
    )

    consistent = True
    for key in keys:
        counts = {size_label(r.loaded.size): r.queries[key] for r in results}
        if len(set(counts.values())) > 1:
            consistent = False
            print(f"!!! QUERY COUNT DEPENDS ON THE SIZE: {key[0]} {key[1]}: {counts}")
            first, last = smallest.sql[key], largest.sql[key]
            for sql in sorted(set(last) - set(first))[:5]:
                print(f"    only at {size_label(sizes[-1])}: {' '.join(sql.split())[:200]}")
            for sql in sorted(set(first) - set(last))[:5]:
                print(f"    only at {size_label(sizes[0])}: {' '.join(sql.split())[:200]}")
    if consistent:
        print(
            "\nqueries per request, the same at every size: "
            + "; ".join(
                f"{period} {name} {count}" for (period, name), count in largest.queries.items()
            )
        )

    print()
    all_met = True
    for period in dict.fromkeys(period for period, _name in keys):
        csvs = [name for p, name in keys if p == period and name.startswith("csv ")]
        first_csv_sum = sum(smallest.timings[period, name].p50 for name in csvs)
        for result in results:
            label = size_label(result.loaded.size)
            versus = f"{label}/{size_label(sizes[0])}"
            dashboard = result.timings[period, "dashboard"]
            bare = result.timings[period, "bare"]
            growth = dashboard.p50 / smallest.timings[period, "dashboard"].p50
            print(
                f"dashboard region {period} {label}: p50 {ms(dashboard.p50)} ms "
                f"(bare template {ms(bare.p50)} ms, ratio {dashboard.p50 / bare.p50:.1f}), "
                f"growth {versus}: {growth:.2f}× (CPU {ms_or_dash(dashboard.cpu_p50)} ms, "
                f"growth {cpu_growth(dashboard, smallest.timings[period, 'dashboard'])}×)"
            )
            for name, what in (("live fresh", "after a change"), ("live", "cached")):
                live, first = result.timings[period, name], smallest.timings[period, name]
                print(
                    f"live fragment ({what}) region {period} {label}: p50 {ms(live.p50)} ms, "
                    f"growth {versus}: {live.p50 / first.p50:.2f}× (CPU "
                    f"{ms_or_dash(live.cpu_p50)} ms, growth {cpu_growth(live, first)}×)"
                )
            csv_sum = sum(result.timings[period, name].p50 for name in csvs)
            slowest = max(csvs, key=lambda name, r=result: r.timings[period, name].p50)
            print(
                f"chart CSVs region {period} {label}: {len(csvs)} requests, p50 sum "
                f"{ms(csv_sum)} ms, slowest {slowest[4:]} "
                f"{ms(result.timings[period, slowest].p50)} ms, growth of the sum {versus}: "
                f"{csv_sum / first_csv_sum:.2f}×"
            )
        for name in csvs:
            timing = largest.timings[period, name]
            growth = timing.p50 / smallest.timings[period, name].p50
            print(
                f"  {name} region {period} {size_label(sizes[-1])}: p50 {ms(timing.p50)} ms, "
                f"growth {growth_label}: {growth:.2f}× (CPU growth "
                f"{cpu_growth(timing, smallest.timings[period, name])}×)"
            )
    print()
    for period in dict.fromkeys(period for period, _name in keys):
        for name in [name for p, name in keys if p == period and name != "bare"]:
            timing = largest.timings[period, name]
            growth = timing.p50 / smallest.timings[period, name].p50
            fast = timing.p50 < TARGET_SECONDS
            flat = growth < TARGET_GROWTH
            all_met &= fast and flat
            if name in ("dashboard", "live fresh", "live") or not (fast and flat):
                print(
                    f"{period} {name}: under {TARGET_SECONDS * 1000:.0f} ms at "
                    f"{size_label(sizes[-1])}: {'met' if fast else 'NOT met'} "
                    f"({ms(timing.p50)} ms); growth {growth_label} under {TARGET_GROWTH:.0f}×: "
                    f"{'met' if flat else 'NOT met'} ({growth:.2f}×)"
                )
        csvs = [name for p, name in keys if p == period and name.startswith("csv ")]
        slowest = max(csvs, key=lambda name: largest.timings[period, name].p50)
        steepest = max(
            csvs,
            key=lambda name: largest.timings[period, name].p50 / smallest.timings[period, name].p50,
        )
        print(
            f"{period} CSV ({len(csvs)} charts): slowest {slowest[4:]} "
            f"{ms(largest.timings[period, slowest].p50)} ms, steepest growth {steepest[4:]} "
            f"{largest.timings[period, steepest].p50 / smallest.timings[period, steepest].p50:.2f}×"
        )
    if sizes[-1] < 100 * sizes[0]:
        print(f"(growth measured over {sizes[-1] / sizes[0]:.0f}× the data, not 100×)")
    print(
        f"all targets (every request under {TARGET_SECONDS * 1000:.0f} ms at "
        f"{size_label(sizes[-1])}, growth under {TARGET_GROWTH:.0f}×): "
        f"{'met' if all_met else 'NOT met'}"
    )
    return consistent


# --- Main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    import os
    import warnings

    args = parse_args(argv)
    # WhiteNoise warns that STATIC_ROOT does not exist (no collectstatic): irrelevant here.
    warnings.filterwarnings("ignore", message="No directory at")
    # No collectstatic here: without its manifest `{% static %}` fails under DEBUG=false.
    os.environ.setdefault("STATIC_MANIFEST", "false")
    database = configure_django(allow_any_database=args.allow_any_database)
    print(f"database {database}; {machine_summary()}")
    sites = ensure_sites(
        prefix=SITE_PREFIX, organisation_code=ORGANISATION, library_organisation_code=LIBRARIES
    )
    user = ensure_analyst()
    install_bare_view()

    from django.test import Client

    client = Client()
    client.force_login(user)
    results: list[SizeResult] = []
    periods: dict[str, dict[str, str]] = {}
    for index, size in enumerate(args.sizes):
        print(f"\n=== {size:,} visits; {load_average()}")
        loaded = load(size, sites, args, first=index == 0)
        if not periods:
            month, _visits = busiest_month(args)
            month = args.month or month
            visits = visits_in(month, (month + datetime.timedelta(days=31)).replace(day=1)
                               - datetime.timedelta(days=1))  # fmt: skip
            periods = {
                "month": {"period": "month", "date": month.isoformat()},
                "year": {"period": "year", "date": args.date_from.isoformat()},
            }
            print(f"  periods: month {month:%Y-%m} ({visits:,} visits), year {args.date_from:%Y}")
        results.append(run_size(client, periods, loaded, args))
        if size == max(args.sizes) and (args.explain or args.profile):
            # While the largest size is loaded (it need not be the last).
            for period, query in periods.items():
                endpoint = Endpoint(period, "dashboard", DASHBOARD_URL, query)
                if args.explain:
                    explain(client, endpoint, args)
                if args.profile:
                    profile(client, endpoint)

    consistent = report(results, args)
    last = max(results, key=lambda result: result.loaded.size)
    print(f"\nfinished; {load_average()} (largest size {last.loaded.size:,})")
    if not consistent:
        print("!!! the number of queries per request differs between sizes (see above)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
