"""Load on the production-like server: counter staff, partners' systems and analysts, alone and
all at once, with the errors, latencies and PostgreSQL connections they bring.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench_load \\
        .venv/bin/python bench/load.py [--duration 60] [--scenarios staff,closed,bare,...]
    .venv/bin/python bench/load.py --smoke     # CI: 10 s per scenario, exit 1 on any failure

Issue 10: "bench/load.py ... starts the production-like server (uvicorn, 2 workers,
PostgreSQL, Redis) and runs, each for 60 s: counter staff logging single visits with think time
(50 users, one visit every 2 s each); 50 closed-loop clients posting single visits; partners
posting 500-visit bulk batches; analysts reading /api/v1/stats/; all of them mixed. For each:
requests/s, p50/p99, errors by status, the most PostgreSQL connections seen, and the same
closed-loop load on a bare Django JSON view in the same server, with the ratio. Targets: zero
errors everywhere; with think time p99 under 250 ms; closed-loop visit POST at least 0.3x the
bare view (moonshot 0.5x)."

Set-up. A redis-server of the script's own on a free port (no persistence; `bench.server.
RedisServer`, so that a fault benchmark can stop and start it), the server's cache and channel
layer. The bench database (its name must contain "bench"; it is emptied) gets the region-24
bench sites (`bench.common.ensure_sites`: 12 service centres of one organisation, 3 libraries
of another), `--data-visits` synthetic visits over the year that ends yesterday, copied as
`bench/stats.py` does, with their rollups rebuilt: every run starts from the same data. Then
`--staff` counter staff users (role staff at one bench site each, in turn over the 15 sites;
all with one known password) and one API key per partner or analyst client, of the
organisation owning the service centres (old keys of earlier runs are deleted). The server is
`bench.server.start_server`: `uvicorn servicecenter.asgi:application --workers 2 --ws
websockets-sansio`, DEBUG=false, static files collected, this process's environment passed on
(DATABASE_URL, DB_POOL_MIN_SIZE / DB_POOL_MAX_SIZE / DB_POOL_TIMEOUT, DB_CONN_MAX_AGE, ...),
API_THROTTLE_RATE=1000000/minute (the throttle runs, and answers no 429), and ROOT_URLCONF
`bench.load_urls`: the project's URLs plus the bare view.

Clients: one asyncio process (aiohttp), every virtual user with a connection of its own (kept
alive), a `--timeout` (30 s) per request, which counts as the error "timeout"; a refused or
broken connection is "conn-error". The staff sign in first through /accounts/login/ (session
and CSRF cookies, as a browser) and read their site's quick-log page, whose form gives the
fields a browser posts (CSRF token and defaults).

Scenarios (each `--duration` seconds, 60 by default):
- staff: 50 counter staff, each saving one visit every 2 s (`--think`; each user starts at a
  random moment within the first 2 s, and never catches up on a slow save) through the
  quick-log form the tablet uses: `POST /visits/<site>/` with the form's fields (a synthetic
  visit: age band, 1-3 help items with service, mode and outcome, channel, language, barriers,
  ...; started now), answered 302, then the `GET` of the page it redirects to, as the browser
  does: both are requests of the scenario, and the p99 target is over both.
- closed: 50 partner clients (`--closed`), each `POST /api/v1/visits/` with one synthetic visit
  (JSON, `Api-Key`), the next as soon as the answer is in, no think time. Expects 201.
- bare: the same 50 closed-loop clients and bodies on `POST /bench/bare/` (bench/load_urls.py:
  a sync Django view behind the same middleware that parses the JSON and answers 201). The
  ratio closed / bare is the one the issue asks for (target 0.3x, moonshot 0.5x).
- bulk: 4 partner clients (`--bulk`), closed loop, `POST /api/v1/visits/bulk/` with 500 visits
  (`--bulk-size`) a call; expects 200 and every item "created".
- stats: 10 analyst clients (`--analysts`), closed loop, `GET /api/v1/stats/` over the last
  year, turn by turn over scope region:24, organisation:<the owner>, municipality:2480 and
  site:<Umeå's bench site>, each with no grouping and grouped by month, service, site,
  age_band, channel and barrier (every query is checked to answer 200 before the runs).
  The region scope holds the library organisation's sites, so suppression runs.
- mixed: all at once (`--mixed`, default 50,20,2,5): the 50 staff with their think time, 20
  closed-loop visit clients, 2 bulk clients and 5 analysts.

Printed per scenario and kind of request: requests, requests/s, visits/s (writes), p50, p99 and
max (ms, every request counted, errors too), the answers expected and the rest by status (exact
codes, "200-refused" for a quick-log form answered with its errors, "conn-error", "timeout"),
the most PostgreSQL connections of the server seen (pg_stat_activity, application_name set by
the server's PGAPPNAME, polled every 100 ms on a connection of its own) and the most of the
whole bench database, and CPU seconds of the server's processes and of this client. After every
writing scenario the visits in the database must have grown by exactly the acknowledged ones
(302 for the form, 201, bulk items "created"): sent / acknowledged / found. Then the targets.

Exit status 1 when any request got a 5xx, a connection error or a timeout, when the visits
found differ from those acknowledged, or when the server died; the tables are printed anyway.
A 4xx is printed as an error (the target is zero errors) without failing the run. `--smoke`
is 10 s per scenario and 2,000 data visits, for CI.

Caveats. The client shares the machine (two cores here) with the server, PostgreSQL and Redis;
its CPU seconds are printed. Under ASGI every request runs in a thread of its own: without a
connection pool, CONN_MAX_AGE > 0 leaves one PostgreSQL connection per thread open (see
bench/README.md, dashboard_live.py), which 50 clients can push past max_connections; set
DB_CONN_MAX_AGE=0 or a pool through the environment. Uvicorn writes its access log, as in
production.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

# The project first, and not this folder: bench/queue.py would stand in for the standard
# library's queue, which the thread pools import.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import (  # noqa: E402
    TIME_ZONE,
    BenchSite,
    CpuMeter,
    VisitGenerator,
    configure_django,
    create_api_key,
    ensure_sites,
    load_average,
    machine_summary,
    percentile,
    print_table,
    raw_connection,
)
from bench.server import (  # noqa: E402
    APPLICATION_NAME,
    RedisServer,
    Server,
    start_server,
    wait_until_up,
)

REGION = "24"
ORGANISATION = "bench-load-region"
LIBRARIES = "bench-load-library"
SITE_PREFIX = "bench-load"
STAFF_PREFIX = "bench-load-staff-"
PASSWORD = "bench-load-Password-24"
KEY_NAME = "bench-load"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/servicecenter_bench_load"
VISITS_PATH = "/api/v1/visits/"
BULK_PATH = "/api/v1/visits/bulk/"
STATS_PATH = "/api/v1/stats/"
LOGIN_PATH = "/accounts/login/"
STATS_SITE_MUNICIPALITY = "2480"  # Umeå
STATS_GROUPINGS = (None, "month", "service", "site", "age_band", "channel", "barrier")
SCENARIOS = ("staff", "closed", "bare", "bulk", "stats", "mixed")
SMOKE_SECONDS = 10
SMOKE_DATA_VISITS = 2_000
TARGET_P99_MS = 250.0  # with think time
TARGET_RATIO = 0.3  # closed-loop visit POST / bare view
MOONSHOT_RATIO = 0.5

# Kinds of request: what each counts as success.
STAFF_SAVE = "staff: quick-log POST"
STAFF_PAGE = "staff: page GET"
PARTNER_POST = "partner: visit POST"
BARE_POST = "bare view POST"
PARTNER_BULK = "partner: bulk POST"
ANALYST_STATS = "analyst: stats GET"
EXPECTED = {
    STAFF_SAVE: "302",
    STAFF_PAGE: "200",
    PARTNER_POST: "201",
    BARE_POST: "201",
    PARTNER_BULK: "200",
    ANALYST_STATS: "200",
}


@dataclass(frozen=True)
class Mix:
    """Virtual users of a scenario."""

    staff: int = 0
    closed: int = 0
    bare: int = 0
    bulk: int = 0
    analysts: int = 0

    def describe(self, think: float) -> str:
        parts = [
            f"{self.staff} staff (one visit every {think:g} s)" if self.staff else "",
            f"{self.closed} visit clients" if self.closed else "",
            f"{self.bare} bare clients" if self.bare else "",
            f"{self.bulk} bulk clients" if self.bulk else "",
            f"{self.analysts} analysts" if self.analysts else "",
        ]
        return ", ".join(p for p in parts if p)


# --- Arguments ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds per scenario (default 60)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"for CI: {SMOKE_SECONDS} s per scenario (unless --duration says otherwise), "
        f"{SMOKE_DATA_VISITS:,} data visits",
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--staff", type=int, default=50, help="counter staff users")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a user's visits")
    parser.add_argument("--closed", type=int, default=50, help="closed-loop visit and bare clients")
    parser.add_argument("--bulk", type=int, default=4, help="bulk clients")
    parser.add_argument("--bulk-size", type=int, default=500, help="visits per bulk call")
    parser.add_argument("--analysts", type=int, default=10, help="statistics clients")
    parser.add_argument(
        "--mixed", default="50,20,2,5", help="staff,closed,bulk,analysts of the mixed scenario"
    )
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--data-visits", type=int, default=None, help="default 20,000")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    if args.duration is None:
        args.duration = SMOKE_SECONDS if args.smoke else 60.0
    if args.data_visits is None:
        args.data_visits = SMOKE_DATA_VISITS if args.smoke else 20_000
    args.scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    staff, closed, bulk, analysts = (int(n) for n in args.mixed.split(","))
    args.mixes = {
        "staff": Mix(staff=args.staff),
        "closed": Mix(closed=args.closed),
        "bare": Mix(bare=args.closed),
        "bulk": Mix(bulk=args.bulk),
        "stats": Mix(analysts=args.analysts),
        "mixed": Mix(staff=staff, closed=closed, bulk=bulk, analysts=analysts),
    }
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    args.today = datetime.datetime.now(datetime.UTC).astimezone(zone).date()
    args.date_to = args.today - datetime.timedelta(days=1)
    args.date_from = args.date_to - datetime.timedelta(days=364)
    return args


# --- Data, users, keys ----------------------------------------------------------------------


def load_data(sites: Sequence[BenchSite], args: argparse.Namespace) -> None:
    """The visit tables emptied and `--data-visits` visits copied, their rollups rebuilt."""
    from bench.stats import load_bench_visits

    started = time.perf_counter()
    counts = load_bench_visits(sites, args, args.data_visits)
    print(
        f"data: {counts['visits']:,} visits {args.date_from} – {args.date_to} loaded in "
        f"{time.perf_counter() - started:.1f} s"
    )


@dataclass
class StaffUser:
    username: str
    site: BenchSite
    generator: VisitGenerator
    jar: object = None  # aiohttp.CookieJar, once signed in
    form: HtmlForm | None = None  # the quick-log form, once signed in

    @property
    def path(self) -> str:
        return f"/visits/{self.site.code}/"


def ensure_staff(sites: Sequence[BenchSite], count: int, args: argparse.Namespace) -> list:
    """`count` staff users, each with the role staff at one bench site (in turn), all with
    PASSWORD (hashed once: 50 hashes would take half a minute)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from organisations.models import Membership, Site

    password = make_password(PASSWORD)
    organisations = dict(
        Site.objects.filter(pk__in=[s.id for s in sites]).values_list("pk", "organisation_id")
    )
    staff = []
    for index in range(count):
        site = sites[index % len(sites)]
        username = f"{STAFF_PREFIX}{index + 1:03d}"
        user, _created = get_user_model().objects.update_or_create(
            username=username, defaults={"password": password, "is_active": True}
        )
        Membership.objects.filter(user=user).exclude(
            site_id=site.id, role=Membership.Role.STAFF
        ).delete()
        Membership.objects.get_or_create(
            user=user,
            organisation_id=organisations[site.id],
            site_id=site.id,
            role=Membership.Role.STAFF,
        )
        generator = VisitGenerator(sites=[site], seed=seed_of(args, "staff", index))
        generator.set_period(args.date_from, args.date_to)
        staff.append(StaffUser(username, site, generator))
    return staff


