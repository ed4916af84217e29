"""A chair shop for MRP, computed by hand in the tests (``test_mrp*.py``).

The tests' today is Monday 4 January 2027; one work centre (BENCH) works 8 hours a day.

    Chair  made: 1 seat + 4 legs; at BENCH 60 min setup + 30 min a chair     2 in stock
    Seat   made: 1 plank;         at BENCH 240 min a seat                    none
    Leg    bought from Leg Co, 5 days of lead time; lots in multiples of 50  10 in stock
    Plank  bought from Timber Co, 10 days of lead time; lots of at least 20  none

Low-level codes: chair 0, seat and leg 1, plank 2.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core.models import Company, Uom, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.services import LineData, OperationData
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tandem.planning import mrp_services
from tandem.planning.models import MrpRun
from tandem.purchasing import services as purchasing

TODAY = datetime.date(2027, 1, 4)


def day(n: int) -> datetime.date:
    """``n`` days after the tests' today."""
    return TODAY + datetime.timedelta(days=n)


@dataclass
class Shop:
    company: Company
    admin: User
    warehouse: Warehouse
    products: dict[str, Product]
    suppliers: dict[str, Partner]
    customer: Partner

    def deliver(self, sku: str, quantity: str, on: datetime.date) -> Transfer:
        """An open delivery to the customer (a confirmed sales order's, as far as MRP sees)."""
        return inventory.create_delivery(
            self.company,
            self.customer,
            [inventory.MoveSpec(self.products[sku], quantity, expected_date=on)],
            warehouse=self.warehouse,
            scheduled_date=on,
            actor=self.admin,
        )

    def receive(self, sku: str, quantity: str, on: datetime.date) -> Transfer:
        """An open receipt (a confirmed purchase order's)."""
        return inventory.create_receipt(
            self.company,
            self.suppliers["leg"],
            [inventory.MoveSpec(self.products[sku], quantity, expected_date=on)],
            warehouse=self.warehouse,
            scheduled_date=on,
            actor=self.admin,
        )

    def run(self, horizon: int = 90, actor: Any = None) -> MrpRun:
        run = MrpRun.objects.create(
            company=self.company, horizon_days=horizon, started_by=actor or self.admin
        )
        return mrp_services.run_mrp(run, today=TODAY)


def build(company: Company, admin: User, *, chairs: str = "2", legs: str = "10") -> Shop:
    pcs = Uom.objects.get(code="pcs")
    warehouse = inventory.create_warehouse(company, admin, name="Chair works", code="CW")

    def product(sku: str, name: str) -> Product:
        return create_product(company, admin, name=name, sku=sku, uom=pcs, cost=Decimal("1"))

    p = {key: product(key.upper(), key.title()) for key in ("chair", "seat", "leg", "plank")}
    bench = manufacturing.create_work_centre(
        company, admin, name="Bench", code="BENCH", capacity_hours="8", cost_per_hour="30"
    )
    operations = {
        "chair": [OperationData("Assemble", bench, setup_minutes="60", run_minutes="30")],
        "seat": [OperationData("Shape", bench, run_minutes="240")],
    }
    lines = {
        "chair": [LineData(p["seat"], "1"), LineData(p["leg"], "4")],
        "seat": [LineData(p["plank"], "1")],
    }
    for key in ("chair", "seat"):
        routing = manufacturing.create_routing(company, admin, name=key, operations=operations[key])
        manufacturing.create_bom(company, admin, product=p[key], routing=routing, lines=lines[key])
    suppliers = {
        "leg": create_partner(company, admin, name="Leg Co", is_supplier=True, is_customer=False),
        "plank": create_partner(company, admin, name="Timber Co", is_supplier=True, is_customer=False),
    }
    purchasing.create_supplier_price(
        company, admin, partner=suppliers["leg"], product=p["leg"], price="2.00", lead_time_days=5
    )
    purchasing.create_supplier_price(
        company, admin, partner=suppliers["plank"], product=p["plank"], price="4.00", lead_time_days=10
    )
    mrp_services.create_product_planning(
        company, admin, product=p["leg"], policy="multiple", lot_quantity="50"
    )
    mrp_services.create_product_planning(
        company, admin, product=p["plank"], policy="minimum", lot_quantity="20"
    )
    stock = [
        inventory.OpeningLine(p["chair"], warehouse.stock_location, chairs, unit_cost="10"),  # type: ignore[arg-type]
        inventory.OpeningLine(p["leg"], warehouse.stock_location, legs, unit_cost="2"),  # type: ignore[arg-type]
    ]
    inventory.import_opening_stock(company, admin, [line for line in stock if Decimal(line.quantity) > 0])
    customer = create_partner(company, admin, name="Café Nord", is_customer=True)
    return Shop(company, admin, warehouse, p, suppliers, customer)
