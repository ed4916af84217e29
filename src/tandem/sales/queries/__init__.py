"""Reads on sales: what was delivered, invoiced and paid of an order (derived from inventory's
moves and accounting's invoices, never stored), what is left to invoice under each line's
policy, totals per tax and margin, and a customer's exposure for the credit limit."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from tandem.accounting.models import Invoice, InvoiceLine
from tandem.accounting.queries import open_balance
from tandem.accounting.queries.payments import invoice_residuals
from tandem.accounting.services import taxes as tax_rules
from tandem.catalog.models import Product
from tandem.core.models import Company
from tandem.inventory.models import OPEN_STATES as OPEN_TRANSFERS
from tandem.inventory.models import Location, Move, Transfer
from tandem.inventory.queries import route_ids
from tandem.manufacturing.models import ManufacturingOrder
from tandem.partners.models import Partner
from tandem.planning import queries as planning
from tandem.sales.models import (
    CreditLimit,
    InvoicePolicy,
    MailPreference,
    OrderInvoice,
    OrderInvoiceLine,
    ProductInvoicePolicy,
    SalesOrder,
    SalesOrderLine,
    SalesSettings,
)

ZERO = Decimal(0)
CONFIRMED_STATES = ("confirmed", "done")


def settings_of(company: Company) -> SalesSettings:
    """The company's sales settings (defaults, unsaved, when it has none yet)."""
    found = SalesSettings.objects.filter(company=company).first()
    return found if found is not None else SalesSettings(company=company)


def credit_limit(partner: Partner) -> Decimal | None:
    """The customer's credit limit (company currency), None when it has none."""
    return (
        CreditLimit.objects.filter(company_id=partner.company_id, partner=partner)
        .values_list("amount", flat=True)
        .first()
    )


def invoice_policies_of(products: Iterable[Product], default: str) -> dict[int, str]:
    """How each of ``products`` is invoiced (by id), in one query: a service on ordered
    quantities, else its own policy, else ``default`` (the company's)."""
    products = list(products)
    goods = [product for product in products if product.kind != Product.Kind.SERVICE]
    companies = {product.pk: product.company_id for product in goods}
    rows = (
        ProductInvoicePolicy.objects.filter(product__in=list(companies)).values_list(
            "product_id", "company_id", "invoice_policy"
        )
        if goods
        else []
    )
    own = {
        product_id: policy for product_id, company_id, policy in rows if companies[product_id] == company_id
    }
    return {
        product.pk: (
            InvoicePolicy.ORDERED if product.kind == Product.Kind.SERVICE else own.get(product.pk) or default
        )
        for product in products
    }


MAIL_KINDS = ("confirmation", "shipment", "invoice")


def mail_preference(partner: Partner) -> MailPreference | None:
    """The partner's order e-mails, None when it has chosen none."""
    return MailPreference.objects.filter(company_id=partner.company_id, partner=partner).first()


@dataclass(frozen=True)
class Exposure:
    open_balance: Decimal
    order: Decimal
    limit: Decimal | None

    @property
    def total(self) -> Decimal:
        return self.open_balance + self.order

    @property
    def over(self) -> bool:
        return self.limit is not None and self.total > self.limit


def open_balance_of(partner: Partner) -> Decimal:
    """What the customer owes on posted documents (accounting), in the company's currency."""
    return open_balance(partner) or ZERO


def exposure(order: SalesOrder) -> Exposure:
    """The customer's open balance (accounting) plus this order, against its credit limit."""
    balance = open_balance_of(order.partner)
    return Exposure(balance, order.amount_company, credit_limit(order.partner))


# --- delivered, invoiced, paid: derived -------------------------------------------------------


