"""Availability of one product over a ledger of 1,000,000 moves, on SQLite or PostgreSQL.

    nice -n 15 .venv/bin/python bench/availability.py --database sqlite
    nice -n 15 .venv/bin/python bench/availability.py --database postgresql   # needs a server at
        # $BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres); makes its own database
    .venv/bin/python bench/availability.py --moves 20000                       # a quick run

How the data is written: a fresh, migrated database; a company, a warehouse (inventory's
service) with a shelf; then in bulk (``core.bulk.RowInserter``, the columns the services
write): ``--moves`` done moves of the measured product (and ``--others`` other products, which
share the ledger, one move in ``--others + 1`` each of theirs) in done transfers of 100 moves,
receipts and deliveries alternating, spread over the last three years, each move with its
ledger line; the quants equal to the sum of the done lines; then 200 open transfers in the next
120 days (receipts ready, deliveries waiting) that availability projects, and ``ANALYZE`` (as
bulk loaders do, ``core.statistics.refresh``). Then
``inventory.queries.availability(product, warehouse, until)`` is timed (the median of
``--repeat`` calls after one warm-up), with its query count, for a 30-day and a 120-day horizon.

Prints a table and writes JSON to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PER_TRANSFER = 100
BATCH = 50_000


def setup_django(database: str, reuse: str = "") -> str:
    if reuse:  # a ledger built by an earlier run: migrate it and measure again
        if database == "postgresql":
            os.environ["DATABASE_URL"] = reuse
        else:
            os.environ.pop("DATABASE_URL", None)
        os.environ["TANDEM_DATA_DIR"] = reuse if database == "sqlite" else tempfile.mkdtemp()
    elif database == "postgresql":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"tandem_bench_availability_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("DATABASE_URL", None)
    if not reuse:
        os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-availability-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ.get("DATABASE_URL", os.environ["TANDEM_DATA_DIR"])


def build(moves: int, others: int) -> tuple[object, object, object, float]:
    from django.db import transaction
    from django.utils import timezone

    from tandem.catalog.models import Product
    from tandem.core import statistics
    from tandem.core.bulk import RowInserter
    from tandem.core.models import Currency, Uom
    from tandem.core.services import create_company
    from tandem.core.text import name_key
    from tandem.inventory import services as inventory
    from tandem.inventory.models import Location, Move, MoveLine, Quant, Transfer

    eur = Currency.objects.get(code="EUR")
    pcs = Uom.objects.get(code="pcs")
    company = create_company(name="Bench Availability", code="bench-avail", currency=eur, country="SI")
    warehouse = inventory.create_warehouse(company, None, name="Main", code="WH")
    supplier = inventory.virtual_location(company, Location.Kind.SUPPLIER)
    customer = inventory.virtual_location(company, Location.Kind.CUSTOMER)
    stock_id = warehouse.stock_location_id
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        product_ids = RowInserter(Product).insert(
            [
                {
                    "company_id": company.pk,
                    "kind": "goods",
                    "name": f"Bench item {n:03}",
                    "name_key": name_key(f"Bench item {n:03}"),
                    "sku": f"B-{n:03}",
                    "barcode": "",
                    "uom_id": pcs.pk,
                    "sales_price": Decimal(0),
                    "cost": Decimal(5),
                    "description": "",
                    "active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(others + 1)
            ]
        )
        transfers = (moves + PER_TRANSFER - 1) // PER_TRANSFER
        span = 3 * 365
        transfer_rows = []
        for n in range(transfers):
            receipt = n % 2 == 0 or n < 2
            day = today - datetime.timedelta(days=span - span * n // transfers)
            transfer_rows.append(
                {
                    "company_id": company.pk,
                    "version": 1,
                    "kind": "receipt" if receipt else "delivery",
                    "number": f"WH/{'IN' if receipt else 'OUT'}/{n:07}",
                    "state": "done",
                    "warehouse_id": warehouse.pk,
                    "source_location_id": supplier.pk if receipt else stock_id,
                    "dest_location_id": stock_id if receipt else customer.pk,
                    "scheduled_date": day,
                    "origin": "",
                    "notes": "",
                    "created_at": now,
                    "updated_at": now,
                    "confirmed_at": now,
                    "done_at": now,
                }
            )
        transfer_ids = RowInserter(Transfer).insert(transfer_rows)
        totals = {pk: Decimal(0) for pk in product_ids}
        written = 0
        while written < moves:
            count = min(BATCH, moves - written)
            move_rows, line_rows = [], []
            for i in range(written, written + count):
                n = i // PER_TRANSFER
                row = transfer_rows[n]
                product = product_ids[0] if i % (others + 1) == 0 else product_ids[i % (others + 1)]
                quantity = Decimal(10) if row["kind"] == "receipt" else Decimal(9)
                totals[product] += quantity if row["kind"] == "receipt" else -quantity
                move_rows.append(
                    {
                        "company_id": company.pk,
                        "transfer_id": transfer_ids[n],
                        "sequence": 10,
                        "product_id": product,
                        "uom_id": pcs.pk,
                        "quantity_asked": quantity,
                        "quantity": quantity,
                        "quantity_done": quantity,
                        "lot_id": None,
                        "source_location_id": row["source_location_id"],
                        "dest_location_id": row["dest_location_id"],
                        "expected_date": row["scheduled_date"],
                        "returned_move_id": None,
                    }
                )
            move_ids = RowInserter(Move).insert(move_rows)
            for move_id, move_row in zip(move_ids, move_rows, strict=True):
                line_rows.append(
                    {
                        "company_id": company.pk,
                        "move_id": move_id,
                        "product_id": move_row["product_id"],
                        "lot_id": None,
                        "source_location_id": move_row["source_location_id"],
                        "dest_location_id": move_row["dest_location_id"],
                        "quantity": move_row["quantity"],
                        "done_at": now,
                    }
                )
            RowInserter(MoveLine).insert(line_rows)
            written += count
            print(f"  {written:>9,} moves written ({time.perf_counter() - started:.0f} s)", flush=True)
        RowInserter(Quant).insert(
            [
                {
                    "company_id": company.pk,
                    "product_id": pk,
                    "location_id": stock_id,
                    "lot_id": None,
                    "quantity": quantity,
                    "reserved": Decimal(0),
                    "negative_allowed": False,
                    "in_date": now,
                }
                for pk, quantity in totals.items()
            ]
        )
    product = Product.objects.get(pk=product_ids[0])
    with transaction.atomic():  # the open transfers the projection reads, through the services
        for n in range(200):
            day = today + datetime.timedelta(days=n * 120 // 200)
            if n % 2:
                inventory.create_receipt(
                    company, None, [(product, 5)], warehouse=warehouse, scheduled_date=day
                )
            else:
                inventory.create_delivery(
                    company, None, [(product, 4)], warehouse=warehouse, scheduled_date=day
                )
    statistics.refresh()  # as bulk loaders do (core.statistics): plans with the ledger's statistics
    return company, warehouse, product, time.perf_counter() - started


def timed(product: object, warehouse: object, until: datetime.date, repeat: int) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.inventory.queries import availability

    availability(product, warehouse, until)  # type: ignore[arg-type]  # warm-up
    times = []
    for _n in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = availability(product, warehouse, until)  # type: ignore[arg-type]
            times.append(time.perf_counter() - started)
    return {
        "until": until.isoformat(),
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "queries": len(queries),
        "on_hand": str(result.on_hand),
        "timeline_points": len(result.timeline),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--moves", type=int, default=1_000_000)
    parser.add_argument("--others", type=int, default=0, help="other products sharing the ledger")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--reuse",
        default="",
        help="measure again over the ledger of an earlier run: its data directory (SQLite) or URL",
    )
    args = parser.parse_args()
    where = setup_django(args.database, args.reuse)
    from django.utils import timezone

    if args.reuse:
        from tandem.catalog.models import Product
        from tandem.core import statistics
        from tandem.inventory.models import Warehouse

        statistics.refresh()
        warehouse, build_seconds = Warehouse.objects.get(code="WH"), 0.0
        product = Product.objects.filter(company=warehouse.company_id).order_by("id").first()
    else:
        _company, warehouse, product, build_seconds = build(args.moves, args.others)
    today = timezone.localdate()
    runs = {
        f"{days} days": timed(product, warehouse, today + datetime.timedelta(days=days), args.repeat)
        for days in (30, 120)
    }
    report = {
        "benchmark": "availability",
        "database": args.database,
        "where": where,
        "moves": args.moves,
        "others": args.others,
        "build_seconds": round(build_seconds, 1),
        "runs": runs,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load": os.getloadavg(),
    }
    print(f"build {build_seconds:.0f} s; load {os.getloadavg()}")
    print(f"{'horizon':<10}{'median ms':>11}{'max ms':>10}{'queries':>9}{'points':>8}")
    for name, row in runs.items():
        print(
            f"{name:<10}{row['median_ms']:>11}{row['max_ms']:>10}{row['queries']:>9}{row['timeline_points']:>8}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"availability-{args.database}-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out}")


if __name__ == "__main__":
    main()
