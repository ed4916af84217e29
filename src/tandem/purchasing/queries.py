"""Reads on purchasing: the best supplier, approval levels an order needs, what was received
and billed of an order (derived, never stored), the three-way match, supplier performance."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core.models import Company, Uom
from tandem.core.money import MissingRate, convert, plain
from tandem.inventory.models import OPEN_STATES as OPEN_TRANSFERS
from tandem.inventory.models import Move, Transfer
from tandem.partners.models import Partner
from tandem.purchasing.models import (
    Approval,
    ApprovalLevel,
    OrderBill,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseSettings,
    SupplierPrice,
)

ZERO = Decimal(0)
OPEN_STATES = ("draft", "sent", "to_approve", "confirmed")
CONFIRMED_STATES = ("confirmed", "received", "billed")


def settings_of(company: Company) -> PurchaseSettings:
    """The company's purchasing settings (defaults, unsaved, when it has none yet)."""
    found = PurchaseSettings.objects.filter(company=company).first()
    return found if found is not None else PurchaseSettings(company=company)


# --- supplier prices ------------------------------------------------------------------------


def valid_prices(
    company: Company, product: Product, quantity: Decimal, on: datetime.date
) -> QuerySet[SupplierPrice]:
    """Active prices of ``product`` that apply to ``quantity`` (in the product's unit) on ``on``;
    a price's minimum quantity is in its own purchase unit."""
    in_product_unit = ExpressionWrapper(
        F("min_quantity") * Coalesce(F("uom__factor"), F("product__uom__factor")) / F("product__uom__factor"),
        output_field=DecimalField(max_digits=40, decimal_places=10),
    )
    return (
        SupplierPrice.objects.filter(company=company, product=product, active=True)
        .annotate(min_in_product_unit=in_product_unit)
        .filter(min_in_product_unit__lte=quantity)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("partner", "currency", "uom", "product__uom")
    )


def price_unit_of(price: SupplierPrice) -> Uom:
    """The unit a supplier's price is per: its purchase unit, else the product's."""
    return price.uom or price.product.uom


def price_per(price: SupplierPrice, unit: Uom) -> Decimal:
    """The supplier's price for one ``unit`` (of the product's unit category), in its currency."""
    own = price_unit_of(price)
    if own.pk == unit.pk:
        return price.price
    return (price.price * unit.factor / own.factor).quantize(Decimal("0.000001"))


def in_product_unit(quantity: Decimal, unit: Uom, product: Product) -> Decimal:
    """``quantity`` of ``unit`` as a quantity of the product's own unit (unrounded)."""
    return quantity if unit.pk == product.uom_id else quantity * unit.factor / product.uom.factor


def _in_company_currency(price: SupplierPrice, company: Company, on: datetime.date) -> Decimal | None:
    """The price per unit of the product, in the company's currency (what prices compare by)."""
    amount = price_per(price, price.product.uom)
    if price.currency_id == company.currency_id:
        return amount
    try:
        return convert(amount, price.currency, company.currency, on)
    except MissingRate:
        return None  # a price we cannot compare ranks last


def best_supplier(
    company: Company,
    product: Product,
    quantity: Decimal = Decimal(1),
    *,
    on: datetime.date | None = None,
    needed_by: datetime.date | None = None,
) -> SupplierPrice | None:
    """The supplier price to buy ``quantity`` (the product's unit) of ``product`` at, by price
    (per unit of the product, whatever unit the supplier sells in) and lead time.

    The rule: among the prices valid on ``on`` for this quantity, those that arrive by
    ``needed_by`` (order date plus lead time) come first; among them the lowest unit price in
    the company's currency wins, then the shorter lead time. When none arrives in time, the
    fastest supplier wins (then the cheaper)."""
    on = on or timezone.localdate()
    candidates = list(valid_prices(company, product, quantity, on))
    if not candidates:
        return None
    ranked = []
    for price in candidates:
        unit = _in_company_currency(price, company, on)
        in_time = needed_by is None or on + datetime.timedelta(days=price.lead_time_days) <= needed_by
        ranked.append((price, unit, in_time))
    if any(in_time for _p, _u, in_time in ranked):
        timely = [(p, u) for p, u, in_time in ranked if in_time]
        timely.sort(key=lambda r: (r[1] is None, r[1] or ZERO, r[0].lead_time_days, r[0].pk))
        return timely[0][0]
    ranked.sort(key=lambda r: (r[0].lead_time_days, r[1] is None, r[1] or ZERO, r[0].pk))
    return ranked[0][0]


def price_from(
    partner: Partner, product: Product, quantity: Decimal, on: datetime.date
) -> SupplierPrice | None:
    """This supplier's price for ``quantity`` (the product's unit): the highest quantity break
    not above it."""
    return (
        valid_prices(partner.company, product, quantity, on)
        .filter(partner=partner)
        .order_by("-min_in_product_unit", "price", "-id")
        .first()
    )


