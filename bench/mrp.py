"""MRP over 10,000 products with 3–5-level bills of materials and 50,000 demand lines, on SQLite
or PostgreSQL.

    nice -n 15 .venv/bin/python bench/mrp.py --database sqlite
    nice -n 15 .venv/bin/python bench/mrp.py --database postgresql   # needs a server at
        # $BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres); makes its own database
    .venv/bin/python bench/mrp.py --products 1000 --lines 5000       # a quick run

How the data is written: a fresh, migrated database; a company, a warehouse (inventory's
service), 20 suppliers and 4 work centres with 10 routings (manufacturing's services); then in
bulk (``core.bulk.RowInserter``, the columns the services write) 10,000 products: 10 % finished
goods (two sub-assemblies and a material each), 20 % sub-assemblies (a part and two materials),
20 % parts (every other one with a sub-part; so a chain is 3 to 5 levels deep), 10 % sub-parts
(two materials) and 40 % bought materials with a supplier price each (lead time 2–20 days);
stock on hand for a third of the products; and 50,000 open delivery lines of finished goods
(500 deliveries of 100 lines, spread over 90 days); every product's lot sizing is a week of
supply (``--days-of-supply 7``; 0 plans lot for lot, one order per product and day). Then
``planning.mrp_services.run_mrp`` — reading, netting level by level and the bulk writes of
planned orders and exceptions — timed ``--runs`` times (each a new run), reported with the
median and the query count.

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
PREFIX = {"finished": "FIN", "sub": "SUB", "part": "PRT", "subpart": "SPT", "material": "MAT"}


def setup_django(database: str) -> str:
    if database == "postgresql":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"tandem_bench_mrp_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-mrp-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ.get("DATABASE_URL", os.environ["TANDEM_DATA_DIR"])


def build(products: int, lines: int, days_of_supply: int) -> tuple[object, float]:
    from django.db import transaction
    from django.utils import timezone

    from tandem.catalog.models import Product
    from tandem.core.bulk import RowInserter
    from tandem.core.models import Currency, Uom
    from tandem.core.services import create_company
    from tandem.core.statistics import refresh
    from tandem.core.text import name_key
    from tandem.inventory import services as inventory
    from tandem.inventory.models import Location, Move, Quant, Transfer
    from tandem.manufacturing import services as manufacturing
    from tandem.manufacturing.models import Bom, BomLine
    from tandem.manufacturing.services import OperationData
    from tandem.partners.services import create_partner
    from tandem.purchasing.models import SupplierPrice

    eur = Currency.objects.get(code="EUR")
    pcs = Uom.objects.get(code="pcs")
    company = create_company(name="Bench MRP", code="bench-mrp", currency=eur, country="SI")
    warehouse = inventory.create_warehouse(company, None, name="Main", code="WH")
    customers = Location.objects.filter(kind=Location.Kind.CUSTOMER).filter(company=company).first()
    suppliers = [
        create_partner(company, None, name=f"Supplier {n:02}", allow_duplicate=True, is_supplier=True)
        for n in range(20)
    ]
    centres = [
        manufacturing.create_work_centre(company, None, name=f"Centre {n}", code=f"C{n}", capacity_hours="8")
        for n in range(4)
    ]
    routings = [
        manufacturing.create_routing(
            company,
            None,
            name=f"Routing {n}",
            operations=[
                OperationData("Cut", centres[n % 4], setup_minutes="30", run_minutes="6"),
                OperationData("Assemble", centres[(n + 1) % 4], run_minutes=str(2 + n)),
            ],
        )
        for n in range(10)
    ]
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    tiers = {"finished": 0.1, "sub": 0.2, "part": 0.2, "subpart": 0.1}
    counts = {tier: int(products * share) for tier, share in tiers.items()}
    counts["material"] = products - sum(counts.values())
    with transaction.atomic():
        ids: dict[str, list[int]] = {}
        for tier, count in counts.items():
            ids[tier] = RowInserter(Product).insert(
                [
                    {
                        "company_id": company.pk,
                        "kind": "goods",
                        "name": f"{tier.title()} {n:05}",
                        "name_key": name_key(f"{tier.title()} {n:05}"),
                        "sku": f"{PREFIX[tier]}-{n:05}",
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
                    for n in range(count)
                ]
            )
        materials = ids["material"]
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
                for n, pk in enumerate(materials)
            ]
        )

        def material(n: int) -> int:
            return materials[n % len(materials)]

        structure: dict[int, list[int]] = {}
        for n, pk in enumerate(ids["finished"]):
            subs = ids["sub"]
            structure[pk] = [subs[(2 * n) % len(subs)], subs[(2 * n + 1) % len(subs)], material(n)]
        for n, pk in enumerate(ids["sub"]):
            structure[pk] = [ids["part"][n % len(ids["part"])], material(2 * n), material(2 * n + 1)]
        for n, pk in enumerate(ids["part"]):
            structure[pk] = [material(3 * n)] + (
                [ids["subpart"][n % len(ids["subpart"])]] if n % 2 == 0 else []
            )
        for n, pk in enumerate(ids["subpart"]):
            structure[pk] = [material(5 * n), material(5 * n + 1)]
        made = list(structure)
        bom_ids = RowInserter(Bom).insert(
            [
                {
                    "company_id": company.pk,
                    "version": 1,
                    "reference": f"BOM-{n:05}",
                    "product_id": pk,
                    "kind": "normal",
                    "revision": 1,
                    "quantity": Decimal(1),
                    "routing_id": routings[n % 10].pk,
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, pk in enumerate(made)
            ]
        )
        RowInserter(BomLine).insert(
            [
                {
                    "bom_id": bom_id,
                    "sequence": 10 * (k + 1),
                    "product_id": component,
                    "quantity": Decimal(1 + k % 2),
                    "uom_id": pcs.pk,
                    "scrap_percent": Decimal(0),
                }
                for bom_id, pk in zip(bom_ids, made, strict=True)
                for k, component in enumerate(structure[pk])
            ]
        )
        every = [pk for tier in ids.values() for pk in tier]
        RowInserter(Quant).insert(
            [
                {
                    "company_id": company.pk,
                    "product_id": pk,
                    "location_id": warehouse.stock_location_id,
                    "lot_id": None,
                    "quantity": Decimal(20),
                    "reserved": Decimal(0),
                    "negative_allowed": False,
                    "in_date": now,
                }
                for n, pk in enumerate(every)
                if n % 3 == 0
            ]
        )
        if days_of_supply:
            from tandem.planning.models import ProductPlanning

            RowInserter(ProductPlanning).insert(
                [
                    {
                        "company_id": company.pk,
                        "version": 1,
                        "product_id": pk,
                        "policy": "period",
                        "lot_quantity": Decimal(days_of_supply),
                        "safety_stock": Decimal(0),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for pk in every
                ]
            )
        per = 100
        transfers = RowInserter(Transfer).insert(
            [
                {
                    "company_id": company.pk,
                    "version": 1,
                    "kind": "delivery",
                    "number": f"WH/OUT/{n:05}",
                    "state": "waiting",
                    "warehouse_id": warehouse.pk,
                    "source_location_id": warehouse.stock_location_id,
                    "dest_location_id": customers.pk,  # type: ignore[union-attr]
                    "scheduled_date": today + datetime.timedelta(days=n % 90),
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range((lines + per - 1) // per)
            ]
        )
        finished = ids["finished"]
        RowInserter(Move).insert(
            [
                {
                    "company_id": company.pk,
                    "transfer_id": transfers[n // per],
                    "sequence": 10,
                    "product_id": finished[(n * 7) % len(finished)],
                    "uom_id": pcs.pk,
                    "quantity": Decimal(1 + n % 5),
                    "source_location_id": warehouse.stock_location_id,
                    "dest_location_id": customers.pk,  # type: ignore[union-attr]
                    "expected_date": today + datetime.timedelta(days=(n // per) % 90),
                }
                for n in range(lines)
            ]
        )
    refresh()
    return company, time.perf_counter() - started


def timed_run(company: object) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.planning import mrp_services
    from tandem.planning.models import MrpRun

    run = MrpRun.objects.create(company=company, horizon_days=120)  # type: ignore[misc]
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        run = mrp_services.run_mrp(run)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(
            cpu, 2
        ),  # this process's CPU: what a quiet machine's wall clock would be, less the database's
        "products": run.products,
        "demand_lines": run.demand_lines,
        "planned_orders": run.planned_orders,
        "exceptions": run.exceptions,
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--days-of-supply",
        type=int,
        default=7,
        help="every product's lot sizing (0: lot for lot, a day a lot)",
    )
    args = parser.parse_args()
    where = setup_django(args.database)
    company, build_seconds = build(args.products, args.lines, args.days_of_supply)
    runs = [timed_run(company) for _ in range(args.runs)]
    report = {
        "benchmark": "mrp",
        "database": args.database,
        "where": where,
        "products": args.products,
        "lines": args.lines,
        "days_of_supply": args.days_of_supply,
        "build_seconds": round(build_seconds, 1),
        "runs": runs,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "median_cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average": os.getloadavg(),
    }
    print(f"{'run':<6}{'seconds':>9}{'products':>10}{'demand':>9}{'planned':>9}{'except.':>9}{'queries':>9}")
    for n, row in enumerate(runs, 1):
        print(
            f"{n:<6}{row['seconds']:>9}{row['products']:>10}{row['demand_lines']:>9}"
            f"{row['planned_orders']:>9}{row['exceptions']:>9}{row['queries']:>9}"
        )
    cpu = statistics.median(r["cpu_seconds"] for r in runs)
    print(f"median {report['median_seconds']} s wall clock, {cpu} s CPU; build {report['build_seconds']} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"mrp-{args.database}-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {out}")


if __name__ == "__main__":
    main()
