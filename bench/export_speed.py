"""Rows per second of the partner list's CSV and XLSX export, on the large demo (100,000 partners).

Loads the large demo into a data directory (once; reused when it already holds it), then, in
this process, asks the export view for the whole list and for a filtered part of it as the
sales manager (every record rule applies) and reads the streamed answer to its end. Prints
rows/s per case: wall clock, and per second of this process's CPU time (on SQLite that
includes the database's own work; it moves less when other work shares the machine), and
writes them to bench/results/export_speed-<database>.json.

    .venv/bin/python bench/export_speed.py --data-dir /tmp/tandem-export-bench [--database-url …]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CASES = {
    "csv, every partner": {"format": "csv", "active": ""},
    "csv, customers in Poland": {"format": "csv", "country": "PL", "is_customer": "true"},
    "xlsx, every partner": {"format": "xlsx", "active": ""},
}


def prepare(data_dir: Path) -> None:
    env = {**os.environ, "TANDEM_DATA_DIR": str(data_dir)}
    tandem = str(ROOT / ".venv" / "bin" / "tandem")
    subprocess.run([tandem, "migrate"], env=env, check=True, capture_output=True)
    import django

    django.setup()
    from tandem.demo import demo_loaded

    if not demo_loaded():
        subprocess.run([tandem, "demo", "--size", "large"], env=env, check=True)


def measure(repeat: int) -> dict[str, dict[str, float]]:
    from django.test import Client
    from django.urls import reverse

    from tandem.core.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="anna"))
    url = reverse("partners:export")
    figures = {}
    for label, params in CASES.items():
        timings, cpu, rows = [], [], 0
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            rows = _rows(body, params["format"])
        wall, busy = statistics.median(timings), statistics.median(cpu)
        figures[label] = {
            "rows": rows, "seconds": round(wall, 3), "rows_per_second": round(rows / wall),
            "cpu_seconds": round(busy, 3), "rows_per_cpu_second": round(rows / busy),
        }  # fmt: skip
        print(
            f"{label:28} {rows:>8,} rows  {wall:6.2f} s {rows / wall:>8,.0f} rows/s"
            f"  (CPU {busy:6.2f} s {rows / busy:>8,.0f} rows/s)",
            flush=True,
        )
    return figures


def _rows(body: bytes, kind: str) -> int:
    if kind == "csv":
        return body.count(b"\r\n") - 1  # the header; no exported cell holds a CR LF
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return sum(1 for _row in sheet.iter_rows(min_row=2, values_only=True))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/tandem-export-bench"))
    parser.add_argument("--database-url", default="", help="PostgreSQL instead of the data dir's SQLite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TANDEM_DATA_DIR"] = str(args.data_dir)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    prepare(args.data_dir)
    figures = measure(args.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    database = "postgresql" if args.database_url else "sqlite"
    (RESULTS / f"export_speed-{database}.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
