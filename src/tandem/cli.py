"""The ``tandem`` command: serve, work, load the demo and administer an installation.

``tandem run`` is the one command a newcomer needs: it migrates, collects static files,
loads the demo into an empty database, then supervises two children — granian serving the
WSGI app (see ``WebServing``) and a Celery worker with embedded beat — so no broker or
scheduler has to be installed (the default broker is kombu's ``filesystem://`` under
TANDEM_DATA_DIR).
SIGINT and SIGTERM are forwarded as SIGTERM; if either child dies, the other is stopped
and ``tandem run`` exits non-zero.
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import itertools
import json
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

STOP_TIMEOUT = 20.0  # seconds a child gets to finish after SIGTERM before SIGKILL
THREADS_PER_WORKER = 4  # Django threads per web process: enough to overlap database waits
MAX_CONNECTIONS = 1024  # open client connections per web process, idle ones included
HEADER_READ_TIMEOUT_MS = 30_000  # a connection waiting this long for request headers is closed
_PR_SET_PDEATHSIG = 1
BENCH_PHASE_TIMEOUT = 3600.0  # seconds a benchmark process may take over one phase before the run fails


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["manage"]:  # verbatim: argparse would take options like --help for itself
        return _django_command(arguments[1:] or ["help"])
    args = _parser().parse_args(arguments)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Tandem ERP + CRM.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="migrate, load the demo if empty, serve and run background work")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument(
        "--workers",
        type=_positive,
        default=_environment_int("TANDEM_WEB_WORKERS", _cpu_count()),
        help="web worker processes (env TANDEM_WEB_WORKERS; default: one per CPU, here %(default)s)",
    )
    run.add_argument(
        "--threads",
        type=_positive,
        default=_environment_int("TANDEM_WEB_THREADS", THREADS_PER_WORKER),
        help="request threads per web worker (env TANDEM_WEB_THREADS; default %(default)s)",
    )
    run.add_argument(
        "--max-connections",
        type=_positive,
        default=_environment_int("TANDEM_WEB_MAX_CONNECTIONS", MAX_CONNECTIONS),
        help="open connections per web worker, idle ones included (env TANDEM_WEB_MAX_CONNECTIONS; "
        "default %(default)s)",
    )
    run.add_argument("--no-demo", action="store_true", help="never load the demo data")
    run.add_argument(
        "--no-worker", action="store_true", help="serve only; run `tandem worker --beat` elsewhere"
    )
    run.set_defaults(command=run_command)

    worker = commands.add_parser("worker", help="a Celery worker for the broker in TANDEM_BROKER_URL")
    worker.add_argument(
        "--beat", action="store_true", help="also run the periodic-task scheduler (once per site)"
    )
    worker.add_argument("--concurrency", type=int, help="worker processes (default: one per CPU)")
    worker.set_defaults(command=worker_command)

    demo = commands.add_parser("demo", help="load the demo company into an empty database")
    demo.add_argument("--size", choices=["small", "medium", "large"], default="small")
    demo.add_argument("--force", action="store_true", help="load it even though other companies exist")
    demo.set_defaults(command=demo_command)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(command=migrate_command)

    commands.add_parser("manage", help="any Django management command, e.g. `manage createsuperuser`")

    backup = commands.add_parser("backup", help="write the database and uploaded files to one archive")
    backup.add_argument(
        "--output", type=Path, help="archive file or folder (default: DATA_DIR/backups/tandem-<time>.tar.gz)"
    )
    backup.set_defaults(command=backup_command)

    restore = commands.add_parser("restore", help="replace the database and uploaded files from an archive")
    restore.add_argument("path", type=Path, help="an archive written by `tandem backup`")
    restore.add_argument("--force", action="store_true", help="replace a database that holds data")
    restore.set_defaults(command=restore_command)

    check = commands.add_parser("check", help="Django's system checks")
    check.add_argument("--deploy", action="store_true", help="include the production security checks")
    check.set_defaults(command=check_command)

    bench = commands.add_parser("bench", help="a benchmark on a throw-away database beside DATABASE_URL's")
    benchmarks = bench.add_subparsers(required=True, metavar="BENCHMARK")
    o2c = benchmarks.add_parser(
        "o2c",
        help="order to cash: create, confirm, deliver, invoice, post and pay N orders of 5 lines; "
        "prints one JSON line",
    )
    o2c.add_argument("--orders", type=_positive, default=200, help="orders in the run (default %(default)s)")
    o2c.add_argument(
        "--processes", type=_positive, default=1, help="processes sharing the orders (PostgreSQL only)"
    )
    o2c.set_defaults(command=bench_o2c_command)
    return parser


# --- commands ----------------------------------------------------------------------------


def run_command(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from tandem.core.models import Company

    _say("Applying migrations…")
    call_command("migrate", interactive=False, verbosity=0)
    _say("Collecting static files…")
    call_command("collectstatic", interactive=False, verbosity=0)
    if not args.no_demo and not Company.objects.exists():
        _load_demo("small")
    _print_welcome(args.host, args.port)
    connections.close_all()
    serving = WebServing(args.workers, args.threads, args.max_connections)
    _prepare_for(serving, Path(settings.DATA_DIR))
    children = [_spawn("web server", serving.granian_argv(args.host, args.port))]
    if not args.no_worker:
        children.append(_spawn("worker", _celery_argv(Path(settings.DATA_DIR))))
    return _supervise(children)


def worker_command(args: argparse.Namespace) -> int:
    """Replace this process with Celery, so signals reach it directly."""
    argv = [sys.executable, "-m", "celery", "-A", "tandem.celery:app", "worker", "-l", "info"]
    if args.concurrency:
        argv += ["--concurrency", str(args.concurrency)]
    if args.beat:
        _setup_django()
        from django.conf import settings

        argv += ["-B", "-s", str(Path(settings.DATA_DIR) / "celerybeat-schedule")]
    os.execv(sys.executable, argv)


def demo_command(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    from tandem.demo import DemoRefused

    call_command("migrate", interactive=False, verbosity=0)
    try:
        _load_demo(args.size, force=args.force)
    except DemoRefused as refusal:
        print(f"tandem demo: {refusal.message}", file=sys.stderr)
        return 1
    return 0


def migrate_command(args: argparse.Namespace) -> int:
    return _django_command(["migrate", "--noinput"])


def check_command(args: argparse.Namespace) -> int:
    return _django_command(["check", "--deploy"] if args.deploy else ["check"])


def backup_command(args: argparse.Namespace) -> int:
    _setup_django()
    from tandem.operations import backup

    try:
        result = backup.backup(backup.Site.current(), args.output)
    except backup.BackupError as error:
        print(f"tandem backup: {error.message}", file=sys.stderr)
        return 1
    _say(result.summary())
    return 0


def restore_command(args: argparse.Namespace) -> int:
    _setup_django()
    from tandem.operations import backup

    try:
        result = backup.restore(backup.Site.current(), args.path, force=args.force)
    except backup.BackupError as error:
        print(f"tandem restore: {error.message}", file=sys.stderr)
        return 1
    _say(result.summary())
    return 0


def bench_o2c_command(args: argparse.Namespace) -> int:
    """``tandem bench o2c``: a fresh database on the server DATABASE_URL names (a temporary
    SQLite file without one), migrated and set up with a minimal company; the orders run phase
    by phase in ``--processes`` processes, timed at barriers all of them reach; then the ledger
    invariants are read, the database is dropped and one JSON line is printed."""
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    if args.processes > 1 and not postgres:
        print("tandem bench: --processes needs PostgreSQL (DATABASE_URL=postgresql://…)", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="tandem-bench-o2c-"))
    os.environ["TANDEM_DATA_DIR"] = str(scratch)
    os.environ["DATABASE_URL"] = _fresh_database(url) if postgres else f"sqlite:///{scratch / 'o2c.sqlite3'}"
    try:
        _setup_django()
        from django.core.management import call_command
        from django.db import connections

        from tandem.operations import o2c_bench

        call_command("migrate", interactive=False, verbosity=0)
        cast = o2c_bench.build(args.orders)
        if args.processes == 1:
            stamps = [time.perf_counter()]
            o2c_bench.run_phases(cast, range(args.orders), lambda: stamps.append(time.perf_counter()))
        else:
            connections.close_all()
            stamps = _bench_o2c_processes(
                dataclasses.asdict(cast), args.orders, args.processes, len(o2c_bench.PHASES)
            )
            if not stamps:
                print("tandem bench: a benchmark process failed (its traceback is above)", file=sys.stderr)
                return 1
        found = o2c_bench.verdict(cast)
        connections.close_all()
    finally:
        if postgres:
            _drop_database(url, os.environ["DATABASE_URL"])
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = stamps[-1] - stamps[0]
    result = {
        "backend": "postgresql" if postgres else "sqlite",
        "orders": args.orders,
        "lines_per_order": o2c_bench.LINES,
        "processes": args.processes,
        "phases": {
            name: round(end - start, 3)
            for name, (start, end) in zip(o2c_bench.PHASES, itertools.pairwise(stamps), strict=True)
        },
        "seconds": round(seconds, 3),
        "orders_per_s": round(args.orders / seconds, 2),
        "invariants": found,
    }
    print(json.dumps(result), flush=True)
    return 0 if found["books"] and found["stock"] and not found["broken"] else 1


def _bench_o2c_processes(cast: dict[str, Any], orders: int, processes: int, phases: int) -> list[float]:
    """Run the orders' phases in ``processes`` processes, each its share; the times at which all
    of them had started, then finished each phase (empty when one failed)."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1, timeout=BENCH_PHASE_TIMEOUT)
    workers = [
        context.Process(target=_bench_o2c_worker, args=(cast, list(range(n, orders, processes)), barrier))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()

    def watch() -> None:  # a process that dies leaves the others waiting at the barrier
        for worker in workers:
            worker.join()
            if worker.exitcode:
                barrier.abort()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stamps = []
    try:
        for _step in range(phases + 1):
            barrier.wait()
            stamps.append(time.perf_counter())
    except threading.BrokenBarrierError:
        stamps = []
    watcher.join()
    return stamps


def _bench_o2c_worker(cast: dict[str, Any], numbers: list[int], barrier: Any) -> None:
    """One benchmark process (started by ``spawn``: Django is set up afresh here)."""
    _setup_django()
    from django.db import connections

    from tandem.operations import o2c_bench

    try:
        barrier.wait()
        o2c_bench.run_phases(o2c_bench.Cast(**cast), numbers, barrier.wait)
    except BaseException:
        barrier.abort()
        raise
    finally:
        connections.close_all()


def _fresh_database(url: str) -> str:
    """Create an empty database on the server ``url`` names; its URL."""
    import psycopg

    name = f"tandem_bench_o2c_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_maintenance_url(url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return _sibling_database_url(url, name)


def _sibling_database_url(url: str, name: str) -> str:
    """The URL of database ``name`` on the server ``url`` names, with ``url``'s options (its
    query: ``?server_side_binding=false`` runs the bench as that setting would)."""
    _address, question, query = url.partition("?")
    return _maintenance_url(url).rsplit("/", 1)[0] + "/" + name + question + query


def _drop_database(server_url: str, url: str) -> None:
    import psycopg

    name = url.split("?", 1)[0].rsplit("/", 1)[1]
    with psycopg.connect(_maintenance_url(server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _maintenance_url(url: str) -> str:
    """The server's ``postgres`` database, where databases are created and dropped."""
    base, _slash, rest = url.partition("://")
    server = rest.split("?", 1)[0].split("/", 1)[0]
    return f"{base}://{server}/postgres"


# --- helpers -----------------------------------------------------------------------------


def _setup_django() -> None:
    import django

    django.setup()


def _django_command(arguments: list[str]) -> int:
    """Run a management command as ``manage.py`` would (it exits non-zero on errors)."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tandem manage", *arguments])
    return 0


def _say(message: str) -> None:
    print(message, flush=True)


def _load_demo(size: str, *, force: bool = False) -> None:
    from tandem.demo import build_demo

    _say(f"Loading the {size} demo company…")
    summary = build_demo(size, force=force)
    loaded = ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in summary.counts.items())
    _say(f"Demo loaded in {summary.seconds} s: {summary.company}: {loaded}.")
    _say(f"Log in as {summary.username} / {summary.password} (users: {', '.join(summary.users)}).")


def _print_welcome(host: str, port: int) -> None:
    from tandem.demo import DEMO_PASSWORD, DEMO_USERS, demo_loaded

    lines = [f"Tandem is starting at http://{host}:{port}/"]
    if demo_loaded():
        lines.append(f"Demo login: username admin, password {DEMO_PASSWORD}")
        lines.append(f"  (every demo user has that password: {', '.join(u.username for u in DEMO_USERS)})")
    else:
        lines.append("Create your first user with: tandem manage createsuperuser")
    lines.append("Stop with Ctrl+C.")
    width = max(len(line) for line in lines)
    _say("\n".join(["", "=" * width, *lines, "=" * width, ""]))


def _celery_argv(data_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "tandem.celery:app", "worker", "-B", "--pool", "solo",
        "-l", "info", "-n", "tandem-embedded@%h", "-s", str(data_dir / "celerybeat-schedule"),
    ]  # fmt: skip


# --- serving the web -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WebServing:
    """How granian serves the WSGI app.

    granian's front is asynchronous (Rust, tokio/hyper): it reads request headers and bodies
    and holds idle keep-alive connections without a Python thread, and hands only complete
    requests to a pool of ``threads`` blocking threads per worker process. Its backpressure
    bounds the connections a worker holds open — not the requests in progress — so it must
    be far above the thread count: set equal to it (as before), five browser connections
    opened ahead of need, or five clients sending headers slowly, held every slot and the
    server answered nobody until they timed out.
    """

    workers: int
    threads: int
    max_connections: int

    def granian_argv(self, host: str, port: int) -> list[str]:
        return [
            sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port),
            "--workers", str(self.workers), "--blocking-threads", str(self.threads),
            "--backpressure", str(self.max_connections),
            "--backlog", str(max(self.max_connections, 128)),
            "--http1-header-read-timeout", str(HEADER_READ_TIMEOUT_MS),
            "--respawn-failed-workers", "tandem.wsgi:application",
        ]  # fmt: skip


def _prepare_for(serving: WebServing, data_dir: Path) -> None:
    _raise_open_files_limit(serving.workers * serving.max_connections + 256)
    if serving.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _share_metrics_between_workers(data_dir / "prometheus")


def _raise_open_files_limit(wanted: int) -> None:
    """Each open connection is a file descriptor; a soft limit of 1,024 would refuse connections
    long before ``max_connections``. Raise it as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _share_metrics_between_workers(folder: Path) -> None:
    """Several web processes: /metrics/ adds up every process's counts (prometheus-client's
    multiprocess mode needs an empty folder at each start)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def _cpu_count() -> int:
    """The processors this process may run on (a container's CPU set, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _environment_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return _positive(value)
    except argparse.ArgumentTypeError as error:
        raise SystemExit(f"tandem: {name}: {error}") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


# --- supervising children ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Child:
    name: str
    process: subprocess.Popen[bytes]


def _spawn(name: str, argv: list[str]) -> _Child:
    """Start a child in its own process group (so the terminal's Ctrl+C reaches only us
    and we stop it in order), set to get SIGTERM if we die without cleaning up."""
    return _Child(name, subprocess.Popen(argv, start_new_session=True, preexec_fn=_die_with_parent))


def _die_with_parent() -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _supervise(children: list[_Child]) -> int:
    """Wait for SIGINT/SIGTERM or a child's death, then stop every child."""
    received: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, _frame: received.append(signum))
    dead: _Child | None = None
    while not received:
        dead = next((child for child in children if child.process.poll() is not None), None)
        if dead is not None:
            break
        time.sleep(0.2)
    _stop(children)
    if dead is not None:
        print(
            f"tandem: the {dead.name} exited ({dead.process.returncode}); stopped the rest.", file=sys.stderr
        )
        return 1
    return 0


def _stop(children: list[_Child]) -> None:
    """SIGTERM each child, wait up to STOP_TIMEOUT, then SIGKILL what is left of its group."""
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"tandem: the {child.name} did not stop in time; killing it.", file=sys.stderr)
        _kill_group(child.process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill anything still in the child's process group (its own children, if it left any)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait()


if __name__ == "__main__":
    sys.exit(main())
