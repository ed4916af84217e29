"""Speed of the partner import on SQLite: a deterministic 100,000-row CSV, dry run and commit.

    .venv/bin/python bench/import_speed.py              # 100,000 rows
    .venv/bin/python bench/import_speed.py --rows 20000
    .venv/bin/python bench/import_speed.py --repeat 3   # medians of three fresh runs

Builds a fresh data directory (a new SQLite database, migrated), writes a CSV of the demo's
organisations (``tandem.partners.demo.PartnerGenerator``, seeded: the same file every run) with a
free-text address and a contact person per row, then times, through the import services:

* the dry run (every row parsed, validated, matched and checked for duplicates);
* the commit in the default all-or-nothing mode — "import", the figure to compare with the
  2,000 rows/s target: a pass that takes each row's own check from the dry run (see
  ``tandem.integrations.imports.checked``) and matches it against the database again, then one
  transaction that writes in bulk;
* both steps together, as a user goes through them ("dry run + import");
* the same file imported again (every row matches by its reference: updates, nothing created).

Prints seconds and rows/s per phase and writes a JSON file to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(data_dir: Path) -> None:
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    os.environ["TANDEM_IMPORT_BACKGROUND_ROWS"] = str(10**9)  # time the work itself, in this process
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def partner_csv(rows: int) -> bytes:
    from tandem.partners.demo import PartnerGenerator

    output = io.StringIO()
    writer = csv.writer(output, delimiter=";")
    writer.writerow(
        ["Ref", "Name", "E-mail", "Phone", "Mobile", "Website", "Tax ID", "Country", "Address",
         "Contact person", "Contact e-mail", "Contact phone"]
    )  # fmt: skip
    for index, draft in enumerate(PartnerGenerator().organisations(rows), start=1):
        address = draft.addresses[0]
        street = f"{address.street} {address.house}" + (f"/{address.unit}" if address.unit else "")
        person = draft.people[0] if draft.people else None
        writer.writerow(
            [
                f"P{index:07d}", draft.name, draft.email, draft.phone, draft.mobile, draft.website,
                draft.tax_id,
                draft.country.code, f"{street}, {address.postal_code} {address.city}",
                person.name if person else "", person.email if person else "",
                person.mobile if person else "",
            ]
        )  # fmt: skip
    return output.getvalue().encode("utf-8")


PHASES = (
    ("upload", "upload checks"), ("dry_run", "dry run"), ("commit", "import"),
    ("dry_run_and_import", "dry run + import"), ("commit_again", "same file again"),
)  # fmt: skip


def measure(rows: int) -> dict[str, float]:
    """One run in a fresh data directory: seconds per phase (Django is set up once a process)."""
    with tempfile.TemporaryDirectory(prefix="tandem-import-bench-") as tmp:
        setup_django(Path(tmp))
        from tandem.core.models import Currency, User
        from tandem.core.services import create_company, grant_company
        from tandem.integrations.imports import services
        from tandem.partners.models import Partner

        company = create_company(
            name="Bench", code="bench", currency=Currency.objects.get(code="EUR"), country="SI"
        )
        user = User.objects.create_user(username="bench", password="x", is_superuser=True)
        grant_company(user, company)
        user = User.objects.get(pk=user.pk)
        started = time.perf_counter()
        content = partner_csv(rows)
        print(f"CSV: {len(content) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s", flush=True)

        timings: dict[str, float] = {}
        started = time.perf_counter()
        run = services.upload(company, user, spec_key="partners.partner", name="bench.csv", content=content)
        timings["upload"] = time.perf_counter() - started
        started = time.perf_counter()
        run = services.dry_run(run, user)
        timings["dry_run"] = time.perf_counter() - started
        started = time.perf_counter()
        run = services.start_commit(run, user, mode="all")
        timings["commit"] = time.perf_counter() - started
        assert run.state == "done", (run.state, run.error, run.summary)
        assert run.result["created"] == rows, run.result
        print(f"result: {run.result}; partners: {Partner.objects.filter(company=company).count():,}")

        again = services.upload(company, user, spec_key="partners.partner", name="bench.csv", content=content)
        again = services.dry_run(again, user)
        started = time.perf_counter()
        again = services.start_commit(again, user, mode="all")
        timings["commit_again"] = time.perf_counter() - started
        assert again.result["created"] == 0 and again.result["unchanged"] == rows, again.result
    timings["dry_run_and_import"] = timings["dry_run"] + timings["commit"]
    return timings


def measure_in_subprocess(rows: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, __file__, "--rows", str(rows), "--timings-to", out.name], check=True)
        return dict(json.loads(Path(out.name).read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs, each in a fresh database; medians")
    parser.add_argument("--timings-to", help=argparse.SUPPRESS)  # one run for --repeat
    args = parser.parse_args()
    if args.timings_to:
        Path(args.timings_to).write_text(json.dumps(measure(args.rows)))
        return
    runs = [measure_in_subprocess(args.rows) for _ in range(args.repeat)]
    median = {name: statistics.median(run[name] for run in runs) for name, _label in PHASES}
    rates = {name: round(args.rows / seconds) for name, seconds in median.items()}
    print(f"{args.rows:,} rows, {len(runs)} run(s); medians (rows/s of each run in brackets):")
    for name, label in PHASES:
        each = ", ".join(f"{args.rows / run[name]:,.0f}" for run in runs)
        print(f"{label + ':':24}{median[name]:7.1f} s  {rates[name]:>8,} rows/s  [{each}]")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import_speed-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {"rows": args.rows, "runs": runs, "median_seconds": median, "median_rows_per_second": rates,
             "python": platform.python_version(), "machine": platform.machine(),
             "load": os.getloadavg()},
            indent=2,
        )
    )  # fmt: skip
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
