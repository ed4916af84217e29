"""A real HTTP receiver on 127.0.0.1 that checks signatures the way the spec documents them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tandem.integrations.webhooks import services


@dataclass
class Received:
    headers: dict[str, str]
    body: str
    signature_ok: bool

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class Receiver:
    """Answers every POST with ``status`` and keeps what arrived, with its signature check."""

    secret: str = ""
    status: int = 200
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self, port: int = 0) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                headers = {key.lower(): value for key, value in self.headers.items()}
                receiver.received.append(Received(headers, body, _verify(receiver.secret, headers, body)))
                answer = b'{"ok": true}' if receiver.status < 300 else b"receiver trouble"
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _verify(secret: str, headers: dict[str, str], body: str) -> bool:
    """The receiver side of Standard Webhooks, written from the spec (not from our code)."""
    if not secret:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [
        part.split(",", 1)[1]
        for part in headers.get("webhook-signature", "").split()
        if part.startswith("v1,")
    ]
    return any(hmac.compare_digest(expected, value) for value in offered)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def free_port() -> int:
    """A loopback port with nothing listening (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings: Any) -> None:
    """The operator's allow-list lets these tests deliver to their receiver on loopback."""
    settings.TANDEM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture(autouse=True)
def _fresh_nudge_state() -> None:
    services.forget_cached_subscriptions()
    services._last_nudge = 0.0


@pytest.fixture
def subscribe(company: Any, admin: Any) -> Callable[..., Any]:
    def make(url: str, receiver: Receiver | None = None, events: list[str] | None = None, **kw: Any) -> Any:
        subscription, secret = services.create_subscription(
            kw.pop("company", company), admin, url=url, events_=events or ["*"], **kw
        )
        if receiver is not None:
            receiver.secret = secret
        return subscription

    return make
