"""The reorder run over 20,000 products (one reorder rule each), on SQLite or PostgreSQL.

    nice -n 15 .venv/bin/python bench/reorder_run.py --database sqlite
    nice -n 15 .venv/bin/python bench/reorder_run.py --database postgresql   # needs a server at
        # $BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres); makes its own database
    .venv/bin/python bench/reorder_run.py --products 2000                     # a quick run

How the data is written: a fresh, migrated database; a company, a warehouse (inventory's
service), 20 suppliers; then in bulk (``core.bulk.RowInserter``, the columns the services
write): the products, one supplier price each (lead time 2–20 days), one reorder rule each
(minimum 20, maximum 100, multiple 10), and stock on hand (quants) for every product — 40 %
below the minimum. Then the run itself, ``planning.services.run_reorder_rules`` (the grouped
reads of ``planning.queries.rule_rows`` plus one purchase request per product short, through
``purchasing.services.create_request``), timed: the first run (which creates the requests) and
a second run (which must create none), each reported with its query count.

Prints a table and writes JSON to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(database: str) -> str:
    if database == "postgresql":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"tandem_bench_reorder_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-reorder-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ.get("DATABASE_URL", os.environ["TANDEM_DATA_DIR"])


def build(products: int) -> tuple[object, float]:
    from django.db import transaction
    from django.utils import timezone

    from tandem.catalog.models import Product
    from tandem.core.bulk import RowInserter
    from tandem.core.models import Currency, Uom
    from tandem.core.services import create_company
    from tandem.core.text import name_key
    from tandem.inventory import services as inventory
    from tandem.inventory.models import Quant
    from tandem.partners.services import create_partner
    from tandem.planning.models import ReorderRule
    from tandem.purchasing.models import SupplierPrice

    eur = Currency.objects.get(code="EUR")
    pcs = Uom.objects.get(code="pcs")
    company = create_company(name="Bench Reorder", code="bench-reorder", currency=eur, country="SI")
    warehouse = inventory.create_warehouse(company, None, name="Main", code="WH")
    suppliers = [
        create_partner(company, None, name=f"Supplier {n:02}", allow_duplicate=True, is_supplier=True)
        for n in range(20)
    ]
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        ids = RowInserter(Product).insert(
            [
                {
                    "company_id": company.pk,
                    "kind": "goods",
                    "name": f"Material {n:05}",
                    "name_key": name_key(f"Material {n:05}"),
                    "sku": f"M-{n:05}",
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
                for n in range(products)
            ]
        )
        RowInserter(SupplierPrice).insert(
            [
                {
                    "company_id": company.pk,
                    "version": 1,
                    "partner_id": suppliers[n % 20].pk,
                    "product_id": pk,
                    "supplier_sku": "",
                    "price": Decimal("4.50"),
                    "currency_id": "EUR",
                    "min_quantity": Decimal(0),
                    "lead_time_days": 2 + n % 19,
                    "valid_from": None,
                    "valid_to": None,
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, pk in enumerate(ids)
            ]
        )
        RowInserter(ReorderRule).insert(
            [
                {
                    "company_id": company.pk,
                    "version": 1,
                    "product_id": pk,
                    "warehouse_id": warehouse.pk,
                    "min_quantity": Decimal(20),
                    "max_quantity": Decimal(100),
                    "multiple": Decimal(10),
                    "safety_stock": Decimal(0),
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for pk in ids
            ]
        )
        RowInserter(Quant).insert(
            [
                {
                    "company_id": company.pk,
                    "product_id": pk,
                    "location_id": warehouse.stock_location_id,
                    "lot_id": None,
                    "quantity": Decimal(5 if n % 5 < 2 else 50),
                    "reserved": Decimal(0),
                    "negative_allowed": False,
                    "in_date": now,
                }
                for n, pk in enumerate(ids)
            ]
        )
    return company, time.perf_counter() - started


def timed_run(company: object) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.planning import services

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = services.run_reorder_rules(company)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "rules": result.rules,
        "requests": len(result.requests),
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--products", type=int, default=20_000)
    args = parser.parse_args()
    where = setup_django(args.database)
    company, build_seconds = build(args.products)
    first = timed_run(company)
    second = timed_run(company)
    report = {
        "benchmark": "reorder_run",
        "database": args.database,
        "where": where,
        "products": args.products,
        "build_seconds": round(build_seconds, 1),
        "first_run": first,
        "second_run": second,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(f"{'run':<12}{'seconds':>10}{'rules':>10}{'requests':>10}{'queries':>10}")
    for name, row in (("first", first), ("second", second)):
        print(f"{name:<12}{row['seconds']:>10}{row['rules']:>10}{row['requests']:>10}{row['queries']:>10}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"reorder_run-{args.database}-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out}")


if __name__ == "__main__":
    main()
