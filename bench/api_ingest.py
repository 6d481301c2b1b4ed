"""Bulk ingest through the API against hand-written SQL inserting the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench \\
        .venv/bin/python bench/api_ingest.py [--visits 100000] [--http] [--profile 10]

Sends N synthetic visits through `POST /api/v1/visits/bulk/` (500 per call) in-process with
django.test.Client: the whole request path (JSON parsing, API-key authentication, throttle,
validation, idempotency look-up, inserts, audit rows, response) without a socket, because
the SQL baseline has none either. Then empties the visit tables and inserts the very same
rows (same ids) with psycopg `executemany`, one transaction per 500 visits like the API, and
again with COPY (one COPY per table, one transaction per 500 visits), each with and without
the audit rows the API writes; COPY must write what executemany wrote (checked by a digest
of the tables, timestamps aside). Prints visits/s for every side and the ratios of the API to
executemany and to COPY. The target (the issue): API ≥ 0.5 × executemany. It also
prints visits per CPU second (this process plus its PostgreSQL backend, read from /proc),
which depends far less on other work on a shared machine than wall-clock time does.

`--http` also measures the API through uvicorn over one keep-alive connection on loopback;
`--profile N` profiles N extra bulk calls (SQL count and time per call, and a pyinstrument
or cProfile summary of where the Python time goes).

The database is created when missing and migrated; its visit and audit tables are truncated.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The project first, and not this folder: bench/queue.py would stand in for the standard
# library's queue, which the thread pools import.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import (  # noqa: E402
    ROOT,
    CpuMeter,
    SyntheticVisit,
    VisitGenerator,
    backend_pid,
    configure_django,
    create_api_key,
    ensure_sites,
    load_average,
    machine_summary,
    percentile,
    print_table,
    raw_connection,
    table_counts,
    truncate_visit_tables,
)

BULK_URL = "/api/v1/visits/bulk/"
ORGANISATION = "bench-ingest"

INSERT_VISIT = """
    INSERT INTO visits_visit (
        id, site_id, started_at, duration_min, participants, channel_id, age_band_id, gender,
        language_id, interpreter, first_visit, visitor_municipality_id, confidence_before,
        confidence_after, note, source, created_at, updated_at
    ) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'api', now(), now())
"""
INSERT_HELP_ITEM = """
    INSERT INTO visits_helpitem (visit_id, service_id, mode_id, outcome_id)
    VALUES (%s, %s, %s, %s)
"""
INSERT_BARRIER = "INSERT INTO visits_visit_barriers (visit_id, barrier_id) VALUES (%s, %s)"
INSERT_AUDIT = """
    INSERT INTO audit_auditentry (content_type_id, object_id, action, at, changes, actor_id)
    VALUES (%s, %s, 'create', now(), %s, NULL)
"""
# The same rows with COPY: the columns the INSERTs fill, those they fill with constants or
# now() included (COPY takes no expressions: the batch's timestamp is taken in Python as it
# is sent, as the API's `timezone.now()` per call).
COPY_VISIT = """
    COPY visits_visit (
        id, site_id, started_at, duration_min, participants, channel_id, age_band_id, gender,
        language_id, interpreter, first_visit, visitor_municipality_id, confidence_before,
        confidence_after, note, source, created_at, updated_at
    ) FROM STDIN
"""
COPY_HELP_ITEM = "COPY visits_helpitem (visit_id, service_id, mode_id, outcome_id) FROM STDIN"
COPY_BARRIER = "COPY visits_visit_barriers (visit_id, barrier_id) FROM STDIN"
COPY_AUDIT = """
    COPY audit_auditentry (content_type_id, object_id, action, at, changes, actor_id)
    FROM STDIN