def api_keys(count: int) -> list[str]:
    """`count` fresh keys of the organisation owning the service centres; earlier runs'
    keys deleted."""
    from api.models import ApiKey

    ApiKey.objects.filter(organisation__code=ORGANISATION, name=KEY_NAME).delete()
    return [create_api_key(ORGANISATION, name=KEY_NAME) for _ in range(count)]


def seed_of(args: argparse.Namespace, *parts: object) -> int:
    """A generator seed per client and scenario: no two post the same visit ids."""
    text = ":".join(str(p) for p in (args.seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def partner_generator(
    sites: Sequence[BenchSite], args: argparse.Namespace, *parts: object
) -> VisitGenerator:
    """Visits at the service centres (the key's organisation's sites)."""
    own = [site for site in sites if site.kind == "service_centre"]
    generator = VisitGenerator(sites=own, seed=seed_of(args, *parts))
    generator.set_period(args.date_from, args.date_to)
    return generator


def stats_queries(sites: Sequence[BenchSite], args: argparse.Namespace) -> list[dict[str, str]]:
    site = next(s for s in sites if s.municipality_code == STATS_SITE_MUNICIPALITY)
    scopes = [
        f"region:{REGION}",
        f"organisation:{ORGANISATION}",
        f"municipality:{STATS_SITE_MUNICIPALITY}",
        f"site:{site.code}",
    ]
    queries = []
    for scope in scopes:
        for group_by in STATS_GROUPINGS:
            query = {"scope": scope, "from": str(args.date_from), "to": str(args.today)}
            if group_by:
                query["group_by"] = group_by
            queries.append(query)
    return queries


# --- HTML forms, as a browser submits them --------------------------------------------------


@dataclass
class HtmlForm:
    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)  # submitted as it stands
    options: dict[str, set[str]] = field(default_factory=dict)  # radio, checkbox, select
    names: set[str] = field(default_factory=set)

    def submit(self, values: dict[str, str | list[str]]) -> list[tuple[str, str]]:
        """The form's fields with `values` in place of the named ones (a list: a checkbox
        group, empty when nothing is ticked)."""
        data = [(name, value) for name, value in self.fields if name not in values]
        for name, value in values.items():
            data.extend((name, v) for v in ([value] if isinstance(value, str) else value))
        return data

    def check(self, values: dict[str, str | list[str]]) -> list[str]:
        """What in `values` the form does not offer."""
        problems = []
        for name, value in values.items():
            if name not in self.names:
                problems.append(f"no field {name!r}")
                continue
            offered = self.options.get(name)
            for v in [value] if isinstance(value, str) else value:
                if offered is not None and v not in offered:
                    problems.append(f"{name}={v!r} not offered")
        return problems


class FormParser(HTMLParser):
    """The forms of a page: their successful controls as a browser would submit them unchanged
    (checked boxes and radios, selected options, text, hidden fields, textareas)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self.form: HtmlForm | None = None
        self.select: tuple[str, bool, list[str], list[str]] | None = None
        self.textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.form = HtmlForm(a)
            self.forms.append(self.form)
            return
        name = a.get("name")
        if self.form is None or not name or "disabled" in a:
            if tag == "option" and self.select is not None:
                self._option(a)
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            self.form.names.add(name)
            if kind in ("checkbox", "radio"):
                value = a.get("value", "on")
                self.form.options.setdefault(name, set()).add(value)
                if "checked" in a:
                    self.form.fields.append((name, value))
            else:
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "select":
            self.form.names.add(name)
            self.select = (name, "multiple" in a, [], [])
        elif tag == "textarea":
            self.form.names.add(name)
            self.textarea = [name, ""]

    def _option(self, a: dict[str, str]) -> None:
        name, _multiple, values, selected = self.select
        value = a.get("value", "")
        values.append(value)
        self.form.options.setdefault(name, set()).add(value)
        if "selected" in a:
            selected.append(value)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None and self.form is not None:
            name, multiple, values, selected = self.select
            if not selected and values and not multiple:
                selected = values[:1]
            self.form.fields.extend((name, value) for value in selected)
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            self.form.fields.append((self.textarea[0], self.textarea[1].removeprefix("\n")))
            self.textarea = None


def find_form(html: str, wanted: str) -> HtmlForm:
    """The page's first form with a field named `wanted`."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if wanted in form.names:
            return form
    raise SystemExit(f"no form with a field {wanted!r} on the page")


def quick_log_values(form: HtmlForm, visit, zone: zoneinfo.ZoneInfo) -> dict:
    """What the staff enter for `visit` on the quick-log form, started now (the form's own
    default, to the minute), under a new visit id, as each fresh form carries."""
    values: dict[str, str | list[str]] = {
        "visit_id": str(uuid.uuid4()),
        "started_at": datetime.datetime.now(zone).strftime("%Y-%m-%dT%H:%M"),
        "duration_min": str(visit.duration_min),
        "participants": str(visit.participants),
        "channel": visit.channel,
        "age_band": visit.age_band,
        "gender": visit.gender,
        "language": visit.language,
        "interpreter": ["on"] if visit.interpreter else [],
        "first_visit": {True: "true", False: "false", None: "unknown"}[visit.first_visit],
        "visitor_municipality": str(visit.municipality[0]) if visit.municipality else "",
        "barriers": list(visit.barriers),
        "confidence_before": _optional(visit.confidence_before),
        "confidence_after": _optional(visit.confidence_after),
        "note": visit.note,
    }
    for index, (service, mode, outcome) in enumerate(visit.help):
        if f"help-{index}-service" not in form.names:
            break  # more items than the form has rows
        values[f"help-{index}-service"] = service
        values[f"help-{index}-mode"] = mode
        values[f"help-{index}-outcome"] = outcome
    return values


def _optional(value: int | None) -> str:
    return "" if value is None else str(value)


# --- Measurement ----------------------------------------------------------------------------


@dataclass
class Tally:
    """The requests of one kind in one scenario."""

    kind: str
    users: int
    latencies: list[float] = field(default_factory=list)  # ms
    statuses: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    sent: int = 0  # visits sent
    acknowledged: int = 0  # visits the server said it saved
    items: Counter = field(default_factory=Counter)  # bulk: item statuses

    def record(self, started: float, label: str, note: str = "") -> None:
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.statuses[label] += 1
        note = " ".join(f"{label}: {note}".split())[:200]  # one line
        if label != EXPECTED[self.kind] and len(self.notes) < 3 and note not in self.notes:
            self.notes.append(note)

    @property
    def ok(self) -> int:
        return self.statuses[EXPECTED[self.kind]]

    @property
    def errors(self) -> Counter:
        return Counter({k: n for k, n in self.statuses.items() if k != EXPECTED[self.kind]})

    @property
    def writes(self) -> bool:
        return self.kind in (STAFF_SAVE, PARTNER_POST, PARTNER_BULK)


@dataclass
class ScenarioResult:
    name: str
    mix: Mix
    tallies: dict[str, Tally]
    elapsed: float = 0.0
    pg_server: int = 0
    pg_database: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    visits_found: int | None = None
    server_died: bool = False

    @property
    def acknowledged(self) -> int:
        return sum(t.acknowledged for t in self.tallies.values())

    @property
    def requests(self) -> int:
        return sum(len(t.latencies) for t in self.tallies.values())

    @property
    def writes(self) -> bool:
        return any(t.writes and t.statuses for t in self.tallies.values())


class ConnectionWatch(threading.Thread):
    """Polls pg_stat_activity every 100 ms on a connection of its own: the server's
    connections (application_name) and all of the bench database's but this one."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.peak_server = self.peak_database = 0
        self.failure: str | None = None

    def run(self) -> None:
        try:
            with raw_connection() as conn:
                while not self.stopping.wait(0.1):
                    server, database = conn.execute(
                        "SELECT count(*) FILTER (WHERE application_name = %s), count(*)"
                        " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                        # Connections, not the parallel workers a query starts, which carry
                        # its session's application name.
                        " AND backend_type = 'client backend'",
                        [APPLICATION_NAME, self.database],
                    ).fetchone()
                    with self.lock:
                        self.peak_server = max(self.peak_server, server)
                        self.peak_database = max(self.peak_database, database)
        except Exception as error:  # reported with the results, not fatal
            self.failure = f"{type(error).__name__}: {error}"

    def take(self) -> tuple[int, int]:
        """The peaks since the last call."""
        with self.lock:
            peaks = self.peak_server, self.peak_database
            self.peak_server = self.peak_database = 0
        return peaks

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)


def visit_count() -> int:
    with raw_connection() as conn:
        return conn.execute("SELECT count(*) FROM visits_visit").fetchone()[0]


class Clients:
    """The virtual users and what they share."""

    def __init__(self, server: Server, args: argparse.Namespace, staff, keys, sites) -> None:
        self.server = server
        self.args = args
        self.staff: list[StaffUser] = staff
        self.keys: list[str] = keys
        self.sites = sites
        self.zone = zoneinfo.ZoneInfo(TIME_ZONE)
        self.queries = stats_queries(sites, args)

    def session(self, jar=None):
        import aiohttp

        return aiohttp.ClientSession(
            base_url=self.server.base,
            # One connection per virtual user, closed before uvicorn's keep-alive (5 s) would.
            connector=aiohttp.TCPConnector(limit=1, keepalive_timeout=4),
            cookie_jar=jar if jar is not None else aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=self.args.timeout),
        )

    async def request(
        self, session, tally: Tally, method: str, path: str, *, relabel=None, **kwargs
    ) -> tuple[int | None, bytes, dict]:
        """One timed request; its answer's status (None on a timeout or connection error),
        body and headers. `relabel(status, headers)` may name an answer otherwise than by its
        status. After a connection error it waits 0.1 s: a closed loop would spin."""
        import aiohttp

        started = time.perf_counter()
        try:
            async with session.request(method, path, allow_redirects=False, **kwargs) as answer:
                body = await answer.read()
        except TimeoutError:
            tally.record(started, "timeout", f"{method} {path}")
            return None, b"", {}
        except (aiohttp.ClientError, OSError) as error:
            tally.record(started, "conn-error", f"{type(error).__name__}: {error}")
            await asyncio.sleep(0.1)
            return None, b"", {}
        label = (relabel and relabel(answer.status, answer.headers)) or str(answer.status)
        tally.record(started, label, _gist(body) if label != EXPECTED[tally.kind] else "")
        return answer.status, body, dict(answer.headers)

    # --- signing in -------------------------------------------------------------------------

    async def sign_in_all(self) -> None:
        started = time.perf_counter()
        gate = asyncio.Semaphore(4)  # the password hash is slow by design

        async def one(user: StaffUser) -> None:
            async with gate:
                await self.sign_in(user)

        await asyncio.gather(*(one(user) for user in self.staff))
        print(
            f"{len(self.staff)} staff signed in through {LOGIN_PATH} in "
            f"{time.perf_counter() - started:.1f} s"
        )

    async def sign_in(self, user: StaffUser) -> None:
        import aiohttp

        # The cookies are Secure (DEBUG=false); the server speaks plain HTTP (no proxy).
        user.jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[self.server.base])
        scratch = Tally(STAFF_PAGE, 1)
        async with self.session(user.jar) as session:
            status, body, _ = await self.request(session, scratch, "GET", LOGIN_PATH)
            if status != 200:
                raise SystemExit(f"GET {LOGIN_PATH}: {status}")
            login = find_form(body.decode(), "username")
            data = login.submit({"username": user.username, "password": PASSWORD})
            status, body, _ = await self.request(session, scratch, "POST", LOGIN_PATH, data=data)
            if status != 302:
                raise SystemExit(f"{user.username} could not sign in: {status}")
            status, body, _ = await self.request(session, scratch, "GET", user.path)
            if status != 200:
                raise SystemExit(f"GET {user.path} as {user.username}: {status}")
            user.form = find_form(body.decode(), "help-0-service")
        # The synthetic visits' values must be on the form (a changed form stops the run here).
        problems = set()
        for _ in range(300):
            problems.update(user.form.check(self.quick_log(user)))
        if problems:
            raise SystemExit(f"the quick-log form of {user.site.code}: {sorted(problems)[:10]}")

    def quick_log(self, user: StaffUser) -> dict:
        return quick_log_values(user.form, user.generator.visit(), self.zone)

    async def check_queries(self) -> None:
        """Every statistics query answers 200 before anything is timed."""
        scratch = Tally(ANALYST_STATS, 1)
        headers = {"Authorization": f"Api-Key {self.keys[0]}"}
        async with self.session() as session:
            for query in self.queries:
                status, body, _ = await self.request(
                    session, scratch, "GET", STATS_PATH, params=query, headers=headers
                )
                if status != 200:
                    raise SystemExit(f"GET {STATS_PATH} {query}: {status} {body[:300]!r}")

    # --- the virtual users ------------------------------------------------------------------

    async def staff_user(self, user: StaffUser, save: Tally, page: Tally, end: float) -> None:
        think = self.args.think
        rng = random.Random(user.username)

        def relabel(status: int, headers) -> str | None:
            if status == 200:
                return "200-refused"  # the form again, with its errors
            if status == 302 and urlsplit(headers.get("Location", "")).path != user.path:
                return "302-elsewhere"  # e.g. to the login page
            return None

        async with self.session(user.jar) as session:
            next_at = time.monotonic() + rng.uniform(0, think)
            while next_at < end:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                data = user.form.submit(self.quick_log(user))
                save.sent += 1
                status, _body, headers = await self.request(
                    session, save, "POST", user.path, data=data, relabel=relabel
                )
                if status == 302 and relabel(status, headers) is None:
                    save.acknowledged += 1
                    await self.request(session, page, "GET", user.path)
                next_at = max(next_at + think, time.monotonic())

    async def visit_client(self, index: int, tally: Tally, path: str, end: float, tag: str):
        generator = partner_generator(self.sites, self.args, tag, index)
        headers = {
            "Authorization": f"Api-Key {self.keys[index % len(self.keys)]}",
            "Content-Type": "application/json",
        }
        async with self.session() as session:
            while time.monotonic() < end:
                body = json.dumps(generator.visit().as_json())
                tally.sent += 1
                status, _body, _headers = await self.request(
                    session, tally, "POST", path, data=body, headers=headers
                )
                if status == 201 and tally.writes:
                    tally.acknowledged += 1

    async def bulk_client(self, index: int, tally: Tally, end: float, tag: str) -> None:
        generator = partner_generator(self.sites, self.args, tag, "bulk", index)
        headers = {
            "Authorization": f"Api-Key {self.keys[-1 - index % len(self.keys)]}",
            "Content-Type": "application/json",
        }
        size = self.args.bulk_size
        async with self.session() as session:
            while time.monotonic() < end:
                visits = [visit.as_json() for visit in generator.visits(size)]
                body = json.dumps({"visits": visits})
                tally.sent += size
                status, answer, _headers = await self.request(
                    session, tally, "POST", BULK_PATH, data=body, headers=headers
                )
                if status == 200:
                    results = json.loads(answer)["results"]
                    statuses = Counter(item["status"] for item in results)
                    tally.items.update(statuses)
                    tally.acknowledged += statuses["created"]
                    for item in results:
                        if item["status"] != "created" and len(tally.notes) < 3:
                            tally.notes.append(f"item {item['status']}: {item.get('errors')}")

    async def analyst(self, index: int, tally: Tally, end: float) -> None:
        headers = {"Authorization": f"Api-Key {self.keys[index % len(self.keys)]}"}
        turn = index * 5
        async with self.session() as session:
            while time.monotonic() < end:
                query = self.queries[turn % len(self.queries)]
                turn += 1
                await self.request(session, tally, "GET", STATS_PATH, params=query, headers=headers)

    async def run(self, name: str, mix: Mix) -> ScenarioResult:
        from bench.load_urls import BARE_PATH  # imports the project's URLconf: after set-up

        tallies: dict[str, Tally] = {}

        def tally(kind: str, users: int) -> Tally:
            return tallies.setdefault(kind, Tally(kind, users))

        end = time.monotonic() + self.args.duration
        tasks = []
        for user in self.staff[: mix.staff]:
            save, page = tally(STAFF_SAVE, mix.staff), tally(STAFF_PAGE, mix.staff)
            tasks.append(self.staff_user(user, save, page, end))
        for index in range(mix.closed):
            tasks.append(self.visit_client(index, tally(PARTNER_POST, mix.closed), VISITS_PATH,
                                           end, name))  # fmt: skip
        for index in range(mix.bare):
            tasks.append(self.visit_client(index, tally(BARE_POST, mix.bare), "/" + BARE_PATH,
                                           end, name))  # fmt: skip
        for index in range(mix.bulk):
            tasks.append(self.bulk_client(index, tally(PARTNER_BULK, mix.bulk), end, name))
        for index in range(mix.analysts):
            tasks.append(self.analyst(index, tally(ANALYST_STATS, mix.analysts), end))
        result = ScenarioResult(name, mix, tallies)
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        result.elapsed = time.perf_counter() - started
        return result


def _gist(body: bytes) -> str:
    """An answer's page title, or its start."""
    text = body[:3000].decode(errors="replace")
    title = re.search(r"<title>(.*?)</title>", text, re.DOTALL)
    return f"page {title.group(1).strip()!r}" if title else text[:300]


# --- Running --------------------------------------------------------------------------------


async def run_scenarios(
    server: Server, args: argparse.Namespace, staff, keys, sites, database: str, results: list
) -> None:
    """The scenarios one after the other, in one event loop (the staff's cookie jars live in
    it), each appended to `results` as it ends. The few blocking calls between scenarios
    (counts, /proc) take milliseconds."""
    clients = Clients(server, args, staff, keys, sites)
    if staff:
        await clients.sign_in_all()
    if any(args.mixes[name].analysts for name in args.scenarios):
        await clients.check_queries()
    watch = ConnectionWatch(database)
    watch.start()
    try:
        for name in args.scenarios:
            mix = args.mixes[name]
            print(f"{name}: {mix.describe(args.think)}, {args.duration:.0f} s ...")
            before = visit_count()
            meter = CpuMeter(server.pids())
            cpu_before = meter.read()
            watch.take()
            result = await clients.run(name, mix)
            result.pg_server, result.pg_database = watch.take()
            cpu = CpuMeter.since(cpu_before, meter.read()) if _alive(meter) else {}
            result.client_cpu = cpu.pop(os.getpid(), 0.0)
            result.server_cpu = sum(cpu.values())
            result.visits_found = visit_count() - before
            result.server_died = server.process.poll() is not None
            results.append(result)
            print("  " + summary_line(result))
            if result.server_died:
                print(f"  the server died (exit {server.process.returncode})")
                break
            await asyncio.sleep(1)  # the last answers' threads end; connections settle
    finally:
        watch.stop()
    if watch.failure:
        print(f"(the PostgreSQL connection watch failed: {watch.failure})")


async def with_clients(hook, clients: Clients, redis: RedisServer) -> None:
    if clients.staff:
        await clients.sign_in_all()
    await hook(clients, redis)


def _alive(meter: CpuMeter) -> bool:
    return all(Path(f"/proc/{pid}").exists() for pid in meter.pids)


def summary_line(result: ScenarioResult) -> str:
    errors = sum(sum(t.errors.values()) for t in result.tallies.values())
    return (
        f"{result.requests:,} requests, {result.requests / result.elapsed:.1f}/s, {errors} errors, "
        f"at most {result.pg_server} server PostgreSQL connections"
    )


# --- Report ---------------------------------------------------------------------------------


def statuses_text(counter: Counter) -> str:
    return " ".join(f"{label}:{n}" for label, n in sorted(counter.items())) or "-"


def report(results: Sequence[ScenarioResult], args: argparse.Namespace) -> list[str]:
    """Prints the tables and the targets; returns the failures (exit status 1)."""
    if not results:
        print("\nNo scenario ran.")
        return []
    print()
    print(
        f"Per scenario and kind of request ({args.duration:.0f} s each; ms over every "
        "request, errors included; pg: the most PostgreSQL connections seen, the server's / "
        "the whole bench database's; CPU s: server processes / this client; server CPU ms "
        "per request, PostgreSQL not included):"
    )
    rows = []
    for r in results:
        tallies = list(r.tallies.values())
        if len(tallies) > 1:
            everything = Tally("all", 0)
            for t in tallies:
                everything.latencies += t.latencies
            tallies.append(everything)
        for index, t in enumerate(tallies):
            first = index == 0
            count = len(t.latencies)
            rows.append(
                (
                    r.name if first else "",
                    t.kind,
                    t.users or "",
                    f"{count:,}",
                    f"{count / r.elapsed:.1f}",
                    f"{t.acknowledged / r.elapsed:.1f}" if t.kind != "all" and t.writes else "",
                    f"{percentile(t.latencies, 50):.0f}" if count else "-",
                    f"{percentile(t.latencies, 99):.0f}" if count else "-",
                    f"{max(t.latencies):.0f}" if count else "-",
                    f"{t.ok:,}" if t.kind != "all" else "",
                    statuses_text(t.errors) if t.kind != "all" else "",
                    f"{r.pg_server} / {r.pg_database}" if first else "",
                    f"{r.server_cpu:.0f} / {r.client_cpu:.0f}" if first else "",
                    f"{r.server_cpu * 1000 / r.requests:.0f}" if first and r.requests else "",
                )
            )
    print_table(
        ["scenario", "requests", "users", "count", "req/s", "visits/s", "p50", "p99", "max",
         "ok", "errors", "pg", "CPU s", "ms/req"],
        rows,
    )  # fmt: skip
    for r in results:
        for t in r.tallies.values():
            for note in t.notes:
                print(f"  {r.name}, {t.kind}: {note[:300]}")
            if t.items and set(t.items) != {"created"}:
                print(f"  {r.name}, {t.kind}: bulk items {statuses_text(t.items)}")

    failures: list[str] = []
    rows = []
    for r in results:
        if not r.writes:
            continue
        sent = sum(t.sent for t in r.tallies.values() if t.writes)
        same = r.visits_found == r.acknowledged
        rows.append((r.name, f"{sent:,}", f"{r.acknowledged:,}", f"{r.visits_found:,}",
                     "ok" if same else "MISMATCH"))  # fmt: skip
        if not same:
            failures.append(
                f"{r.name}: {r.visits_found:,} visits found, {r.acknowledged:,} acknowledged"
            )
    if rows:
        print()
        print("Visits sent, acknowledged (302 / 201 / bulk items created), found in the database:")
        print_table(["scenario", "sent", "acknowledged", "found", ""], rows)

    for r in results:
        for t in r.tallies.values():
            serious = {
                label: n
                for label, n in t.errors.items()
                if label in ("timeout", "conn-error") or label.startswith("5")
            }
            if serious:
                failures.append(f"{r.name}, {t.kind}: {statuses_text(Counter(serious))}")
        if r.server_died:
            failures.append(f"{r.name}: the server died")

    print()
    by_name = {r.name: r for r in results}
    errors = {
        f"{r.name} / {t.kind}": sum(t.errors.values())
        for r in results
        for t in r.tallies.values()
        if t.errors
    }
    print(
        f"target: zero errors everywhere: {'met' if not errors else 'not met'}"
        + (f" ({', '.join(f'{k}: {n}' for k, n in errors.items())})" if errors else "")
    )
    for name in ("staff", "mixed"):
        r = by_name.get(name)
        staff = [t for t in r.tallies.values() if t.kind in (STAFF_SAVE, STAFF_PAGE)] if r else []
        samples = [ms for t in staff for ms in t.latencies]
        if not samples:
            continue
        p99 = percentile(samples, 99)
        save = next(t for t in staff if t.kind == STAFF_SAVE)
        print(
            f"{'target' if name == 'staff' else 'also'}: with think time p99 < "
            f"{TARGET_P99_MS:.0f} ms ({name}, quick-log POST and page GET): "
            f"{'met' if p99 < TARGET_P99_MS else 'not met'} (p99 {p99:.0f} ms; the POST alone "
            f"{percentile(save.latencies, 99):.0f} ms)"
        )
    closed, bare = by_name.get("closed"), by_name.get("bare")
    if closed and bare and PARTNER_POST in closed.tallies and BARE_POST in bare.tallies:
        visit_rate = closed.tallies[PARTNER_POST].ok / closed.elapsed
        bare_rate = bare.tallies[BARE_POST].ok / bare.elapsed
        ratio = visit_rate / bare_rate if bare_rate else float("nan")
        verdict = (
            "moonshot met"
            if ratio >= MOONSHOT_RATIO
            else "met"
            if ratio >= TARGET_RATIO
            else "not met"
        )
        print(
            f"target: closed-loop visit POST >= {TARGET_RATIO}x the bare view (moonshot "
            f"{MOONSHOT_RATIO}x): {verdict} ({visit_rate:.1f} / {bare_rate:.1f} answered "
            f"requests/s = {ratio:.2f}x)"
        )
    else:
        print("target: closed-loop visit POST / bare view: not measured (needs closed and bare)")
    return failures


def server_errors(server: Server) -> Counter:
    """The exception lines of the server's log (tracebacks end with one)."""
    pattern = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout)\b.*)$")
    found = Counter()
    for line in server.log_text().splitlines():
        match = pattern.match(line.strip())
        if match:
            found[match.group(1)[:200]] += 1
    return found


