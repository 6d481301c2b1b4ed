"""Time from a visit's commit to the updated tile in open browsers: 1, 20 and 100 live
region dashboards against a production-like server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench_live \\
        .venv/bin/python bench/dashboard_live.py [--dashboards 1,20,100] [--visits 20]

Issue 9: "Also the time from a visit's commit to the updated tile in a browser with 1, 20 and
100 dashboards open (target: p99 under 1 s at 100)."

Set-up. The bench database (default `servicecenter_bench_live`; its name must contain
"bench", it is emptied) gets the bench sites of region 24 (`bench.common.ensure_sites`; three
of the fifteen are libraries of another organisation), `--data-visits` synthetic visits over
the year that ends yesterday, copied as `bench/stats.py` does, VACUUM ANALYZE and the rollups
rebuilt, and an analyst (role `analyst` in the organisation owning the bench sites) with a
known password. Static files are collected (manifest storage, as in production) into a
temporary STATIC_ROOT, named by a generated settings module that imports the project's
settings and changes nothing else. Then the server runs as in production, as a subprocess:

    uvicorn servicecenter.asgi:application --workers 2 --ws websockets-sansio

with DEBUG=false, Redis as channel layer and cache (`--redis-db`, flushed first: it is this
script's own) and SECURE_SSL_REDIRECT=false (no TLS proxy in front). It is stopped at the end,
also on error: its process group (uvicorn and its workers) and nothing else.

Measurement. One Chromium (Playwright, one context, signed in once through
/accounts/login/) opens N pages of `/statistik/region/24/?period=month` (N from
`--dashboards`, in turn; the pages of one N stay open for the next) and waits until each
page's `#live-status` says online. Then, `--visits` times, this process logs one visit
through the application's workflow (`visits.services.visit_log`, inside an outer transaction
whose first on-commit callback takes t0 = the commit, before the workflow's own callback
broadcasts through Redis) at a service centre of region 24, and waits until every page's
`[data-indicator=visits]` tile shows the new count. A page's latency is its
`.dashboard[data-refreshed]` (Date.now() in the browser after the redraw, `dashboard.js`) minus
t0; both are the same machine clock. A page that has not updated 10 s (`--timeout`) after
the commit is a failure. Visits are `--spacing` seconds apart (from commit to commit) and
the next one waits until every page has updated, so rounds do not overlap.

The latency includes, by design, the page's 150 ms debounce before it refetches. Where the
rest goes, per (visit, page): the WebSocket message's arrival (an init script wraps the
page's WebSocket to note when "changed" arrives; the application's code is not touched), and
the Resource Timing entry of the live fragment's fetch: time queued in the browser before the
request was sent (Chromium opens at most six HTTP/1.1 connections per host), the server's time
to the first byte (uvicorn's queue and the view), and the redraw after the last byte.

Also printed: the baseline, one live-fragment request with no concurrency (p50 over
`--baseline-runs` with `requests`, the analyst's session cookie, a kept connection, before
any dashboard is open), right after a visit was logged (the view computes the figures; it
keeps them in the shared cache under the sites' generations, so a second request for the
same figures is served from there: that one is printed too); the live-fragment requests the
server logged per N (uvicorn's access log); and the CPU seconds of the server's processes and
of the bench database's PostgreSQL backends during each N's rounds (from /proc), per
live-fragment request, beside the rest of the machine's busy CPU seconds (Chromium, this
process, neighbours) and its busy share.

Last, the server alone, without the browser: N kept connections (N from `--dashboards`, at
most `--burst-max`) ask for the live fragment at once right after a visit was logged,
`--burst-repeats` times: the time from the start to each answer. Capped because under ASGI
Django runs each request in a thread of its own, and with CONN_MAX_AGE > 0 (the settings'
default, 60) every request in flight at once leaves a PostgreSQL connection open that no
later request reuses (seen: still open 70 s later): 100 at once would exhaust a default
max_connections of 100, shared with everything else on the server. The number of the bench
database's connections is printed after each step.

Caveats. All N dashboards share one browser (and its six connections per host) and the
machine's two cores with the server, PostgreSQL and Redis; a real audience would bring N
machines. Playwright's Chromium does not throttle background pages' timers, as a visible
tab would not be throttled. The machine may be shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# The project first, and not this folder: bench/queue.py would stand in for the standard
# library's queue, which the thread pools import.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import (  # noqa: E402
    TIME_ZONE,
    BenchSite,
    configure_django,
    ensure_sites,
    load_average,
    machine_summary,
    median,
    percentile,
    print_table,
    raw_connection,
)
from bench.server import Server, start_server, wait_until_up  # noqa: E402
from bench.stats import load_bench_visits, local_midnight  # noqa: E402

REGION = "24"
ORGANISATION = "bench-live-region"
LIBRARIES = "bench-live-library"
SITE_PREFIX = "bench-live"
ANALYST = "bench-live-analyst"
PASSWORD = "bench-live-Password-24"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/servicecenter_bench_live"
DASHBOARD_PATH = f"/statistik/region/{REGION}/"
LIVE_PATH = f"{DASHBOARD_PATH}live/"
QUERY = "period=month"
TARGET_MS = 1000.0  # the issue: p99 under 1 s at 100 dashboards
TARGET_DASHBOARDS = 100
TIMEOUT_LABEL = ["10000"]  # the timeout in ms, as failures are shown (set from --timeout)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Notes, in each page, when a "changed" event arrives; the page's own listener still gets it.
INIT_SCRIPT = """
(() => {
  const Native = window.WebSocket;
  window.__benchChanged = [];
  class BenchWebSocket extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (message) => {
        try {
          if (JSON.parse(message.data).event === "changed") window.__benchChanged.push(Date.now());
        } catch (error) {}
      });
    }
  }
  window.WebSocket = BenchWebSocket;
})();
"""

# What a page tells after a round: its tile, its redraw time, and the timings of the round's
# event and fetch (epoch milliseconds; null when absent).
ROUND_SCRIPT = """
(t0) => {
  const tile = document.querySelector("[data-indicator=visits]");
  const changed = window.__benchChanged.find((t) => t >= t0 - 1);
  const origin = performance.timeOrigin;
  const fetches = performance.getEntriesByType("resource").filter(
    (e) => e.name.includes("/live/") && origin + e.startTime >= t0 - 1
  );
  const f = fetches.length ? fetches[fetches.length - 1] : null;
  return {
    value: tile ? Number(tile.dataset.value) : null,
    refreshed: Number(document.querySelector(".dashboard").dataset.refreshed || 0),
    changed: changed === undefined ? null : changed,
    fetches: fetches.length,
    fetchStart: f ? origin + f.startTime : null,
    requestStart: f && f.requestStart ? origin + f.requestStart : null,
    responseStart: f && f.responseStart ? origin + f.responseStart : null,
    responseEnd: f ? origin + f.responseEnd : null,
  };
}
"""


# --- Arguments ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dashboards", default="1,20,100", help="comma-separated page counts")
    parser.add_argument("--visits", type=int, default=20, help="visits logged per page count")
    parser.add_argument("--spacing", type=float, default=1.5, help="seconds between visits")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds: else a failure")
    parser.add_argument("--data-visits", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--redis-db", type=int, default=5, help="this script's own Redis db")
    parser.add_argument("--baseline-runs", type=int, default=20)
    parser.add_argument("--open-batch", type=int, default=10, help="pages loading at once")
    parser.add_argument("--burst-repeats", type=int, default=3)
    parser.add_argument(
        "--burst-max",
        type=int,
        default=20,
        help="at most this many requests at once in the server-alone burst: each holds a "
        "PostgreSQL connection until the server stops (max_connections is shared)",
    )
    parser.add_argument("--reload", action="store_true", help="load the visits anyway")
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    args.dashboards = [int(n) for n in args.dashboards.split(",")]
    TIMEOUT_LABEL[0] = f"{args.timeout * 1000:.0f}"
    today = datetime.datetime.now(datetime.UTC).astimezone(_zone()).date()
    args.date_to = today - datetime.timedelta(days=1)
    args.date_from = args.date_to - datetime.timedelta(days=364)
    return args


def _zone():
    import zoneinfo

    return zoneinfo.ZoneInfo(TIME_ZONE)


# --- Data -----------------------------------------------------------------------------------


def load_data(sites: Sequence[BenchSite], args: argparse.Namespace) -> None:
    """The visit tables emptied, `--data-visits` visits copied, their rollups rebuilt; unless
    a previous run loaded the same period (the visits it logged today are kept: they add to
    the counts, which the measurement reads from the pages anyway)."""
    from django.db import connection

    from indicators.models import Rollup

    start, end = local_midnight(args.date_from), local_midnight(args.date_to)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE started_at < %s),"
            " count(*) FILTER (WHERE started_at >= %s AND started_at < %s + interval '1 day'),"
            " count(*) FILTER (WHERE site_id <> ALL(%s))"
            " FROM visits_visit",
            [start, start, end, [site.id for site in sites]],
        )
        before, within, elsewhere = cursor.fetchone()
    reusable = (before, within, elsewhere) == (0, args.data_visits, 0) and not args.reload
    if reusable and Rollup.objects.exists():
        print(f"data: {within:,} visits {args.date_from} – {args.date_to} already loaded")
        return
    started = time.perf_counter()
    counts = load_bench_visits(sites, args, args.data_visits)
    print(
        f"data: {counts['visits']:,} visits {args.date_from} – {args.date_to}, "
        f"{Rollup.objects.count():,} rollup rows, loaded and rebuilt in "
        f"{time.perf_counter() - started:.1f} s"
    )


def ensure_analyst() -> None:
    from django.contrib.auth import get_user_model

    from organisations.models import Membership, Organisation

    user, _created = get_user_model().objects.get_or_create(username=ANALYST)
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    Membership.objects.get_or_create(
        user=user,
        organisation=Organisation.objects.get(code=ORGANISATION),
        site=None,
        role=Membership.Role.ANALYST,
    )


@dataclass
class VisitLogger:
    """Logs visits through the workflow, in one thread of its own (Django's connection is per
    thread, and Playwright's event loop must not be the thread's)."""

    sites: Sequence[BenchSite]
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1))
    count: int = 0

    def log(self) -> tuple[float, float]:
        """Epoch ms of the commit (t0) and of the workflow's return."""
        return self.executor.submit(self._log).result()

    def _log(self) -> tuple[float, float]:
        from django.db import transaction
        from django.utils import timezone

        from organisations.models import Site
        from visits.models import AgeBand, Channel, EService, HelpMode, Language, Outcome
        from visits.services import HelpItemInput, visit_log

        centres = [site for site in self.sites if site.kind == "service_centre"]
        site = Site.objects.get(pk=centres[self.count % len(centres)].id)
        self.count += 1
        item = HelpItemInput(
            service=EService.objects.get(pk="eid.bankid"),
            mode=HelpMode.objects.get(pk="guided"),
            outcome=Outcome.objects.get(pk="resolved"),
        )
        committed: list[float] = []
        with transaction.atomic():
            # Registered before the workflow's broadcast: runs first, right after COMMIT.
            transaction.on_commit(lambda: committed.append(time.time() * 1000))
            visit_log(
                site=site,
                started_at=timezone.now() - datetime.timedelta(minutes=20),
                duration_min=15,
                channel=Channel.objects.get(pk="walk_in"),
                age_band=AgeBand.objects.get(pk="65-74"),
                language=Language.objects.get(pk="sv"),
                help_items=[item],
            )
        returned = time.time() * 1000
        return committed[0], returned

    def call(self, function, *args):
        return self.executor.submit(function, *args).result()

    def close(self) -> None:
        def close_connection() -> None:
            from django.db import connection

            connection.close()  # this thread's

        self.executor.submit(close_connection).result()
        self.executor.shutdown()


