"""Idle, bare and half-open connections never hold a request slot of the real ``tandem run``.

A browser keeps up to six connections open per site, some of them opened ahead of need and
never written to; an attacker opens sockets and sends headers slowly. Either way the server
must go on answering everyone else. Each test holds such sockets open against a real
``tandem run`` (a subprocess on a free port with its own data directory) and asks for a page on
a fresh connection; a server that ties a slot to a connection leaves that request unanswered.
Nothing here is timed: the bound only keeps a stalled server from hanging the suite.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.own_sqlite,
    pytest.mark.skipif(sys.platform != "linux", reason="process groups"),
]

STARTUP_LIMIT = 180.0  # a fresh data directory: migrate and collect static files
ANSWER_LIMIT = 10.0  # far above an answer's time, far below the 15-30 s an idle socket is held
HELD_SOCKETS = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """``tandem run`` without the demo or the worker, as few web slots as it allows."""
    data_dir = tmp_path_factory.mktemp("tandem-run")
    port = _free_port()
    env = {**os.environ, "TANDEM_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "TANDEM_BROKER_URL"):
        env.pop(name, None)
    # One worker and two threads: a server that ties a thread (or any request slot) to a
    # connection is exhausted by the sockets each test holds.
    env.update(TANDEM_WEB_WORKERS="1", TANDEM_WEB_THREADS="2")
    tandem = Path(sys.executable).with_name("tandem")
    log = data_dir / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(tandem), "run", "--port", str(port), "--no-demo", "--no-worker"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(process, port, log)
        yield "127.0.0.1", port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def test_answers_while_eight_idle_keep_alive_connections_are_open(server: tuple[str, int]) -> None:
    """Six connections of one browser and two of another: some served a page and wait for the
    next, some were opened ahead of need and never written to."""
    with _held(server, 4, _served_once), _held(server, 4, _bare):
        assert _status_of_a_fresh_request(server) == 200


@pytest.mark.parametrize(
    "open_socket",
    [
        pytest.param(lambda address: _bare(address), id="bare-connects"),
        pytest.param(lambda address: _partial_headers(address), id="partial-headers"),
        pytest.param(lambda address: _partial_body(address), id="partial-body"),
    ],
)
def test_answers_while_ten_half_open_sockets_are_held(
    server: tuple[str, int], open_socket: Callable[[tuple[str, int]], socket.socket]
) -> None:
    with _held(server, HELD_SOCKETS, open_socket):
        assert _status_of_a_fresh_request(server) == 200


def test_answers_while_a_hundred_slow_clients_are_held(server: tuple[str, int]) -> None:
    """Ten times the bar, mixed: still no slot is taken by a client that sends nothing."""
    with _held(server, 40, _bare), _held(server, 40, _partial_headers), _held(server, 20, _served_once):
        assert _status_of_a_fresh_request(server) == 200


# --- sockets --------------------------------------------------------------------------------


def _bare(address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(address, timeout=ANSWER_LIMIT)


def _partial_headers(address: tuple[str, int]) -> socket.socket:
    sock = _bare(address)
    sock.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow")
    return sock


def _partial_body(address: tuple[str, int]) -> socket.socket:
    sock = _bare(address)
    sock.sendall(
        b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 1000\r\n\r\nusername="
    )
    return sock


def _served_once(address: tuple[str, int]) -> socket.socket:
    """A keep-alive connection that got its answer and now waits for the next click."""
    sock = _bare(address)
    sock.sendall(_request())
    _read_response(sock)
    return sock


@contextlib.contextmanager
def _held(
    address: tuple[str, int], count: int, open_socket: Callable[[tuple[str, int]], socket.socket]
) -> Iterator[None]:
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sockets.append(open_socket(address))
        yield
    finally:
        for sock in sockets:
            sock.close()


def _status_of_a_fresh_request(address: tuple[str, int]) -> int | None:
    with _bare(address) as sock:
        sock.sendall(_request(close=True))
        try:
            return _read_response(sock)
        except TimeoutError:
            return None  # unanswered within ANSWER_LIMIT: the server is stalled


def _request(*, close: bool = False) -> bytes:
    connection = b"close" if close else b"keep-alive"
    return b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: " + connection + b"\r\n\r\n"


def _read_response(sock: socket.socket) -> int:
    """Read one whole response (Content-Length or chunked body); return its status."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += _recv(sock)
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").lower().split("\r\n")
    lengths = [int(line.partition(":")[2]) for line in lines if line.startswith("content-length:")]
    if lengths:
        while len(body) < lengths[0]:
            body += _recv(sock)
    elif "transfer-encoding: chunked" in lines:
        while not body.endswith(b"0\r\n\r\n"):
            body += _recv(sock)
    return int(lines[0].split()[1])


def _recv(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection")
    return chunk


# --- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"tandem run exited early:\n{log.read_text()}"
        with contextlib.suppress(OSError):
            if _status_of_a_fresh_request(("127.0.0.1", port)) is not None:
                return
        time.sleep(0.5)
    pytest.fail(f"nothing answered on port {port} within {STARTUP_LIMIT:.0f} s:\n{log.read_text()}")
