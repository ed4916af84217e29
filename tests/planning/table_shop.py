"""A table shop for capacity and capable-to-promise, computed by hand in the tests.

Two work centres keep Slovenia's public holidays and work Monday to Friday from 8:00: the saw
(SAW) 8 hours a day, assembly (ASM) 4 hours. Christmas (Friday 25 December 2026) and
Independence Day (Saturday 26) are holidays; the tests' today is Tuesday 22 December 2026.

    Table (made to order)  1 top + 4 legs + 8 screws;  assemble at ASM: 60 min setup + 30 min a table
    Top                    2 screws;  cut at SAW: 30 min setup + 90 min a top,
                                      then sand at ASM: 15 min a top
    Shelf                  1 screw;   saw at SAW: 300 min a shelf
    Leg                    bought from Leg Co, 3 days of lead time
    Screw                  1,000 in stock

A released order for one shelf (due today) already loads the saw 5 hours on the 22nd.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core.models import Company, Uom, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Warehouse
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.models import ManufacturingOrder, WorkCentre
from tandem.manufacturing.services import LineData, OperationData
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tandem.purchasing import services as purchasing

TODAY = datetime.date(2026, 12, 22)


@dataclass
class Shop:
    company: Company
    warehouse: Warehouse
    products: dict[str, Product]
    centres: dict[str, WorkCentre]
    shelf_order: ManufacturingOrder
    supplier: Partner


def build(company: Company, admin: User, *, legs_in_stock: str = "0") -> Shop:
    pcs = Uom.objects.get(code="pcs")
    warehouse = inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")

    def product(sku: str, name: str, **extra: object) -> Product:
        return create_product(company, admin, name=name, sku=sku, uom=pcs, cost=Decimal("1"), **extra)

    p = {
        "table": product("TBL", "Table", make_to_order=True, sales_price=Decimal("300")),
        "top": product("TOP", "Table top"),
        "leg": product("LEG", "Table leg"),
        "screw": product("SCR", "Screw"),
        "shelf": product("SHF", "Shelf"),
    }
    centres = {
        code: manufacturing.create_work_centre(
            company,
            admin,
            name=name,
            code=code,
            capacity_hours=hours,
            cost_per_hour="30",
            holiday_country="SI",
        )
        for code, name, hours in [("SAW", "Saw", "8"), ("ASM", "Assembly", "4")]
    }
    routing = {
        "table": [OperationData("Assemble", centres["ASM"], setup_minutes="60", run_minutes="30")],
        "top": [
            OperationData("Cut", centres["SAW"], setup_minutes="30", run_minutes="90"),
            OperationData("Sand", centres["ASM"], run_minutes="15"),
        ],
        "shelf": [OperationData("Saw", centres["SAW"], run_minutes="300")],
    }
    lines = {
        "table": [LineData(p["top"], "1"), LineData(p["leg"], "4"), LineData(p["screw"], "8")],
        "top": [LineData(p["screw"], "2")],
        "shelf": [LineData(p["screw"], "1")],
    }
    for key in ("table", "top", "shelf"):
        made_by = manufacturing.create_routing(company, admin, name=p[key].name, operations=routing[key])
        manufacturing.create_bom(company, admin, product=p[key], routing=made_by, lines=lines[key])
    supplier = create_partner(company, admin, name="Leg Co", is_supplier=True, is_customer=False)
    purchasing.create_supplier_price(
        company, admin, partner=supplier, product=p["leg"], price="5.00", lead_time_days=3
    )
    stock = [inventory.OpeningLine(p["screw"], warehouse.stock_location, "1000", unit_cost="0.10")]  # type: ignore[arg-type]
    if Decimal(legs_in_stock):
        stock.append(inventory.OpeningLine(p["leg"], warehouse.stock_location, legs_in_stock, unit_cost="5"))  # type: ignore[arg-type]
    inventory.import_opening_stock(company, admin, stock)
    shelf = manufacturing.create_order(company, admin, product=p["shelf"], quantity="1", due_date=TODAY)
    shelf = manufacturing.confirm_order(shelf, admin)
    return Shop(company, warehouse, p, centres, shelf, supplier)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of December 2026, in the current time zone."""
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime(2026, 12, day, hour, minute))
