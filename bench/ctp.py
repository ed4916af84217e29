"""Capable-to-promise for a four-level product, on SQLite or PostgreSQL — target under 200 ms.

    nice -n 15 .venv/bin/python bench/ctp.py --database sqlite
    nice -n 15 .venv/bin/python bench/ctp.py --database postgresql   # needs a server at
        # $BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres); makes its own database

How the data is written (through the services, as a planner would): a company and warehouse,
four work centres (8 hours a day, Monday to Friday, Slovenian holidays), a sofa whose bill of
materials goes four levels deep — every made product takes two made sub-assemblies (down to
level 4) and two bought parts, each made product has a two-operation routing — 15 made and 50
bought products, supplier prices (lead times 2–15 days) for the bought ones and stock for half
of them. Then ``--orders`` released manufacturing orders (confirmed through manufacturing's
services: reserved, with work orders) of the sub-assemblies, the load capable-to-promise has to
schedule around. Then ``planning.queries.capable_to_promise(sofa, 5)``, timed ``--repeat``
times (the first run apart: cold caches), with its query count, the date, what bounds it and
the load on the centres.

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
LEVELS = 4


def setup_django(database: str) -> str:
    if database == "postgresql":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"tandem_bench_ctp_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-ctp-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ.get("DATABASE_URL", os.environ["TANDEM_DATA_DIR"])


def build(orders: int) -> tuple[object, dict[str, int]]:
    from django.utils import timezone

    from tandem.catalog.services import create_product
    from tandem.core.models import Currency, Uom
    from tandem.core.services import create_company
    from tandem.inventory import services as inventory
    from tandem.manufacturing import services as manufacturing
    from tandem.partners.services import create_partner
    from tandem.purchasing import services as purchasing

    eur = Currency.objects.get(code="EUR")
    pcs = Uom.objects.get(code="pcs")
    company = create_company(name="Bench CTP", code="bench-ctp", currency=eur, country="SI")
    warehouse = inventory.create_warehouse(company, None, name="Main", code="WH")
    supplier = create_partner(company, None, name="Parts Co", is_supplier=True)
    centres = [
        manufacturing.create_work_centre(
            company, None, name=name, code=name[:3].upper(), capacity_hours="8", holiday_country="SI"
        )
        for name in ("Cutting", "Joinery", "Upholstery", "Finishing")
    ]
    counts = {"made": 0, "bought": 0}
    made = []
    stock = []

    def bought(name: str, n: int) -> object:
        product = create_product(
            company, None, name=name, sku=name.replace(" ", "-"), uom=pcs, cost=Decimal(2)
        )
        purchasing.create_supplier_price(
            company, None, partner=supplier, product=product, price="2.00", lead_time_days=2 + n % 14
        )
        if n % 2:
            stock.append(inventory.OpeningLine(product, warehouse.stock_location, "500", unit_cost="2"))
        counts["bought"] += 1
        return product

    def make(name: str, level: int) -> object:
        product = create_product(company, None, name=name, sku=name.replace(" ", "-"), uom=pcs)
        counts["made"] += 1
        lines = []
        for child in range(2):
            sub = f"{name}.{child + 1}"
            component = (
                make(sub, level + 1) if level + 1 < LEVELS else bought(f"Part {sub}", counts["bought"])
            )
            lines.append(manufacturing.LineData(component, "2"))
            lines.append(manufacturing.LineData(bought(f"Part {sub}b", counts["bought"]), "3"))
        first, second = centres[level % 4], centres[(level + 1) % 4]
        routing = manufacturing.create_routing(
            company, None, name=name,
            operations=[
                manufacturing.OperationData("Prepare", first, setup_minutes="20", run_minutes="6"),
                manufacturing.OperationData("Finish", second, run_minutes="4"),
            ],
        )  # fmt: skip
        manufacturing.create_bom(company, None, product=product, routing=routing, lines=lines)
        made.append(product)
        return product

    sofa = make("Sofa", 0)
    # The load: other products made on the same centres (so the sofa's tree is searched to the bottom).
    others = []
    for n in range(4):
        other = create_product(company, None, name=f"Batch item {n}", sku=f"BATCH-{n}", uom=pcs)
        routing = manufacturing.create_routing(
            company, None, name=f"Batch {n}",
            operations=[
                manufacturing.OperationData("Prepare", centres[n], setup_minutes="20", run_minutes="6"),
                manufacturing.OperationData("Finish", centres[(n + 1) % 4], run_minutes="4"),
            ],
        )  # fmt: skip
        part = bought(f"Batch part {n}", 1)
        manufacturing.create_bom(
            company, None, product=other, routing=routing, lines=[manufacturing.LineData(part, "1")]
        )
        others.append(other)
    inventory.import_opening_stock(company, None, stock)
    today = timezone.localdate()
    for n in range(orders):
        order = manufacturing.create_order(
            company,
            None,
            product=others[n % 4],
            quantity="10",
            due_date=today + datetime.timedelta(days=n % 20),
        )
        manufacturing.confirm_order(order, None)
    return sofa, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print where one warm call spends its time")
    args = parser.parse_args()
    where = setup_django(args.database)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tandem.planning import capacity
    from tandem.planning.queries import capable_to_promise

    started = time.perf_counter()
    sofa, counts = build(args.orders)
    built = time.perf_counter() - started
    times: list[float] = []
    cpu_times: list[float] = []
    found = None
    for _n in range(args.repeat + 1):
        with CaptureQueriesContext(connection) as queries:
            begin, cpu = time.perf_counter(), time.process_time()
            found = capable_to_promise(sofa, "5")  # type: ignore[arg-type]
            times.append((time.perf_counter() - begin) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
    assert found is not None
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(capable_to_promise, sofa, "5")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    today = timezone.localdate()
    loads = capacity.load(sofa.company, today, 30)  # type: ignore[attr-defined]
    hours = {row.centre.code: str(sum((d.load for d in row.days), Decimal(0))) for row in loads}
    warm = times[1:]
    result = {
        "benchmark": "ctp",
        "database": args.database,
        "where": where,
        "python": platform.python_version(),
        "products": counts,
        "levels": LEVELS,
        "released_orders": args.orders,
        "build_seconds": round(built, 1),
        "first_ms": round(times[0], 1),
        "median_ms": round(statistics.median(warm), 1),
        "max_ms": round(max(warm), 1),
        "median_cpu_ms": round(statistics.median(cpu_times[1:]), 1),
        "load_average": os.getloadavg()[0],
        "queries": len(queries),
        "today": today.isoformat(),
        "date": found.date.isoformat() if found.date else None,
        "steps": len(found.steps),
        "reason": found.reason,
        "load_hours_30_days": hours,
        "target_ms": 200,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"ctp-{args.database}-{stamp}.json").write_text(json.dumps(result, indent=2))
    print(
        f"capable-to-promise, {LEVELS}-level sofa "
        f"({counts['made']} made, {counts['bought']} bought), {args.database}"
    )
    print(f"  {args.orders} released orders loading the centres: {hours} hours over 30 days")
    print(f"  first {result['first_ms']} ms; then median {result['median_ms']} ms, max {result['max_ms']} ms")
    print(f"  median CPU time {result['median_cpu_ms']} ms (load average {result['load_average']})")
    print(f"  {len(queries)} queries; today {today}, date {result['date']}; {len(found.steps)} steps")
    print(f"  reason: {found.reason}")
    print("  target under 200 ms:", "met" if result["median_ms"] < 200 else "MISSED")


if __name__ == "__main__":
    main()