@dataclass
class LineStatus:
    """One line's quantities, derived: ``delivered`` left for the customer less what came back
    (done returns), ``invoiced`` on invoices less credit notes, ``returned`` on returns that are
    not cancelled (``returning``: of them, those still on their way back), ``cancelled`` on
    deliveries to the customer that were cancelled (a backorder, or the rest of the route, the
    customer will not have)."""

    line: SalesOrderLine
    ordered: Decimal
    delivered: Decimal = ZERO
    invoiced: Decimal = ZERO
    returned: Decimal = ZERO
    returning: Decimal = ZERO
    cancelled: Decimal = ZERO

    @property
    def due(self) -> Decimal:
        """What the customer is to have of the line: the ordered quantity less what of it was
        cancelled."""
        return max(self.ordered - self.cancelled, ZERO)

    @property
    def shipped(self) -> Decimal:
        """What left for the customer, whether or not it came back since."""
        return self.delivered + self.returned - self.returning

    @property
    def billed_in_the_end(self) -> Decimal:
        """What the line is invoiced in all once it is settled, whatever its policy: what is
        due less what the customer sent back."""
        return max(self.due - self.returned, ZERO)

    @property
    def to_deliver(self) -> Decimal:
        return max(self.due - self.shipped, ZERO)

    @property
    def invoiceable(self) -> Decimal:
        """What the line's policy allows to be invoiced in all, net of credit notes: the ordered
        quantity less what was cancelled, or the delivered one, less what the customer sent back
        (a return on its way counts already) — goods that came back are credited, never
        invoiced again, and goods cancelled are never invoiced."""
        if self.line.invoice_policy == InvoicePolicy.ORDERED:
            return self.billed_in_the_end
        return max(self.delivered - self.returning, ZERO)

    @property
    def to_invoice(self) -> Decimal:
        return max(self.invoiceable - self.invoiced, ZERO)

    @property
    def to_credit(self) -> Decimal:
        """Invoiced goods that came back, or were cancelled, and are not credited yet."""
        return max(self.invoiced - self.invoiceable, ZERO)


def allocate(lines: Sequence[SalesOrderLine], done: dict[int, Decimal]) -> dict[int, Decimal]:
    """Spread quantities per product over the lines in line order (the last line of a product
    takes what is left over). Pure: ``{product id: quantity}`` → ``{line id: quantity}``."""
    left = dict(done)
    found: dict[int, Decimal] = {}
    last_of = {line.product_id: line.pk for line in lines}
    for line in lines:
        available = left.get(line.product_id, ZERO)
        take = available if last_of[line.product_id] == line.pk else min(available, line.quantity)
        found[line.pk] = take
        left[line.product_id] = available - take
    return found


def allocate_cancelled(
    lines: Sequence[SalesOrderLine], cancelled: dict[int, Decimal], shipped: dict[int, Decimal]
) -> dict[int, Decimal]:
    """Spread cancelled quantities per product over the lines, last line first, each taking at
    most what of it did not leave (``shipped`` per line id): deliveries fill the lines in line
    order, so what was cancelled is the end of them. The first line of a product takes what is
    left over. Pure: ``{product id: quantity}`` → ``{line id: quantity}``."""
    left = dict(cancelled)
    found: dict[int, Decimal] = {}
    first_of = {line.product_id: line.pk for line in reversed(lines)}
    for line in reversed(lines):
        available = left.get(line.product_id, ZERO)
        room = max(line.quantity - shipped.get(line.pk, ZERO), ZERO)
        take = available if first_of[line.product_id] == line.pk else min(available, room)
        found[line.pk] = take
        left[line.product_id] = available - take
    return found


def delivered_by_product(order: SalesOrder) -> dict[int, Decimal]:
    """``{product id: quantity}`` that left for the customer (product unit): done moves to the
    customer in the delivery's route (a pick to Packing has not left) less done returns of them."""
    found = shipped_and_returned(order)
    return {
        pk: found.shipped.get(pk, ZERO) - found.back.get(pk, ZERO)
        for pk in found.shipped.keys() | found.back.keys()
    }


@dataclass(frozen=True)
class Shipments:
    """``{product id: quantity}`` (product unit) of an order's delivery route: what left for the
    customer (done moves to the customer), what came back (done returns of them), what is on its
    way back (returns of them neither done nor cancelled) and what will not leave (moves to the
    customer in cancelled transfers)."""

    shipped: dict[int, Decimal]
    back: dict[int, Decimal]
    returning: dict[int, Decimal]
    cancelled: dict[int, Decimal]


