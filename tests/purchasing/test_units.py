"""Buying in the supplier's unit: a price per box of 12, an order line in boxes, converted through
``core`` units to the product's pieces on receipt (and valued per piece); received and billed
quantities read in the line's unit; the best supplier compared per piece."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.accounting.services import charts
from tandem.catalog.models import Product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Uom, UomCategory, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Quant, ValuationLayer, Warehouse
from tandem.partners.models import Partner
from tandem.purchasing import queries, services
from tandem.purchasing.models import SupplierPrice
from tests.purchasing.conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def box(pcs: Uom) -> Uom:
    return Uom.objects.create(category=pcs.category, code="box12", name="Box of 12", factor=12, rounding=1)


@pytest.fixture
def site(company: Company, admin: User) -> Warehouse:
    return inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")


def test_a_request_in_pieces_is_ordered_in_whole_boxes_at_the_box_price(
    company: Company,
    admin: User,
    purchaser: User,
    timber_co: Partner,
    oak: Product,
    box: Uom,
    site: Warehouse,
) -> None:
    services.create_supplier_price(company, admin, partner=timber_co, product=oak, price="60", uom=box)
    request = services.create_request(company, purchaser, product=oak, quantity="100", warehouse=site)
    [order] = services.create_rfqs(company, purchaser, [request], on=DAY).orders
    line = order.lines.get()
    assert (line.quantity, line.uom, line.price_unit, line.amount) == (
        Decimal(9),
        box,
        Decimal(60),
        Decimal(540),
    )


def test_a_line_in_boxes_arrives_as_pieces_valued_per_piece(
    company: Company,
    admin: User,
    purchaser: User,
    timber_co: Partner,
    oak: Product,
    box: Uom,
    site: Warehouse,
) -> None:
    charts.install_chart(company, None, "ifrs", today=DAY)
    order = services.create_order(
        company, purchaser, partner=timber_co, order_date=DAY,
        lines=[services.OrderLineData(product=oak, quantity="3", uom=box, price_unit="60")],
    )  # fmt: skip
    services.confirm_order(order, purchaser)
    move = order.receipt.moves.get()  # type: ignore[union-attr]
    assert (move.quantity, move.quantity_asked, move.uom, move.price_unit) == (36, 3, box, 5)
    line = order.lines.get()
    services.receive_order(order, purchaser, quantities={line.pk: "2"})  # two boxes came
    assert Quant.objects.get(product=oak, location=site.stock_location).quantity == 24
    assert ValuationLayer.objects.get(move__transfer=order.receipt).value == Decimal(120)
    [status] = queries.line_statuses(order)
    assert (status.ordered, status.received, status.to_receive) == (3, 2, 1)
    bill = services.bill_order(order, admin, invoice_date=DAY).invoice
    bill_line = bill.lines.get()
    assert (bill_line.quantity, bill_line.uom, bill_line.price_unit) == (2, box, 60)
    [status] = queries.line_statuses(order)
    assert status.billed == 2 and status.warnings == []


def test_more_boxes_than_ordered_beyond_the_tolerance_are_refused(
    company: Company, purchaser: User, timber_co: Partner, oak: Product, box: Uom, site: Warehouse
) -> None:
    order = services.create_order(
        company, purchaser, partner=timber_co, order_date=DAY,
        lines=[services.OrderLineData(product=oak, quantity="3", uom=box, price_unit="60")],
    )  # fmt: skip
    services.confirm_order(order, purchaser)
    line = order.lines.get()
    with pytest.raises(ValidationFailed):
        services.receive_order(order, purchaser, quantities={line.pk: "4"})
    assert not Quant.objects.filter(product=oak).exists()
    services.receive_order(order, purchaser, quantities={line.pk: "3"})  # 36 pieces: exactly ordered
    order.refresh_from_db()
    assert order.state == "received"


def test_the_best_supplier_is_compared_per_piece_and_a_minimum_counts_in_boxes(
    company: Company, admin: User, timber_co: Partner, fast_wood: Partner, oak: Product, box: Uom
) -> None:
    services.create_supplier_price(company, admin, partner=fast_wood, product=oak, price="5.50")
    by_box = services.create_supplier_price(
        company, admin, partner=timber_co, product=oak, price="60", uom=box, min_quantity="10"
    )
    cheapest = queries.best_supplier(company, oak, Decimal(100), on=DAY)
    assert cheapest is not None and cheapest.partner == fast_wood  # 100 pieces < 10 boxes
    assert queries.best_supplier(company, oak, Decimal(120), on=DAY) == by_box  # 5.00 a piece wins
    assert queries.price_per(by_box, oak.uom) == Decimal(5)


def test_the_supplier_price_of_a_line_without_a_price_is_per_the_lines_unit(
    company: Company, admin: User, purchaser: User, timber_co: Partner, oak: Product, box: Uom
) -> None:
    services.create_supplier_price(company, admin, partner=timber_co, product=oak, price="60", uom=box)
    order = services.create_order(
        company, purchaser, partner=timber_co, order_date=DAY,
        lines=[services.OrderLineData(product=oak, quantity="24")],
    )  # fmt: skip
    assert order.lines.get().price_unit == Decimal(5)


def test_a_unit_of_another_kind_is_refused_with_nothing_written(
    company: Company, admin: User, timber_co: Partner, oak: Product
) -> None:
    kg = Uom.objects.exclude(category=oak.uom.category).first()
    assert kg is not None and UomCategory.objects.count() > 1
    with pytest.raises(ValidationFailed) as caught:
        services.create_supplier_price(company, admin, partner=timber_co, product=oak, price="60", uom=kg)
    assert "uom" in caught.value.errors
    assert not SupplierPrice.objects.exists()


def test_a_bill_in_pieces_matches_an_order_in_boxes_at_the_same_price_and_varies_by_none(
    company: Company,
    admin: User,
    purchaser: User,
    timber_co: Partner,
    oak: Product,
    box: Uom,
    pcs: Uom,
    site: Warehouse,
) -> None:
    """Prices compare per the order line's unit: 24 pieces at 5 are 2 boxes at 60 — in the
    three-way match and in the supplier's price variance."""
    from tandem.accounting.services import invoices

    charts.install_chart(company, None, "ifrs", today=DAY)
    order = services.create_order(
        company, purchaser, partner=timber_co, order_date=DAY,
        lines=[services.OrderLineData(product=oak, quantity="2", uom=box, price_unit="60")],
    )  # fmt: skip
    services.confirm_order(order, purchaser)
    services.receive_order(order, purchaser, quantities={order.lines.get().pk: "2"})
    bill = services.bill_order(order, admin, invoice_date=DAY).invoice
    account = bill.lines.get().account
    cases = [
        ("5", [], Decimal(0)),
        ("5.5", ["[OAK-1] Oak board: billed at 66 a unit, ordered at 60."], Decimal("10.0")),
    ]
    for price, warnings, variance in cases:
        invoices.update_invoice(
            bill, admin, {},
            lines=[invoices.LineData(product=oak, quantity="24", uom=pcs, price_unit=price, account=account)],
        )  # fmt: skip
        assert queries.mismatches(queries.line_statuses(order)) == warnings
        found = queries.bill_match(bill, order.__class__.objects.all())
        assert found is not None and [w.split(": ", 1)[1] for w in found.warnings] == warnings
        bill.refresh_from_db()
        assert bill.state == "draft"
        # the supplier's card: billed against ordered per piece, not 5 a piece against 60 a box
        assert queries.price_variance(order.__class__.objects.filter(pk=order.pk)) == variance
