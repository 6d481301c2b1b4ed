"""The waiting room's display fan-out: from a desk's "call next" to the number on every screen,
with 200 display screens on the production-like server (two uvicorn workers sharing Redis).

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/servicecenter_bench_queue \\
        .venv/bin/python bench/queue.py [--screens 200] [--calls 50] [--interval 0.2:0.5]
    .venv/bin/python bench/queue.py --smoke     # 6 screens, 5 calls: seconds

Issue 12: "bench/queue.py: 200 display screens connected over WebSockets to two server
processes sharing Redis; p50/p99 from "call next" to the number on every screen. Target: p99
under 250 ms."

Set-up. A redis-server of the script's own (`bench.server.RedisServer`), the server's cache and
channel layer. The bench database (its name must contain "bench"; default
`servicecenter_bench_queue` on the benchmarks' PostgreSQL cluster, port 5433) gets the region-24
bench sites (`bench.common.ensure_sites`; the screens follow the Umeå one), a counter staff
user with the role staff there and a known password, and `--warmup` + `--calls` + 3 waiting
tickets, issued through `helpdesk.services.ticket_issue` in this process (the site's tickets of
earlier runs deleted first: the site is the bench's own). No visit data: nothing the queue
reads depends on it. Then the server of `bench.server.start_server`: `uvicorn
servicecenter.asgi:application --workers 2 --ws websockets-sansio`, DEBUG=false, as in
production.

Screens. `--screens` WebSockets to `/ws/ko/<site>/skarm/`, the display page's socket, opened
20 at a time from one asyncio process (aiohttp, one connection each, sent with an Origin
header as a browser's: the server refuses a socket without one). Which worker process holds
each connection is read from /proc (the server's socket inodes in /proc/<pid>/fd against the
client ports in /proc/net/tcp), not guessed: the kernel hands each new connection to whichever
worker accepts first, so when a worker holds less than half its fair share, screens of the
busiest one are closed and opened again (at most 10 times) until both hold enough. A worker
left without a screen fails the run, since the cross-process path through Redis would then be
untested. Every screen must have had its first state before anything is timed.

Measurement, in rounds that take turns, `--interval` (a random pause between MIN and MAX
seconds) after the previous round ended, so both kinds see the same neighbours:
- call-next: the staff user (signed in through /accounts/login/, on one kept connection, as a
  browser) posts the panel's call-next form (`POST /ko/<site>/panel/nasta/`, its CSRF token
  and `desk`), answered 302, then follows the redirect to the panel as the browser does. A
  screen's latency = the moment it receives a state whose `announce.number` is the ticket
  called (the oldest waiting one: known in advance, checked against the database afterwards)
  minus the moment just before the POST was sent. The view broadcasts on commit, before it
  answers, so the POST's own time is printed beside.
- baseline: the same fan-out without the application's request, transaction and database
  read: this process sends the consumer's own event (`queue.changed`, the state the screens
  last got, with a baseline number to announce) to the same group through the channel
  layer's `group_send` on the same Redis, as the workflow's `broadcast` does from the worker.
  It crosses everything the real call's message crosses after the commit (Redis, both
  workers' channel readers, each consumer's handler, which reads no database, the JSON, the
  WebSocket frames, this client), so the ratio call / baseline is what the application adds
  to the fan-out itself. (A ping/pong echo was not taken as the baseline: it crosses neither
  Redis nor the other worker, and its 200 round trips are 200 separate requests, not one
  event fanned out.)
A screen that has not received a round's number `--timeout` seconds after its start is a
miss unless it arrives before the run ends (then it counts, with its latency, as late); a
miss counts as infinite in the percentiles.

Printed: per kind, deliveries (screens x rounds), misses, late, p50/p95/p99/max over all
deliveries, the p50 over rounds of the first and of the last screen, and CPU milliseconds per
round of the server's processes, the redis-server and this client (from /proc); the POST's and
the redirect GET's own latency, group_send's; the split by worker process (the call's POST is
served by one worker; screens on the other get the event through Redis all the same, as do
those on the same worker: channels_redis delivers through Redis to every channel); the ratio;
the target line; and the tickets called in the database against those announced. Exit status
1 when p99 >= 250 ms, when any screen missed a call, when a worker held no screen, when a
call was not answered 302 or called another ticket than expected, or when the run crashed.

Caveats. One client process receives all the screens' messages on the same 2-core machine as
the server, PostgreSQL and Redis: a round's last screen is read after the others, so the
spread between first and last screen includes this client's own work (its CPU is printed). The
staff panel's own socket and its fragment refresh on every change are not simulated (one
panel against 200 screens). The machine may be shared: the load average is printed at the
start and the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name is the standard library's `queue`, which asyncio's thread pool (and
# logging, multiprocessing) import: with this folder first on sys.path, as `python
# bench/queue.py` puts it, they would import this script instead. The folder leaves the path
# before anything else is imported; the project's root takes its place.
_FOLDER = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _FOLDER]
sys.path.insert(0, str(_FOLDER.parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

from bench.common import (  # noqa: E402
    CpuMeter,
    configure_django,
    ensure_sites,
    load_average,
    machine_summary,
    percentile,
    print_table,
    raw_connection,
)
from bench.load import (  # noqa: E402
    LOGIN_PATH,
    close_django_connections,
    find_form,
    server_errors,
)
from bench.server import RedisServer, Server, start_server, wait_until_up  # noqa: E402

ORGANISATION = "bench-queue-region"
SITE_PREFIX = "bench-queue"
SITE_MUNICIPALITY = "2480"  # Umeå: the screens follow its bench site
STAFF = "bench-queue-staff"
PASSWORD = "bench-queue-Password-24"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5433/servicecenter_bench_queue"
TARGET_P99_MS = 250.0
SPARE_TICKETS = 3  # still waiting after the last call: the display's count never hits 0
BASELINE_LETTER = "Z"  # the baseline's numbers: the bench site has no queue Z
OPEN_AT_ONCE = 20  # screens opening at the same time (the handshake is not what is measured)
REBALANCE_ROUNDS = 10
SMOKE = {"screens": 6, "calls": 5, "warmup": 1, "interval": "0.1:0.2"}
DEFAULTS = {"screens": 200, "calls": 50, "warmup": 3, "interval": "0.2:0.5"}
CALL = "call-next"
BASELINE = "baseline"


# --- Arguments ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", type=int, help="display sockets (default 200)")
    parser.add_argument("--calls", type=int, help="timed call-next rounds (default 50)")
    parser.add_argument("--warmup", type=int, help="untimed rounds of each kind first (default 3)")
    parser.add_argument(
        "--interval", help="pause between rounds, MIN:MAX seconds, drawn uniformly (0.2:0.5)"
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds a round waits for every screen"
    )
    parser.add_argument("--desk", default="1", help="the desk the staff calls to")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--seed", type=int, default=12, help="of the pauses")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"{SMOKE['screens']} screens, {SMOKE['calls']} calls, short pauses (seconds)",
    )
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args(argv)
    for name, default in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, SMOKE[name] if args.smoke else default)
    try:
        low, high = (float(part) for part in args.interval.split(":"))
    except ValueError:
        parser.error("--interval must be MIN:MAX in seconds, e.g. 0.2:0.5")
    if not 0 <= low <= high:
        parser.error("--interval: 0 <= MIN <= MAX")
    args.pause = (low, high)
    if args.screens < 1 or args.calls < 1 or args.warmup < 0:
        parser.error("--screens and --calls must be at least 1, --warmup at least 0")
    return args


# --- Set-up, in this process ----------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    site_id: int
    site_code: str
    numbers: list[str]  # the tickets waiting, in the order call-next takes them


def set_up(args: argparse.Namespace) -> Setup:
    """The bench site, its staff user and its waiting tickets."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from helpdesk.models import QueueTicket
    from helpdesk.services import ticket_issue
    from organisations.models import Membership, Site

    sites = ensure_sites(prefix=SITE_PREFIX, organisation_code=ORGANISATION)
    bench_site = next(s for s in sites if s.municipality_code == SITE_MUNICIPALITY)
    site = Site.objects.get(pk=bench_site.id)
    user, _created = get_user_model().objects.update_or_create(
        username=STAFF, defaults={"password": make_password(PASSWORD), "is_active": True}
    )
    Membership.objects.filter(user=user).exclude(site=site, role=Membership.Role.STAFF).delete()
    Membership.objects.get_or_create(
        user=user, organisation_id=site.organisation_id, site=site, role=Membership.Role.STAFF
    )
    # Earlier runs' tickets at the bench's own site: a run starts with nobody at a desk.
    removed, _by_model = QueueTicket.objects.filter(site=site).delete()
    started = time.perf_counter()
    count = args.warmup + args.calls + SPARE_TICKETS
    numbers = [ticket_issue(site=site).number for _ in range(count)]
    print(
        f"site {site.code}: {removed} earlier tickets deleted, {count} issued through "
        f"ticket_issue in {time.perf_counter() - started:.1f} s ({numbers[0]}–{numbers[-1]})"
    )
    return Setup(site.pk, site.code, numbers)


