"""What keeping the rollups at write time costs, and what a statistics read right after a
write costs, at a million visits a year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench_stats \\
        .venv/bin/python bench/write_cost.py [--visits 1000000] [--runs 200]

Uses the data set of `bench/stats.py` (the same database, loaded by it if missing). Then, in
one run:

- **raw SQL**: the rows of one visit (the visit, its help items and barrier links) inserted
  by hand-written SQL in one transaction, through psycopg;
- **visit_log**: the same visit logged through the service (validation, audit row, rollup
  upkeep, live event), one transaction each; the ratio to raw SQL is what the service costs;
- **rollup upkeep**: `rollup_add` alone for one visit just inserted, inside its transaction:
  the part of `visit_log` that keeps the statistics (the issue's target: under 5 ms p50);
- **visit_delete**: the undo of such a visit, which subtracts it from the rollups;
- **read after write**: `GET /api/v1/stats/` (region, 12 months, `group_by=month`) right
  after a visit was logged, against the same read with nothing written since the previous
  one (target: at most 1.2 times).

The visits logged here are removed again at the end, so the data set stays as loaded.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

# The project first, and not this folder: bench/queue.py would stand in for the standard
# library's queue, which the thread pools import.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import (  # noqa: E402
    create_api_key,
    load_average,
    percentile,
    print_table,
    raw_connection,
)
from bench.stats import (  # noqa: E402
    ORGANISATION,
    REGION,
    StatsClient,
    data_set_arguments,
    load_data_set,
)

HELP = (("eid.bankid", "taught", "resolved"), ("1177.login", "guided", "partly"))
BARRIERS = ("no_eid", "skills")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data_set_arguments(parser)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reads", type=int, default=30)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sites = load_data_set(args)
    rng = random.Random(args.seed)
    days = (args.date_to - args.date_from).days + 1

    def started_at() -> datetime.datetime:
        from indicators.sources import local_zone

        day = args.date_from + datetime.timedelta(days=rng.randrange(days))
        return datetime.datetime.combine(
            day, datetime.time(rng.randrange(8, 18), rng.randrange(60)), tzinfo=local_zone()
        )

    site_ids = [site.id for site in sites]
    # Visits in the rollups (logged through the application) and past them (raw SQL).
    logged: list[uuid.UUID] = []
    inserted: list[uuid.UUID] = []
    gc.collect()

    # The strongest baseline: one connection kept open, statements prepared by psycopg.
    with raw_connection() as conn:
        raw = timed(
            args.runs, lambda: raw_insert(conn, rng.choice(site_ids), started_at(), inserted)
        )
    service = timed(args.runs, lambda: service_log(rng.choice(site_ids), started_at(), logged))
    upkeep = timed_upkeep(args.runs, lambda: rng.choice(site_ids), started_at, logged)

    client = StatsClient(create_api_key(ORGANISATION))
    query = {
        "scope": f"region:{REGION}",
        "from": args.date_from.isoformat(),
        "to": args.date_to.isoformat(),
        "group_by": "month",
    }
    client.get(query)
    after_write, quiet = [], []
    for _ in range(args.reads):
        service_log(rng.choice(site_ids), started_at(), logged)
        started = time.perf_counter()
        client.get(query)
        after_write.append(time.perf_counter() - started)
        started = time.perf_counter()
        client.get(query)
        quiet.append(time.perf_counter() - started)

    removal = timed_removal(logged)
    with raw_connection(prepare=False) as conn, conn.transaction():
        for table in ("visits_visit_barriers", "visits_helpitem"):
            conn.execute(f"DELETE FROM {table} WHERE visit_id = ANY(%s)", (inserted,))
        conn.execute("DELETE FROM visits_visit WHERE id = ANY(%s)", (inserted,))

    ms = 1000
    rows = [
        ("raw SQL insert (visit, help items, barriers)", raw, raw),
        ("visit_log (service, one transaction)", service, raw),
        ("rollup upkeep alone (rollup_add, one visit)", upkeep, None),
        ("visit_delete (undo)", removal, None),
    ]
    print_table(
        ["write", "p50 ms", "p99 ms", "runs", "p50 vs raw SQL"],
        [
            (
                name,
                f"{percentile(samples, 50) * ms:.2f}",
                f"{percentile(samples, 99) * ms:.2f}",
                len(samples),
                "" if base is None else f"{percentile(samples, 50) / percentile(base, 50):.1f}×",
            )
            for name, samples, base in rows
        ],
    )
    ratio = percentile(after_write, 50) / percentile(quiet, 50)
    reads = (("right after a visit was logged", after_write), ("nothing written since", quiet))
    print_table(
        ["stats read (region, 12 months, month)", "p50 ms", "p95 ms", "runs"],
        [
            (name, f"{percentile(s, 50) * ms:.1f}", f"{percentile(s, 95) * ms:.1f}", len(s))
            for name, s in reads
        ],
    )
    print(f"read after write / quiet read = {ratio:.2f} (target ≤ 1.2)")
    print(f"upkeep p50 {percentile(upkeep, 50) * ms:.2f} ms (target < 5 ms)")
    print(f"finished; {load_average()}")
    return 0


def timed(runs: int, call: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def raw_insert(conn, site_id: int, started_at: datetime.datetime, logged: list[uuid.UUID]) -> None:
    """One visit's rows in one transaction, on a connection kept open like Django's."""
    visit_id = uuid.uuid4()
    now = datetime.datetime.now(datetime.UTC)
    with conn.transaction():
        conn.execute(
            "INSERT INTO visits_visit (id, site_id, started_at, duration_min, participants, "
            "channel_id, age_band_id, gender, language_id, interpreter, first_visit, "
            "visitor_municipality_id, confidence_before, confidence_after, note, source, "
            "created_at, updated_at) VALUES (%s, %s, %s, 20, 1, 'walk_in', '75+', 'woman', "
            "'sv', false, true, NULL, NULL, NULL, '', 'counter', %s, %s)",
            (visit_id, site_id, started_at, now, now),
        )
        conn.cursor().executemany(
            "INSERT INTO visits_helpitem (visit_id, service_id, mode_id, outcome_id) "
            "VALUES (%s, %s, %s, %s)",
            [(visit_id, *item) for item in HELP],
        )
        conn.cursor().executemany(
            "INSERT INTO visits_visit_barriers (visit_id, barrier_id) VALUES (%s, %s)",
            [(visit_id, code) for code in BARRIERS],
        )
    logged.append(visit_id)


def service_log(site_id: int, started_at: datetime.datetime, logged: list[uuid.UUID]) -> None:
    from organisations.models import Site
    from visits.models import AgeBand, Barrier, Channel, EService, HelpMode, Language, Outcome
    from visits.services import HelpItemInput, visit_log

    visit = visit_log(
        site=Site(pk=site_id, code=f"site-{site_id}"),
        started_at=started_at,
        duration_min=20,
        channel=Channel(pk="walk_in"),
        age_band=AgeBand(pk="75+"),
        language=Language(pk="sv"),
        gender="woman",
        first_visit=True,
        help_items=[
            HelpItemInput(service=EService(pk=s), mode=HelpMode(pk=m), outcome=Outcome(pk=o))
            for s, m, o in HELP
        ],
        barriers=list(Barrier.objects.filter(pk__in=BARRIERS)),
    )
    logged.append(visit.pk)


def timed_upkeep(
    runs: int,
    site: Callable[[], int],
    started_at: Callable[[], datetime.datetime],
    logged: list[uuid.UUID],
) -> list[float]:
    """`rollup_add` for a visit inserted just before it in the same transaction."""
    from django.db import transaction

    from indicators.rollups import rollup_add
    from visits.models import HelpItem, Visit

    samples = []
    for _ in range(runs):
        with transaction.atomic():
            visit = Visit.objects.create(
                site_id=site(),
                started_at=started_at(),
                duration_min=20,
                channel_id="walk_in",
                age_band_id="75+",
                language_id="sv",
                gender="woman",
                first_visit=True,
            )
            HelpItem.objects.bulk_create(
                HelpItem(visit=visit, service_id=s, mode_id=m, outcome_id=o) for s, m, o in HELP
            )
            visit.barriers.set(BARRIERS)
            started = time.perf_counter()
            rollup_add(visit_ids=[visit.pk])
            samples.append(time.perf_counter() - started)
        logged.append(visit.pk)
    return samples


def timed_removal(logged: list[uuid.UUID]) -> list[float]:
    """Undo every visit logged through the application, one `visit_delete` each."""
    from visits.models import Visit
    from visits.services import visit_delete

    samples = []
    for visit in Visit.objects.filter(pk__in=logged).select_related("site"):
        started = time.perf_counter()
        visit_delete(visit=visit, deleted_by=None)
        samples.append(time.perf_counter() - started)
    return samples


if __name__ == "__main__":
    sys.exit(main())
