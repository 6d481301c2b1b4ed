"""Shared parts of the benchmark scripts: Django set-up against a PostgreSQL bench database,
the bench organisations, sites and API keys, a fast generator of realistic synthetic visits,
and small helpers for timing and printing.

Nothing here is imported by the application; the scripts in this folder import it. Django
modules are imported inside functions, because Django must be configured first.
"""

from __future__ import annotations

import datetime
import math
import os
import random
import secrets
import statistics
import sys
import time
import uuid
import zoneinfo
from bisect import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

T = TypeVar("T")

REGION_CODE = "24"  # Västerbotten: its 15 municipalities get one bench site each
TIME_ZONE = "Europe/Stockholm"


# --- Environment and database -------------------------------------------------------------


def configure_django(*, allow_any_database: bool = False) -> str:
    """Configure Django for a benchmark run and return the database name.

    Refuses anything but PostgreSQL, and (unless told otherwise) any database whose name does
    not contain "bench": the scripts truncate the visit tables. Creates the database when it
    does not exist, then runs the migrations on it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")
    # Real environment variables win over the checkout's .env (settings read it with
    # overwrite=False), so these defaults also override a development .env's DEBUG=true:
    # DEBUG keeps every SQL statement in memory, which is not what production runs.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))
    # django.test.Client talks as "testserver"; the HTTP mode as 127.0.0.1.
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    # The throttle still runs (its cache look-up is part of every request); it must not
    # answer 429 to a benchmark that sends more than 600 requests in a minute.
    os.environ.setdefault("API_THROTTLE_RATE", "1000000/minute")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        sys.exit(
            "DATABASE_URL must point at PostgreSQL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench"
        )
    name = parts.path.lstrip("/")
    if "bench" not in name and not allow_any_database:
        sys.exit(
            f"Refusing database {name!r}: the benchmark truncates the visit tables. Use a "
            "database whose name contains 'bench', or pass --allow-any-database."
        )
    _create_database_if_missing(url, name)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return name


def _create_database_if_missing(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    maintenance = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def raw_connection(*, prepare: bool = True):
    """A plain psycopg connection to the bench database, outside Django: the baseline.

    psycopg prepares a statement on the server after it ran five times, and PostgreSQL may
    then switch to a generic plan that ignores the parameter values. That suits
    executemany; for an analytic query it can pick a plan several times slower (seen here:
    1.6 s became 5.6 s). Django's connections never prepare (client-side binding), so
    `prepare=False` gives the hand-written queries the same footing."""
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    conn = psycopg.connect(urlunsplit(url._replace(scheme="postgresql")), autocommit=True)
    if not prepare:
        conn.prepare_threshold = None
    return conn


def truncate_visit_tables(*, audit: bool = True) -> None:
    """Empty the visit tables (and the audit history the API writes for every visit)."""
    from django.db import connection

    # The statistics rollups are derived from the visits: emptied with them. The help-desk's
    # cases and bookings point at visits, so PostgreSQL truncates them together.
    tables = [
        "helpdesk_casecomment",
        "helpdesk_case",
        "helpdesk_appointment",
        "visits_visit_barriers",
        "visits_helpitem",
        "visits_visit",
        "indicators_rollup",
        "indicators_rolluphistogram",
    ]
    if audit:
        tables.append("audit_auditentry")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")


def table_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in ("visits_visit", "visits_helpitem", "visits_visit_barriers"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


# --- Organisations, sites, keys -----------------------------------------------------------


@dataclass(frozen=True)
class BenchSite:
    id: int
    code: str
    kind: str
    municipality_id: int
    municipality_code: str
    weight: float  # share of the visits
    nearby: tuple[tuple[int, str], ...]  # other municipalities of the region (id, code)


def ensure_sites(
    *, prefix: str, organisation_code: str, library_organisation_code: str | None = None
) -> list[BenchSite]:
    """One site per municipality of region 24, owned by `organisation_code`; with
    `library_organisation_code`, every fifth site is a library of that other organisation
    (so that a regional caller also sees data it does not own, and suppression runs).
    Site weights follow the square root of the population: Umeå is busiest, but a small
    inland municipality's centre is not negligible."""
    from organisations.models import Municipality, Organisation, Region, Site

    region = Region.objects.get(code=REGION_CODE)
    owner, _ = Organisation.objects.update_or_create(
        code=organisation_code,
        defaults={"name": f"Bench {organisation_code}", "kind": "region", "region": region},
    )
    library = None
    if library_organisation_code:
        library, _ = Organisation.objects.update_or_create(
            code=library_organisation_code,
            defaults={
                "name": f"Bench {library_organisation_code}",
                "kind": "library",
                "region": region,
            },
        )
    municipalities = list(Municipality.objects.filter(region=region).order_by("code"))
    total = sum(math.sqrt(m.population) for m in municipalities)
    sites = []
    for index, municipality in enumerate(municipalities):
        is_library = library is not None and index % 5 == 4
        site, _ = Site.objects.update_or_create(
            code=f"{prefix}-{municipality.code}",
            defaults={
                "name": f"Bench {municipality.name}",
                "kind": "library" if is_library else "service_centre",
                "organisation": library if is_library else owner,
                "municipality": municipality,
                "is_active": True,
            },
        )
        sites.append(
            BenchSite(
                id=site.pk,
                code=site.code,
                kind=site.kind,
                municipality_id=municipality.pk,
                municipality_code=municipality.code,
                weight=math.sqrt(municipality.population) / total,
                nearby=tuple((m.pk, m.code) for m in municipalities if m.pk != municipality.pk),
            )
        )
    return sites