# --- approval -------------------------------------------------------------------------------


def required_levels(order: PurchaseOrder) -> list[ApprovalLevel]:
    """The levels of the chain whose threshold the order's amount reaches, lowest first."""
    return list(
        ApprovalLevel.objects.filter(company_id=order.company_id, min_amount__lte=order.amount_company)
        .select_related("approver")
        .order_by("min_amount", "id")
    )


def next_level(order: PurchaseOrder) -> ApprovalLevel | None:
    """The lowest required level that has not approved the order yet (None: fully approved)."""
    done = set(Approval.objects.filter(order=order).values_list("level_id", flat=True))
    return next((level for level in required_levels(order) if level.pk not in done), None)


# --- received and billed: derived from receipts' moves and bills' lines ----------------------


@dataclass
class LineStatus:
    line: PurchaseOrderLine
    ordered: Decimal
    received: Decimal = ZERO
    billed: Decimal = ZERO
    billed_price: Decimal | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def to_receive(self) -> Decimal:
        return max(self.ordered - self.received, ZERO)

    @property
    def to_bill(self) -> Decimal:
        return max(self.received - self.billed, ZERO)


def allocate(
    lines: Sequence[PurchaseOrderLine], done: dict[int, Decimal], caps: dict[int, Decimal] | None = None
) -> dict[int, Decimal]:
    """Spread done quantities per product over the order's lines, in line order (a product on
    two lines fills the first before the second; what is left over goes to its last line).

    A pure function: ``done`` is ``{product id: quantity}``; ``caps`` what each line takes at
    most, in the same unit (the line's quantity if None); returns ``{line id: quantity}``."""
    left = dict(done)
    found: dict[int, Decimal] = {}
    last_of: dict[int, int] = {line.product_id: line.pk for line in lines}
    for line in lines:
        available = left.get(line.product_id, ZERO)
        cap = line.quantity if caps is None else caps[line.pk]
        take = min(available, cap) if last_of[line.product_id] != line.pk else available
        found[line.pk] = take
        left[line.product_id] = available - take
    return found


def line_factor(line: PurchaseOrderLine) -> Decimal:
    """How many of the product's units one of the line's unit holds (a box of 12 pieces: 12)."""
    if line.uom_id == line.product.uom_id:
        return Decimal(1)
    return line.uom.factor / line.product.uom.factor


def _in_line_unit(quantity: Decimal, factor: Decimal) -> Decimal:
    return quantity if factor == 1 else (quantity / factor).quantize(Decimal("0.0001"))


def billed_by_product(order: PurchaseOrder) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """``({product id: billed quantity in the product's unit}, {product id: last billed unit
    price, per the product's unit})`` over the order's bills that are not cancelled (refunds
    subtract)."""
    from tandem.accounting.models import Invoice, InvoiceLine

    quantities: dict[int, Decimal] = {}
    prices: dict[int, Decimal] = {}
    rows = (
        InvoiceLine.objects.filter(
            invoice__in=OrderBill.objects.filter(order=order).values("invoice"),
            product__isnull=False,
        )
        .exclude(invoice__state=Invoice.State.CANCELLED)
        .order_by("invoice_id", "sequence", "id")
        .values_list(
            "product_id", "quantity", "price_unit", "invoice__kind", "uom__factor", "product__uom__factor"
        )
    )
    for product_id, given, price, kind, factor, product_factor in rows:
        sign = -1 if kind == Invoice.Kind.SUPPLIER_REFUND else 1
        same = factor is None or factor == product_factor
        quantity = given if same else given * factor / product_factor
        quantities[product_id] = quantities.get(product_id, ZERO) + sign * quantity
        if sign > 0:
            prices[product_id] = price if same else price * product_factor / factor
    return quantities, prices


def line_statuses(order: PurchaseOrder, tolerance: Decimal | None = None) -> list[LineStatus]:
    """Ordered, received and billed per line, in the line's unit (goods are received and
    billed in the product's unit, or a bill line's own: converted), with the three-way match's
    warnings."""
    lines = list(order.lines.select_related("product__uom", "uom").order_by("sequence", "id"))
    factors = {line.pk: line_factor(line) for line in lines}
    caps = {line.pk: line.quantity * factors[line.pk] for line in lines}  # in the product's unit
    received = allocate(lines, received_by_product(order), caps)
    if order.state in CONFIRMED_STATES:  # a service is not received into stock: it counts as ordered
        received.update(
            {line.pk: caps[line.pk] for line in lines if line.product.kind == Product.Kind.SERVICE}
        )
    billed_qty, billed_price = billed_by_product(order)
    billed = allocate(lines, billed_qty, caps)
    return [
        match_line(
            LineStatus(
                line,
                line.quantity,
                _in_line_unit(received[line.pk], factors[line.pk]),
                _in_line_unit(billed[line.pk], factors[line.pk]),
                _price_in_line_unit(billed_price.get(line.product_id), factors[line.pk]),
            )
        )
        for line in lines
    ]