"""


@dataclass
class Run:
    name: str
    seconds: float
    visits: int
    latencies: list[float]  # seconds per batch (request or transaction)
    cpu_client: float  # CPU seconds of the process(es) running Python
    cpu_database: float | None  # CPU seconds of the PostgreSQL backend serving them

    @property
    def rate(self) -> float:
        return self.visits / self.seconds

    @property
    def cpu_rate(self) -> float | None:
        """Visits per CPU second, Python and PostgreSQL together: what the wall-clock rate
        would be on one otherwise idle core, and much less sensitive to neighbours."""
        if self.cpu_database is None:
            return None
        return self.visits / (self.cpu_client + self.cpu_database)


@dataclass(frozen=True)
class RawBatch:
    """The rows of one batch as the baseline inserts them, built before the clock starts."""

    visits: list[tuple]
    help_items: list[tuple]
    barriers: list[tuple]
    audit: list[tuple]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=100_000, help="visits to ingest")
    parser.add_argument("--batch", type=int, default=500, help="visits per call (max 500)")
    parser.add_argument("--seed", type=int, default=2481)
    parser.add_argument(
        "--http", action="store_true", help="also measure the API through uvicorn on loopback"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="profile N extra bulk calls after the timed run (not part of the figures)",
    )
    parser.add_argument("--allow-any-database", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database = configure_django(allow_any_database=args.allow_any_database)
    from django.db import connection
    from django.utils import timezone

    print(f"database {database}; {machine_summary()}")
    sites = ensure_sites(prefix="bench-ingest", organisation_code=ORGANISATION)
    key = create_api_key(ORGANISATION)

    # Everything below up to the first clock is preparation: visits, JSON bodies, SQL rows.
    generator = VisitGenerator(sites=sites, seed=args.seed)
    today = timezone.localdate()
    generator.set_period(today - datetime.timedelta(days=365), today - datetime.timedelta(days=1))
    started = time.perf_counter()
    visits = list(generator.visits(args.visits))
    batches = [visits[i : i + args.batch] for i in range(0, len(visits), args.batch)]
    bodies = [json_body(batch) for batch in batches]
    raw_batches = [raw_rows(batch) for batch in batches]
    warm_up = list(generator.visits(args.batch))
    expected = {
        "visits_visit": len(visits),
        "visits_helpitem": sum(len(v.help) for v in visits),
        "visits_visit_barriers": sum(len(v.barriers) for v in visits),
    }
    print(
        f"prepared {len(visits):,} visits in {len(batches)} calls of {args.batch} "
        f"({expected['visits_helpitem']:,} help items, "
        f"{expected['visits_visit_barriers']:,} barriers, "
        f"{sum(map(len, bodies)) / len(bodies) / 1024:.0f} KiB per body) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    # The prepared data are millions of long-lived objects. Without this, every full
    # garbage collection the API's many short-lived objects trigger would walk them all: a
    # cost of the benchmark, not of the application (a server process holds no such data).
    gc.collect()
    gc.freeze()

    runs: list[Run] = []

    # In-process API. A warm-up call first (imports, URL resolver, first connection), then
    # empty tables and a checkpoint, so that every measured phase starts from the same state.
    client = InProcessClient(key)
    fresh_start()
    client.post_batch(json_body(warm_up))
    fresh_start()
    backend = backend_pid(connection)
    runs.append(
        timed(
            "API in-process (django.test.Client)",
            bodies,
            client.post_batch,
            visits=len(visits),
            database_pids=[backend],
        )
    )
    if backend_pid(connection) != backend:
        print("  warning: the API's database connection was replaced; its CPU is undercounted")
    verify(expected)

    if args.profile:
        fresh_start()
        profile_calls(client, [json_body(b) for b in extra_batches(generator, args)])

    if args.http:
        with UvicornServer() as server:
            server.post_batch(json_body(list(generator.visits(args.batch))))  # warm-up
            fresh_start()
            runs.append(
                timed(
                    "API over HTTP (uvicorn)",
                    bodies,
                    server.post_batch,
                    visits=len(visits),
                    client_pids=[server.process.pid],
                    # Django under ASGI opens a connection per request (each request runs in
                    # a thread of its own), so there is no one backend to read.
                    database_pids=None,
                )
            )
            verify(expected)

    with raw_connection() as conn:
        backend = backend_pid(conn)
        fresh_start()
        raw_insert(conn, [raw_rows(warm_up)], audit=False)
        fresh_start()
        runs.append(
            timed(
                "raw SQL executemany (3 tables)",
                raw_batches,
                lambda batch: raw_insert(conn, [batch], audit=False),
                visits=len(visits),
                database_pids=[backend],
            )
        )
        verify(expected)
        fresh_start()
        runs.append(
            timed(
                "raw SQL executemany + audit rows",
                raw_batches,
                lambda batch: raw_insert(conn, [batch], audit=True),
                visits=len(visits),
                database_pids=[backend],
            )
        )
        verify(expected)
        verify_audit(conn, len(visits))
        inserted = content_digest(conn)
        fresh_start()
        raw_copy(conn, raw_rows(warm_up), audit=False)
        fresh_start()
        runs.append(
            timed(
                "raw SQL COPY (3 tables)",
                raw_batches,
                lambda batch: raw_copy(conn, batch, audit=False),
                visits=len(visits),
                database_pids=[backend],
            )
        )
        verify(expected)
        fresh_start()
        runs.append(
            timed(
                "raw SQL COPY + audit rows",
                raw_batches,
                lambda batch: raw_copy(conn, batch, audit=True),
                visits=len(visits),
                database_pids=[backend],
            )
        )
        verify(expected)
        verify_audit(conn, len(visits))
        if content_digest(conn) != inserted:
            raise SystemExit("COPY wrote other rows than executemany")

    report(runs, args)
    print(f"finished; {load_average()}")
    return 0


# --- Payloads -----------------------------------------------------------------------------


def json_body(batch: Sequence[SyntheticVisit]) -> bytes:
    return json.dumps({"visits": [visit.as_json() for visit in batch]}).encode()


def raw_rows(batch: Sequence[SyntheticVisit]) -> RawBatch:
    """The rows the API would write for `batch`, as parameter tuples. The audit JSON is
    built by the application's own function, so that the '+ audit' baseline writes the same
    bytes as the API."""
    from django.contrib.contenttypes.models import ContentType
    from psycopg.types.json import Jsonb

    from visits.models import Visit
    from visits.services import VisitRecord, _record_changes

    content_type = ContentType.objects.get_for_model(Visit).pk
    visits, help_items, barriers, audit = [], [], [], []
    for v in batch:
        municipality = v.municipality[0] if v.municipality else None
        visits.append(
            (
                v.id,
                v.site.id,
                v.started_at,
                v.duration_min,
                v.participants,
                v.channel,
                v.age_band,
                v.gender,
                v.language,
                v.interpreter,
                v.first_visit,
                municipality,
                v.confidence_before,
                v.confidence_after,
                v.note,
            )
        )
        help_items.extend((v.id, *item) for item in v.help)
        barriers.extend((v.id, code) for code in v.barriers)
        record = VisitRecord(
            id=v.id,
            site_id=v.site.id,
            started_at=v.started_at,
            duration_min=v.duration_min,
            channel_id=v.channel,
            help=v.help,
            participants=v.participants,
            age_band_id=v.age_band,
            gender=v.gender,
            language_id=v.language,
            interpreter=v.interpreter,
            first_visit=v.first_visit,
            visitor_municipality_id=municipality,
            barriers=v.barriers,
            confidence_before=v.confidence_before,
            confidence_after=v.confidence_after,
            note=v.note,
        )
        changes = {"source": [None, "api"], **_record_changes(record)}
        audit.append((content_type, str(v.id), Jsonb(changes)))
    return RawBatch(visits, help_items, barriers, audit)


def extra_batches(generator: VisitGenerator, args: argparse.Namespace) -> list[list]:
    return [list(generator.visits(args.batch)) for _ in range(args.profile)]


# --- The two sides ------------------------------------------------------------------------


class InProcessClient:
    """django.test.Client posting bulk bodies with the API key, as HTTPS behind a proxy
    (production settings redirect plain HTTP)."""

    def __init__(self, key: str):
        from django.test import Client

        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}

    def post_batch(self, body: bytes) -> None:
        response = self.client.post(
            BULK_URL, data=body, content_type="application/json", secure=True, **self.headers
        )
        check_response(response.status_code, response.content)


def check_response(status: int, content: bytes) -> None:
    """Every visit must have been created: a benchmark that silently measures 400s or
    duplicates would measure nothing. json.loads of the ~50 KB response costs about a
    millisecond per call, well under one percent of a call."""
    if status != 200:
        raise SystemExit(f"bulk call answered {status}: {content[:500]!r}")
    statuses = {result["status"] for result in json.loads(content)["results"]}
    if statuses != {"created"}:
        raise SystemExit(f"bulk call did not create every visit: {statuses}")


def raw_insert(conn, batches: Sequence[RawBatch], *, audit: bool) -> None:
    """One transaction per batch, as the API commits each bulk call on its own."""
    with conn.cursor() as cursor:
        for batch in batches:
            with conn.transaction():
                cursor.executemany(INSERT_VISIT, batch.visits)
                cursor.executemany(INSERT_HELP_ITEM, batch.help_items)
                if batch.barriers:
                    cursor.executemany(INSERT_BARRIER, batch.barriers)
                if audit:
                    cursor.executemany(INSERT_AUDIT, batch.audit)


def raw_copy(conn, batch: RawBatch, *, audit: bool) -> None:
    """The rows `raw_insert` writes, with COPY (one per table), in one transaction."""
    now = datetime.datetime.now(datetime.UTC)
    with conn.cursor() as cursor, conn.transaction():
        with cursor.copy(COPY_VISIT) as copy:
            for row in batch.visits:
                copy.write_row((*row, "api", now, now))
        with cursor.copy(COPY_HELP_ITEM) as copy:
            for row in batch.help_items:
                copy.write_row(row)
        if batch.barriers:
            with cursor.copy(COPY_BARRIER) as copy:
                for row in batch.barriers:
                    copy.write_row(row)
        if audit:
            with cursor.copy(COPY_AUDIT) as copy:
                for content_type, object_id, changes in batch.audit:
                    copy.write_row((content_type, object_id, "create", now, changes, None))


def verify_audit(conn, visits: int) -> None:
    """The '+ audit rows' phase wrote one create entry per visit, as its INSERT does."""
    count = conn.execute(
        "SELECT count(*) FROM audit_auditentry WHERE action = 'create' AND actor_id IS NULL"
    ).fetchone()[0]
    if count != visits:
        raise SystemExit(f"expected {visits} audit rows, found {count}")


def content_digest(conn) -> tuple[str, ...]:
    """A digest of what the raw phases write, per table, but for the columns that differ by
    nature (timestamps, generated ids): the COPY phases must write what executemany wrote."""
    queries = [
        """SELECT md5(string_agg(
               concat_ws('|', id, site_id, started_at, duration_min, participants, channel_id,
                         age_band_id, gender, language_id, interpreter, first_visit,
                         visitor_municipality_id, confidence_before, confidence_after, note,
                         source), ',' ORDER BY id))
           FROM visits_visit""",
        """SELECT md5(string_agg(concat_ws('|', visit_id, service_id, mode_id, outcome_id), ','
                                 ORDER BY visit_id, service_id))
           FROM visits_helpitem""",
        """SELECT md5(string_agg(concat_ws('|', visit_id, barrier_id), ','
                                 ORDER BY visit_id, barrier_id))
           FROM visits_visit_barriers""",
        """SELECT md5(string_agg(concat_ws('|', content_type_id, object_id, action, changes,
                                           actor_id), ',' ORDER BY object_id))
           FROM audit_auditentry""",
    ]
    return tuple(conn.execute(query).fetchone()[0] for query in queries)


def timed(
    name: str,
    batches: Sequence,
    send: Callable[[object], None],
    *,
    visits: int,
    client_pids: Sequence[int] = (),
    database_pids: Sequence[int] | None,
) -> Run:
    meter = CpuMeter([*client_pids, *(database_pids or ())])
    latencies = []
    cpu_before = meter.read()
    started = time.perf_counter()
    for batch in batches:
        call_started = time.perf_counter()
        send(batch)
        latencies.append(time.perf_counter() - call_started)
    seconds = time.perf_counter() - started
    cpu = CpuMeter.since(cpu_before, meter.read())
    cpu_database = None if database_pids is None else sum(cpu[pid] for pid in database_pids)
    cpu_client = sum(cpu.values()) - (cpu_database or 0)
    run = Run(name, seconds, visits, latencies, cpu_client, cpu_database)
    print(
        f"  {name}: {run.visits:,} visits in {seconds:.1f} s = {run.rate:,.0f} visits/s; "
        f"CPU {run.cpu_client:.1f} s Python + {_cpu(run.cpu_database)} s PostgreSQL"
    )
    return run


def _cpu(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.1f}"


def fresh_start() -> None:
    """Empty visit and audit tables, and a checkpoint, so that no phase pays for writing out
    the previous phase's dirty pages."""
    from django.db import connection

    truncate_visit_tables()
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def verify(expected: dict[str, int]) -> None:
    counts = table_counts()
    if counts != expected:
        raise SystemExit(f"row counts differ: expected {expected}, found {counts}")


