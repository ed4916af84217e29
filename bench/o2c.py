"""Order to cash on both databases: ``tandem bench o2c`` on a throw-away SQLite file, then on
a throw-away PostgreSQL database in one process and in two.

    nice -n 15 .venv/bin/python bench/o2c.py                  # 200 orders each run
    .venv/bin/python bench/o2c.py --orders 20 --skip-postgresql

The PostgreSQL server is $BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres);
the command makes its own database there and drops it. Prints each run's JSON line and writes
them all to bench/results/o2c-<time>.json (git-ignored). Fails when a run fails or finds a
ledger invariant broken.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def run(orders: int, database_url: str | None, processes: int) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url:
        environment["DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "tandem.cli", "bench", "o2c", "--orders", str(orders)]
    command += ["--processes", str(processes)]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"o2c: {' '.join(command[2:])} failed ({done.returncode})")
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    print(json.dumps(result), flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--skip-postgresql", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    runs = [run(args.orders, None, 1)]
    if not args.skip_postgresql:
        runs += [run(args.orders, server, 1), run(args.orders, server, 2)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"o2c-{time.strftime('%Y%m%d-%H%M%S')}.json"
    report = {"machine": platform.node(), "load": os.getloadavg(), "runs": runs}
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