def create_api_key(organisation_code: str, *, name: str = "benchmark") -> str:
    from api.services import api_key_create
    from organisations.models import Organisation

    organisation = Organisation.objects.get(code=organisation_code)
    _api_key, key = api_key_create(organisation=organisation, name=name)
    return key


# --- Synthetic visits ---------------------------------------------------------------------


class Weighted(Generic[T]):
    """Draws from a weighted table with one random() and a bisect: several times faster
    than random.choices() for one value, which matters for a million visits."""

    def __init__(self, weights: Mapping[T, float]):
        self.values = list(weights)
        self.cum = list(accumulate(weights.values()))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> T:
        return self.values[bisect(self.cum, rng.random() * self.total)]


@dataclass(frozen=True, slots=True)
class SyntheticVisit:
    id: uuid.UUID
    site: BenchSite
    started_at: datetime.datetime
    duration_min: int
    participants: int
    channel: str
    age_band: str
    gender: str
    language: str
    interpreter: bool
    first_visit: bool | None
    municipality: tuple[int, str] | None  # (id, SCB code)
    barriers: tuple[str, ...]
    confidence_before: int | None
    confidence_after: int | None
    note: str
    help: tuple[tuple[str, str, str], ...]  # (service, mode, outcome)

    def as_json(self) -> dict[str, Any]:
        """The visit as a client posts it (api/schema.py VISIT_EXAMPLE)."""
        return {
            "id": str(self.id),
            "site": self.site.code,
            "started_at": self.started_at.isoformat(),
            "duration_min": self.duration_min,
            "participants": self.participants,
            "channel": self.channel,
            "age_band": self.age_band,
            "gender": self.gender,
            "language": self.language,
            "interpreter": self.interpreter,
            "first_visit": self.first_visit,
            "visitor_municipality": self.municipality[1] if self.municipality else None,
            "barriers": list(self.barriers),
            "confidence_before": self.confidence_before,
            "confidence_after": self.confidence_after,
            "help": [{"service": s, "mode": m, "outcome": o} for s, m, o in self.help],
            "note": self.note,
        }


