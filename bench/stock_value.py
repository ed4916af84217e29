"""Stock value at a date over 1,000,000 moves (inventory valuation), on SQLite or PostgreSQL.

    nice -n 15 .venv/bin/python bench/stock_value.py --database sqlite
    nice -n 15 .venv/bin/python bench/stock_value.py --database postgresql   # needs a server at
        # $BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres); makes its own database
    .venv/bin/python bench/stock_value.py --moves 20000                       # a quick run

How the data is written: a fresh, migrated database; a company, a warehouse (inventory's
service), 1,000 products in 10 categories; then in bulk (``core.bulk.RowInserter``, the columns
the services write), over 1,000 days: one done transfer a day (one header for the day's
receipts and deliveries alike), and per move its move, its ledger line and its valuation layer,
at a cost of 5.00 a unit (the database's triggers add each layer to its month's sum as it is
written, inside the build time). Each move takes a random product and 1–20 units; it is a receipt
(supplier → stock, +quantity × cost) when the product holds fewer units than that — so stock
never goes negative — and otherwise a receipt with probability 0.6, else a delivery (stock →
customer, −quantity × cost). That is not an exact 60/40 split: at the default 1,000,000 moves
(seed 15) 601,365 are receipts, 3,689 of them forced, and stock grows through the 1,000 days. Then
``inventory.queries.valuation.stock_value`` on day 100, day 500 and the last day (999), per
product, per category and per warehouse, each timed (best of 3) with its query count.

Prints a table and writes JSON to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DAYS = 1000
PRODUCTS = 1000
BATCH = 20_000


def setup_django(database: str) -> str:
    if database == "postgresql":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"tandem_bench_value_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-value-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ.get("DATABASE_URL", os.environ["TANDEM_DATA_DIR"])


def build(moves: int) -> tuple[object, datetime.date, float]:
    from django.db import transaction
    from django.utils import timezone

    from tandem.catalog.models import Category, Product
    from tandem.core.bulk import RowInserter
    from tandem.core.models import Currency, Uom
    from tandem.core.services import create_company
    from tandem.core.text import name_key
    from tandem.inventory import services as inventory
    from tandem.inventory.models import Location, Move, MoveLine, Transfer, ValuationLayer

    eur = Currency.objects.get(code="EUR")
    pcs = Uom.objects.get(code="pcs")
    company = create_company(name="Bench Value", code="bench-value", currency=eur, country="SI")
    warehouse = inventory.create_warehouse(company, None, name="Main", code="WH")
    supplier = inventory.virtual_location(company, Location.Kind.SUPPLIER)
    customer = inventory.virtual_location(company, Location.Kind.CUSTOMER)
    stock = warehouse.stock_location
    categories = [Category.objects.create(company=company, name=f"Category {n}") for n in range(10)]
    rng = random.Random(15)
    start = datetime.date(2024, 1, 1)
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        products = RowInserter(Product).insert(
            [
                {
                    "company_id": company.pk, "kind": "goods", "name": f"Item {n:04}",
                    "name_key": name_key(f"Item {n:04}"), "sku": f"I-{n:04}", "barcode": "",
                    "uom_id": pcs.pk, "category_id": categories[n % 10].pk, "sales_price": Decimal(0),
                    "cost": Decimal(5), "description": "", "active": True, "version": 1,
                    "created_at": now, "updated_at": now,
                }
                for n in range(PRODUCTS)
            ]
        )  # fmt: skip
        transfers = RowInserter(Transfer).insert(
            [
                {
                    "company_id": company.pk, "kind": "adjustment", "number": f"WH/BENCH/{day:04}",
                    "state": "done", "warehouse_id": warehouse.pk, "source_location_id": supplier.pk,
                    "dest_location_id": stock.pk, "scheduled_date": start + datetime.timedelta(days=day),
                    "origin": "", "notes": "", "version": 1, "created_at": now, "updated_at": now,
                    "done_at": now,
                }
                for day in range(DAYS)
            ]
        )  # fmt: skip
        held = dict.fromkeys(products, 0)
        written = 0
        while written < moves:
            size = min(BATCH, moves - written)
            specs = []
            for n in range(written, written + size):
                day = n * DAYS // moves
                product = products[rng.randrange(PRODUCTS)]
                quantity = rng.randint(1, 20)
                inbound = held[product] < quantity or rng.random() < 0.6
                held[product] += quantity if inbound else -quantity
                specs.append((day, product, quantity, inbound))
            move_ids = RowInserter(Move).insert(
                [
                    {
                        "company_id": company.pk, "transfer_id": transfers[day], "sequence": 10,
                        "product_id": product, "uom_id": pcs.pk, "quantity_asked": Decimal(quantity),
                        "quantity": Decimal(quantity), "quantity_done": Decimal(quantity),
                        "source_location_id": supplier.pk if inbound else stock.pk,
                        "dest_location_id": stock.pk if inbound else customer.pk,
                        "expected_date": start + datetime.timedelta(days=day),
                    }
                    for day, product, quantity, inbound in specs
                ]
            )  # fmt: skip
            RowInserter(MoveLine).insert(
                [
                    {
                        "company_id": company.pk, "move_id": move, "product_id": product,
                        "source_location_id": supplier.pk if inbound else stock.pk,
                        "dest_location_id": stock.pk if inbound else customer.pk,
                        "quantity": Decimal(quantity),
                        "done_at": timezone.make_aware(
                            datetime.datetime.combine(start + datetime.timedelta(days=day), datetime.time(12))
                        ),
                    }
                    for move, (day, product, quantity, inbound) in zip(move_ids, specs, strict=True)
                ]
            )  # fmt: skip
            RowInserter(ValuationLayer).insert(
                [
                    {
                        "company_id": company.pk, "product_id": product, "move_id": move,
                        "kind": "in" if inbound else "out", "warehouse_id": warehouse.pk,
                        "date": start + datetime.timedelta(days=day),
                        "quantity": Decimal(quantity if inbound else -quantity), "unit_cost": Decimal(5),
                        "value": Decimal(5 * quantity if inbound else -5 * quantity),
                        "remaining_quantity": Decimal(0), "remaining_value": Decimal(0), "created_at": now,
                    }
                    for move, (day, product, quantity, inbound) in zip(move_ids, specs, strict=True)
                ]
            )  # fmt: skip
            written += size
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return company, start, time.perf_counter() - started


def drop_database(database: str) -> None:
    """A PostgreSQL run drops the database it made; a SQLite one lives in a temporary directory."""
    if database != "postgresql":
        return
    import psycopg
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.close()
    server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def timed(company: object, at: datetime.date, by: str) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.inventory.queries.valuation import stock_value

    best = float("inf")
    rows: list[object] = []
    queries = 0
    for _attempt in range(3):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            rows = stock_value(company.pk, at, by)  # type: ignore[attr-defined]
            best = min(best, time.perf_counter() - started)
        queries = len(captured)
    total = sum((row.value for row in rows), Decimal(0))  # type: ignore[attr-defined]
    return {"at": at.isoformat(), "by": by, "ms": round(best * 1000, 1), "rows": len(rows),
            "queries": queries, "value": str(total)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--moves", type=int, default=1_000_000)
    args = parser.parse_args()
    where = setup_django(args.database)
    company, start, build_seconds = build(args.moves)
    runs = [
        timed(company, start + datetime.timedelta(days=offset), by)
        for offset in (DAYS // 10, DAYS // 2, DAYS - 1)
        for by in ("product", "category", "warehouse")
    ]
    report = {
        "benchmark": "stock_value", "database": args.database, "where": where, "moves": args.moves,
        "build_seconds": round(build_seconds, 1), "runs": runs,
        "python": platform.python_version(), "machine": platform.machine(),
    }  # fmt: skip
    print(f"{'date':<12}{'by':<11}{'ms':>10}{'rows':>8}{'queries':>9}{'value':>16}")
    for row in runs:
        print(
            f"{row['at']:<12}{row['by']:<11}{row['ms']:>10}{row['rows']:>8}{row['queries']:>9}{row['value']:>16}"
        )
    print(f"build: {build_seconds:.1f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"stock_value-{args.database}-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out}")
    drop_database(args.database)


if __name__ == "__main__":
    main()
