"""`tandem run` as a newcomer starts it: a real process on a free port, stopped by SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tandem.cli import STOP_TIMEOUT

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")]

STARTUP_LIMIT = 180.0  # a fresh data directory: migrate, collect static files, load the demo


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def _processes_using(data_dir: Path) -> dict[int, str]:
    """Live processes whose environment names ``data_dir``: pid -> command line."""
    marker = f"TANDEM_DATA_DIR={data_dir}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in environ:
            found[int(entry.name)] = command
    return found


def _wait_until_serving(process: subprocess.Popen[bytes], base_url: str, log: Path) -> int:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"tandem run exited early:\n{log.read_text()}"
        for path in ("login/", ""):
            status = _status(base_url + path)
            if status is not None:
                return status
        time.sleep(0.5)
    pytest.fail(f"nothing answered on {base_url} within {STARTUP_LIMIT:.0f} s:\n{log.read_text()}")


def _kill_everything(process: subprocess.Popen[bytes], data_dir: Path) -> None:
    """After a failure: leave no server behind."""
    if process.poll() is None:
        process.kill()
        process.wait()
    for pid in _processes_using(data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.own_sqlite
def test_run_serves_the_demo_and_stops_both_children(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "TANDEM_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "TANDEM_BROKER_URL"):  # the embedded defaults, as `make run` uses
        env.pop(name, None)
    tandem = Path(sys.executable).with_name("tandem")
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(tandem), "run", "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        status = _wait_until_serving(process, f"http://127.0.0.1:{port}/", log)
        assert status < 500
        printed = log.read_text()
        assert f"http://127.0.0.1:{port}/" in printed
        assert "username admin, password tandem-demo" in printed
        children = " | ".join(_processes_using(tmp_path).values())
        assert "granian" in children
        assert "celery" in children

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=STOP_TIMEOUT + 10) == 0, log.read_text()
        assert _processes_using(tmp_path) == {}
    finally:
        _kill_everything(process, tmp_path)


def test_web_serving_comes_from_the_machine_and_yields_to_flags_and_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tandem.cli import MAX_CONNECTIONS, THREADS_PER_WORKER, _parser

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    for name in ("TANDEM_WEB_WORKERS", "TANDEM_WEB_THREADS", "TANDEM_WEB_MAX_CONNECTIONS"):
        monkeypatch.delenv(name, raising=False)
    defaults = _parser().parse_args(["run"])
    assert (defaults.workers, defaults.threads, defaults.max_connections) == (
        3,
        THREADS_PER_WORKER,
        MAX_CONNECTIONS,
    )

    monkeypatch.setenv("TANDEM_WEB_WORKERS", "5")
    monkeypatch.setenv("TANDEM_WEB_THREADS", "7")
    from_environment = _parser().parse_args(["run"])
    assert (from_environment.workers, from_environment.threads) == (5, 7)
    flags = _parser().parse_args(["run", "--workers", "2", "--threads", "3", "--max-connections", "64"])
    assert (flags.workers, flags.threads, flags.max_connections) == (2, 3, 64)

    monkeypatch.setenv("TANDEM_WEB_THREADS", "0")
    with pytest.raises(SystemExit, match="TANDEM_WEB_THREADS"):
        _parser()


def test_granian_holds_many_more_connections_than_it_runs_requests() -> None:
    """Backpressure bounds open connections, idle ones included: equal to the thread count, a
    few idle browser connections stalled everyone (tests/security/test_connections.py)."""
    from tandem.cli import WebServing

    argv = WebServing(workers=2, threads=4, max_connections=1024).granian_argv("127.0.0.1", 8000)
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[argv.index("--blocking-threads") + 1] == "4"
    assert argv[argv.index("--backpressure") + 1] == "1024"
