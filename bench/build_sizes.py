"""Build the benchmark databases once: the demo grown to 1,000 and to 1,000,000 partners.

Each is the demo at its nearest size (small or large) plus partners added through the demo's
own generator and ``RowInserter`` (``tandem.demo.grow_demo``), then ANALYZE. They live
outside the repository (default /work/bench-data) and are reused by ``http_latency.py
--data``; building the 1M ones takes the better part of an hour per database, so run it
niced in the background:

    nice -n 10 .venv/bin/python bench/build_sizes.py --databases sqlite postgresql --sizes 1k 1m
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TANDEM = ROOT / ".venv" / "bin" / "tandem"
PYTHON = ROOT / ".venv" / "bin" / "python"
SIZES = {"1k": ("small", 800), "1m": ("large", 900_000)}  # (demo size, partners to add)
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
GROW = "import django; django.setup(); from tandem.demo import grow_demo; print(grow_demo({count}))"


def database_env(database: str, size: str, data: Path) -> dict[str, str]:
    """TANDEM_DATA_DIR (and DATABASE_URL on PostgreSQL) for one benchmark database."""
    env = {**os.environ, "TANDEM_DATA_DIR": str(data / f"{database}-{size}")}
    if database == "postgresql":
        env["DATABASE_URL"] = f"{PG_SERVER}/tandem_bench_{size}"
    return {**env, "DJANGO_SETTINGS_MODULE": "tandem.settings"}


def build(database: str, size: str, data: Path) -> None:
    env = database_env(database, size, data)
    Path(env["TANDEM_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if database == "postgresql":
        name = f"tandem_bench_{size}"
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    else:
        for leftover in Path(env["TANDEM_DATA_DIR"]).glob("tandem.sqlite3*"):
            leftover.unlink()
    demo_size, extra = SIZES[size]
    started = time.monotonic()
    subprocess.run([str(TANDEM), "migrate"], env=env, check=True)
    subprocess.run([str(TANDEM), "demo", "--size", demo_size], env=env, check=True)
    subprocess.run([str(PYTHON), "-c", GROW.format(count=extra)], env=env, check=True)
    print(f"{database} {size}: {time.monotonic() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    args = parser.parse_args()
    for size in args.sizes:
        for database in args.databases:
            build(database, size, args.data)
    sys.exit(0)


if __name__ == "__main__":
    main()