def shipped_and_returned(order: SalesOrder) -> Shipments:
    """The order's :class:`Shipments`, read from its delivery route's moves."""
    if not order.delivery_id:
        return Shipments({}, {}, {}, {})
    chain = route_ids([order.delivery_id])
    shipped: dict[int, Decimal] = defaultdict(lambda: ZERO)
    cancelled: dict[int, Decimal] = defaultdict(lambda: ZERO)
    back: dict[int, Decimal] = defaultdict(lambda: ZERO)
    returning: dict[int, Decimal] = defaultdict(lambda: ZERO)
    out = Move.objects.filter(
        transfer_id__in=chain,
        transfer__state__in=(Transfer.State.DONE, Transfer.State.CANCELLED),
        dest_location__kind=Location.Kind.CUSTOMER,
    )
    for product_id, state, done, planned in (
        out.values("product_id", "transfer__state")
        .annotate(done=Sum("quantity_done"), planned=Sum("quantity"))
        .values_list("product_id", "transfer__state", "done", "planned")
    ):
        if state == Transfer.State.DONE:
            shipped[product_id] += done or ZERO
        else:
            cancelled[product_id] += planned or ZERO
    returns = (
        Move.objects.filter(transfer__return_of_id__in=chain, source_location__kind=Location.Kind.CUSTOMER)
        .exclude(transfer__state=Transfer.State.CANCELLED)
        .order_by()
    )
    for product_id, state, done, planned in returns.values_list(
        "product_id", "transfer__state", "quantity_done", "quantity"
    ):
        if state == Transfer.State.DONE:
            back[product_id] += done or ZERO
        else:
            returning[product_id] += planned or ZERO
    return Shipments(dict(shipped), dict(back), dict(returning), dict(cancelled))


def open_deliveries(order: SalesOrder) -> QuerySet[Transfer]:
    return Transfer.objects.filter(pk__in=route_ids([order.delivery_id or 0]), state__in=OPEN_TRANSFERS)


def made_to_order(deliveries: Sequence[Transfer]) -> list[ManufacturingOrder]:
    """The manufacturing orders made to order for the order's delivery lines (planning's
    make-to-order, linked by the delivery move) or released from MRP for them, alone or with other
    demands (planning's pegs), first made first — one query."""
    if not deliveries:
        return []
    ids = [t.pk for t in deliveries]
    pegged = planning.pegged_orders(ids).values("planned_order__manufacturing_order")
    rows = ManufacturingOrder.objects.filter(Q(demand_move__transfer__in=ids) | Q(pk__in=pegged))
    return list(rows.select_related("product").order_by("id"))


def deliveries(order: SalesOrder) -> list[Transfer]:
    if not order.delivery_id:
        return []
    return list(
        Transfer.objects.filter(pk__in=route_ids([order.delivery_id]))
        .select_related("backorder_of")
        .order_by("id")
    )


def invoiced_by_product(order: SalesOrder) -> dict[int, Decimal]:
    """``{product id: quantity}`` on the order's invoices that are not cancelled (drafts
    count: what is on a draft is not invoiced twice; credit notes subtract)."""
    found: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = (
        InvoiceLine.objects.filter(
            invoice__in=OrderInvoice.objects.filter(order=order).values("invoice"), product__isnull=False
        )
        .exclude(invoice__state=Invoice.State.CANCELLED)
        .values_list("product_id", "quantity", "invoice__kind")
    )
    for product_id, quantity, kind in rows:
        sign = -1 if kind == Invoice.Kind.CUSTOMER_CREDIT_NOTE else 1
        found[product_id] += sign * quantity
    return dict(found)


def invoiced_by_line(order: SalesOrder, lines: Sequence[SalesOrderLine]) -> dict[int, Decimal]:
    """``{order line id: quantity}`` on invoices not cancelled, credit notes subtracting: an
    invoice line linked to its order line counts for that line (``OrderInvoiceLine``); a line of
    the order's invoices with a product and no link (made before the links, or written by hand on
    a draft) is spread over the lines of its product, as :func:`allocate` does."""
    found: dict[int, Decimal] = {line.pk: ZERO for line in lines}
    links = OrderInvoiceLine.objects.filter(invoice_line=OuterRef("pk"))
    rows = (
        InvoiceLine.objects.filter(invoice__in=OrderInvoice.objects.filter(order=order).values("invoice"))
        .exclude(invoice__state=Invoice.State.CANCELLED)
        .annotate(order_line=Subquery(links.values("order_line_id")[:1]), linked=Exists(links))
        .order_by()
        .values_list("product_id", "quantity", "invoice__kind", "order_line", "linked")
    )
    loose: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for product_id, quantity, kind, line_id, linked in rows:
        signed = -quantity if kind == Invoice.Kind.CUSTOMER_CREDIT_NOTE else quantity
        if linked:  # another order's line, a down payment or a deduction counts for none of these
            if line_id in found:
                found[line_id] += signed
        elif product_id is not None:
            loose[product_id] += signed
    if loose:
        for pk, quantity in allocate(lines, dict(loose)).items():
            found[pk] += quantity
    return found


