"""The tablet's outbox: how long 200 visits kept offline take to reach the server once the
network returns, against the same visits posted straight to the bulk endpoint; and the size
of what the service worker keeps.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicecenter_bench_offline \\
        .venv/bin/python bench/offline.py [--visits 200]

Issue 13: "bench/offline.py: the time for 200 waiting visits to sync after the network
returns, and the size of the cached shell."

Set-up. The bench database (its name must contain "bench"; its visit tables are emptied)
gets the bench sites of region 24 (`bench.common.ensure_sites`) and one counter staff member
at the first service centre. The server runs as in production (`bench/server.py`: uvicorn,
`--workers`, DEBUG off, static files collected with the manifest storage) on 127.0.0.1, a
secure context for service workers as HTTPS is in production.

Measurement, in one Chromium (Playwright, a tablet's viewport):
1. The staff member signs in through /accounts/login/ and lands on the quick log; the script
   waits until the service worker controls the page and keeps the quick log and the day's
   list (`data-offline-ready`). The worker's caches are then summed in the page: every kept
   response's body, per cache (the precached shell; the counter's pages).
2. The network is cut (`context.set_offline(True)`) and `--visits` visits are logged through
   the form as staff do (e-service, help mode, age band, save); each save only reaches the
   outbox. The time per save is printed.
3. The records waiting in the outbox are read back (IndexedDB, through the page's `idb`).
4. The network returns; t0. The page sends on its `online` event, in batches of 100 through
   POST /api/v1/visits/bulk/ with the staff member's session. t1 = the outbox is empty
   (polled in the page every 10 ms). The visit table must then hold exactly `--visits` rows.
5. Baseline, the strongest way to do the same work: the same records under new ids, posted
   by this process with the same session, in the same batches, one after the other
   (requests, a kept connection); the time from the first request to the last answer.

Prints the sync time, the baseline and their ratio, and the cache sizes. Tests never depend
on these times; tests/browser/test_offline.py checks the behaviour.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import (  # noqa: E402
    configure_django,
    ensure_sites,
    machine_summary,
    truncate_visit_tables,
)
from bench.server import start_server, wait_until_up  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/servicecenter_bench_offline"
SITE_PREFIX = "bench"
ORGANISATION = "bench-region"
STAFF = "bench-offline-staff"
PASSWORD = "bench-offline-12345"
BATCH = 100  # as static/js/visit-outbox.js sends
TABLET = {"width": 800, "height": 1280}

CACHE_SIZES_JS = """async () => {
  const sizes = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    let bytes = 0, entries = 0;
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      bytes += (await response.blob()).size;
      entries += 1;
    }
    sizes[name] = [entries, bytes];
  }
  return sizes;
}"""
OUTBOX_JS = """async () => {
  const db = await idb.openDB("servicecenter-outbox", 1);
  return (await db.getAll("visits")).map((item) => item.record);
}"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--allow-any-database", action="store_true")
    return parser.parse_args(argv)


def ensure_staff(site_code: str) -> None:
    from django.contrib.auth import get_user_model

    from organisations.models import Membership, Site

    site = Site.objects.get(code=site_code)
    user, _created = get_user_model().objects.get_or_create(username=STAFF)
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    Membership.objects.filter(user=user).delete()
    Membership.objects.create(
        user=user, organisation=site.organisation, site=site, role=Membership.Role.STAFF
    )


def visit_count() -> int:
    from visits.models import Visit

    return Visit.objects.count()


def log_visit_offline(page, expected: int) -> None:
    page.click("label.service-option:has(input[value='eid.bankid'])")
    page.click("label.choice:has(input[name='help-0-mode'][value='taught'])")
    page.click("label.choice:has(input[name='age_band'][value='75+'])")
    page.click("#save-visit")
    page.wait_for_function(
        f"document.querySelectorAll('#outbox-list li').length === {expected}", polling=10
    )


def post_directly(base: str, cookies: dict[str, str], records: list[dict]) -> float:
    """The same records under new ids, in the outbox's batches, from this process."""
    import requests

    session = requests.Session()
    session.cookies.update(cookies)
    headers = {"X-CSRFToken": cookies["csrftoken"], "Referer": f"{base}/"}
    fresh = [{**record, "id": str(uuid.uuid4())} for record in records]
    started = time.perf_counter()
    for start in range(0, len(fresh), BATCH):
        response = session.post(
            f"{base}/api/v1/visits/bulk/",
            json={"visits": fresh[start : start + BATCH]},
            headers=headers,
            timeout=60,
        )
        response.raise_for_status()
        statuses = {result["status"] for result in response.json()["results"]}
        if statuses != {"created"}:
            raise SystemExit(f"the baseline's visits came back {statuses}")
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    database = configure_django(allow_any_database=args.allow_any_database)
    print(f"database {database}; {machine_summary()}")
    sites = ensure_sites(prefix=SITE_PREFIX, organisation_code=ORGANISATION)
    site = next(s for s in sites if s.kind == "service_centre")
    ensure_staff(site.code)
    truncate_visit_tables()
    from django.db import connection

    connection.close()

    from playwright.sync_api import sync_playwright

    # The browser tests' own browser and steps; they need Django set up, as above.
    from tests.browser.helpers import log_in, wait_until_ready_for_offline
    from tests.conftest import CHROMIUM_ARGS

    server = start_server(Path(tempfile.mkdtemp(prefix="bench-offline-")), workers=args.workers)
    try:
        wait_until_up(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            context = browser.new_context(viewport=TABLET, locale="sv-SE")
            page = context.new_page()
            log_in(page, server.base, STAFF, PASSWORD)
            page.wait_for_url(f"{server.base}/visits/{site.code}/")
            wait_until_ready_for_offline(page)
            sizes = page.evaluate(CACHE_SIZES_JS)

            context.set_offline(True)
            started = time.perf_counter()
            for index in range(args.visits):
                log_visit_offline(page, index + 1)
            per_save = (time.perf_counter() - started) / args.visits
            records = page.evaluate(OUTBOX_JS)
            assert len(records) == args.visits, len(records)
            assert visit_count() == 0

            context.set_offline(False)
            started = time.perf_counter()
            page.wait_for_function(
                "document.querySelectorAll('#outbox-list li').length === 0",
                polling=10,
                timeout=300_000,
            )
            synced = time.perf_counter() - started
            found = visit_count()
            cookies = {c["name"]: c["value"] for c in context.cookies(server.base)}
            browser.close()
        direct = post_directly(server.base, cookies, records)
    finally:
        server.stop()

    print()
    print(f"{args.visits} visits kept offline: {per_save * 1000:.0f} ms per save in the form")
    print(
        f"sync after the network returned: {synced:.2f} s for {args.visits} visits "
        f"({found} in the database, {args.visits} expected)"
    )
    print(f"baseline, the same visits posted straight to the bulk endpoint: {direct:.2f} s")
    print(f"ratio sync / baseline: {synced / direct:.2f}x")
    total = sum(size for _entries, size in sizes.values())
    for name, (entries, size) in sorted(sizes.items()):
        print(f"cache {name}: {entries} responses, {size / 1024:.0f} KiB")
    print(f"all caches: {total / 1024:.0f} KiB")
    print(json.dumps({"sync_s": synced, "baseline_s": direct, "cache_bytes": sizes}))
    return 0 if found == args.visits else 1


if __name__ == "__main__":
    sys.exit(main())