# --- CPU ------------------------------------------------------------------------------------


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    result = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return result


def machine_busy() -> tuple[float, float]:
    """Busy and total jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def backend_pids(database: str) -> list[int]:
    with raw_connection() as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return [row[0] for row in rows]


def connection_room() -> tuple[int, int]:
    """PostgreSQL connections in use (all databases) and max_connections."""
    with raw_connection() as conn:
        in_use = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()[0]
        allowed = int(conn.execute("SHOW max_connections").fetchone()[0])
    return in_use, allowed


@dataclass
class CpuWindow:
    server: Server
    database: str
    started: float = 0.0
    server_cpu: dict[int, float] = field(default_factory=dict)
    pg_cpu: dict[int, float] = field(default_factory=dict)
    machine: tuple[float, float] = (0.0, 0.0)

    def __enter__(self) -> CpuWindow:
        self.started = time.monotonic()
        self.server_cpu = cpu_seconds(self.server.pids())
        self.pg_cpu = cpu_seconds(backend_pids(self.database))
        self.machine = machine_busy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.monotonic() - self.started
        server_after = cpu_seconds(self.server.pids())
        pg_after = cpu_seconds(backend_pids(self.database))
        busy, total = machine_busy()
        # Processes present at both ends (a PostgreSQL backend may come or go).
        self.server_seconds = sum(
            server_after[p] - self.server_cpu.get(p, 0.0) for p in server_after
        )
        self.pg_seconds = sum(pg_after[p] - self.pg_cpu.get(p, 0.0) for p in pg_after)
        self.busy_share = (busy - self.machine[0]) / max(1, total - self.machine[1])
        # Everything else that ran: Chromium, this process, Redis, and any neighbours.
        machine_seconds = (busy - self.machine[0]) / os.sysconf("SC_CLK_TCK")
        self.other_seconds = machine_seconds - self.server_seconds - self.pg_seconds


# --- The browser ----------------------------------------------------------------------------


def log_in(context, server: Server) -> str:
    """Signs the context in as the analyst; returns the session cookie's value."""
    page = context.new_page()
    page.goto(f"{server.base}/accounts/login/")
    page.fill("#id_username", ANALYST)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    cookies = {c["name"]: c["value"] for c in context.cookies(server.base)}
    page.close()
    if "sessionid" not in cookies:
        raise SystemExit("logging in through /accounts/login/ gave no session cookie")
    return cookies["sessionid"]