# Columns of visits_visit that a visit fills (created_by, staff, updated_by stay NULL, as for
# an API visit). The order is the one of SyntheticVisit.row().
VISIT_COLUMNS = (
    "id",
    "site_id",
    "started_at",
    "duration_min",
    "participants",
    "channel_id",
    "age_band_id",
    "gender",
    "language_id",
    "interpreter",
    "first_visit",
    "visitor_municipality_id",
    "confidence_before",
    "confidence_after",
    "note",
    "source",
    "created_at",
    "updated_at",
)


def visit_row(visit: SyntheticVisit, *, source: str, now: datetime.datetime) -> tuple:
    return (
        visit.id,
        visit.site.id,
        visit.started_at,
        visit.duration_min,
        visit.participants,
        visit.channel,
        visit.age_band,
        visit.gender,
        visit.language,
        visit.interpreter,
        visit.first_visit,
        visit.municipality[0] if visit.municipality else None,
        visit.confidence_before,
        visit.confidence_after,
        visit.note,
        source,
        now,
        now,
    )


class VisitGenerator:
    """Realistic visits: the distributions of the demo data (visits/demo.py: languages, age
    bands by profile, barriers, services, help modes, outcomes, durations, seasons, opening
    hours), drawn quickly. 1–3 help items (distinct services) and 0–2 barriers per visit;
    about 1 in 40 visits is a group session."""

    GROUP_SHARE = 1 / 40

    def __init__(self, *, sites: Sequence[BenchSite], seed: int):
        from visits import demo

        self.demo = demo
        self.rng = random.Random(seed)
        self.zone = zoneinfo.ZoneInfo(TIME_ZONE)
        self.sites = list(sites)
        self.site_table = Weighted({site: site.weight for site in self.sites})
        self.languages = Weighted(demo.LANGUAGE_WEIGHTS)
        self.ages = {profile: Weighted(w) for profile, w in demo.AGE_WEIGHTS.items()}
        self.genders = Weighted(demo.GENDER_WEIGHTS)
        self.first_visit = Weighted(demo.FIRST_VISIT_WEIGHTS)
        self.channels = {kind: Weighted(w) for kind, w in demo.CHANNEL_WEIGHTS.items()}
        self.hours = {kind: Weighted(w) for kind, w in demo.HOURS.items()}
        self.item_count = Weighted(demo.HELP_ITEM_COUNT)
        self.services = Weighted(demo.SERVICE_WEIGHTS)
        self.modes = Weighted(demo.MODE_WEIGHTS)
        self.modes_bankid = Weighted(demo.MODE_WEIGHTS_BANKID)
        self.outcomes = Weighted(demo.OUTCOME_WEIGHTS)
        self.outcomes_referred = Weighted(demo.OUTCOME_WEIGHTS_REFERRED)
        self.confidence = {p: Weighted(w) for p, w in demo.CONFIDENCE_BEFORE.items()}
        self.gain = Weighted(demo.CONFIDENCE_GAIN)
        self.days: dict[str, Weighted[datetime.date]] = {}

    def set_period(self, date_from: datetime.date, date_to: datetime.date) -> None:
        """Open days between the two dates (inclusive) with their seasonal weights: weekdays
        that are not holidays; libraries also open on Saturdays in term time."""
        demo = self.demo
        days = [
            date_from + datetime.timedelta(days=n) for n in range((date_to - date_from).days + 1)
        ]
        for kind in ("service_centre", "library"):
            weights = {}
            for day in days:
                if demo._is_holiday(day):
                    continue
                if day.weekday() == 5 and not (
                    kind == "library" and day.month in demo.LIBRARY_SATURDAY_MONTHS
                ):
                    continue
                weight = demo._day_weight(day)
                if weight > 0:
                    weights[day] = weight
            self.days[kind] = Weighted(weights)

    def visits(self, count: int) -> Iterable[SyntheticVisit]:
        for _ in range(count):
            yield self.visit()

    def visit(self) -> SyntheticVisit:
        demo, rng = self.demo, self.rng
        site = self.site_table.draw(rng)
        day = self.days[site.kind].draw(rng)
        started_at = datetime.datetime(
            day.year,
            day.month,
            day.day,
            self.hours[site.kind].draw(rng),
            int(rng.random() * 60),
            tzinfo=self.zone,
        )
        if rng.random() < self.GROUP_SHARE:
            return self._group_session(site, started_at)
        language = self.languages.draw(rng)
        newcomer = language in demo.IMMIGRANT_LANGUAGES
        age_band = self.ages["newcomer" if newcomer else "settled"].draw(rng)
        profile = "newcomer" if newcomer else "senior" if age_band in demo.SENIOR_AGES else "other"
        interpreter = (
            language != "sv"
            and rng.random() < demo.INTERPRETER_CHANCE["newcomer" if newcomer else "minority"]
        )
        help_items = self._help_items()
        duration = rng.lognormvariate(math.log(demo.DURATION_MEDIAN_MIN), demo.DURATION_SIGMA)
        duration *= demo.SENIOR_DURATION_FACTOR if profile == "senior" else 1
        duration += demo.EXTRA_ITEM_MIN * (len(help_items) - 1)
        duration += demo.INTERPRETER_EXTRA_MIN * interpreter
        before = after = None
        if rng.random() < demo.CONFIDENCE_SHARE:
            before = self.confidence[profile].draw(rng)
            after = min(5, max(1, before + self.gain.draw(rng)))
        return SyntheticVisit(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            site=site,
            started_at=started_at,
            duration_min=min(600, max(1, round(duration))),
            participants=1,
            channel=self.channels[site.kind].draw(rng),
            age_band=age_band,
            gender=self.genders.draw(rng),
            language=language,
            interpreter=interpreter,
            first_visit=self.first_visit.draw(rng),
            municipality=self._municipality(site),
            barriers=self._barriers(profile),
            confidence_before=before,
            confidence_after=after,
            note=rng.choice(demo.NOTES) if rng.random() < demo.NOTE_SHARE else "",
            help=help_items,
        )

    def _group_session(self, site: BenchSite, started_at: datetime.datetime) -> SyntheticVisit:
        demo, rng = self.demo, self.rng
        return SyntheticVisit(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            site=site,
            started_at=started_at,
            duration_min=demo.GROUP_DURATION_MIN,
            participants=rng.randint(*demo.GROUP_PARTICIPANTS),
            channel="booked",
            age_band="75+",
            gender="unstated",
            language="sv",
            interpreter=False,
            first_visit=None,
            municipality=(site.municipality_id, site.municipality_code),
            barriers=(),
            confidence_before=None,
            confidence_after=None,
            note=demo.GROUP_TITLE,
            help=(("eid.bankid", "taught", "resolved"),),
        )

    def _help_items(self) -> tuple[tuple[str, str, str], ...]:
        rng = self.rng
        wanted = self.item_count.draw(rng)
        services: list[str] = []
        while len(services) < wanted:
            service = self.services.draw(rng)
            if service not in services:
                services.append(service)
        items = []
        for service in services:
            mode = (self.modes_bankid if service == "eid.bankid" else self.modes).draw(rng)
            outcome = (self.outcomes_referred if mode == "referred" else self.outcomes).draw(rng)
            items.append((service, mode, outcome))
        # Sorted, as the API stores them (VisitRecord.help is sorted).
        return tuple(sorted(items))

    def _municipality(self, site: BenchSite) -> tuple[int, str] | None:
        draw = self.rng.random()
        if draw < self.demo.HOME_MUNICIPALITY_SHARE:
            return site.municipality_id, site.municipality_code
        if draw < self.demo.HOME_MUNICIPALITY_SHARE + self.demo.NEARBY_MUNICIPALITY_SHARE:
            return self.rng.choice(site.nearby)
        return None

    def _barriers(self, profile: str) -> tuple[str, ...]:
        rng = self.rng
        hits = [
            code
            for code, chance in self.demo.BARRIER_CHANCE[profile].items()
            if rng.random() < chance
        ]
        if len(hits) > self.demo.MAX_BARRIERS:
            hits = rng.sample(hits, self.demo.MAX_BARRIERS)
        return tuple(sorted(hits))


