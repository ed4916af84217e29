"""Load test: browser-like users and API clients against `tandem run` on SQLite or PostgreSQL.

Each browser-like user holds six keep-alive connections, as Chromium does per site (it opens
them at sign-in, fetching the page and its assets at once), signs in, then clicks through the
partner list, a search, a partner card and a CSV export with a think time between clicks, so
five of its six connections sit idle most of the time. API clients page through the partner
API with a bearer token. Users are added in steps (--users); each step runs for --duration
seconds and reports p50/p95/p99 and throughput per page kind, errors, requests that took
longer than --stall seconds (a request waiting behind idle connections), and the peak count
of open client connections, and the server's CPU time per page (from /proc: a figure that
holds on a shared machine, where latency depends on what else runs).

    .venv/bin/python bench/load.py --database sqlite --users 10 25 50 100
    .venv/bin/python bench/load.py --database postgresql://postgres@127.0.0.1:5432 --users 50
    .venv/bin/python bench/load.py --server-args "--workers 1 --threads 5 --max-connections 5"

The load runs in this process (asyncio over httpx) on the same machine as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TANDEM = ROOT / ".venv" / "bin" / "tandem"
RESULTS = ROOT / "bench" / "results"
USERNAME, PASSWORD = "anna", "tandem-demo"  # the demo's sales manager
CONNECTIONS_PER_BROWSER = 6
ASSETS = (
    "/static/bootstrap/css/bootstrap.min.css",
    "/static/web/app.css",
    "/static/bootstrap/js/bootstrap.bundle.min.js",
    "/static/web/app.js",
)
SEARCHES = ("a", "ka", "mar", "gmbh", "sp", "no", "st", "ov", "wi", "ltd")
CLICKS = (("list", 35), ("search", 25), ("card", 30), ("export", 10))
PAGE_KINDS = ("list", "search", "card", "export", "api")


# --- measurements ----------------------------------------------------------------------------


@dataclass
class Recorder:
    stall_after: float
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        self.samples[kind].append(seconds)
        if not ok:
            self.errors[kind] += 1
            if len(self.error_examples) < 5:
                self.error_examples.append(f"{kind}: {detail}")

    def summary(self, duration: float) -> dict[str, object]:
        kinds = {kind: self._kind(kind, duration) for kind in sorted(self.samples)}
        pages = [s for kind in PAGE_KINDS for s in self.samples.get(kind, [])]
        every = [s for samples in self.samples.values() for s in samples]
        return {
            "kinds": kinds,
            "pages": _percentiles(pages) | {"per_second": round(len(pages) / duration, 1)},
            "errors": sum(self.errors.values()),
            "stalled": sum(1 for s in every if s > self.stall_after),
            "error_examples": self.error_examples,
        }

    def _kind(self, kind: str, duration: float) -> dict[str, float]:
        samples = self.samples[kind]
        return _percentiles(samples) | {
            "per_second": round(len(samples) / duration, 1),
            "errors": self.errors.get(kind, 0),
        }


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000, 1)

    return {"n": len(ordered), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": at(1)}


async def timed(
    recorder: Recorder, kind: str, client: httpx.AsyncClient, method: str, url: str, **kwargs: object
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
        await response.aread()
    except httpx.HTTPError as error:
        recorder.record(kind, time.perf_counter() - started, False, f"{type(error).__name__} {url}")
        return None
    ok = response.status_code < 400
    recorder.record(kind, time.perf_counter() - started, ok, f"{response.status_code} {url}")
    return response


# --- the simulated people --------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    base: str
    token: str
    partner_ids: list[int]
    think: tuple[float, float]
    server_pid: int  # it and its descendants are measured for CPU


@dataclass
class Window:
    """The measured window opens once every user has signed in, so signing in (Argon2, slow on
    purpose) is reported on its own and the clicks measure the steady state."""

    duration: float
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    until: float = 0.0

    def open(self) -> None:
        self.until = time.monotonic() + self.duration
        self.opened.set()

    def is_open(self) -> bool:
        return time.monotonic() < self.until


async def browser_user(site: Site, recorder: Recorder, window: Window, rng: random.Random) -> None:
    limits = httpx.Limits(
        max_connections=CONNECTIONS_PER_BROWSER,
        max_keepalive_connections=CONNECTIONS_PER_BROWSER,
        keepalive_expiry=300,  # like a browser: idle connections stay open between clicks
    )
    async with httpx.AsyncClient(base_url=site.base, limits=limits, timeout=60) as client:
        # A browser fetches the sign-in page and its assets at once: six connections open.
        await asyncio.gather(
            timed(recorder, "sign-in page", client, "GET", "/login/"),
            *(timed(recorder, "static", client, "GET", asset) for asset in ASSETS),
            timed(recorder, "sign-in page", client, "GET", "/login/"),
        )
        csrf = client.cookies.get("csrftoken", "")
        await timed(
            recorder, "sign-in", client, "POST", "/login/", follow_redirects=True,
            data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            headers={"Referer": site.base + "/login/"},
        )  # fmt: skip
        kinds, weights = zip(*CLICKS, strict=True)
        await window.opened.wait()
        while window.is_open():
            await asyncio.sleep(rng.uniform(*site.think))
            if not window.is_open():
                break
            kind = rng.choices(kinds, weights)[0]
            await timed(recorder, kind, client, "GET", _click(kind, site, rng))


def _click(kind: str, site: Site, rng: random.Random) -> str:
    if kind == "list":
        return "/partners/"
    if kind == "search":
        return f"/partners/?search={rng.choice(SEARCHES)}"
    if kind == "card":
        return f"/partners/{rng.choice(site.partner_ids)}/"
    return f"/partners/export/?format=csv&search={rng.choice(SEARCHES)}"


async def api_client(site: Site, recorder: Recorder, window: Window, rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {site.token}"}
    async with httpx.AsyncClient(base_url=site.base, headers=headers, timeout=60) as client:
        url: str | None = "/api/v1/partners/partners/"
        await window.opened.wait()
        while window.is_open():
            response = await timed(recorder, "api", client, "GET", url or "/api/v1/partners/partners/")
            url = response.json().get("next") if response is not None and response.is_success else None
            await asyncio.sleep(rng.uniform(site.think[0] / 2, site.think[1] / 2))


async def connection_watch(port: int, window: Window, peak: list[int]) -> None:
    await window.opened.wait()
    while window.is_open():
        peak[0] = max(peak[0], _established_connections(port))
        await asyncio.sleep(1)


def _established_connections(port: int) -> int:
    """Client connections the server holds open (ESTABLISHED, local port = the server's)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines)
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                count += state == "01" and int(local.rsplit(":", 1)[1], 16) == port
    return count


def server_cpu_seconds(root: int) -> float:
    """User + system CPU of the server process and its descendants (granian's workers)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, ticks
    tree, ticks = {root}, 0
    for _ in range(4):  # tandem run → granian → its workers
        tree |= {pid for pid, (parent, _ticks) in stats.items() if parent in tree}
    ticks = sum(stats[pid][1] for pid in tree if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


async def run_step(
    site: Site, port: int, users: int, api_clients: int, duration: float, ramp: float, stall: float
) -> dict[str, object]:
    recorder = Recorder(stall)
    window = Window(duration)
    peak = [0]
    watch = asyncio.create_task(connection_watch(port, window, peak))
    clients = [
        asyncio.create_task(api_client(site, recorder, window, random.Random(1000 + number)))
        for number in range(api_clients)
    ]
    browsers = []
    for number in range(users):
        browsers.append(asyncio.create_task(browser_user(site, recorder, window, random.Random(number))))
        await asyncio.sleep(1 / ramp)
    while len(recorder.samples["sign-in"]) < users and not any(task.done() for task in browsers):
        await asyncio.sleep(0.1)
    window.open()
    cpu_before = server_cpu_seconds(site.server_pid)
    own_cpu_before, own_wall_before = time.process_time(), time.monotonic()
    clicks_before = sum(len(recorder.samples[kind]) for kind in PAGE_KINDS)
    await asyncio.gather(watch, *clients, *browsers)
    clicks = sum(len(recorder.samples[kind]) for kind in PAGE_KINDS) - clicks_before
    cpu_ms_per_page = (server_cpu_seconds(site.server_pid) - cpu_before) * 1000 / max(clicks, 1)
    # The load generator shares the machine's cores with the server: its share says how much
    # of the machine the server did not get.
    client_cores = (time.process_time() - own_cpu_before) / (time.monotonic() - own_wall_before)
    result = recorder.summary(duration)
    return {
        "users": users,
        "api_clients": api_clients,
        "peak_connections": peak[0],
        "server_cpu_ms_per_page": round(cpu_ms_per_page, 1),
        "load_generator_cores": round(client_cores, 2),
        "load_average": os.getloadavg()[0],
        **result,
    }


async def warm_up(site: Site) -> None:
    """Every worker process and thread has served a page before anything is measured."""
    async with httpx.AsyncClient(base_url=site.base, timeout=120) as client:
        for _ in range(3):
            await asyncio.gather(*(client.get("/login/") for _ in range(16)))


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tandem(args: list[str], env: dict[str, str], **popen: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TANDEM), *args], env=env, check=True, text=True, **popen)  # type: ignore[call-overload]


@contextlib.contextmanager
def database_url(database: str) -> Iterator[str | None]:
    """None for SQLite; for a PostgreSQL server URL, a fresh database dropped afterwards."""
    if database == "sqlite":
        yield None
        return
    import psycopg

    name = f"tandem_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{database}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{database}/{name}"
    finally:
        with psycopg.connect(f"{database}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def served_demo(database: str, size: str, server_args: list[str]) -> Iterator[tuple[Site, int]]:
    with tempfile.TemporaryDirectory(prefix="tandem-load-") as tmp, database_url(database) as url:
        env = {**os.environ, "TANDEM_DATA_DIR": tmp}
        env.pop("DATABASE_URL", None)
        if url:
            env["DATABASE_URL"] = url
        tandem(["migrate"], env, stdout=subprocess.DEVNULL)
        tandem(["demo", "--size", size], env, stdout=subprocess.DEVNULL)
        token = tandem(["manage", "shell", "-c", _ISSUE_TOKEN], env, capture_output=True).stdout.strip()
        port = free_port()
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [str(TANDEM), "run", "--no-demo", "--no-worker", "--port", str(port), *server_args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            ids = _partner_ids(base, server)
            yield Site(base, token.splitlines()[-1], ids, (1.0, 3.0), server.pid), port
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGKILL)
                log.close()


_ISSUE_TOKEN = (
    "from tandem.core.models import User; from tandem.core.services import issue_api_token; "
    f"print(issue_api_token(User.objects.get(username='{USERNAME}'), 'load test')[1])"
)


def _partner_ids(base: str, server: subprocess.Popen[bytes]) -> list[int]:
    deadline = time.monotonic() + 180
    with httpx.Client(base_url=base, timeout=30) as client:
        while True:
            if server.poll() is not None:
                raise SystemExit("tandem run exited")
            with contextlib.suppress(httpx.HTTPError):
                client.get("/login/")
                break
            if time.monotonic() > deadline:
                raise SystemExit("tandem run did not answer in time")
            time.sleep(0.5)
        client.post(
            "/login/",
            data={
                "username": USERNAME,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": base + "/login/"},
        )
        page = client.get("/partners/").text
    return sorted({int(x) for x in re.findall(r'href="/partners/(\d+)/"', page)})


# --- reporting -------------------------------------------------------------------------------


def print_step(step: dict[str, object]) -> None:
    kinds: dict[str, dict[str, float]] = step["kinds"]  # type: ignore[assignment]
    pages: dict[str, float] = step["pages"]  # type: ignore[assignment]
    print(
        f"\n{step['users']} users + {step['api_clients']} API clients: peak {step['peak_connections']} "
        f"open connections, {step['errors']} errors, {step['stalled']} stalled; pages p50/p95/p99 "
        f"{pages.get('p50_ms')}/{pages.get('p95_ms')}/{pages.get('p99_ms')} ms, {pages['per_second']}/s; "
        f"server CPU {step['server_cpu_ms_per_page']} ms a page; the load generator used "
        f"{step['load_generator_cores']} of a core; load average {step['load_average']:.1f}"
    )
    print("| kind | n | p50 ms | p95 ms | p99 ms | max ms | req/s | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, row in kinds.items():
        cells = [
            row.get(k, "") for k in ("n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "per_second", "errors")
        ]
        print(f"| {kind} | " + " | ".join(str(cell) for cell in cells) + " |")
    for example in step["error_examples"]:  # type: ignore[attr-defined]
        print(f"  error: {example}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, or a PostgreSQL server URL")
    parser.add_argument("--size", default="small", choices=["small", "medium", "large"])
    parser.add_argument("--users", type=int, nargs="+", default=[10, 25, 50, 100, 150, 200])
    parser.add_argument("--api-per-users", type=int, default=10, help="one API client per N users")
    parser.add_argument("--duration", type=float, default=60, help="seconds per step")
    parser.add_argument("--ramp", type=float, default=10, help="users started per second")
    parser.add_argument(
        "--stall", type=float, default=5, help="seconds after which a request counts as stalled"
    )
    parser.add_argument("--server-args", default="", help="extra `tandem run` flags, e.g. '--threads 8'")
    args = parser.parse_args()

    steps = []
    with served_demo(args.database, args.size, shlex.split(args.server_args)) as (site, port):
        asyncio.run(warm_up(site))
        for users in args.users:
            api_clients = max(1, users // args.api_per_users)
            step = asyncio.run(run_step(site, port, users, api_clients, args.duration, args.ramp, args.stall))
            print_step(step)
            steps.append(step)
    report = {
        "database": "sqlite" if args.database == "sqlite" else "postgresql",
        "size": args.size,
        "server_args": args.server_args,
        "duration": args.duration,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_average": os.getloadavg(),
        "steps": steps,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"load-{report['database']}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