# --- Which worker holds a connection --------------------------------------------------------


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        entries = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for entry in entries:
        try:
            target = os.readlink(entry)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _tcp_sockets(port: int) -> list[tuple[int, int, int]]:
    """(remote port, state, inode) of this machine's IPv4 TCP sockets whose local port is
    `port` (/proc/net/tcp: addresses in hex, `address:port`)."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            found.append((int(fields[2].rsplit(":", 1)[1], 16), int(fields[3], 16), int(fields[9])))
    return found


LISTEN = 0x0A


def worker_pids(server: Server) -> list[int]:
    """The server's processes that accept connections (hold its listening socket), the
    supervisor aside: the workers."""
    listening = {inode for _port, state, inode in _tcp_sockets(server.port) if state == LISTEN}
    return sorted(
        pid
        for pid in server.pids()
        if pid != server.process.pid and _socket_inodes(pid) & listening
    )


def connection_owners(server: Server) -> dict[int, int]:
    """Client port -> pid of the server process holding that connection."""
    owner_of = {}
    for pid in server.pids():
        for inode in _socket_inodes(pid):
            owner_of[inode] = pid
    return {
        remote: owner_of[inode]
        for remote, state, inode in _tcp_sockets(server.port)
        if state != LISTEN and inode in owner_of
    }


# --- Screens and rounds ---------------------------------------------------------------------


@dataclass
class Screen:
    index: int
    socket: Any = None  # aiohttp.ClientWebSocketResponse
    port: int = 0  # this side's port
    pid: int | None = None  # the worker holding it
    reader: asyncio.Task | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    states: int = 0
    last_state: dict | None = None
    ended: str = ""  # how its socket ended, when it did before the run's end


@dataclass
class Round:
    kind: str
    number: str  # the number announced
    warmup: bool
    screens: dict[int, int | None]  # index -> worker pid of the screens open at its start
    started: float = 0.0
    arrivals: dict[int, float] = field(default_factory=dict)  # index -> perf_counter
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    request_ms: float | None = None  # the POST's (or group_send's) own time
    redirect_ms: float | None = None  # the panel GET after the POST
    status: str = ""
    pid: int | None = None  # the worker that served the POST
    cpu: dict[str, float] = field(default_factory=dict)

    def latencies(self) -> dict[int, float]:
        """ms per screen; infinity for a miss."""
        return {
            index: (self.arrivals[index] - self.started) * 1000
            if index in self.arrivals
            else math.inf
            for index in self.screens
        }


class QueueBench:
    def __init__(self, server: Server, redis: RedisServer, setup: Setup, args) -> None:
        self.server = server
        self.redis = redis
        self.setup = setup
        self.args = args
        self.rng = random.Random(args.seed)
        self.screens: list[Screen] = []
        self.rounds: list[Round] = []
        self.by_number: dict[str, Round] = {}
        self.unexpected: Counter = Counter()  # announced numbers no round sent
        self.workers: list[int] = []
        self.split: dict[str, dict[int | None, int]] = {}  # "opened" / "measured"
        self.reopened = 0
        self.failures: list[str] = []

    @property
    def path(self) -> str:
        return f"/ws/ko/{self.setup.site_code}/skarm/"

    # --- screens ----------------------------------------------------------------------------

    async def open_screen(self, session, screen: Screen) -> None:
        socket = await asyncio.wait_for(
            session.ws_connect(self.path, origin=self.server.base, autoping=True), 30
        )
        screen.socket = socket
        screen.port = socket.get_extra_info("sockname")[1]
        screen.ready = asyncio.Event()
        screen.ended = ""
        screen.reader = asyncio.create_task(self.read(screen, socket))

    async def close_screen(self, screen: Screen) -> None:
        socket, screen.socket = screen.socket, None
        if socket is not None:
            await socket.close()
        if screen.reader is not None:
            await screen.reader

    async def read(self, screen: Screen, socket) -> None:
        import aiohttp

        async for message in socket:
            # Taken first: the JSON and the bookkeeping below are this client's time.
            now = time.perf_counter()
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if data.get("event") != "state":
                continue
            screen.states += 1
            screen.last_state = data
            screen.ready.set()
            announce = data.get("announce")
            if not announce:
                continue
            number = announce.get("number")
            current = self.by_number.get(number)
            if current is None:
                self.unexpected[number] += 1
            elif screen.index in current.screens and screen.index not in current.arrivals:
                current.arrivals[screen.index] = now
                if len(current.arrivals) == len(current.screens):
                    current.complete.set()
        if screen.socket is socket:  # not closed by this script
            screen.ended = f"closed by the server ({socket.close_code})"

    async def open_all(self, session) -> None:
        gate = asyncio.Semaphore(OPEN_AT_ONCE)

        async def one(screen: Screen) -> None:
            async with gate:
                await self.open_screen(session, screen)

        started = time.perf_counter()
        self.screens = [Screen(index) for index in range(self.args.screens)]
        await asyncio.gather(*(one(screen) for screen in self.screens))
        self.workers = worker_pids(self.server)
        self.place()
        self.split["opened"] = self.counts()
        print(
            f"{len(self.screens)} screens opened in {time.perf_counter() - started:.1f} s; "
            f"workers (pids holding the listening socket): {self.workers}; screens per worker "
            f"(from /proc): {self.counts_text()}"
        )
        await self.balance(session)
        await self.wait_ready()
        self.split["measured"] = self.counts()

    def place(self) -> None:
        owners = connection_owners(self.server)
        for screen in self.screens:
            screen.pid = owners.get(screen.port)

    def counts(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = dict.fromkeys(self.workers, 0)
        for screen in self.screens:
            counts[screen.pid] = counts.get(screen.pid, 0) + 1
        return counts

    def counts_text(self) -> str:
        return ", ".join(
            f"{'unknown' if pid is None else pid}: {n}" for pid, n in self.counts().items()
        )

    async def balance(self, session) -> None:
        """Screens of the busiest worker opened again until every worker holds at least half
        its fair share (the kernel, not this script, picks the worker of a new connection)."""
        if len(self.workers) < 2:
            return
        least = max(1, len(self.screens) // (2 * len(self.workers)))
        for _ in range(REBALANCE_ROUNDS):
            counts = {pid: n for pid, n in self.counts().items() if pid is not None}
            short = sum(max(0, least - counts.get(pid, 0)) for pid in self.workers)
            if not short:
                break
            busiest = max(counts, key=counts.get)
            moved = [s for s in self.screens if s.pid == busiest][: short * 2]
            for screen in moved:
                await self.close_screen(screen)
            await asyncio.gather(*(self.open_screen(session, screen) for screen in moved))
            self.reopened += len(moved)
            self.place()
        if self.reopened:
            print(f"  {self.reopened} screens opened again to balance: {self.counts_text()}")

    async def wait_ready(self) -> None:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(
                asyncio.gather(*(screen.ready.wait() for screen in self.screens)), 30
            )
        except TimeoutError:
            waiting = sum(not screen.ready.is_set() for screen in self.screens)
            raise SystemExit(f"{waiting} screens got no first state within 30 s") from None
        print(f"every screen had its first state {time.perf_counter() - started:.2f} s later")

    def open_screens(self) -> dict[int, int | None]:
        return {s.index: s.pid for s in self.screens if s.socket is not None and not s.ended}

    # --- the staff user ---------------------------------------------------------------------

    async def sign_in(self, session) -> list[tuple[str, str]]:
        """Signs in through the login page, then reads the panel's call-next form (its CSRF
        token and fields, as the browser posts them)."""
        async with session.get(LOGIN_PATH) as answer:
            login = find_form(await answer.text(), "username")
        data = login.submit({"username": STAFF, "password": PASSWORD})
        async with session.post(LOGIN_PATH, data=data, allow_redirects=False) as answer:
            if answer.status != 302:
                raise SystemExit(f"{STAFF} could not sign in: {answer.status}")
        async with session.get(f"/ko/{self.setup.site_code}/panel/") as answer:
            if answer.status != 200:
                raise SystemExit(f"the panel answered {answer.status}")
            form = find_form(await answer.text(), "desk")
        self.call_path = form.attrs.get("action", "")
        if not self.call_path.endswith("/panel/nasta/"):
            raise SystemExit(f"the panel's first form with a desk posts to {self.call_path!r}")
        return form.submit({"desk": self.args.desk})

    # --- rounds -----------------------------------------------------------------------------

    def new_round(self, kind: str, number: str, warmup: bool) -> Round:
        current = Round(kind, number, warmup, self.open_screens())
        self.rounds.append(current)
        self.by_number[number] = current
        return current

    async def call(self, session, data, current: Round) -> None:
        current.started = time.perf_counter()
        async with session.post(self.call_path, data=data, allow_redirects=False) as answer:
            await answer.read()
            current.request_ms = (time.perf_counter() - current.started) * 1000
            current.status = str(answer.status)
            location = answer.headers.get("Location", "")
        if answer.status == 302 and location:
            started = time.perf_counter()
            async with session.get(location) as page:
                await page.read()
            current.redirect_ms = (time.perf_counter() - started) * 1000

    def staff_worker(self) -> int | None:
        """The worker holding the staff's kept connection: the server's one connection that
        is not a screen's (aiohttp lets go of a connection as soon as an empty answer is in,
        so its port is not at hand; the screens' ports are)."""
        screens = {s.port for s in self.screens if s.socket is not None}
        others = {port: pid for port, pid in connection_owners(self.server).items()
                  if port not in screens}  # fmt: skip
        return next(iter(others.values())) if len(others) == 1 else None

    async def send_baseline(self, layer, group: str, current: Round) -> None:
        state = next(s.last_state for s in self.screens if s.last_state)
        event = {
            "type": "queue.changed",
            "action": "bench",
            "state": {"calls": state["calls"], "waiting": state["waiting"]},
            "announce": {"number": current.number, "desk": self.args.desk},
        }
        current.started = time.perf_counter()
        await layer.group_send(group, event)
        current.request_ms = (time.perf_counter() - current.started) * 1000
        current.status = "sent"

    async def wait_round(self, current: Round) -> None:
        left = current.started + self.args.timeout - time.perf_counter()
        if current.screens and left > 0:
            with contextlib.suppress(TimeoutError):  # the missing screens are counted
                await asyncio.wait_for(current.complete.wait(), left)

    async def run(self) -> None:
        import aiohttp
        from channels.layers import get_channel_layer

        from servicecenter.live import queue_group

        layer = get_channel_layer()
        group = queue_group(self.setup.site_code)
        meter = CpuMeter([*self.server.pids(), self.redis.process.pid])
        server_pids = set(self.server.pids())
        screens = aiohttp.ClientSession(
            base_url=self.server.base,
            connector=aiohttp.TCPConnector(limit=0),  # one connection per screen, all open
            cookie_jar=aiohttp.DummyCookieJar(),  # the display needs no login
        )
        # The cookies are Secure (DEBUG=false); the server speaks plain HTTP (no TLS proxy).
        jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[self.server.base])
        staff = aiohttp.ClientSession(
            base_url=self.server.base,
            # One kept connection, as a browser's, closed before uvicorn's keep-alive (5 s).
            connector=aiohttp.TCPConnector(limit=1, keepalive_timeout=4),
            cookie_jar=jar,
            timeout=aiohttp.ClientTimeout(total=30),
        )
        try:
            await self.open_all(screens)
            data = await self.sign_in(staff)
            numbers = iter(self.setup.numbers)
            total = self.args.warmup + self.args.calls
            started = time.perf_counter()
            for turn in range(total):
                warmup = turn < self.args.warmup
                for kind in (CALL, BASELINE):
                    await asyncio.sleep(self.rng.uniform(*self.args.pause))
                    number = next(numbers) if kind == CALL else f"{BASELINE_LETTER}{turn + 1:03d}"
                    current = self.new_round(kind, number, warmup)
                    before = meter.read()
                    if kind == CALL:
                        await self.call(staff, data, current)
                    else:
                        await self.send_baseline(layer, group, current)
                    await self.wait_round(current)
                    self.account_cpu(current, CpuMeter.since(before, meter.read()), server_pids)
                    if kind == CALL:
                        current.pid = self.staff_worker()
                    if self.server.process.poll() is not None:
                        raise SystemExit(f"the server died (exit {self.server.process.returncode})")
            # The stragglers of the last rounds may still come (then counted as late).
            await asyncio.sleep(min(self.args.timeout, 2.0))
            print(
                f"{total} rounds of each kind in {time.perf_counter() - started:.1f} s "
                f"({self.args.warmup} of them warm-up)"
            )
        finally:
            await asyncio.gather(
                *(self.close_screen(s) for s in self.screens if s.socket is not None),
                return_exceptions=True,
            )
            await screens.close()
            await staff.close()

    def account_cpu(self, current: Round, cpu: dict[int, float], server_pids: set[int]) -> None:
        current.cpu = {
            "server": sum(s for pid, s in cpu.items() if pid in server_pids),
            "redis": cpu.get(self.redis.process.pid, 0.0),
            "client": cpu.get(os.getpid(), 0.0),
        }