def open_pages(context, server: Server, pages: list, wanted: int, batch: int) -> list[str]:
    """Opens pages until `wanted` are open and online, `batch` navigating at a time (the
    server renders two at once); returns the errors of those that failed (closed again,
    not counted)."""
    errors: list[str] = []
    url = f"{server.base}{DASHBOARD_PATH}?{QUERY}"
    started = time.perf_counter()
    attempts = 0
    while len(pages) < wanted and attempts < wanted + 10 and len(errors) < 10:
        opening = []
        for _ in range(min(batch, wanted - len(pages))):
            attempts += 1
            try:
                page = context.new_page()
                # Starts the navigation without waiting for it: the batch loads at once.
                page.evaluate("(url) => { window.location.href = url; }", url)
                opening.append(page)
            except Exception as error:
                errors.append(_error(error))
        for page in opening:
            try:
                page.wait_for_selector('#live-status[data-state="online"]', timeout=60_000)
                pages.append(page)
            except Exception as error:  # a page that fails is reported, not fatal
                errors.append(_error(error))
                with contextlib.suppress(Exception):
                    page.close()
    print(
        f"  {len(pages)} dashboards open and online ({time.perf_counter() - started:.1f} s "
        f"to open {attempts} pages; {load_average()})"
    )
    return errors


