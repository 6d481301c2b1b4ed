"""Faults during the mixed load: PostgreSQL restarted, Redis gone for 20 s, a bulk ingest
whose connection is cut; no acknowledged visit lost, none stored twice.

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/servicecenter_bench_faults \\
        .venv/bin/python bench/faults.py [--faults pg,redis,cut] [--pg-restart "CMD"]

Issue 10: "bench/faults.py: during the mixed load, (a) PostgreSQL restarted: every visit
acknowledged with 2xx is in the database afterwards and the app serves again within 5 s
without a restart; (b) Redis stopped for 20 s and started again: no 5xx, live updates resume;
(c) a bulk ingest whose connection is cut mid-response and retried: no duplicate, no loss.
Prints sent / acknowledged / found for each."

Set-up as `bench/load.py` (its database, sites, staff, keys, the production-like server
with 2 uvicorn workers, the pool, and a redis-server of the script's own), then for each
fault a mixed load of `--fault-seconds` (the load benchmark's virtual users: `--mixed`,
default 20 staff, 5 closed-loop visit clients, 1 bulk client, 2 analysts) with, beside it,
`--probes` probe clients that post single visits to `/api/v1/visits/` and keep the ids of
every visit acknowledged (201, or 200 for a duplicate). A probe whose answer is not 2xx, or
does not come, sends the same visit again (the same id) after `Retry-After` (or 0.5 s), as
a partner's system does: so after a fault each probe's visit is stored once, whatever
happened to the first try.

- pg: 10 s into the load PostgreSQL is restarted (`--pg-restart`, by default
  `pg_ctlcluster --skip-systemctl-redirect <version> <cluster> restart` of the cluster on
  DATABASE_URL's port, found with `pg_lsclusters`). "Serves again" is the time from
  PostgreSQL accepting connections again (polled with psycopg every 50 ms) to the first 2xx
  of a probe sent after that. Answers during the restart are counted by status: 503 is the
  designed answer, 500 a failure. Target: within 5 s.
- redis: 5 s into the load the bench's redis-server is stopped, and started again on the same
  port `--redis-down` seconds later. Target: no 5xx at all. A manager's live dashboard
  socket (`/ws/statistik/site/<site>/`, signed in through the login page) is open from the
  start and reconnects as the page does (1 s, doubling, at most 30 s); the probes post at
  its site, so it hears of visits. "Live again" is the time from Redis being back to the
  first event on a socket. Target: within 10 s.
- cut: `--cuts` times, a bulk of 500 new visits is sent on a raw socket that is closed right
  after the request was written (the client never learns whether it was saved; the server
  goes on), then sent again through a normal connection: every item must come back
  `created` or `duplicate`, and the database must hold exactly those 500 ids once.

Afterwards, per fault: the probes' visits sent / acknowledged / found (found = acknowledged
ids in the database; lost must be 0), and the load's own visits acknowledged and the growth
of the visit table (found must be at least acknowledged: a visit saved whose answer was
lost is found without having been acknowledged, and no id is ever stored twice, the primary
key sees to that). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# The project first, and not this folder: bench/queue.py would stand in for the standard
# library's queue, which the thread pools import.
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from bench.common import print_table, raw_connection  # noqa: E402
from bench.load import (  # noqa: E402
    BULK_PATH,
    LOGIN_PATH,
    PASSWORD,
    VISITS_PATH,
    Clients,
    find_form,
    partner_generator,
    visit_count,
)
from bench.load import main as load_main  # noqa: E402

SERVE_AGAIN_TARGET_S = 5.0
LIVE_AGAIN_TARGET_S = 10.0
BULK_SIZE = 500


def parse_fault_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--faults", default="pg,redis,cut")
    parser.add_argument("--fault-seconds", type=float, default=40)
    parser.add_argument("--pg-restart", default="", help="command; default: pg_ctlcluster")
    parser.add_argument("--redis-down", type=float, default=20)
    parser.add_argument("--probes", type=int, default=4)
    parser.add_argument("--cuts", type=int, default=5)
    return parser.parse_known_args(argv)


def pg_restart_command(database_url: str) -> list[str]:
    port = str(urlsplit(database_url).port or 5432)
    for line in subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout.splitlines():
        version, cluster, cluster_port, *_rest = line.split()
        if cluster_port == port:
            return ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"]
    raise SystemExit(f"no PostgreSQL cluster on port {port} (pg_lsclusters); use --pg-restart")


@dataclass
class Probes:
    """Single visits that must all arrive, each retried with its own id until acknowledged."""

    fault: str  # each fault's probes draw visits (and ids) of their own
    site: str | None = None  # every visit at this site, when set (the live socket's)
    sent: int = 0
    acknowledged: set[str] = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)
    answers: list[tuple[float, int | None]] = field(default_factory=list)  # (time, status)

    async def run(self, clients: Clients, index: int, end: float) -> None:
        import aiohttp

        generator = partner_generator(clients.sites, clients.args, "probe", self.fault, index)
        headers = {
            "Authorization": f"Api-Key {clients.keys[index % len(clients.keys)]}",
            "Content-Type": "application/json",
        }
        async with clients.session() as session:
            while time.monotonic() < end:
                visit = generator.visit().as_json()
                if self.site:
                    visit["site"] = self.site
                self.sent += 1
                while True:  # the same visit until it is acknowledged
                    status, retry_after = None, 0.5
                    try:
                        async with session.post(
                            VISITS_PATH, data=json.dumps(visit), headers=headers
                        ) as answer:
                            await answer.read()
                            status = answer.status
                            retry_after = float(answer.headers.get("Retry-After", 0.5))
                    except (aiohttp.ClientError, OSError, TimeoutError):
                        pass
                    self.statuses[status if status is not None else "conn-error"] += 1
                    self.answers.append((time.monotonic(), status))
                    if status in (200, 201):
                        self.acknowledged.add(visit["id"])
                        break
                    if status == 409:  # a definite answer: the id is another visit's
                        break
                    await asyncio.sleep(retry_after)

    def found(self) -> int:
        with raw_connection() as conn:
            return conn.execute(
                "SELECT count(*) FROM visits_visit WHERE id = ANY(%s)",
                [[uuid.UUID(i) for i in self.acknowledged]],
            ).fetchone()[0]

    def first_2xx_after(self, moment: float) -> float | None:
        return next((t for t, s in self.answers if t >= moment and s in (200, 201)), None)


@dataclass
class LiveSocket:
    """A manager's dashboard socket that reconnects as the page does (dashboard.js)."""

    path: str
    events: list[float] = field(default_factory=list)
    closes: Counter = field(default_factory=Counter)

    async def run(self, clients: Clients, jar, end: float) -> None:
        import aiohttp

        delay = 1.0
        async with clients.session(jar) as session:
            while time.monotonic() < end:
                try:
                    async with session.ws_connect(
                        self.path, timeout=5, origin=clients.server.base
                    ) as socket:
                        delay = 1.0
                        while time.monotonic() < end:
                            try:
                                message = await socket.receive(timeout=1)
                            except TimeoutError:
                                continue
                            if message.type == aiohttp.WSMsgType.TEXT:
                                if json.loads(message.data).get("event") == "changed":
                                    self.events.append(time.monotonic())
                            elif message.type in (
                                aiohttp.WSMsgType.CLOSE,
                                aiohttp.WSMsgType.CLOSED,
                                aiohttp.WSMsgType.CLOSING,
                            ):
                                self.closes[socket.close_code] += 1
                                break
                except (aiohttp.ClientError, OSError, TimeoutError) as error:
                    self.closes[type(error).__name__] += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    def first_event_after(self, moment: float) -> float | None:
        return next((t for t in self.events if t >= moment), None)


