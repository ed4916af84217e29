"""Latency of every list kind, filter, search, the card and home over HTTP against `tandem run`.

Two ways to get the data:

* ``--sizes small large``: a fresh data directory per demo size on SQLite, demo loaded here;
* ``--data /work/bench-data --databases sqlite postgresql --sizes 1k 1m``: the databases built
  once by ``bench/build_sizes.py`` (migrated here first, so a schema change is applied to them).

It serves each with ``tandem run --no-demo --no-worker`` and times requests made from this
process (one client per user, sequential, after a warm-up): as the sales manager, who sees
everyone, and for the record rules as a salesperson. Prints and writes p50/p95 per page kind.

    .venv/bin/python bench/http_latency.py --data /work/bench-data --databases sqlite postgresql \\
        --sizes 1k 1m --requests 100
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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TANDEM = ROOT / ".venv" / "bin" / "tandem"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "bench"))
from build_sizes import database_env  # noqa: E402

MANAGER = ("anna", "tandem-demo")
SALESPERSON = ("sam", "tandem-demo")
PAGE_DEPTH = 50  # "page 50": the cursor found by following "next" 49 times
NAME_PREFIXES = ["ka", "mar", "sch", "wi", "zh", "пе", "no", "st", "ber", "gra"]
INFIXES = [
    "ova",
    "ter",
    "ski",
    "gmb",
    "ing",
    "ber",
    "and",
    "ель",
    "有限",
    "son",
]  # three letters (两字 doubled)
NOTHING = ["zzqx", "qqxj", "xjzq"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[float, str]:
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=120) as response:
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
            time.sleep(0.5)
    raise SystemExit("tandem run did not answer in time")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000, 1),
        "n": len(ordered),
    }


def _next_cursor(page: str) -> str | None:
    found = re.findall(r'href="(/partners/\?[^"]*after=[^"]+)"', page)
    return found[0].replace("&amp;", "&") if found else None


def _deep_page(client: Client) -> str:
    path: str | None = "/partners/"
    for _ in range(PAGE_DEPTH - 1):
        following = _next_cursor(client.get(path)[1]) if path else None
        if following is None:
            break
        path = following
    return path or "/partners/"


def _choice(rng: random.Random, values: list[str]) -> str:
    return urllib.parse.quote(rng.choice(values))


def page_kinds(manager: Client, rng: random.Random) -> dict[str, Callable[[], str]]:
    first_page = manager.get("/partners/")[1]
    ids = [int(x) for x in re.findall(r'href="/partners/(\d+)/"', first_page)]
    owners = re.findall(r'<option value="(\d+)"[^>]*>[^<]*</option>', first_page.split('name="owner"')[1])[:4]
    tags = re.findall(r'<option value="(\d+)"', first_page.split('name="tag"')[1].split("</select>")[0])
    next_page = _next_cursor(first_page) or "/partners/"
    deep = _deep_page(manager)
    countries = ["DE", "PL", "SI", "GB", "US", "RU", "CN"]
    card_ids = ids + [int(x) for x in re.findall(r'href="/partners/(\d+)/"', manager.get(deep)[1])]
    return {
        "list": lambda: "/partners/",
        "list_next_page": lambda: next_page,
        "list_page_50": lambda: deep,
        "list_sorted_by_created": lambda: "/partners/?sort=-created",
        "search_name_prefix": lambda: "/partners/?search=" + _choice(rng, NAME_PREFIXES),
        "search_infix_3_letters": lambda: "/partners/?search=" + _choice(rng, INFIXES),
        "search_nothing_found": lambda: "/partners/?search=" + _choice(rng, NOTHING),
        "search_phone_digits": lambda: "/partners/?search=" + str(rng.randrange(2_000_000, 9_999_999)),
        "filter_country": lambda: "/partners/?country=" + rng.choice(countries),
        "filter_country_without_partners": lambda: "/partners/?country=" + rng.choice(["FR", "JP", "BR"]),
        "filter_supplier": lambda: "/partners/?is_supplier=true",
        "filter_person": lambda: "/partners/?kind=person",
        "filter_archived": lambda: "/partners/?active=false",
        "filter_tag": lambda: "/partners/?tag=" + rng.choice(tags),
        "filter_salesperson": lambda: "/partners/?owner=" + rng.choice(owners),
        "filter_country_and_search": lambda: "/partners/?country=DE&search=" + _choice(rng, INFIXES),
        "card": lambda: f"/partners/{rng.choice(card_ids)}/",
        "home": lambda: "/",
        "api_list": lambda: "/api/v1/partners/partners/",
        "api_search": lambda: "/api/v1/partners/partners/?search=" + _choice(rng, INFIXES),
        "products_list": lambda: "/products/",
        "products_search": lambda: "/products/?search=" + _choice(rng, ["chair", "oak", "tab", "sofa"]),
        "global_search": lambda: "/search/?q=" + _choice(rng, INFIXES),
    }


def salesperson_kinds(rng: random.Random) -> dict[str, Callable[[], str]]:
    return {
        "salesperson_list": lambda: "/partners/",
        "salesperson_search_infix": lambda: "/partners/?search=" + _choice(rng, INFIXES),
        "salesperson_home": lambda: "/",
    }


def time_kinds(
    client: Client, kinds: dict[str, Callable[[], str]], requests: int
) -> dict[str, dict[str, float]]:
    results = {}
    for kind, path in kinds.items():
        try:
            for _ in range(3):
                client.get(path())
            results[kind] = percentiles([client.get(path())[0] for _ in range(requests)])
        except urllib.error.HTTPError as error:
            results[kind] = {"error": error.code}
        print(kind, results[kind], flush=True)
    return results


def serve_and_measure(env: dict[str, str], requests: int) -> dict[str, dict[str, float]]:
    port = free_port()
    argv = [str(TANDEM), "run", "--no-demo", "--no-worker", "--port", str(port)]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        manager, salesperson = Client(base), Client(base)
        wait_until_up(manager, time.monotonic() + 1800)  # the first run migrates a 1M database
        manager.login(*MANAGER)
        salesperson.login(*SALESPERSON)
        rng = random.Random(7)
        pages = time_kinds(manager, page_kinds(manager, rng), requests)
        pages |= time_kinds(salesperson, salesperson_kinds(rng), requests)
        return pages
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)


def bench_demo_size(size: str, requests: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"tandem-bench-{size}-") as tmp:
        env = {**os.environ, "TANDEM_DATA_DIR": tmp}
        subprocess.run([str(TANDEM), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([str(TANDEM), "demo", "--size", size], env=env, check=True, stdout=subprocess.DEVNULL)
        return {"size": size, "database": "sqlite", "pages": serve_and_measure(env, requests)}


def bench_built(database: str, size: str, data: Path, requests: int) -> dict[str, object]:
    env = database_env(database, size, data)
    started = time.monotonic()
    subprocess.run([str(TANDEM), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    migrate_seconds = round(time.monotonic() - started, 1)
    pages = serve_and_measure(env, requests)
    return {"size": size, "database": database, "migrate_seconds": migrate_seconds, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["small", "large"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data", type=Path, help="the databases of bench/build_sizes.py")
    parser.add_argument("--databases", nargs="+", default=["sqlite"])
    args = parser.parse_args()
    if args.data:
        report = [
            bench_built(database, size, args.data, args.requests)
            for database in args.databases
            for size in args.sizes
        ]
    else:
        report = [bench_demo_size(size, args.requests) for size in args.sizes]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"http_latency-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    json.dump(report, sys.stdout, indent=2)
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