# --- Timing and printing ------------------------------------------------------------------


class CpuMeter:
    """CPU seconds (user + system) used by a set of processes, read from /proc. The machine
    may be shared: wall-clock rates then depend on the neighbours, CPU seconds much less.
    Counts this process and the PostgreSQL backends (and servers) given to it."""

    def __init__(self, pids: Iterable[int] = ()):
        self.pids = [os.getpid(), *pids]
        self.ticks = os.sysconf("SC_CLK_TCK")

    def read(self) -> dict[int, float]:
        return {pid: self._cpu(pid) for pid in self.pids}

    def _cpu(self, pid: int) -> float:
        # Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the name.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks

    @staticmethod
    def since(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
        return {pid: after[pid] - before[pid] for pid in before}


def backend_pid(connection) -> int:
    """The PostgreSQL server process serving a Django or psycopg connection."""
    if hasattr(connection, "ensure_connection"):  # Django
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    return connection.execute("SELECT pg_backend_pid()").fetchone()[0]


def percentile(samples: Sequence[float], percent: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), fine for 20 samples."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * percent / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def machine_summary() -> str:
    """One line about where the figures come from."""
    import platform

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"PostgreSQL {server}, DEBUG={os.environ.get('DEBUG')}, {load_average()}"
    )


def load_average() -> str:
    """Other work on the machine skews the figures: print the load with them."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def explain_statements(call: Callable[[], Any], *, title: str, calls: int, top: int) -> None:
    """Where one request's time goes: its SQL statements with their times (medians over
    `calls` calls: one call on a shared machine says little), the Python time around them
    (ORM compilation, fetching and converting rows, the rest of the view), and EXPLAIN
    (ANALYZE, BUFFERS) of the `top` slowest, run again on their own with the call's
    parameters."""
    from django.db import connection

    recorded: list[tuple[float, list[tuple[float, str, Any]]]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            recorded[-1][1].append((time.perf_counter() - started, sql, params))

    with connection.execute_wrapper(record):
        for _ in range(calls):
            recorded.append((0.0, []))
            started = time.perf_counter()
            call()
            recorded[-1] = (time.perf_counter() - started, recorded[-1][1])
    totals = [total for total, _statements in recorded]
    sql_totals = [sum(seconds for seconds, _sql, _p in statements) for _t, statements in recorded]
    # Per statement: the median over the calls that ran the same statements (a call may add
    # one, e.g. the API key's last-used time, written at most once a minute).
    shape = statistics.mode(tuple(sql for _s, sql, _p in statements) for _t, statements in recorded)
    same = [s for _t, s in recorded if tuple(sql for _, sql, _ in s) == shape]
    statements = [
        (statistics.median(call[index][0] for call in same), sql, same[-1][index][2])
        for index, sql in enumerate(shape)
    ]
    python = [total - sql for total, sql in zip(totals, sql_totals, strict=True)]
    print(
        f"\n=== {title}: p50 {percentile(totals, 50) * 1000:.1f} ms over {len(recorded)} calls: "
        f"{len(shape)} SQL statements, p50 {percentile(sql_totals, 50) * 1000:.1f} ms; "
        f"Python p50 {percentile(python, 50) * 1000:.1f} ms"
    )
    print_table(
        ["#", "p50 ms", "statement (start)"],
        [
            (index, f"{seconds * 1000:.2f}", " ".join(sql.split())[:120])
            for index, (seconds, sql, _params) in enumerate(statements, start=1)
        ],
    )
    slowest = sorted(enumerate(statements, start=1), key=lambda item: -item[1][0])
    with connection.cursor() as cursor:
        for index, (seconds, sql, params) in slowest[:top]:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            print(
                f"\n--- statement #{index} ({seconds * 1000:.2f} ms):\n{sql}\n"
                f"--- params: {params}\n{plan}"
            )