def _firm_lines(order: SalesOrder) -> list[SalesOrderLine]:
    """The order's lines that are not optional (optional lines are offers), in line order."""
    return [
        line
        for line in order.lines.select_related("product", "uom").order_by("sequence", "id")
        if not line.optional
    ]


def line_statuses(
    order: SalesOrder,
    lines: Sequence[SalesOrderLine] | None = None,
    invoiced: Mapping[int, Decimal] | None = None,
) -> list[LineStatus]:
    """Ordered, delivered, cancelled and invoiced per line that is not optional (optional lines
    are offers); ``lines`` and ``invoiced`` (:func:`invoiced_by_line`) when the caller has read
    them already."""
    lines = _firm_lines(order) if lines is None else lines
    found = shipped_and_returned(order)
    back, on_the_way = found.back, found.returning
    net = {pk: found.shipped.get(pk, ZERO) - back.get(pk, ZERO) for pk in found.shipped.keys() | back.keys()}
    delivered = allocate(lines, net)
    if order.state in CONFIRMED_STATES:  # a service leaves no stock: it counts as delivered
        delivered.update({line.pk: line.quantity for line in lines if line.product.kind == "service"})
    returned = allocate(
        lines, {pk: back.get(pk, ZERO) + on_the_way.get(pk, ZERO) for pk in back.keys() | on_the_way.keys()}
    )
    returning = allocate(lines, on_the_way)
    left = {pk: delivered[pk] + returned[pk] - returning[pk] for pk in delivered}
    cancelled = allocate_cancelled(lines, found.cancelled, left)
    invoiced = invoiced_by_line(order, lines) if invoiced is None else invoiced
    return [
        LineStatus(
            line,
            line.quantity,
            delivered[line.pk],
            invoiced[line.pk],
            returned[line.pk],
            returning[line.pk],
            cancelled[line.pk],
        )
        for line in lines
    ]


@dataclass(frozen=True)
class Progress:
    """Where an order stands, from the facts: each flag a pure function of them."""

    delivered: bool
    invoiced: bool
    paid: bool
    amount_invoiced: Decimal
    amount_due: Decimal
    finished: bool = False


def progress_of(
    statuses: Sequence[LineStatus], invoices: Sequence[tuple[str, str, Decimal, Decimal]]
) -> Progress:
    """Pure: ``statuses`` per line and the order's invoices as ``(kind, state, total,
    residual)``.

    What counts is what is due of each line — ordered less what was cancelled (a backorder, or
    the rest of a delivery the customer will not have) — not what was ordered, as Odoo and 1C
    count it:

    - delivered: every line's goods left for the customer up to what is due (goods that came
      back since were delivered: a return is settled by its credit note, not by delivering
      again);
    - invoiced: every line invoiced, net of credit notes, exactly what its policy allows, and
      that at least what it bills in the end (:attr:`LineStatus.billed_in_the_end`: what is
      due less what came back) — so goods delivered and not invoiced, goods invoiced and then
      cancelled or sent back and not credited yet, and under the delivered policy goods still
      to be delivered, keep it false;
    - both false when nothing at all is due (every line cancelled): such an order is to be
      cancelled, not closed; and not invoiced while nothing of it is invoiced, net of credit
      notes (every good sent back and credited: nothing was sold);
    - finished (what closes a confirmed order): something was due and nothing is left to
      deliver, to invoice or to credit on any line — delivered and invoiced, or every good that
      left sent back and whatever of it was invoiced credited (nothing was sold, nothing is
      owed: Odoo's "nothing to invoice", and the order is done, not confirmed forever);
    - paid: invoiced and every posted invoice settled, none left in draft.

    Down payments left to give back do not hold an order open: they are given back from a done
    order too (``services.credit_down_payments_left``)."""
    anything_due = any(s.due > 0 for s in statuses)
    delivered = anything_due and all(s.shipped >= s.due for s in statuses)
    settled = all(s.invoiced == s.invoiceable >= s.billed_in_the_end for s in statuses)
    invoiced = anything_due and any(s.invoiced > 0 for s in statuses) and settled
    live = [row for row in invoices if row[1] != Invoice.State.CANCELLED]
    signed = sum(
        (
            (-total if kind == Invoice.Kind.CUSTOMER_CREDIT_NOTE else total)
            for kind, _state, total, _r in live
        ),
        ZERO,
    )
    due = sum((residual for _k, state, _t, residual in live if state == Invoice.State.POSTED), ZERO)
    drafts = any(state == Invoice.State.DRAFT for _k, state, _t, _r in live)
    return Progress(
        delivered, invoiced, invoiced and not drafts and due <= 0, signed, due, finished=delivered and settled
    )