def settings_line(server: Server) -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    pool = database.get("OPTIONS", {}).get("pool")
    env = " ".join(
        f"{name}={os.environ[name]}"
        for name in sorted(os.environ)
        if name.startswith("DB_POOL_") or name == "DB_CONN_MAX_AGE"
    )
    return (
        f"server: uvicorn, {server.workers} workers, {server.base}; CONN_MAX_AGE="
        f"{database.get('CONN_MAX_AGE')}, pool {pool if pool else 'off'}; environment: "
        f"{env or 'no DB_POOL_* / DB_CONN_MAX_AGE'}; API_THROTTLE_RATE="
        f"{os.environ.get('API_THROTTLE_RATE')}; {os.environ['REDIS_URL']} (own redis-server)"
    )


def close_django_connections() -> None:
    """This process's connections closed, and its pool too when the settings have one: only
    the server's connections are left to count."""
    from django.db import connections

    for connection in connections.all():
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()


# --- Main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, hook=None) -> int:
    """`hook(clients, redis)`, a coroutine, runs in place of the scenarios when given, with
    everything set up (bench/faults.py)."""
    args = parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    # The throttle runs on every request, as in production, but must not answer 429 here.
    os.environ["API_THROTTLE_RATE"] = "1000000/minute"
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    redis = RedisServer(workdir)
    redis.start()
    os.environ["REDIS_URL"] = redis.url
    server: Server | None = None
    results: list[ScenarioResult] = []
    crashed: Exception | None = None
    try:
        database = configure_django(allow_any_database=args.allow_any_database)
        print(f"database {database}; {machine_summary()}")
        sites = ensure_sites(
            prefix=SITE_PREFIX, organisation_code=ORGANISATION, library_organisation_code=LIBRARIES
        )
        load_data(sites, args)
        # The same staff users in every scenario.
        staff_count = max((args.mixes[name].staff for name in args.scenarios), default=0)
        staff = ensure_staff(sites, staff_count, args)
        mixes = [args.mixes[name] for name in args.scenarios]
        keys = api_keys(max((max(m.closed, m.bare, m.bulk, m.analysts) for m in mixes), default=1))
        close_django_connections()  # from here on this process reads PostgreSQL with psycopg
        server = start_server(workdir, workers=args.workers, urlconf="bench.load_urls")
        wait_until_up(server)
        print(settings_line(server))
        if hook is None:
            asyncio.run(run_scenarios(server, args, staff, keys, sites, database, results))
        else:
            asyncio.run(with_clients(hook, Clients(server, args, staff, keys, sites), redis))
    except Exception as error:  # the scenarios that ran are still reported
        crashed = error
        traceback.print_exc()
    finally:
        if server is not None:
            server.stop()
            print(f"server stopped (exit {server.process.returncode}); log {server.log}")
        redis.stop()
    failures = report(results, args) if hook is None else []
    if crashed is not None:
        failures.append(f"the benchmark crashed: {type(crashed).__name__}: {crashed}")
    if server is not None:
        errors = server_errors(server)
        if errors:
            print("\nExceptions in the server's log:")
            for line, count in errors.most_common(8):
                print(f"  {count} x {line}")
    if failures:
        print("\nFAILED (exit status 1):")
        for failure in failures:
            print(f"  {failure}")
    shutil.rmtree(workdir / "static", ignore_errors=True)
    print(f"finished; {load_average()}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
