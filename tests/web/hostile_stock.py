"""Hostile records for the stock, planning, purchasing and sales exports (``test_exports.HOSTILE_RECORDS``).

Each builder makes, through the domain's services, one record whose exported text is
``HOSTILE``. Where a list has no free text of its own (stock, stock moves, reorder rules) the
hostile text comes in through what the list shows of a related record: a lot number, or a
warehouse (shown as "code name") whose code starts a formula. A product is never named
``HOSTILE`` here: it is shown as "[SKU] name", a cell that no spreadsheet runs as a formula.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tandem.core.models import Company, Uom, User

if TYPE_CHECKING:
    from tandem.catalog.models import Product
    from tandem.inventory.models import Transfer, Warehouse
    from tandem.partners.models import Partner

HOSTILE = '\x01=HYPERLINK("http://evil.test","click")'
DAY = datetime.date(2026, 3, 10)


def _warehouse(company: Company, actor: User) -> Warehouse:
    from tandem.inventory import services
    from tandem.inventory.models import Warehouse

    found = Warehouse.objects.filter(company=company, code="WH").first()
    return found or services.create_warehouse(company, actor, name="Main warehouse", code="WH")


def _product(company: Company, actor: User, pcs: Uom, sku: str, **fields: Any) -> Product:
    from tandem.catalog.services import create_product

    return create_product(company, actor, sku=sku, name=f"Board {sku}", uom=pcs, **fields)


def _supplier(company: Company, actor: User) -> Partner:
    from tandem.partners.services import create_partner

    return create_partner(
        company, actor, name="Timber Co", is_supplier=True, is_customer=False, allow_duplicate=True
    )


def _received_in_a_hostile_lot(company: Company, actor: User, pcs: Uom) -> Transfer:
    """A lot-tracked product received into the warehouse in the lot ``HOSTILE``: a quant and a
    done move line that both show the lot."""
    from tandem.catalog.models import Product
    from tandem.inventory import services

    warehouse = _warehouse(company, actor)
    product = _product(company, actor, pcs, "EVIL-LOT", tracking=Product.Tracking.LOT)
    receipt = services.create_transfer(
        company,
        "receipt",
        [(product, 5)],
        partner=_supplier(company, actor),
        actor=actor,
        warehouse=warehouse,
    )
    move = receipt.moves.get()
    return services.validate_transfer(receipt, actor=actor, lots={move.pk: HOSTILE})


def _hostile_warehouse(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.inventory import services

    return services.create_warehouse(company, actor, name=HOSTILE, code="EVIL")


def _hostile_location(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.inventory import services

    # A location's name cannot hold "/" (it separates the path): the barcode carries it.
    parent = _warehouse(company, actor).stock_location
    assert parent is not None
    return services.create_location(company, actor, name="Shelf E", parent=parent, barcode=HOSTILE)


def _hostile_lot(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.catalog.models import Product
    from tandem.inventory import services

    product = _product(company, actor, pcs, "EVIL-LOT", tracking=Product.Tracking.LOT)
    return services.create_lot(company, actor, product=product, name=HOSTILE)


def _hostile_transfer(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.inventory import services

    warehouse = _warehouse(company, actor)
    product = _product(company, actor, pcs, "EVIL-TR")
    return services.create_transfer(
        company,
        "receipt",
        [(product, 3)],
        partner=_supplier(company, actor),
        actor=actor,
        warehouse=warehouse,
        origin=HOSTILE[:64],
    )


def _hostile_count(company: Company, actor: User, pcs: Uom) -> Any:
    """A count named ``HOSTILE`` with a line of goods in the lot ``HOSTILE`` (the API export
    writes a count's lines, each with its count's name and its lot), a difference counted."""
    from tandem.inventory import services

    _received_in_a_hostile_lot(company, actor, pcs)
    location = _warehouse(company, actor).stock_location
    assert location is not None
    count = services.create_count(company, actor, location=location, name=HOSTILE)
    services.record_counted(count, actor, {line.pk: "4" for line in count.lines.all()})
    return count


def _hostile_quant(company: Company, actor: User, pcs: Uom) -> Any:
    return _received_in_a_hostile_lot(company, actor, pcs)


def _hostile_moveline(company: Company, actor: User, pcs: Uom) -> Any:
    return _received_in_a_hostile_lot(company, actor, pcs)


def _hostile_category_valuation(company: Company, actor: User, pcs: Uom) -> Any:
    """A category named ``HOSTILE`` valued on its own terms (the list shows the category)."""
    from tandem.catalog.services import create_category
    from tandem.inventory.services import valuation

    category = create_category(company, actor, name=HOSTILE)
    return valuation.create_category_valuation(company, actor, category=category, method="average")


def _hostile_landed_cost(company: Company, actor: User, pcs: Uom) -> Any:
    """A landed cost whose reference (the carrier's document) is ``HOSTILE``, on a done receipt
    of a company that values its stock."""
    from decimal import Decimal

    from tandem.accounting.models import Account
    from tandem.accounting.services import charts
    from tandem.inventory import services
    from tandem.inventory.services import landed_costs

    if not Account.objects.filter(company=company).exists():
        charts.install_chart(company, actor, "ifrs")
    product = _product(company, actor, pcs, "EVIL-LC")
    receipt = services.create_receipt(
        company, _supplier(company, actor), [services.MoveSpec(product, 2, price_unit=Decimal(5))],
        actor=actor, warehouse=_warehouse(company, actor),
    )  # fmt: skip
    services.validate_transfer(receipt, actor=actor)
    return landed_costs.create_landed_cost(company, actor, receipt=receipt, reference=HOSTILE[:64])


def _hostile_reorder_rule(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.inventory import services as inventory
    from tandem.planning.services import create_rule

    # The list shows the warehouse as "code name": a code that starts a formula makes the cell
    # "=EVIL \x01=HYPERLINK(…)", live unless neutralised.
    warehouse = inventory.create_warehouse(company, actor, name=HOSTILE, code="=EVIL")
    product = _product(company, actor, pcs, "EVIL-RR")
    return create_rule(
        company, actor, product=product, warehouse=warehouse, min_quantity="5", max_quantity="20"
    )


def _hostile_planned_order(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.planning import mrp_services
    from tandem.planning.models import MrpRun

    rule = _hostile_reorder_rule(company, actor, pcs)  # a floor in the "=EVIL" warehouse: a planned buy
    run = mrp_services.run_mrp(MrpRun.objects.create(company=company, horizon_days=30))
    return run.orders.get(warehouse=rule.warehouse)


def _hostile_forecast(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.inventory import services as inventory
    from tandem.planning import mrp_services

    # A forecast shows its product ("[SKU] name"), its warehouse ("code name": a code that starts a
    # formula) and numbers: no text of its own to poison.
    warehouse = inventory.create_warehouse(company, actor, name=HOSTILE, code="=EVFC")
    product = _product(company, actor, pcs, "EVIL-FC")
    return mrp_services.create_forecast(
        company, actor, product=product, warehouse=warehouse, month=DAY, quantity="5"
    )


def _hostile_product_planning(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.planning import mrp_services

    product = _product(company, actor, pcs, "EVIL-LS")
    return mrp_services.create_product_planning(
        company, actor, product=product, policy="multiple", lot_quantity="12"
    )


def _hostile_supplier_price(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.purchasing import services

    product = _product(company, actor, pcs, "EVIL-SP")
    return services.create_supplier_price(
        company,
        actor,
        partner=_supplier(company, actor),
        product=product,
        price="10",
        supplier_sku=HOSTILE[:64],
    )


def _hostile_purchase_order(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.purchasing import services

    product = _product(company, actor, pcs, "EVIL-PO", kind="service")
    return services.create_order(
        company,
        actor,
        partner=_supplier(company, actor),
        order_date=DAY,
        lines=[services.OrderLineData(product=product, quantity="2", price_unit="15")],
        supplier_reference=HOSTILE[:64],
    )


def _hostile_purchase_request(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.purchasing import services

    product = _product(company, actor, pcs, "EVIL-PR")
    return services.create_request(company, actor, product=product, quantity="30", origin=HOSTILE)


def _hostile_sales_order(company: Company, actor: User, pcs: Uom) -> Any:
    """A quotation whose customer's reference is ``HOSTILE``."""
    from tandem.partners.services import create_partner
    from tandem.sales import services

    customer = create_partner(company, actor, name="Hotel Wawel", owner=actor, allow_duplicate=True)
    product = _product(company, actor, pcs, "EVIL-SO", kind="service")
    return services.create_order(
        company,
        actor,
        partner=customer,
        order_date=DAY,
        customer_reference=HOSTILE,
        lines=[services.OrderLineData(product=product, quantity="1", price_unit="10")],
    )


def _hostile_credit_limit(company: Company, actor: User, pcs: Uom) -> Any:
    """The credit limit of a customer named ``HOSTILE``."""
    from tandem.partners.services import create_partner
    from tandem.sales import services

    customer = create_partner(company, actor, name=HOSTILE, is_customer=True, allow_duplicate=True)
    return services.set_credit_limit(company, actor, partner=customer, amount="5000")


def _hostile_approval_level(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.purchasing import services

    return services.create_approval_level(
        company, actor, name=HOSTILE[:64], min_amount="5000", approver=actor
    )


RECORDS: dict[str, Callable[[Company, User, Uom], Any]] = {
    "inventory.categoryvaluation": _hostile_category_valuation,
    "inventory.landedcost": _hostile_landed_cost,
    "inventory.count": _hostile_count,
    "inventory.location": _hostile_location,
    "inventory.lot": _hostile_lot,
    "inventory.moveline": _hostile_moveline,
    "inventory.quant": _hostile_quant,
    "inventory.transfer": _hostile_transfer,
    "inventory.warehouse": _hostile_warehouse,
    "planning.forecast": _hostile_forecast,
    "planning.plannedorder": _hostile_planned_order,
    "planning.productplanning": _hostile_product_planning,
    "planning.reorderrule": _hostile_reorder_rule,
    "purchasing.approvallevel": _hostile_approval_level,
    "purchasing.purchaseorder": _hostile_purchase_order,
    "purchasing.purchaserequest": _hostile_purchase_request,
    "purchasing.supplierprice": _hostile_supplier_price,
    "sales.creditlimit": _hostile_credit_limit,
    "sales.salesorder": _hostile_sales_order,
}