# --- Report ---------------------------------------------------------------------------------


def ms(value: float, timeout: float) -> str:
    return f"> {timeout * 1000:.0f}" if not math.isfinite(value) else f"{value:.0f}"


def quantile(samples: Sequence[float], percent: float) -> float:
    """Percentile with misses as infinity (an interpolation towards one is a miss too)."""
    value = percentile(samples, percent)
    return value if math.isfinite(value) else math.inf


def report(bench: QueueBench, args: argparse.Namespace) -> dict[str, float]:
    """Prints the tables; returns the call-next figures the targets read."""
    timed = [r for r in bench.rounds if not r.warmup]
    kinds = {kind: [r for r in timed if r.kind == kind] for kind in (CALL, BASELINE)}
    if not kinds[CALL]:
        print("\nNo timed round ran.")
        return {}
    timeout = args.timeout
    rows, figures = [], {}
    for kind, rounds in kinds.items():
        samples = [latency for r in rounds for latency in r.latencies().values()]
        if not samples:
            continue
        misses = sum(not math.isfinite(s) for s in samples)
        late = sum(
            1
            for r in rounds
            for s in r.latencies().values()
            if math.isfinite(s) and s > timeout * 1000
        )
        firsts = [min(r.latencies().values()) for r in rounds if r.screens]
        lasts = [max(r.latencies().values()) for r in rounds if r.screens]
        cpu = {part: sum(r.cpu.get(part, 0) for r in rounds) * 1000 / len(rounds)
               for part in ("server", "redis", "client")}  # fmt: skip
        figures[kind] = {
            "p50": quantile(samples, 50),
            "p99": quantile(samples, 99),
            "misses": misses,
            "deliveries": len(samples),
        }
        label = "call-next: POST -> screen" if kind == CALL else "baseline: group_send -> screen"
        rows.append(
            (
                label,
                len(rounds),
                f"{len(samples):,}",
                misses,
                late,
                ms(quantile(samples, 50), timeout),
                ms(quantile(samples, 95), timeout),
                ms(quantile(samples, 99), timeout),
                ms(max(samples), timeout),
                ms(quantile(firsts, 50), timeout),
                ms(quantile(lasts, 50), timeout),
                f"{cpu['server']:.0f} / {cpu['redis']:.0f} / {cpu['client']:.0f}",
            )
        )
    screens = len(kinds[CALL][0].screens)
    split = ", ".join(f"pid {pid}: {n}" for pid, n in bench.split.get("measured", {}).items())
    print(
        f"\nFan-out to {screens} screens ({split}), {len(kinds[CALL])} timed rounds of each kind "
        f"taking turns, {args.pause[0]:g}–{args.pause[1]:g} s apart; ms from just before the "
        f"POST (or group_send) to each screen's state with the number announced; a miss (none "
        f"within {timeout:g} s nor later) is infinite; late: after {timeout:g} s; first / last: "
        "p50 over rounds of the round's first and last screen; CPU ms per round: the server's "
        "processes / redis-server / this client:"
    )
    print_table(
        ["fan-out", "rounds", "deliveries", "missed", "late", "p50", "p95", "p99", "max",
         "first", "last", "CPU ms/round"],
        rows,
    )  # fmt: skip

    calls = kinds[CALL]
    posts = [r.request_ms for r in calls if r.request_ms is not None]
    gets = [r.redirect_ms for r in calls if r.redirect_ms is not None]
    statuses = Counter(r.status for r in calls)
    print(
        f"\ncall-next POST's own time (to its 302): p50 {percentile(posts, 50):.0f} ms, p99 "
        f"{percentile(posts, 99):.0f} ms, max {max(posts):.0f} ms; answers "
        + " ".join(f"{k}:{n}" for k, n in sorted(statuses.items()))
        + (
            f"; the panel GET it redirects to: p50 {percentile(gets, 50):.0f} ms, p99 "
            f"{percentile(gets, 99):.0f} ms"
            if gets
            else ""
        )
    )
    sends = [r.request_ms for r in kinds[BASELINE] if r.request_ms is not None]
    if sends:
        print(
            f"baseline group_send's own time ({screens} channels): p50 "
            f"{percentile(sends, 50):.1f} ms, max {max(sends):.1f} ms"
        )
    served_by = Counter(r.pid for r in calls)
    print(
        "call-next POSTs served by worker pid (its kept connection, from /proc): "
        + ", ".join(f"{'unknown' if pid is None else pid}: {n}" for pid, n in served_by.items())
    )

    # Screens on the POST's worker against screens on the other: both hear through Redis.
    rows = []
    for kind, rounds in kinds.items():
        same, other = [], []
        for r in rounds:
            for index, latency in r.latencies().items():
                on = r.screens[index]
                if on is None or (kind == CALL and r.pid is None):
                    continue
                (same if kind == CALL and on == r.pid else other).append(latency)
        for label, samples in (("the POST's worker", same), ("the other worker", other)):
            if not samples:
                continue
            if kind == BASELINE:
                label = "any worker (sent from this process)"
            rows.append(
                (
                    kind,
                    label,
                    f"{len(samples):,}",
                    ms(quantile(samples, 50), timeout),
                    ms(quantile(samples, 99), timeout),
                )
            )
    if rows:
        print("\nBy the worker holding the screen:")
        print_table(["fan-out", "screens on", "deliveries", "p50", "p99"], rows)

    if BASELINE in figures:
        call, base = figures[CALL], figures[BASELINE]
        print(
            f"\nratio call-next / baseline: p50 {call['p50']:.0f} / {base['p50']:.0f} = "
            f"{call['p50'] / base['p50']:.1f}x, p99 {call['p99']:.0f} / {base['p99']:.0f} = "
            f"{call['p99'] / base['p99']:.1f}x"
            if all(math.isfinite(v) and v > 0 for v in (call["p50"], call["p99"],
                                                          base["p50"], base["p99"]))
            else "\nratio call-next / baseline: not computed (misses)"
        )  # fmt: skip
    warm = [r for r in bench.rounds if r.warmup and r.kind == CALL]
    if warm:
        samples = [s for r in warm for s in r.latencies().values()]
        print(
            f"warm-up (not counted above): {len(warm)} calls, p50 "
            f"{ms(quantile(samples, 50), timeout)} ms, max {ms(max(samples), timeout)} ms, "
            f"misses {sum(not math.isfinite(s) for s in samples)}"
        )
    if bench.unexpected:
        print(f"announced numbers no round sent: {dict(bench.unexpected)}")
    ended = Counter(s.ended for s in bench.screens if s.ended)
    if ended:
        print(f"screens whose socket ended during the run: {dict(ended)}")
    return figures[CALL]


