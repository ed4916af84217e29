"""Speed of the partner import on SQLite: a deterministic 100,000-row CSV, dry run and commit.

    .venv/bin/python bench/import_speed.py              # 100,000 rows
    .venv/bin/python bench/import_speed.py --rows 20000

Builds a fresh data directory (a new SQLite database, migrated), writes a CSV of the demo's
organisations (``tandem.demo.PartnerGenerator``, seeded: the same file every run) with a
free-text address and a contact person per row, then times, through the import services:

* the dry run (every row parsed, validated, matched and checked for duplicates);
* the commit in the default all-or-nothing mode (a checking pass, then one transaction that
  validates again and writes in bulk) — "validate+commit", the figure to compare with the
  2,000 rows/s target;
* the same file imported again (every row matches by its reference: updates, nothing created).

Prints rows/s and writes a JSON file to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
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
    from tandem.demo import PartnerGenerator

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-import-bench-") as tmp:
        setup_django(Path(tmp))
        from tandem.core import roles
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
        print(f"roles: {len(roles.ROLE_LABELS)}; generating {args.rows:,} rows…", flush=True)
        started = time.perf_counter()
        content = partner_csv(args.rows)
        generated = time.perf_counter() - started
        print(f"CSV: {len(content) / 1e6:.1f} MB in {generated:.1f} s", flush=True)

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
        result = dict(run.result)
        assert run.state == "done", (run.state, run.error, run.summary)
        partners = Partner.objects.filter(company=company).count()

        again = services.upload(company, user, spec_key="partners.partner", name="bench.csv", content=content)
        again = services.dry_run(again, user)
        started = time.perf_counter()
        again = services.start_commit(again, user, mode="all")
        timings["commit_again"] = time.perf_counter() - started

    rows = args.rows
    rates = {name: round(rows / seconds) for name, seconds in timings.items() if seconds}
    print(f"upload checks:          {timings['upload']:7.1f} s  {rates['upload']:>8,} rows/s")
    print(f"dry run:                {timings['dry_run']:7.1f} s  {rates['dry_run']:>8,} rows/s")
    print(f"validate+commit:        {timings['commit']:7.1f} s  {rates['commit']:>8,} rows/s")
    print(f"same file again:        {timings['commit_again']:7.1f} s  {rates['commit_again']:>8,} rows/s")
    print(f"result: {result}; partners in the database: {partners:,}")
    print(f"second run: created {again.result.get('created')}, updated {again.result.get('updated')}, "
          f"unchanged {again.result.get('unchanged')}")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import_speed-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {"rows": rows, "seconds": timings, "rows_per_second": rates, "result": result,
             "python": platform.python_version(), "machine": platform.machine()},
            indent=2,
        )
    )  # fmt: skip
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
