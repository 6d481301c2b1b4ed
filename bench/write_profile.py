"""Where one single-visit save goes: `POST /api/v1/visits/` (a partner's key) and the
quick-log save (counter staff, session and CSRF), in-process, against PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench_profile \\
        .venv/bin/python bench/write_profile.py [--runs 300] [--top 25]

Issue 10: "profile POST /api/v1/visits/ and the quick-log save, and cut what need not happen
per request ... Report the profile before and after."

For each of the two, after `--warmup` saves (caches filled, connection open): `--runs` saves
of distinct visits, each timed, with every SQL statement captured. Printed: p50/p99 of the
save, the statements per save grouped by what they do (the first words and the table),
and the functions with the most cumulative time under cProfile over the runs (the
application's own code and Django's, in a separate pass, since profiling slows everything).
The database is the bench sites of region 24 with no visits beyond those logged here; it is
emptied first (its name must contain "bench").
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import pstats
import re
import sys
import time
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlencode

# The project first, and not this folder: bench/queue.py would stand in for the standard
# library's queue, which the thread pools import.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import (  # noqa: E402
    TIME_ZONE,
    VisitGenerator,
    configure_django,
    create_api_key,
    ensure_sites,
    machine_summary,
    percentile,
    print_table,
    truncate_visit_tables,
)
from bench.load import find_form, quick_log_values  # noqa: E402

ORGANISATION = "bench-profile-region"
STAFF_USERNAME = "bench-profile-staff"
STAFF_PASSWORD = "bench-profile-password"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    return parser.parse_args(argv)


def api_visit(site_code: str) -> dict:
    from django.utils import timezone

    return {
        "id": str(uuid.uuid4()),
        "site": site_code,
        "started_at": timezone.now().isoformat(),
        "duration_min": 15,
        "channel": "walk_in",
        "age_band": "65-74",
        "barriers": ["no_eid"],
        "help": [{"service": "eid.bankid", "mode": "taught", "outcome": "resolved"}],
    }


def statement_kind(sql: str | None) -> str:
    """`INSERT visits_visit`, `SELECT api_apikey`, ...: what a statement does, to what."""
    if sql is None:  # Django logs no text for some cursors' statements
        return "(statement without text)"
    verb = sql.split(None, 1)[0].upper()
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_]+)"?', sql, re.IGNORECASE)
    return f"{verb} {match.group(1) if match else ''}".strip()


def measure(
    name: str, save: Callable[[], int], *, runs: int, warmup: int, top: int
) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        save()
    timings, kinds, statements = [], Counter(), []
    for _ in range(runs):
        # The log keeps the last 9,000 statements only; past that the captured slice shifts.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            status = save()
            timings.append(time.perf_counter() - started)
        assert status in (201, 302), f"{name} answered {status}"
        statements.append(len(captured.captured_queries))
        kinds.update(statement_kind(query["sql"]) for query in captured.captured_queries)

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(runs):
        save()
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(top)
    return {
        "name": name,
        "p50": percentile(timings, 50) * 1000,
        "p99": percentile(timings, 99) * 1000,
        "statements": sum(statements) / runs,
        "kinds": {kind: count / runs for kind, count in kinds.most_common()},
        "profile": text.getvalue(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database = configure_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from organisations.models import Membership, Organisation, Site

    sites = ensure_sites(prefix="prof", organisation_code=ORGANISATION)
    truncate_visit_tables()
    site_code = sites[0].code
    key = create_api_key(ORGANISATION)
    staff, _created = get_user_model().objects.get_or_create(username=STAFF_USERNAME)
    staff.set_password(STAFF_PASSWORD)
    staff.save()
    Membership.objects.get_or_create(
        user=staff,
        site=Site.objects.get(code=site_code),
        organisation=Organisation.objects.get(code=ORGANISATION),
        defaults={"role": Membership.Role.STAFF},
    )

    api = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    counter = Client(enforce_csrf_checks=True)
    assert counter.login(username=STAFF_USERNAME, password=STAFF_PASSWORD)
    quick_log = f"/visits/{site_code}/"
    # What the tablet posts: the page's form with a synthetic visit's values, as bench/load.py.
    form = find_form(counter.get(quick_log, secure=True).content.decode(), "help-0-service")
    csrf = counter.cookies["csrftoken"].value
    visits = VisitGenerator(sites=sites[:1], seed=10)
    # The generator draws days too; the form's visits start now whatever it drew.
    today = datetime.date.today()
    visits.set_period(today - datetime.timedelta(days=60), today)
    zone = zoneinfo.ZoneInfo(TIME_ZONE)

    def post_api() -> int:
        return api.post(
            "/api/v1/visits/", api_visit(site_code), content_type="application/json", secure=True
        ).status_code

    def post_quick_log() -> int:
        return counter.post(
            quick_log,
            urlencode(form.submit(quick_log_values(form, visits.visit(), zone))),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_CSRFTOKEN=csrf,
            HTTP_REFERER=f"https://testserver{quick_log}",
            secure=True,
        ).status_code

    print(f"database {database}; {machine_summary()}")
    results = [
        measure("POST /api/v1/visits/", post_api, runs=args.runs, warmup=args.warmup, top=args.top),
        measure("quick-log save", post_quick_log, runs=args.runs, warmup=args.warmup, top=args.top),
    ]
    print_table(
        ["save", "p50 ms", "p99 ms", "statements"],
        [
            (r["name"], f"{r['p50']:.1f}", f"{r['p99']:.1f}", f"{r['statements']:.1f}")
            for r in results
        ],
    )
    for result in results:
        print(f"\n{result['name']}: statements per save")
        print_table(
            ["statement", "per save"], [(k, f"{v:.2f}") for k, v in result["kinds"].items()]
        )
    for result in results:
        print(f"\n{result['name']}: cProfile, cumulative, {args.runs} saves")
        print(result["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
