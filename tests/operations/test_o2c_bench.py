"""`tandem bench o2c` as `make bench` runs it: a real process on a throw-away SQLite database
(migrated, a minimal company set up), three orders taken from quotation to payment through the
services, one JSON line with the phases' times and the invariants' verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tandem.accounting.models import Invoice
from tandem.operations import o2c_bench
from tandem.sales.models import SalesOrder
from tests.conftest import ensure_reference_data
from tests.kit.query_counts import PinnedQueries

LIMIT = 900  # seconds: most of it is migrating the fresh database on a shared machine


def _bench(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["TANDEM_DATA_DIR"] = str(tmp_path / "caller")
    environment["TMPDIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "tandem.cli", "bench", "o2c", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=LIMIT,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.own_sqlite
def test_three_orders_go_from_quotation_to_payment_and_the_ledgers_hold(tmp_path: Path) -> None:
    done = _bench(tmp_path, "--orders", "3")
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    found = json.loads(line)
    assert found["backend"] == "sqlite"
    assert (found["orders"], found["lines_per_order"], found["processes"]) == (3, 5, 1)
    assert list(found["phases"]) == ["create", "confirm", "deliver", "invoice", "post", "pay"]
    assert all(seconds > 0 for seconds in found["phases"].values())
    assert found["seconds"] == pytest.approx(sum(found["phases"].values()), abs=0.01)
    # from the unrounded time: ``seconds`` is rounded to the millisecond, which moves 3 / seconds
    # by up to 3 × 0.0005 / seconds² (0.012 orders/s for a run of 0.35 s), ``orders_per_s`` to 0.01
    drift = 3 * 0.0005 / (found["seconds"] - 0.0005) ** 2
    assert found["orders_per_s"] == pytest.approx(3 / found["seconds"], abs=0.005 + drift)
    assert found["invariants"] == {"books": True, "stock": True, "broken": [], "orders_done": 3}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("tandem-bench-o2c-")] == []


@pytest.mark.own_sqlite
def test_several_processes_need_postgresql(tmp_path: Path) -> None:
    refused = _bench(tmp_path, "--orders", "4", "--processes", "2")
    assert refused.returncode == 2
    assert "--processes needs PostgreSQL" in refused.stderr
    assert refused.stdout == ""


@pytest.mark.django_db
def test_the_benchmark_company_takes_its_orders_through_every_phase() -> None:
    ensure_reference_data()
    cast = o2c_bench.build(orders=2)
    ends: list[str] = []
    o2c_bench.run_phases(cast, range(2), lambda: ends.append("phase"))
    assert len(ends) == len(o2c_bench.PHASES)
    orders = SalesOrder.objects.filter(company_id=cast.company)
    assert [len(order.lines.all()) for order in orders] == [5, 5]
    assert o2c_bench.verdict(cast) == {"books": True, "stock": True, "broken": [], "orders_done": 2}


@pytest.mark.django_db
def test_each_action_of_an_order_runs_its_pinned_number_of_queries(pinned_queries: PinnedQueries) -> None:
    """The order-to-cash services cost a fixed number of queries per order of five lines — the
    lines are read and written together, not one by one (issue 17): a second order costs what
    the first did, and a query per line more fails here."""
    ensure_reference_data()
    desk = o2c_bench.Desk(o2c_bench.build(orders=4))
    numbers = iter(range(4))
    orders: list[SalesOrder] = []
    invoices: list[Invoice] = []
    actions: list[tuple[str, Callable[[], object]]] = [
        ("create", lambda: orders.append(desk.create(next(numbers)))),
        ("confirm", lambda: desk.confirm(orders[confirmed.pop(0)])),
        ("deliver", lambda: desk.deliver(orders[delivered.pop(0)])),
        ("invoice", lambda: invoices.append(desk.invoice(orders[invoiced.pop(0)]))),
        ("post", lambda: desk.post(invoices[posted.pop(0)])),
        ("pay", lambda: desk.pay(invoices[paid.pop(0)])),
    ]
    confirmed, delivered, invoiced, posted, paid = ([0, 1] for _ in range(5))
    for name, action in actions:  # each measured on the second order, the first one warming up
        pinned_queries.check(f"o2c:{name}", action)
    assert o2c_bench.verdict(desk.cast) == {"books": True, "stock": True, "broken": [], "orders_done": 2}


def test_the_fresh_postgresql_database_keeps_the_options_of_database_url() -> None:
    """``DATABASE_URL=…?server_side_binding=false tandem bench o2c`` runs as that setting would."""
    from tandem.cli import _sibling_database_url

    assert (
        _sibling_database_url("postgresql://u@db:5432/tandem?server_side_binding=false", "bench")
        == "postgresql://u@db:5432/bench?server_side_binding=false"
    )
    assert _sibling_database_url("postgresql://u@db:5432/tandem", "bench") == "postgresql://u@db:5432/bench"