def _error(error: Exception) -> str:
    return f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:160]}"


def baseline(
    server: Server, session: str, logger: VisitLogger, runs: int
) -> tuple[list[float], list[float]]:
    """One live-fragment request at a time, on one kept connection, ms each: right after a
    visit was logged (the first request after a change: the figures are computed), and
    repeated with no change in between (served from the shared cache, where the view
    keeps one)."""
    import requests

    http = requests.Session()
    headers = {"Cookie": f"sessionid={session}", "X-Requested-With": "fetch"}
    url = f"{server.base}{LIVE_PATH}?{QUERY}"

    def get() -> float:
        started = time.perf_counter()
        response = http.get(url, headers=headers, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or "data-indicator" not in response.text:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return elapsed

    for _ in range(3):
        get()
    changed, repeated = [], []
    for _ in range(runs):
        logger.log()
        time.sleep(0.2)
        changed.append(get())
        repeated.append(get())
    http.close()
    return changed, repeated


def burst(
    server: Server, session: str, logger: VisitLogger, clients: int, repeats: int
) -> tuple[list[float], int]:
    """The server alone, without the browser: `clients` kept connections (as many browsers)
    each ask for the live fragment at once, right after a visit was logged, `repeats`
    times; ms from the burst's start to each answer, and the answers that were not 200."""
    import threading

    import requests

    headers = {"Cookie": f"sessionid={session}", "X-Requested-With": "fetch"}
    url = f"{server.base}{LIVE_PATH}?{QUERY}"
    sessions = [requests.Session() for _ in range(clients)]
    samples: list[float] = []
    errors = 0
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda http: http.get(url, headers=headers, timeout=60), sessions))
        for _ in range(repeats):
            logger.log()
            time.sleep(0.2)
            barrier = threading.Barrier(clients + 1)

            def one(http, barrier=barrier) -> tuple[float, int]:
                barrier.wait()
                response = http.get(url, headers=headers, timeout=60)
                return time.perf_counter(), response.status_code

            futures = [pool.submit(one, http) for http in sessions]
            barrier.wait()
            started = time.perf_counter()
            for future in futures:
                finished, status = future.result()
                samples.append((finished - started) * 1000)
                errors += status != 200
    for http in sessions:
        http.close()
    return samples, errors