def _price_in_line_unit(price: Decimal | None, factor: Decimal) -> Decimal | None:
    """A price per the product's unit as a price per the line's (a box of 12: 12 times it)."""
    if price is None:
        return None
    return (price if factor == 1 else price * factor).quantize(Decimal("0.0001"))


def match_line(status: LineStatus) -> LineStatus:
    """The three-way match of one line: billed against received, and the billed price
    against the ordered one. A pure function (it only fills ``warnings``)."""
    line = status.line
    product = str(line.product)
    if status.billed > status.received:
        status.warnings.append(
            _("%(product)s: billed %(billed)s but received %(received)s.")
            % {"product": product, "billed": plain(status.billed), "received": plain(status.received)}
        )
    if status.received > status.ordered:
        status.warnings.append(
            _("%(product)s: received %(received)s but ordered %(ordered)s.")
            % {"product": product, "received": plain(status.received), "ordered": plain(status.ordered)}
        )
    if status.billed_price is not None and status.billed_price != line.price_unit:
        status.warnings.append(
            _("%(product)s: billed at %(billed)s a unit, ordered at %(ordered)s.")
            % {"product": product, "billed": plain(status.billed_price), "ordered": plain(line.price_unit)}
        )
    return status


def mismatches(statuses: Iterable[LineStatus]) -> list[str]:
    return [warning for status in statuses for warning in status.warnings]


@dataclass
class BillMatch:
    """The three-way match seen from one supplier bill (or refund) made from an order: the
    order's lines of the products the bill names, received and billed over all the order's
    bills (this one included, unless cancelled), the billed price this bill's own; and the
    products the bill names that the order does not have."""

    order: PurchaseOrder
    statuses: list[LineStatus]
    not_ordered: list[str]

    @property
    def warnings(self) -> list[str]:
        """Each a sentence naming the order (the bill's page shows them among other apps')."""
        found = mismatches(self.statuses) + [
            _("%(product)s: billed but not on the order.") % {"product": name} for name in self.not_ordered
        ]
        return [
            _("Three-way match with %(order)s: %(warning)s") % {"order": self.order, "warning": warning}
            for warning in found
        ]


def bill_match(invoice: Any, orders: QuerySet[PurchaseOrder], *, prices: bool = True) -> BillMatch | None:
    """The three-way match of ``invoice`` against the order it was made from, when that order
    is among ``orders`` (the reader's visible ones) and of the invoice's own company; None for
    any other invoice (a customer's, a bill typed by hand, a cancelled one). Without ``prices``
    (a reader who does not see purchase prices) billed prices are not compared."""
    from tandem.accounting.models import Invoice

    kinds = (Invoice.Kind.SUPPLIER_BILL, Invoice.Kind.SUPPLIER_REFUND)
    if invoice.kind not in kinds or invoice.state == Invoice.State.CANCELLED:
        return None
    order = (
        orders.filter(company_id=invoice.company_id, bills__invoice=invoice)
        .select_related("currency")
        .first()
    )
    if order is None:
        return None
    own: dict[int, tuple[str, Decimal | None]] = {}
    compare_prices = prices and invoice.kind == Invoice.Kind.SUPPLIER_BILL
    for product_id, sku, name, price, factor, product_factor in (
        invoice.lines.filter(product__isnull=False)
        .order_by("sequence", "id")
        .values_list(
            "product_id", "product__sku", "product__name", "price_unit", "uom__factor", "product__uom__factor"
        )
    ):
        per_product_unit = (
            price if factor is None or factor == product_factor else price * product_factor / factor
        )
        own[product_id] = (f"[{sku}] {name}", per_product_unit if compare_prices else None)
    statuses = [
        match_line(
            LineStatus(
                s.line,
                s.ordered,
                s.received,
                s.billed,
                _price_in_line_unit(own[s.line.product_id][1], line_factor(s.line)),
            )
        )
        for s in line_statuses(order)
        if s.line.product_id in own
    ]
    on_order = {status.line.product_id for status in statuses}
    return BillMatch(order, statuses, [name for pk, (name, _price) in own.items() if pk not in on_order])


# --- supplier performance (the partner card's panel) -----------------------------------------


@dataclass(frozen=True)
class Performance:
    orders: int
    open_orders: int
    open_amount: Decimal
    currency: str
    on_time_rate: Decimal | None  # percent of receipts done by their expected date
    price_variance: Decimal | None  # percent: billed prices against ordered ones