def finished(
    order: SalesOrder, statuses: Sequence[LineStatus] | None = None, *, unless_sold: bool = False
) -> bool:
    """Whether the order is finished as :func:`progress_of` reads it (what makes a confirmed
    order done). The invoices are read first; ``unless_sold``: the caller knows nothing came
    back since the order was last checked (a delivery validated), so an order of which nothing
    is invoiced, net of credit notes, is not finished (had everything come back and been
    credited before, it was finished then) and its deliveries are not read. ``statuses``: the
    order's line statuses read earlier in the transaction, whose invoiced quantities are read
    again (an invoice written since)."""
    lines = _firm_lines(order) if statuses is None else [s.line for s in statuses]
    invoiced = invoiced_by_line(order, lines)
    if unless_sold and not any(quantity > 0 for quantity in invoiced.values()):
        return False
    if statuses is None:
        statuses = line_statuses(order, lines, invoiced)
    else:
        statuses = [replace(s, invoiced=invoiced[s.line.pk]) for s in statuses]
    return progress_of(statuses, []).finished


def progress(order: SalesOrder, statuses: Sequence[LineStatus] | None = None) -> Progress:
    """``statuses``: the order's :func:`line_statuses` when the caller has them already."""
    statuses = line_statuses(order) if statuses is None else statuses
    invoices = list(
        Invoice.objects.filter(pk__in=OrderInvoice.objects.filter(order=order).values("invoice")).order_by()
    )
    residuals = invoice_residuals(i.pk for i in invoices if i.state == Invoice.State.POSTED)
    rows = [(i.kind, i.state, i.amount_total, residuals.get(i.pk, ZERO)) for i in invoices]
    return progress_of(statuses, rows)


def order_invoices(order: SalesOrder) -> list[Invoice]:
    return list(
        Invoice.objects.filter(pk__in=OrderInvoice.objects.filter(order=order).values("invoice")).order_by(
            "id"
        )
    )


# --- totals per tax and margin -----------------------------------------------------------------


@dataclass(frozen=True)
class TaxRow:
    name: str
    base: Decimal
    amount: Decimal


def tax_totals(order: SalesOrder) -> list[TaxRow]:
    """One row per tax of the order's (not optional) lines, as an invoice would total them."""
    computed = [
        tax_rules.compute(
            line.price_unit, line.quantity, line.taxes.all(), order.currency, discount=line.discount
        )
        for line in order.lines.prefetch_related("taxes__children").filter(optional=False)
    ]
    _untaxed, rows = tax_rules.totals(computed, order.currency)
    return [TaxRow(row.name, row.base, row.amount) for row in tax_rules.shown_totals(rows)]


def margin_percent(order: SalesOrder) -> Decimal | None:
    if not order.amount_untaxed:
        return None
    return (order.margin * 100 / order.amount_untaxed).quantize(Decimal("0.1"))


def expired(order: SalesOrder, today: datetime.date | None = None) -> bool:
    on = today or timezone.localdate()
    return order.state in {"draft", "sent"} and order.validity_date is not None and order.validity_date < on
