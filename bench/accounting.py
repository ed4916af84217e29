"""The accounting reports over 1,000,000 posted journal lines, on SQLite and PostgreSQL, and
posting throughput in invoices per second.

    nice -n 15 .venv/bin/python bench/accounting.py --database sqlite
    nice -n 15 .venv/bin/python bench/accounting.py --database postgresql   # needs a server at
        # $BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres); makes its own database
    .venv/bin/python bench/accounting.py --lines 20000                       # a quick run

How the lines are written: a fresh, migrated database; a company with the generic (IFRS)
chart installed by the chart service; 200 customers and 50 suppliers through the partners
service; then the ledger in bulk through ``tandem.core.bulk.RowInserter`` (one prepared INSERT
run with ``executemany``, 20,000 lines per transaction), exactly the columns the posting
service writes (entry state posted with a number; lines ``posted``, journal and date copied):
per 10 lines 5 sales (receivable / income, with a partner and a due date), 4 receipts (bank /
receivable) and 1 expense with a cost centre (expense / payable), over two years (2025–2026).
The database's triggers keep the monthly balances as the lines go in (models/balances.py).
Then ANALYZE, then every report for 2026 (previous period 2025 beside it) five times, median
and maximum (wall clock, and CPU time of this process and of its PostgreSQL backend), and a
few for periods that start or end mid-month. Posting: 300 invoices (one line, no tax) created
and posted through the invoice services (``create_invoice`` + ``post_invoice``: balance
check, gapless number, lines posted). Bank-statement suggestions: a 30-line statement
imported through the statement service, the open items it reads (at most
``queries.statements.MAX_ITEMS``, 5,000) and its suggestions, timed like the reports.

Prints a table and writes JSON to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BATCH = 20_000
YEAR = datetime.date(2026, 1, 1)
COUNTED = ("rows", "lines", "suggestions")  # what a timed case read or found, printed beside it


def setup_django(database: str) -> str:
    if database == "postgresql":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"tandem_bench_accounting_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-accounting-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ.get("DATABASE_URL", os.environ["TANDEM_DATA_DIR"])


def build_books(lines: int) -> dict[str, float]:
    from django.db import transaction

    from tandem.accounting.models import Account, CostCentre, Journal, JournalEntry, JournalLine
    from tandem.accounting.services import charts
    from tandem.core.bulk import RowInserter
    from tandem.core.models import Currency
    from tandem.core.services import create_company
    from tandem.partners.services import create_partner

    eur = Currency.objects.get(code="EUR")
    company = create_company(name="Bench Books", code="bench-books", currency=eur, country="SI")
    charts.install_chart(company, None, "ifrs", today=YEAR)
    by_subtype = {a.subtype: a for a in Account.objects.filter(company=company).order_by("code")}
    income = Account.objects.filter(company=company, type="income").order_by("code").first()
    expense = Account.objects.filter(company=company, type="expense").order_by("code").first()
    accounts = {
        "receivable": by_subtype["receivable"],
        "payable": by_subtype["payable"],
        "bank": by_subtype["bank"],
        "income": income,
        "expense": expense,
    }
    journal = Journal.objects.filter(company=company, kind="general").first()
    centres = [
        CostCentre.objects.create(company=company, code=f"CC{n}", name=f"Centre {n}") for n in range(5)
    ]
    customers = [
        create_partner(company, None, name=f"Customer {n:03}", allow_duplicate=True) for n in range(200)
    ]
    suppliers = [
        create_partner(company, None, name=f"Supplier {n:03}", allow_duplicate=True, is_supplier=True)
        for n in range(50)
    ]
    started = time.perf_counter()
    entries_writer, lines_writer = RowInserter(JournalEntry), RowInserter(JournalLine)
    first = datetime.date(2025, 1, 1)
    written = 0
    n = 0
    while written < lines:
        with transaction.atomic():
            entry_rows, pairs = [], []
            while len(pairs) * 2 < BATCH and written + len(pairs) * 2 < lines:
                day = first + datetime.timedelta(days=n % 730)
                kind = (
                    "sale",
                    "sale",
                    "receipt",
                    "sale",
                    "receipt",
                    "sale",
                    "receipt",
                    "sale",
                    "receipt",
                    "expense",
                )[n % 10]
                amount = Decimal(100 + (n * 7919) % 9900) / 4
                entry_rows.append(
                    {
                        "company_id": company.pk,
                        "journal_id": journal.pk,
                        "date": day,
                        "number": f"B/{n}",
                        "state": "posted",
                        "origin": "manual",
                    }
                )
                pairs.append((n, kind, day, amount))
                n += 1
            ids = entries_writer.insert(entry_rows)
            line_rows = []
            for entry_id, (k, kind, day, amount) in zip(ids, pairs, strict=True):
                base = {
                    "company_id": company.pk,
                    "entry_id": entry_id,
                    "journal_id": journal.pk,
                    "date": day,
                    "posted": True,
                    "currency_id": eur.pk,
                }
                if kind == "sale":
                    partner = customers[k % len(customers)]
                    line_rows += [
                        {
                            **base,
                            "account_id": accounts["receivable"].pk,
                            "open_item": True,  # nothing is matched: every item is open
                            "partner_id": partner.pk,
                            "debit": amount,
                            "amount_currency": amount,
                            "due_date": day + datetime.timedelta(days=30),
                        },
                        {
                            **base,
                            "account_id": accounts["income"].pk,
                            "credit": amount,
                            "amount_currency": -amount,
                        },
                    ]
                elif kind == "receipt":
                    partner = customers[k % len(customers)]
                    line_rows += [
                        {
                            **base,
                            "account_id": accounts["bank"].pk,
                            "debit": amount,
                            "amount_currency": amount,
                        },
                        {
                            **base,
                            "account_id": accounts["receivable"].pk,
                            "open_item": True,  # nothing is matched: every item is open
                            "partner_id": partner.pk,
                            "credit": amount,
                            "amount_currency": -amount,
                        },
                    ]
                else:
                    partner = suppliers[k % len(suppliers)]
                    line_rows += [
                        {
                            **base,
                            "account_id": accounts["expense"].pk,
                            "debit": amount,
                            "amount_currency": amount,
                            "cost_centre_id": centres[k % len(centres)].pk,
                        },
                        {
                            **base,
                            "account_id": accounts["payable"].pk,
                            "open_item": True,  # nothing is matched: every item is open
                            "partner_id": partner.pk,
                            "credit": amount,
                            "amount_currency": -amount,
                            "due_date": day + datetime.timedelta(days=45),
                        },
                    ]
            lines_writer.insert(line_rows)
            written += len(line_rows)
    seconds = time.perf_counter() - started
    from tandem.core import statistics as table_statistics

    analyze_started = time.perf_counter()
    table_statistics.refresh()
    return {
        "lines": written,
        "entries": n,
        "write_seconds": round(seconds, 1),
        "lines_per_second": round(written / seconds),
        "analyze_seconds": round(time.perf_counter() - analyze_started, 1),
        "company_id": company.pk,
    }


def _server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (same machine: /proc); 0 on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu() -> float:
    """CPU seconds of this process and of its database server process (PostgreSQL)."""
    return time.process_time() + _server_cpu()


def time_reports(company_id: int, repeat: int) -> dict[str, dict[str, float]]:
    from tandem.accounting.models import CostCentre
    from tandem.accounting.queries import reports
    from tandem.core.models import Company

    company = Company.objects.get(pk=company_id)
    params = reports.Params(company, YEAR, datetime.date(2026, 12, 31))
    centre = CostCentre.objects.filter(company=company).first()
    cases = {name: (build, params) for name, build in reports.REPORTS.items()}
    cases["trial-balance, one cost centre"] = (
        reports.trial_balance,
        reports.Params(company, YEAR, params.end, centre),
    )
    cases["dashboard months"] = (reports.monthly, params)
    # Periods that start or end mid-month read those days from the lines, the rest from the
    # monthly balances: the dashboard as on 6 December, reports for 15 January – 20 November.
    cases["dashboard, to 6 Dec"] = (
        reports.monthly,
        reports.Params(company, YEAR, datetime.date(2026, 12, 6)),
    )
    odd = reports.Params(company, datetime.date(2026, 1, 15), datetime.date(2026, 11, 20))
    cases["trial-balance, 15 Jan-20 Nov"] = (reports.trial_balance, odd)
    cases["partner-ledger, 15 Jan-20 Nov"] = (reports.partner_ledger, odd)
    cases["aged-receivables, 20 Nov"] = (reports.aged_receivables, odd)
    timings = {}
    for name, (build, given) in cases.items():
        runs, cpu = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), _cpu()
            build(given)
            runs.append((time.perf_counter() - started) * 1000)
            cpu.append((_cpu() - cpu_started) * 1000)
        timings[name] = {
            "median_ms": round(statistics.median(runs), 1),
            "max_ms": round(max(runs), 1),
            "cpu_median_ms": round(statistics.median(cpu), 1),
        }
    return timings


def time_suggestions(company_id: int, repeat: int, count: int = 30) -> dict[str, dict[str, float]]:
    """A bank statement of ``count`` lines imported through the statement service, then its
    suggestions (``queries.statements.suggest``: up to MAX_ITEMS open items read, each line
    ranked against them) timed as the reconciliation screen and the API compute them."""
    from tandem.accounting.models import Journal
    from tandem.accounting.queries import statements as queries
    from tandem.accounting.services import statements
    from tandem.accounting.services.statement_files import ParsedLine, ParsedStatement
    from tandem.core.models import Company

    company = Company.objects.get(pk=company_id)
    bank = Journal.objects.filter(company=company, kind="bank").order_by("code").first()
    lines = [
        ParsedLine(
            datetime.date(2026, 12, 1),
            Decimal("120.00") if n % 3 else Decimal("-75.50"),
            counterparty_name=f"Customer {n:03}",
            reference=f"S/2026/{n:06}" if n % 2 else "",
            import_id=f"bench-{uuid.uuid4().hex}",
        )
        for n in range(count)
    ]
    total = sum((line.amount for line in lines), Decimal(0))
    parsed = ParsedStatement("CAMT053", "Bench statement", datetime.date(2026, 12, 1), "EUR",
                             Decimal(0), total, lines=lines)  # fmt: skip
    statement = statements.import_statement(company, None, parsed, journal=bank)
    rows = list(statement.lines.select_related("statement__journal__currency", "statement__company"))

    def suggestions() -> dict[str, int]:
        found = queries.suggest(rows)  # reads the open items itself, as the screen does
        return {
            "lines": sum(1 for line in found.values() if line.line.entry_id is None),
            "suggestions": sum(len(line.suggestions) for line in found.values()),
        }

    # Each label says what is timed: the read of the open items alone, then the suggestions of
    # the whole statement, that read included (what the reconciliation screen waits for).
    cases = {
        f"open items read ({queries.MAX_ITEMS:,} at most)": lambda: {
            "rows": len(queries.candidate_rows(company))  # the rows suggest() compares, as it reads them
        },
        f"suggestions, {count} lines (items read included)": suggestions,
    }
    timings = {}
    for name, run in cases.items():
        runs, cpu = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), _cpu()
            counted = run()
            runs.append((time.perf_counter() - started) * 1000)
            cpu.append((_cpu() - cpu_started) * 1000)
        timings[name] = {
            "median_ms": round(statistics.median(runs), 1),
            "max_ms": round(max(runs), 1),
            "cpu_median_ms": round(statistics.median(cpu), 1),
            **counted,
        }
    return timings


def time_posting(count: int) -> dict[str, float]:
    from tandem.accounting.models import Account
    from tandem.accounting.services import invoices
    from tandem.accounting.services.invoices import LineData
    from tandem.core.models import Company
    from tandem.partners.models import Partner

    company = Company.objects.get(code="bench-books")
    customer = Partner.objects.filter(company=company, is_supplier=False).order_by("id").first()
    income = Account.objects.filter(company=company, type="income").order_by("code").first()
    drafts = []
    started, cpu_started = time.perf_counter(), _cpu()
    for n in range(count):
        drafts.append(
            invoices.create_invoice(
                company,
                None,
                kind="customer_invoice",
                partner=customer,
                invoice_date=datetime.date(2026, 6, 1),
                lines=[LineData(f"Chair {n}", Decimal(2), Decimal("49.90"), account=income, taxes=[])],
            )
        )
    created, created_cpu = time.perf_counter() - started, _cpu() - cpu_started
    started, cpu_started = time.perf_counter(), _cpu()
    for draft in drafts:
        invoices.post_invoice(draft, None)
    posted, posted_cpu = time.perf_counter() - started, _cpu() - cpu_started
    return {
        "invoices": count,
        "create_per_second": round(count / created, 1),
        "post_per_second": round(count / posted, 1),
        "create_and_post_per_second": round(count / (created + posted), 1),
        "create_cpu_ms_each": round(created_cpu / count * 1000, 1),
        "post_cpu_ms_each": round(posted_cpu / count * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--tag", default="", help="appended to the results file's name")
    args = parser.parse_args()
    where = setup_django(args.database)
    try:
        run(args, where)
    finally:
        drop_database(args.database)


def drop_database(database: str) -> None:
    """The database this run made: PostgreSQL's, or SQLite's temporary directory."""
    from django.db import connections

    connections.close_all()
    if database != "postgresql":
        shutil.rmtree(os.environ["TANDEM_DATA_DIR"], ignore_errors=True)
        return
    import psycopg

    url = os.environ["DATABASE_URL"]
    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def run(args: argparse.Namespace, where: str) -> None:
    books = build_books(args.lines)
    timings = time_reports(int(books["company_id"]), args.repeat)
    timings.update(time_suggestions(int(books["company_id"]), args.repeat))
    posting = time_posting(args.invoices)
    result = {
        "database": args.database,
        "where": where,
        "machine": platform.node(),
        "load": os.getloadavg(),
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "books": books,
        "reports": timings,
        "posting": posting,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"accounting-{args.database}-{args.lines}{args.tag}.json").write_text(
        json.dumps(result, indent=2)
    )
    print(
        f"{args.database}: {books['lines']:,} lines written in {books['write_seconds']} s "
        f"({books['lines_per_second']:,}/s), ANALYZE {books['analyze_seconds']} s"
    )
    width = max(len(name) for name in timings)
    for name, figures in timings.items():
        counted = ", ".join(f"{key} {value:,}" for key, value in figures.items() if key in COUNTED)
        print(
            f"  {name:{width}} median {figures['median_ms']:8.1f} ms   max {figures['max_ms']:8.1f} ms"
            f"   CPU {figures['cpu_median_ms']:8.1f} ms" + (f"   ({counted})" if counted else "")
        )
    print(f"  posting: {posting}")
    print(f"  load average: {result['load']}")


if __name__ == "__main__":
    main()