def make_manager(username: str) -> None:
    """The first staff user manages its site too (a manager logs visits as well), so that it
    may follow the site's live dashboard."""
    from django.db import connection

    from organisations.models import Membership

    Membership.objects.filter(user__username=username).update(role=Membership.Role.MANAGER)
    connection.close()


async def sign_in(clients: Clients, username: str):
    import aiohttp

    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[clients.server.base])
    async with clients.session(jar) as session:
        async with session.get(LOGIN_PATH) as answer:
            form = find_form(await answer.text(), "username")
        data = form.submit({"username": username, "password": PASSWORD})
        async with session.post(LOGIN_PATH, data=data, allow_redirects=False) as answer:
            if answer.status != 302:
                raise SystemExit(f"{username} could not sign in: {answer.status}")
    return jar


def server_5xx(result, probes: Probes) -> int:
    load = sum(
        n for tally in result.tallies.values() for k, n in tally.statuses.items() if k[:1] == "5"
    )
    return load + sum(n for k, n in probes.statuses.items() if str(k)[:1] == "5")


class Faults:
    def __init__(self, clients: Clients, fault_args: argparse.Namespace, redis) -> None:
        self.clients = clients
        self.args = fault_args
        self.redis = redis
        self.rows: list[tuple] = []
        self.failures: list[str] = []

    async def under_load(self, probes: Probes, fault, extra=()):
        """The mixed load and the probes for --fault-seconds, with `fault` beside them."""
        clients = self.clients
        clients.args.duration = self.args.fault_seconds
        end = time.monotonic() + self.args.fault_seconds
        before = visit_count()
        mix = clients.args.mixes["mixed"]
        outcome = await asyncio.gather(
            clients.run("fault", mix),
            *(probes.run(clients, index, end) for index in range(self.args.probes)),
            fault(),
            *extra,
        )
        result = outcome[0]
        grown = visit_count() - before
        load_acknowledged = sum(t.acknowledged for t in result.tallies.values())
        return result, grown, load_acknowledged, outcome[-1 - len(extra)]

    def account(self, name: str, probes: Probes, grown: int, load_acknowledged: int) -> None:
        found = probes.found()
        lost = len(probes.acknowledged) - found
        self.rows.append(
            (name, "probes", probes.sent, len(probes.acknowledged), found, lost,
             dict(probes.statuses))
        )  # fmt: skip
        self.rows.append(
            (name, "load + probes", "", load_acknowledged + len(probes.acknowledged), grown,
             "", "")
        )  # fmt: skip
        if lost:
            self.failures.append(f"{name}: {lost} acknowledged visits not in the database")
        if grown < load_acknowledged + len(probes.acknowledged):
            self.failures.append(f"{name}: the visit table grew less than was acknowledged")

    async def postgres_restart(self) -> None:
        probes = Probes(fault="pg")
        command = (
            shlex.split(self.args.pg_restart)
            if self.args.pg_restart
            else pg_restart_command(os.environ["DATABASE_URL"])
        )
        moments: dict[str, float] = {}

        async def fault() -> None:
            await asyncio.sleep(10)
            moments["restart"] = time.monotonic()
            await asyncio.to_thread(subprocess.run, command, check=True, capture_output=True)
            while True:  # until PostgreSQL takes connections again
                try:
                    await asyncio.to_thread(lambda: raw_connection().close())
                    break
                except Exception:
                    await asyncio.sleep(0.05)
            moments["accepting"] = time.monotonic()

        result, grown, load_ack, _ = await self.under_load(probes, fault)
        again = probes.first_2xx_after(moments["accepting"])
        serve_again = None if again is None else again - moments["accepting"]
        load_500 = sum(t.statuses.get("500", 0) for t in result.tallies.values())
        print(
            f"pg: restarted with {' '.join(command)}: down "
            f"{moments['accepting'] - moments['restart']:.1f} s; served again "
            + (
                f"{serve_again:.2f} s after it took connections"
                if serve_again is not None
                else "never"
            )  # fmt: skip
            + f"; answers of the load: {statuses_of(result)}; 500s: "
            f"{load_500 + probes.statuses.get(500, 0)}"
        )
        self.account("pg", probes, grown, load_ack)
        if serve_again is None or serve_again > SERVE_AGAIN_TARGET_S:
            self.failures.append(f"pg: served again after {serve_again} s (target 5 s)")
        if load_500 + probes.statuses.get(500, 0):
            self.failures.append("pg: 500 answers")

    async def redis_outage(self) -> None:
        site = self.clients.staff[0].site.code
        probes = Probes(fault="redis", site=site)
        live = LiveSocket(f"/ws/statistik/site/{site}/")
        await asyncio.to_thread(make_manager, self.clients.staff[0].username)
        jar = await sign_in(self.clients, self.clients.staff[0].username)
        moments: dict[str, float] = {}

        async def fault() -> None:
            await asyncio.sleep(5)
            moments["stop"] = time.monotonic()
            await asyncio.to_thread(self.redis.stop)
            await asyncio.sleep(self.args.redis_down)
            await asyncio.to_thread(self.redis.start)
            moments["back"] = time.monotonic()

        end = time.monotonic() + self.args.fault_seconds
        result, grown, load_ack, _ = await self.under_load(
            probes, fault, extra=[live.run(self.clients, jar, end)]
        )
        heard = live.first_event_after(moments["back"])
        live_again = None if heard is None else heard - moments["back"]
        errors = server_5xx(result, probes)
        before = len([t for t in live.events if t < moments["stop"]])
        print(
            f"redis: stopped {self.args.redis_down:.0f} s; 5xx answers: {errors}; answers of "
            f"the load: {statuses_of(result)}; live socket: {before} events before, closes "
            f"{dict(live.closes)}, first event "
            + (f"{live_again:.2f} s after Redis was back" if live_again is not None else "never")
        )
        self.account("redis", probes, grown, load_ack)
        if errors:
            self.failures.append(f"redis: {errors} answers 5xx")
        if live_again is None or live_again > LIVE_AGAIN_TARGET_S:
            self.failures.append(f"redis: live updates after {live_again} s (target 10 s)")

    async def cut_bulk(self) -> None:
        clients = self.clients
        generator = partner_generator(clients.sites, clients.args, "cut", 0)
        key = clients.keys[0]
        target = urlsplit(clients.server.base)
        ids: list[str] = []
        statuses: Counter = Counter()
        for attempt in range(self.args.cuts):
            visits = [visit.as_json() for visit in generator.visits(BULK_SIZE)]
            ids += [visit["id"] for visit in visits]
            body = json.dumps({"visits": visits}).encode()
            head = (
                f"POST {BULK_PATH} HTTP/1.1\r\nHost: {target.hostname}\r\n"
                f"Authorization: Api-Key {key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            reader, writer = await asyncio.open_connection(target.hostname, target.port)
            writer.write(head + body)
            await writer.drain()
            if attempt % 2:  # half of the time after the first bytes of the answer
                await reader.read(1)
            writer.transport.abort()  # no FIN wait, no reading: the client never knows
            async with (
                clients.session() as session,
                session.post(
                    BULK_PATH,
                    data=body,
                    headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
                ) as answer,
            ):
                results = (await answer.json())["results"] if answer.status == 200 else []
                statuses["http " + str(answer.status)] += 1
            statuses.update(item["status"] for item in results)
        with raw_connection() as conn:
            found, distinct = conn.execute(
                "SELECT count(*), count(DISTINCT id) FROM visits_visit WHERE id = ANY(%s)",
                [[uuid.UUID(i) for i in ids]],
            ).fetchone()
        acknowledged = statuses["created"] + statuses["duplicate"]
        print(f"cut: {self.args.cuts} bulks of {BULK_SIZE} cut and sent again: {dict(statuses)}")
        self.rows.append(("cut", "bulk items", len(ids), acknowledged, found, len(ids) - found,
                          dict(statuses)))  # fmt: skip
        if not (acknowledged == found == distinct == len(ids)):
            self.failures.append(
                f"cut: sent {len(ids)}, acknowledged {acknowledged}, found {found}"
            )


def statuses_of(result) -> dict:
    total: Counter = Counter()
    for tally in result.tallies.values():
        total.update(tally.statuses)
    return dict(total)


def main(argv: list[str] | None = None) -> int:
    fault_args, load_argv = parse_fault_args(sys.argv[1:] if argv is None else argv)
    wanted = fault_args.faults.split(",")
    outcome: dict[str, object] = {}

    async def scenario_hook(clients: Clients, redis) -> None:
        faults = Faults(clients, fault_args, redis)
        for name, run in (
            ("pg", faults.postgres_restart),
            ("redis", faults.redis_outage),
            ("cut", faults.cut_bulk),
        ):
            if name in wanted:
                await run()
        print("\nVisits sent / acknowledged / found after each fault:")
        print_table(["fault", "who", "sent", "acknowledged", "found", "lost", "answers"],
                    faults.rows)  # fmt: skip
        outcome["failures"] = faults.failures

    status = load_main(
        ["--scenarios", "mixed", "--mixed", "20,5,1,2", *load_argv], hook=scenario_hook
    )
    failures = outcome.get("failures", ["the faults did not run"])
    for failure in failures:
        print(f"FAILED: {failure}")
    print("all fault targets met" if not failures and status == 0 else "")
    return 1 if failures or status else 0


if __name__ == "__main__":
    raise SystemExit(main())