# --- Rounds ---------------------------------------------------------------------------------


@dataclass
class Result:
    dashboards: int
    opened: int
    open_errors: list[str]
    latencies: list[float] = field(default_factory=list)  # ms, per (visit, page)
    failures: int = 0
    failure_notes: list[str] = field(default_factory=list)
    delivered: list[float] = field(default_factory=list)  # commit -> WebSocket message
    queued: list[float] = field(default_factory=list)  # fetch start -> request sent
    server: list[float] = field(default_factory=list)  # request sent -> first byte
    redraw: list[float] = field(default_factory=list)  # last byte -> redrawn
    broadcast: list[float] = field(default_factory=list)  # commit -> workflow returned
    round_spread: list[float] = field(default_factory=list)  # last page - first page, ms
    live_requests: int = 0
    cpu: CpuWindow | None = None
    load: str = ""
    connections: int = 0  # the bench database's PostgreSQL connections after the rounds


def current_values(pages: list) -> list[float | None]:
    return [
        page.evaluate(
            "() => { const t = document.querySelector('[data-indicator=visits]');"
            " return t ? Number(t.dataset.value) : null; }"
        )
        for page in pages
    ]


def run_rounds(
    pages: list, logger: VisitLogger, server: Server, result: Result, args: argparse.Namespace
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    values = current_values(pages)
    if len(set(values)) != 1 or values[0] is None:
        print(f"  warning: the pages disagree before the first visit: {sorted(set(values))}")
    expected = max(v for v in values if v is not None)
    requests_before = server.log_count(f"GET {LIVE_PATH}")
    for round_number in range(args.visits):
        expected += 1
        t0, returned = logger.log()
        result.broadcast.append(returned - t0)
        deadline = t0 + args.timeout * 1000
        refreshed = []
        for index, page in enumerate(pages):
            remaining = deadline - time.time() * 1000
            note = ""

            try:
                if remaining > 0:
                    with contextlib.suppress(PlaywrightTimeoutError):
                        page.wait_for_function(
                            "(v) => { const t = document.querySelector('[data-indicator=visits]');"
                            " return t && Number(t.dataset.value) >= v; }",
                            arg=expected,
                            polling=20,
                            timeout=remaining,
                        )
                seen = page.evaluate(ROUND_SCRIPT, t0)
            except Exception as error:  # the page itself broke: reported, not fatal
                seen, note = None, _error(error)
            if seen is None or seen["value"] is None or seen["value"] < expected:
                note = note or "not updated"
            elif seen["refreshed"] - t0 > args.timeout * 1000:
                note = f"updated after {seen['refreshed'] - t0:.0f} ms"
            if note:
                result.failures += 1
                result.latencies.append(math.inf)
                if len(result.failure_notes) < 5:
                    result.failure_notes.append(f"visit {round_number + 1}, page {index}: {note}")
                continue
            result.latencies.append(seen["refreshed"] - t0)
            refreshed.append(seen["refreshed"])
            if seen["changed"] is not None:
                result.delivered.append(seen["changed"] - t0)
            if seen["requestStart"] and seen["fetchStart"]:
                result.queued.append(seen["requestStart"] - seen["fetchStart"])
            if seen["responseStart"] and seen["requestStart"]:
                result.server.append(seen["responseStart"] - seen["requestStart"])
            if seen["responseEnd"]:
                result.redraw.append(seen["refreshed"] - seen["responseEnd"])
        if refreshed:
            result.round_spread.append(max(refreshed) - min(refreshed))
        pause = t0 / 1000 + args.spacing - time.time()
        if pause > 0:
            time.sleep(pause)
    time.sleep(0.5)  # the access log is written as the last responses leave
    result.live_requests = server.log_count(f"GET {LIVE_PATH}") - requests_before


# --- Report ---------------------------------------------------------------------------------


def ms(samples: Sequence[float], percent: float) -> str:
    """A percentile in ms; over samples that count failures as infinite, nearest rank (so
    that a failure is never averaged with a time), shown as "> timeout"."""
    if not samples:
        return "-"
    if all(math.isfinite(sample) for sample in samples):
        return f"{percentile(samples, percent):.0f}"
    ordered = sorted(samples)
    value = ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]
    return f"{value:.0f}" if math.isfinite(value) else f"> {TIMEOUT_LABEL[0]}"