# --- HTTP through uvicorn -----------------------------------------------------------------


class UvicornServer:
    """uvicorn serving servicecenter.asgi on a free loopback port, one worker, for the
    `--http` figures. Started and stopped by this script (by its own process handle)."""

    def __enter__(self) -> UvicornServer:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "servicecenter.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()
                    raise SystemExit("uvicorn did not start") from None
                time.sleep(0.2)
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        self.key = create_api_key(ORGANISATION)
        return self

    def post_batch(self, body: bytes) -> None:
        headers = {
            "Authorization": f"Api-Key {self.key}",
            "Content-Type": "application/json",
            # Production sits behind a TLS proxy; without this the app redirects to https.
            "X-Forwarded-Proto": "https",
        }
        try:
            self.connection.request("POST", BULK_URL, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # uvicorn closes a keep-alive connection after 5 idle seconds (the checkpoint
            # between phases); nothing was sent to the application, so send it again.
            self.connection.close()
            self.connection.request("POST", BULK_URL, body=body, headers=headers)
            response = self.connection.getresponse()
        check_response(response.status, response.read())

    def __exit__(self, *exc_info) -> None:
        self.connection.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- Profiling ----------------------------------------------------------------------------


def profile_calls(client: InProcessClient, bodies: Sequence[bytes]) -> None:
    """Where one bulk call spends its time: SQL statements (count, time, slowest kinds)
    against the rest (Python), then a Python profile of the same calls."""
    from django.db import connection

    statements: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql))

    total = 0.0
    with connection.execute_wrapper(record):
        for body in bodies:
            started = time.perf_counter()
            client.post_batch(body)
            total += time.perf_counter() - started
    sql_time = sum(seconds for seconds, _sql in statements)
    calls = len(bodies)
    print(f"\nprofile of {calls} extra bulk calls (not part of the figures):")
    print(
        f"  {total / calls * 1000:.0f} ms per call, of which SQL {sql_time / calls * 1000:.0f} ms "
        f"in {len(statements) / calls:.0f} statements; Python (parsing, validation, building "
        f"rows and the response) {(total - sql_time) / calls * 1000:.0f} ms"
    )
    by_kind: dict[str, list[float]] = {}
    for seconds, sql in statements:
        by_kind.setdefault(_statement_kind(sql), []).append(seconds)
    rows = sorted(by_kind.items(), key=lambda item: -sum(item[1]))
    print_table(
        ["statement", "per call", "ms per call"],
        [
            (kind, f"{len(times) / calls:.1f}", f"{sum(times) / calls * 1000:.1f}")
            for kind, times in rows[:12]
        ],
    )
    _python_profile(client, bodies)