def performance(partner: Partner, orders: QuerySet[PurchaseOrder]) -> Performance:
    """How ``partner`` does as a supplier, over ``orders`` (the reader's visible ones)."""
    mine = orders.filter(partner=partner)
    open_rows = mine.filter(state__in=OPEN_STATES)
    open_amount = sum((amount for amount in open_rows.values_list("amount_company", flat=True)), ZERO)
    on_time = on_time_rate(mine)
    return Performance(
        orders=mine.exclude(state="cancelled").count(),
        open_orders=open_rows.count(),
        open_amount=open_amount,
        currency=str(partner.company.currency_id),
        on_time_rate=on_time,
        price_variance=price_variance(mine),
    )


def price_variance(orders: QuerySet[PurchaseOrder]) -> Decimal | None:
    """Billed amount against the ordered price of the same billed quantities, in percent; a
    bill line and its order line may be in different units (pieces against boxes of 12): both
    are read per the product's unit."""
    from tandem.accounting.models import Invoice, InvoiceLine

    bills = OrderBill.objects.filter(order__in=orders).values("invoice")
    lines = (
        InvoiceLine.objects.filter(
            invoice__in=bills, invoice__kind=Invoice.Kind.SUPPLIER_BILL, product__isnull=False
        )
        .exclude(invoice__state=Invoice.State.CANCELLED)
        .values_list(
            "invoice_id", "product_id", "quantity", "price_unit", "uom__factor", "product__uom__factor"
        )
    )
    order_of: dict[int, int] = dict(
        OrderBill.objects.filter(order__in=orders).values_list("invoice_id", "order_id")
    )
    ordered_price = {  # per the product's unit
        (order_id, product_id): price * product_factor / factor if factor != product_factor else price
        for order_id, product_id, price, factor, product_factor in PurchaseOrderLine.objects.filter(
            order__in=orders
        )
        .order_by("order_id", "-sequence", "-id")
        .values_list("order_id", "product_id", "price_unit", "uom__factor", "product__uom__factor")
    }
    expected = actual = ZERO
    for invoice_id, product_id, quantity, price, factor, product_factor in lines:
        reference = ordered_price.get((order_of.get(invoice_id, 0), product_id))
        if reference is None:
            continue
        in_product_unit = (
            quantity if factor is None or factor == product_factor else quantity * factor / product_factor
        )
        expected += reference * in_product_unit
        actual += price * quantity
    if not expected:
        return None
    return ((actual - expected) * 100 / expected).quantize(Decimal("0.1"))


# --- the receipt chain (derived) --------------------------------------------------------------


def chain_ids(roots: Iterable[int]) -> set[int]:
    """The receipts ``roots`` and every backorder of them, at any depth (one query per level)."""
    found: set[int] = set()
    level = {pk for pk in roots if pk}
    while level:
        found |= level
        level = set(Transfer.objects.filter(backorder_of_id__in=level).values_list("pk", flat=True)) - found
    return found


def received_by_product(order: PurchaseOrder) -> dict[int, Decimal]:
    """``{product id: quantity}`` received (product unit): done moves of the receipt chain less
    done returns of them."""
    if not order.receipt_id:
        return {}
    chain = chain_ids([order.receipt_id])
    received: dict[int, Decimal] = defaultdict(lambda: ZERO)
    done = Move.objects.filter(transfer_id__in=chain, transfer__state=Transfer.State.DONE)
    for product_id, quantity in (
        done.values("product_id").annotate(q=Sum("quantity_done")).values_list("product_id", "q")
    ):
        received[product_id] += quantity or ZERO
    returned = Move.objects.filter(transfer__return_of_id__in=chain, transfer__state=Transfer.State.DONE)
    for product_id, quantity in (
        returned.values("product_id").annotate(q=Sum("quantity_done")).values_list("product_id", "q")
    ):
        received[product_id] -= quantity or ZERO
    return dict(received)


def open_receipts(order: PurchaseOrder) -> QuerySet[Transfer]:
    return Transfer.objects.filter(pk__in=chain_ids([order.receipt_id or 0]), state__in=OPEN_TRANSFERS)


def on_time_rate(orders: QuerySet[PurchaseOrder]) -> Decimal | None:
    """Percent of the done receipts (and backorders) of ``orders`` done by their scheduled date."""
    chain = chain_ids(orders.exclude(receipt__isnull=True).values_list("receipt_id", flat=True))
    rows = list(
        Transfer.objects.filter(pk__in=chain, state=Transfer.State.DONE).values_list(
            "done_at", "scheduled_date"
        )
    )
    if not rows:
        return None
    on_time = sum(1 for done_at, scheduled in rows if done_at is not None and done_at.date() <= scheduled)
    return (Decimal(on_time) * 100 / len(rows)).quantize(Decimal("0.1"))