def report(
    results: Sequence[Result],
    base: list[float],
    repeat: list[float],
    bursts: dict[int, tuple[list[float], int]],
    args: argparse.Namespace,
) -> None:
    print()
    print(
        f"Commit to updated tile, region dashboard {DASHBOARD_PATH}?{QUERY}, "
        f"{args.visits} visits per row, ms:"
    )
    print_table(
        ["dashboards", "open", "samples", "p50", "p95", "p99", "max", "failures", "live reqs"],
        [
            (
                r.dashboards,
                r.opened,
                len(r.latencies),
                ms(r.latencies, 50),
                ms(r.latencies, 95),
                ms(r.latencies, 99),
                ms(r.latencies, 100),
                r.failures,
                r.live_requests,
            )
            for r in results
        ],
    )
    print()
    print(
        "Where it goes, p50 / p99 ms: commit -> WebSocket message in the page; its 150 ms "
        "debounce; fetch queued in the browser; request -> first byte (server queue + view); "
        "last byte -> redrawn. Spread: last page minus first page of a round."
    )
    print_table(
        ["dashboards", "message", "queued", "server", "redraw", "spread", "broadcast"],
        [
            (
                r.dashboards,
                f"{ms(r.delivered, 50)} / {ms(r.delivered, 99)}",
                f"{ms(r.queued, 50)} / {ms(r.queued, 99)}",
                f"{ms(r.server, 50)} / {ms(r.server, 99)}",
                f"{ms(r.redraw, 50)} / {ms(r.redraw, 99)}",
                f"{ms(r.round_spread, 50)} / {ms(r.round_spread, 99)}",
                f"{ms(r.broadcast, 50)}",
            )
            for r in results
        ],
    )
    print("(broadcast: commit -> visit_log returned, i.e. the on-commit group_send via Redis)")
    print()
    print(
        "The server alone (no browser): N kept connections ask for the live fragment at once "
        f"right after a change, {args.burst_repeats} times; ms from the start to each answer:"
    )
    print_table(
        ["requests at once", "p50", "p95", "p99", "max", "not 200"],
        [
            (n, ms(samples, 50), ms(samples, 95), ms(samples, 99), ms(samples, 100), errors)
            for n, (samples, errors) in bursts.items()
        ],
    )
    print()
    base_p50 = median(base) if base else float("nan")
    if base:
        print(
            f"Baseline: one live-fragment request, no concurrency, right after a visit was "
            f"logged: p50 {base_p50:.1f} ms, p95 {percentile(base, 95):.1f} ms; the same "
            f"request repeated with no change: p50 {median(repeat):.1f} ms "
            f"({len(base)} each)"
        )
    rows = []
    for r in results:
        cpu = r.cpu
        if cpu is None:
            continue
        per = max(1, r.live_requests)
        rows.append(
            (
                r.dashboards,
                f"{cpu.wall:.1f}",
                f"{cpu.server_seconds:.1f}",
                f"{cpu.server_seconds / per * 1000:.0f}",
                f"{cpu.pg_seconds:.1f}",
                f"{cpu.pg_seconds / per * 1000:.0f}",
                f"{cpu.other_seconds:.1f}",
                f"{cpu.busy_share * 100:.0f} %",
                f"{percentile(r.server, 50) / base_p50:.1f}x" if r.server else "-",
                r.load,
            )
        )
    print()
    print(
        "CPU during the rounds (server: uvicorn and its workers; PostgreSQL: the bench "
        "database's backends; ms per live-fragment request; other: the rest of the machine's "
        "busy CPU seconds, Chromium and neighbours); server p50 / baseline p50:"
    )
    print_table(
        ["dashboards", "wall s", "server s", "ms/req", "pg s", "ms/req", "other s",
         "machine", "vs base", "load"],
        rows,
    )  # fmt: skip
    for r in results:
        for note in r.open_errors[:3]:
            print(f"  {r.dashboards} dashboards, a page failed to open: {note}")
        for note in r.failure_notes:
            print(f"  {r.dashboards} dashboards, not updated within {args.timeout:.0f} s: {note}")
    at_target = [r for r in results if r.dashboards >= TARGET_DASHBOARDS and r.latencies]
    if at_target:
        r = at_target[-1]
        ordered = sorted(r.latencies)
        p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]  # nearest rank
        met = p99 < TARGET_MS and r.opened >= TARGET_DASHBOARDS
        print(
            f"target: p99 < {TARGET_MS:.0f} ms at {TARGET_DASHBOARDS} dashboards: "
            f"{'met' if met else 'not met'} (p99 {ms(r.latencies, 99)} ms, {r.failures} "
            f"failures, {r.opened} open)"
        )
    else:
        print(f"target: p99 < {TARGET_MS:.0f} ms at {TARGET_DASHBOARDS} dashboards: not measured")