def called_in_database(setup: Setup) -> list[str]:
    """The site's tickets called, in the order called."""
    with raw_connection() as conn:
        rows = conn.execute(
            "SELECT number FROM helpdesk_queueticket WHERE site_id = %s"
            " AND called_at IS NOT NULL ORDER BY called_at, id",
            [setup.site_id],
        ).fetchall()
    return [number for (number,) in rows]


def check(bench: QueueBench, setup: Setup, figures: dict, args) -> list[str]:
    failures = list(bench.failures)
    measured = bench.split.get("measured", {})
    empty = [pid for pid in bench.workers if not measured.get(pid)]
    if len(bench.workers) < args.workers:
        failures.append(f"{len(bench.workers)} worker processes found, {args.workers} started")
    if empty:
        failures.append(f"workers without a screen: {empty} (the cross-process path untested)")
    calls = [r for r in bench.rounds if r.kind == CALL]
    refused = [r.number for r in calls if r.status != "302"]
    if refused:
        failures.append(f"call-next not answered 302 for {refused}")
    announced = [r.number for r in calls]
    called = called_in_database(setup)
    same = called == announced
    print(
        f"tickets called in the database: {len(called)}, in the order the rounds expected: "
        f"{'yes' if same else 'NO'}"
    )
    if not same:
        failures.append(f"called {called[:10]}..., expected {announced[:10]}...")
    if figures:
        p99, misses = figures["p99"], figures["misses"]
        met = math.isfinite(p99) and p99 < TARGET_P99_MS and not misses
        print(
            f"\ntarget: p99 < {TARGET_P99_MS:.0f} ms from call-next to the number on every "
            f"screen: {'met' if met else 'not met'} (p99 {ms(p99, args.timeout)} ms over "
            f"{figures['deliveries']:,} deliveries; screens that missed a call: {misses})"
        )
        if not (math.isfinite(p99) and p99 < TARGET_P99_MS):
            failures.append(f"p99 {ms(p99, args.timeout)} ms, target < {TARGET_P99_MS:.0f} ms")
        if misses:
            failures.append(f"{misses} deliveries of a call missed (must be 0)")
    else:
        failures.append("nothing was measured")
    return failures