def _statement_kind(sql: str) -> str:
    words = sql.split()
    verb = words[0].upper() if words else "?"
    if verb == "INSERT":
        return f"INSERT {words[2].strip(chr(34))}"
    if verb == "COPY":  # the API's inserts on PostgreSQL (servicecenter/bulk_copy.py)
        return f"COPY {words[1].strip(chr(34))}"
    if verb in ("SELECT", "UPDATE", "DELETE"):
        upper = [w.upper() for w in words]
        key = "FROM" if verb != "UPDATE" else "UPDATE"
        table = words[upper.index(key) + 1].strip('"') if key in upper else "?"
        return f"{verb} {table}"
    return verb


def _python_profile(client: InProcessClient, bodies: Sequence[bytes]) -> None:
    """The same calls again under a profiler (fresh ids: truncate first)."""
    truncate_visit_tables()
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None  # noqa: N806
    if Profiler is not None:
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for body in bodies:
            client.post_batch(body)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        return
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for body in bodies:
        client.post_batch(body)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(35)


# --- Report -------------------------------------------------------------------------------


def report(runs: Sequence[Run], args: argparse.Namespace) -> None:
    raw = next(run for run in runs if run.name.startswith("raw SQL executemany (3"))
    copy = next(run for run in runs if run.name.startswith("raw SQL COPY (3"))
    print()
    print(
        f"{runs[0].visits:,} visits, {args.batch} per call; every side commits one transaction "
        f"per {args.batch} visits (the API one per bulk call, the raw SQL one per batch), "
        "starting from empty tables after a CHECKPOINT."
    )

    def vs(run: Run, baseline: Run, *, cpu: bool) -> str:
        if not cpu:
            return f"{run.rate / baseline.rate:.2f}"
        if run.cpu_rate is None or baseline.cpu_rate is None:
            return "n/a"
        return f"{run.cpu_rate / baseline.cpu_rate:.2f}"

    print_table(
        [
            "side",
            "seconds",
            "visits/s",
            "vs exec",
            "vs COPY",
            "p50 ms/batch",
            "p95 ms/batch",
            "CPU s Py+PG",
            "visits/CPU-s",
            "vs exec",
            "vs COPY",
        ],
        [
            (
                run.name,
                f"{run.seconds:.1f}",
                f"{run.rate:,.0f}",
                vs(run, raw, cpu=False),
                vs(run, copy, cpu=False),
                f"{percentile(run.latencies, 50) * 1000:.0f}",
                f"{percentile(run.latencies, 95) * 1000:.0f}",
                f"{run.cpu_client:.1f}+{_cpu(run.cpu_database)}",
                "n/a" if run.cpu_rate is None else f"{run.cpu_rate:,.0f}",
                vs(run, raw, cpu=True),
                vs(run, copy, cpu=True),
            )
            for run in runs
        ],
    )
    api = runs[0]
    for baseline, target in ((raw, 0.5), (copy, None)):
        label = "executemany" if baseline is raw else "COPY"
        ratio = api.rate / baseline.rate
        cpu_ratio = api.cpu_rate / baseline.cpu_rate
        verdict = "" if target is None else f" (target >= {target:.2f}: "
        print(
            f"\nratio API / {label} = {api.rate:,.0f} / {baseline.rate:,.0f} visits/s = "
            f"{ratio:.2f}{verdict}{_met(ratio, target)}"
        )
        print(
            f"ratio API / {label} per CPU second = {api.cpu_rate:,.0f} / "
            f"{baseline.cpu_rate:,.0f} = {cpu_ratio:.2f}{verdict}{_met(cpu_ratio, target)}"
        )
    print(
        "\nThe raw baselines write visits, help items and barrier links only ('+ audit rows': "
        "also one audit row per visit, as the API does); the API also checks the ids first "
        "(idempotency) and keeps the statistics rollups. COPY and executemany write the same "
        "rows (checked, but for timestamps)."
    )


def _met(ratio: float, target: float | None) -> str:
    if target is None:
        return ""
    return ("met" if ratio >= target else "NOT met") + ")"


if __name__ == "__main__":
    raise SystemExit(main())
