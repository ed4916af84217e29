"""Latency of the partner list, search and detail pages over HTTP against `tandem run`.

For each demo size it builds a fresh data directory, loads the demo, serves it with
`tandem run --no-demo` and times requests made as the sales manager from this process
(one client, sequential, after a warm-up). Prints and writes p50/p95 per page kind.

    .venv/bin/python bench/http_latency.py --sizes small large --requests 200
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TANDEM = ROOT / ".venv" / "bin" / "tandem"
RESULTS = ROOT / "bench" / "results"
LOGIN = ("anna", "tandem-demo")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_tandem(args: list[str], data_dir: Path, **popen: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TANDEM_DATA_DIR": str(data_dir)}
    return subprocess.Popen([str(TANDEM), *args], env=env, **popen)  # type: ignore[call-overload]


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[float, str]:
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=30) as response:
            body = response.read().decode()
        return time.perf_counter() - started, body

    def login(self, username: str, password: str) -> None:
        self.get("/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        request = urllib.request.Request(
            self.base + "/login/", data=data.encode(), headers={"Referer": self.base}
        )
        with self.opener.open(request, timeout=30) as response:
            if "/login/" in response.geturl():
                raise SystemExit("login failed")


def wait_until_up(client: Client, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            client.get("/login/")
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("tandem run did not answer in time")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "n": len(ordered),
    }


def measure(client: Client, requests: int, rng: random.Random) -> dict[str, dict[str, float]]:
    _, first_page = client.get("/partners/")
    ids = [int(x) for x in re.findall(r'href="/partners/(\d+)/"', first_page)]
    cursors = re.findall(r'href="(/partners/\?[^"]*after=[^"]+)"', first_page)
    prefixes = ["a", "b", "ka", "mar", "sch", "wi", "zh", "пе", "no", "st"]
    kinds = {
        "list": lambda: "/partners/",
        "list_next_page": lambda: cursors[0].replace("&amp;", "&") if cursors else "/partners/",
        "search": lambda: "/partners/?q=" + urllib.parse.quote(rng.choice(prefixes)),
        "detail": lambda: f"/partners/{rng.choice(ids)}/",
    }
    results = {}
    for kind, path in kinds.items():
        for _ in range(5):
            client.get(path())
        results[kind] = percentiles([client.get(path())[0] for _ in range(requests)])
    return results


def bench_size(size: str, requests: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"tandem-bench-{size}-") as tmp:
        data_dir = Path(tmp)
        started = time.monotonic()
        subprocess.run([str(TANDEM), "migrate"], env={**os.environ, "TANDEM_DATA_DIR": tmp}, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run([str(TANDEM), "demo", "--size", size], env={**os.environ, "TANDEM_DATA_DIR": tmp},
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        demo_seconds = round(time.monotonic() - started, 1)
        port = free_port()
        server = run_tandem(["run", "--no-demo", "--port", str(port)], data_dir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            client = Client(f"http://127.0.0.1:{port}")
            wait_until_up(client, time.monotonic() + 120)
            client.login(*LOGIN)
            pages = measure(client, requests, random.Random(7))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    return {"size": size, "setup_seconds": demo_seconds, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["small", "large"])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    report = [bench_size(size, args.requests) for size in args.sizes]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"http_latency-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    json.dump(report, sys.stdout, indent=2)
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