# --- Main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    redis = f"redis://127.0.0.1:6379/{args.redis_db}"
    os.environ["REDIS_URL"] = redis  # this process broadcasts through the server's Redis
    database = configure_django(allow_any_database=args.allow_any_database)
    from django.core.cache import cache

    cache.clear()  # FLUSHDB of this script's Redis db: stale groups and sessions of old runs
    print(f"database {database}, {redis}; {machine_summary()}")
    sites = ensure_sites(
        prefix=SITE_PREFIX, organisation_code=ORGANISATION, library_organisation_code=LIBRARIES
    )
    load_data(sites, args)
    ensure_analyst()
    from django.db import connection

    connection.close()  # from here on, Django runs in the logger's thread

    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
    server = start_server(workdir, workers=args.workers)
    logger = VisitLogger(sites)
    results: list[Result] = []
    base: list[float] = []
    repeat: list[float] = []
    bursts: dict[int, tuple[list[float], int]] = {}
    try:
        wait_until_up(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            try:
                context = browser.new_context()
                context.add_init_script(INIT_SCRIPT)
                session = log_in(context, server)
                base, repeat = baseline(server, session, logger, args.baseline_runs)
                print(
                    f"baseline: live fragment alone, p50 {median(base):.1f} ms after a change, "
                    f"{median(repeat):.1f} ms repeated"
                )
                pages: list = []
                for wanted in args.dashboards:
                    print(f"{wanted} dashboards:")
                    errors = open_pages(context, server, pages, wanted, args.open_batch)
                    result = Result(wanted, len(pages), errors)
                    if not pages:
                        results.append(result)
                        continue
                    time.sleep(2)  # the pages' own start-up settles
                    result.load = load_average().removeprefix("load average ")
                    with CpuWindow(server, database) as window:
                        run_rounds(pages, logger, server, result, args)
                    result.cpu = window
                    result.connections = len(backend_pids(database))
                    results.append(result)
                    print(
                        f"  p50 {ms(result.latencies, 50)} ms, p99 {ms(result.latencies, 99)} ms,"
                        f" {result.failures} failures, {result.live_requests} live requests, "
                        f"{result.connections} PostgreSQL connections"
                    )
                for page in pages:
                    with contextlib.suppress(Exception):
                        page.close()
                # Last: every request made at once holds a PostgreSQL connection until the
                # server stops (see the docstring), so the burst is capped and comes after
                # the browsers.
                for clients in sorted({min(n, args.burst_max) for n in args.dashboards}):
                    in_use, allowed = connection_room()
                    if in_use + 2 * clients > allowed - 20:  # leave room for the neighbours
                        print(
                            f"server alone, {clients} at once: skipped, {in_use} of {allowed} "
                            "PostgreSQL connections in use"
                        )
                        continue
                    bursts[clients] = burst(server, session, logger, clients, args.burst_repeats)
                    print(
                        f"server alone, {clients} at once: p99 {ms(bursts[clients][0], 99)} ms; "
                        f"{len(backend_pids(database))} PostgreSQL connections"
                    )
            finally:
                browser.close()
    finally:
        server.stop()
        logger.close()
        shutil.rmtree(workdir / "static", ignore_errors=True)
        print(f"server stopped (exit {server.process.returncode}); log {server.log}")
    report(results, base, repeat, bursts, args)
    print(f"finished; {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
