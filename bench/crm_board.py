"""The deal board with 5,000 open deals (and the analytics page over them), on SQLite or
PostgreSQL, rendered through Django's test client as the sales manager.

    nice -n 15 .venv/bin/python bench/crm_board.py --database sqlite
    nice -n 15 .venv/bin/python bench/crm_board.py --database postgresql   # needs a server at
        # $BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres); makes its own database
    .venv/bin/python bench/crm_board.py --deals 500 --requests 10           # a quick run

A fresh, migrated database; a company, the default pipeline, 200 customers and the deals in
bulk across the open stages (one in ten in dollars, with a year of daily dollar rates: the
columns' totals convert them), each with one stage entry (what ``crm.services`` writes); then,
after a warm-up, ``--requests`` GETs of the board, the board filtered to one salesperson and
the analytics page: p50 / p95 / max in ms and the query count of each.

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(database: str) -> str:
    if database == "postgresql":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"tandem_bench_board_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-bench-board-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name hashed static files
    return os.environ.get("DATABASE_URL", os.environ["TANDEM_DATA_DIR"])


def build(deals: int) -> tuple[object, object, object]:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from tandem.core import roles
    from tandem.core.models import Currency, ExchangeRate, User
    from tandem.core.services import create_company, grant_company
    from tandem.crm import services
    from tandem.crm.models import Deal, DealStageEntry
    from tandem.partners.services import create_partner

    eur, usd = Currency.objects.get(code="EUR"), Currency.objects.get(code="USD")
    today = datetime.date.today()
    ExchangeRate.objects.bulk_create(  # a year of daily dollar rates, as a company trading in dollars keeps
        ExchangeRate(base=usd, quote=eur, date=today - datetime.timedelta(days=n), rate=Decimal("0.9"))
        for n in range(365)
    )
    company = create_company(name="Bench Board", code="bench-board", currency=eur, country="SI")
    manager = User.objects.create_user(username="bench-manager", password="x")
    manager.groups.add(Group.objects.get(name=roles.SALES_MANAGER))
    grant_company(manager, company)
    seller = User.objects.create_user(username="bench-seller", password="x")
    seller.groups.add(Group.objects.get(name=roles.SALESPERSON))
    grant_company(seller, company)
    pipeline = services.ensure_setup(company, manager)
    stages = list(pipeline.stages.filter(is_won=False, is_lost=False).order_by("sequence"))
    customers = [
        create_partner(company, None, name=f"Customer {n:03}", allow_duplicate=True) for n in range(200)
    ]
    now = timezone.now()
    rows = [
        Deal(
            company=company,
            title=f"Deal {n}",
            partner=customers[n % len(customers)],
            owner=manager if n % 2 else seller,
            pipeline=pipeline,
            stage=stages[n % len(stages)],
            amount=Decimal(1000 + n % 900 * 10),
            currency=usd if n % 10 == 0 else eur,  # one deal in ten in dollars
            stage_changed_at=now,
            last_activity_at=now,
            expected_close=(now + datetime.timedelta(days=n % 120)).date(),
        )
        for n in range(deals)
    ]
    Deal.objects.bulk_create(rows, batch_size=1000)
    DealStageEntry.objects.bulk_create(
        [
            DealStageEntry(company=company, deal=d, pipeline=pipeline, stage_id=d.stage_id, entered_at=now)
            for d in Deal.objects.filter(company=company).only("id", "stage_id")
        ],
        batch_size=1000,
    )
    from tandem.core.statistics import refresh

    refresh()
    return manager, pipeline, seller


def measure(client: object, url: str, requests: int) -> dict[str, float | int]:
    from django.db import connection

    response = client.get(url)  # type: ignore[attr-defined]  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    # Counted as statements run, not from the debug log: the request closes the connection at
    # its end, and CaptureQueriesContext then read 0 for every page.
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)  # type: ignore[attr-defined]
    times = []
    for _i in range(requests):
        started = time.perf_counter()
        client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50": round(statistics.median(times), 1),
        "p95": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "max": round(times[-1], 1),
        "queries": len(statements),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--deals", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    target = setup_django(args.database)
    from django.test import Client
    from django.urls import reverse

    started = time.perf_counter()
    manager, pipeline, seller = build(args.deals)
    built = time.perf_counter() - started
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(manager)  # type: ignore[arg-type]
    board = f"{reverse('crm:board')}?pipeline={pipeline.pk}"  # type: ignore[attr-defined]
    pages = {
        "board": board,
        "board, one salesperson": f"{board}&owner={seller.pk}",  # type: ignore[attr-defined]
        "analytics (funnel, forecast)": reverse("crm:analytics"),
    }
    results = {name: measure(client, url, args.requests) for name, url in pages.items()}
    load = os.getloadavg()
    report = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
        "database": args.database,
        "deals": args.deals,
        "requests": args.requests,
        "build_seconds": round(built, 1),
        "load_average": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "pages": results,
    }
    print(f"{args.deals} open deals on {args.database} ({target}); load {load[0]:.1f}; build {built:.1f} s")
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, row in results.items():
        print(f"{name:32} {row['p50']:>8} {row['p95']:>8} {row['max']:>8} {row['queries']:>8}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"crm_board-{args.database}-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