# --- Main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    workdir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    redis = RedisServer(workdir)
    redis.start()
    os.environ["REDIS_URL"] = redis.url
    server: Server | None = None
    bench: QueueBench | None = None
    setup: Setup | None = None
    crashed: BaseException | None = None
    try:
        database = configure_django(allow_any_database=args.allow_any_database)
        print(f"database {database}; {machine_summary()}")
        setup = set_up(args)
        close_django_connections()  # from here on this process reads PostgreSQL with psycopg
        server = start_server(workdir, workers=args.workers)
        wait_until_up(server)
        print(f"server: uvicorn, {server.workers} workers, {server.base}; {redis.url} (own)")
        bench = QueueBench(server, redis, setup, args)
        asyncio.run(bench.run())
    except (Exception, SystemExit) as error:  # the rounds that ran are still reported
        crashed = error
        if not isinstance(error, SystemExit):
            traceback.print_exc()
    finally:
        if server is not None:
            server.stop()
            print(f"server stopped (exit {server.process.returncode}); log {server.log}")
        redis.stop()
    failures: list[str] = []
    if bench is not None and setup is not None:
        figures = report(bench, args)
        failures = check(bench, setup, figures, args)
    if crashed is not None:
        failures.append(f"the benchmark stopped: {type(crashed).__name__}: {crashed}")
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
