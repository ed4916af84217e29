"""Sales' part of the demo company: quotations and orders of Sam's and Sofia's customers in
every state — drafts, quotations sent (one made from a won deal's products of interest), an
order from another won deal, delivered and invoiced, confirmed orders with their goods
reserved, one partly delivered with its backorder and invoiced on what left, one delivered,
invoiced and posted, one of which a piece came back (received; its credit note a draft), one
confirmed by Anna above its customer's credit limit, one cancelled; and, before those, a year
of sales (:func:`_a_year_behind`) so the analysis and profitability have months to compare.
Deterministic; runs after inventory's, accounting's, CRM's and purchasing's parts."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.accounting.models import Journal, Tax
from tandem.accounting.services import invoices as accounting
from tandem.accounting.services import payments
from tandem.catalog.models import Product
from tandem.core.demo import Demo
from tandem.core.models import User
from tandem.crm.models import Deal
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.inventory.services.stock import reserved_for
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.models import SalesOrder

VALID = datetime.timedelta(days=30)


def build(demo: Demo) -> dict[str, int]:
    company, rng = demo.company, random.Random(17)
    sellers = [user for name in ("sam", "sofia") if (user := demo.users.get(name)) is not None]
    anna = demo.users.get("anna")
    admin = demo.users.get("admin")
    today = timezone.localdate()
    with transaction.atomic():
        warehouse = Warehouse.objects.filter(company=company, active=True).order_by("id").first()
        goods = list(
            Product.objects.filter(company=company, active=True, kind=Product.Kind.GOODS).order_by("sku")[:20]
        )
        services_sold = list(
            Product.objects.filter(company=company, active=True, kind=Product.Kind.SERVICE).order_by("sku")[
                :3
            ]
        )
        if not sellers or warehouse is None or not goods:
            return {"sales_orders": 0}
        vat = (
            Tax.objects.filter(company=company, use=Tax.Use.SALE, amount=Decimal(23), active=True)
            .order_by("id")
            .first()
        )
        made = _a_year_behind(demo, sellers, warehouse, goods, vat, rng)
        for seller in sellers:
            customers = list(
                Partner.objects.filter(
                    company=company,
                    owner=seller,
                    is_customer=True,
                    kind=Partner.Kind.ORGANISATION,
                    active=True,
                ).order_by("id")[:8]
            )
            if len(customers) < 4:
                continue
            made += _orders_of(
                company, seller, anna or admin, customers, goods, services_sold, vat, today, rng
            )
    return {"sales_orders": made}


ORDERS_A_MONTH = 2  # per salesperson
MONTHS = 11  # before this one


def _a_year_behind(demo: Demo, sellers, warehouse, goods, vat, rng) -> int:  # type: ignore[no-untyped-def]
    """The eleven months before this one: each salesperson's customers order furniture twice a
    month; the goods leave two days later, the invoice is posted the day after and paid within
    a month, the last weeks' invoices still open. The goods sold were in stock when the year
    began (an opening count dated the day before, the quantities the year sells), so stock is
    never negative on any day and today's stock is what the inventory demo counted. Wanda ships,
    Alex posts and books the payments."""
    company, today = demo.company, timezone.localdate()
    office = {"shipper": demo.users.get("wanda"), "clerk": demo.users.get("alex"), "today": today}
    start = _months_back(today, MONTHS)
    stocked = [product for product in goods if product.tracking == Product.Tracking.NONE]
    plan = []
    for month in range(MONTHS):
        first = _months_back(today, MONTHS - month)
        for seller in sellers:
            customers = list(
                Partner.objects.filter(company=company, owner=seller, is_customer=True, active=True)
                .order_by("id")
                .values_list("pk", flat=True)[:8]
            )
            for _n in range(ORDERS_A_MONTH if customers else 0):
                day = first + datetime.timedelta(days=rng.randrange(0, 24))
                lines = [(p, rng.choice((1, 2, 3, 4)), rng.choice((0, 0, 5))) for p in rng.sample(stocked, 2)]
                plan.append((seller, rng.choice(customers), day, lines))
    needed: dict[Product, int] = {}
    for *_head, lines in plan:
        for product, quantity, _discount in lines:
            needed[product] = needed.get(product, 0) + quantity
    if not plan or warehouse.stock_location is None:
        return 0
    inventory.import_opening_stock(
        company,
        None,
        [
            inventory.OpeningLine(product, warehouse.stock_location, quantity, unit_cost=product.cost)
            for product, quantity in sorted(needed.items(), key=lambda row: row[0].sku)
        ],
        date=start - datetime.timedelta(days=1),
    )
    bank = (
        Journal.objects.filter(company=company, kind=Journal.Kind.BANK, active=True).order_by("code").first()
    )
    customers_by_pk = Partner.objects.in_bulk({row[1] for row in plan})
    for seller, customer, day, lines in plan:
        _a_sale(seller, customers_by_pk[customer], day, lines, vat, bank, **office)
    return len(plan)


def _months_back(today: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` before ``today``'s."""
    index = today.year * 12 + today.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _a_sale(seller, customer, day, lines, vat, bank, *, shipper, clerk, today) -> None:  # type: ignore[no-untyped-def]
    """One order of the year behind, from quotation to payment, each step on its own day."""
    order = services.create_order(
        customer.company,
        seller,
        partner=customer,
        order_date=day,
        lines=[
            services.OrderLineData(product=p, quantity=q, discount=d, taxes=[vat] if vat else None)
            for p, q, d in lines
        ],
    )
    order = services.confirm_order(order, seller)
    if order.delivery_id:
        inventory.validate_transfer(
            Transfer.objects.get(pk=order.delivery_id), None, shipper, date=day + datetime.timedelta(days=2)
        )
    invoiced_on = day + datetime.timedelta(days=3)
    invoice = accounting.post_invoice(services.invoice_order(order, clerk, invoice_date=invoiced_on), clerk)
    paid_on = invoiced_on + datetime.timedelta(days=10 + (order.pk * 7) % 21)
    if bank is not None and paid_on < today - datetime.timedelta(days=20):
        payments.register_payment([invoice], clerk, journal=bank, date=paid_on)


def _lines(goods, extra, vat, rng, count):  # type: ignore[no-untyped-def]
    taxes = [vat] if vat is not None else None
    lines = [
        services.OrderLineData(
            product=product,
            quantity=rng.choice((1, 2, 4, 6)),
            discount=rng.choice((0, 0, 5, 10)),
            taxes=taxes,
        )
        for product in rng.sample(goods, count)
    ]
    if extra:
        lines.append(
            services.OrderLineData(product=rng.choice(extra), quantity=rng.choice((2, 4)), taxes=taxes)
        )
    return lines


def _orders_of(company, seller: User, manager: User | None, customers, goods, extra, vat, today, rng) -> int:  # type: ignore[no-untyped-def]
    ago = lambda days: today - datetime.timedelta(days=days)  # noqa: E731

    def quote(customer: Partner, days: int, count: int = 2, **fields) -> SalesOrder:  # type: ignore[no-untyped-def]
        return services.create_order(
            company,
            seller,
            partner=customer,
            order_date=ago(days),
            validity_date=ago(days) + datetime.timedelta(days=30),
            lines=_lines(goods, extra, vat, rng, count),
            **fields,
        )

    made = 0
    # drafts, and quotations sent (one of them from a won deal)
    quote(customers[0], 0)
    quote(customers[1], 1, 3)
    made += 2
    won = list(Deal.objects.filter(company=company, owner=seller, state=Deal.State.WON).order_by("id")[:2])
    sent = (  # its lines are the deal's products of interest, at the customer's prices
        services.create_from_deal(won[0], seller, order_date=ago(3), validity_date=ago(3) + VALID)
        if won and won[0].products_of_interest.exists()
        else quote(customers[2], 3)
    )
    services.send_order(sent, seller, email=False)
    if len(won) > 1 and won[1].products_of_interest.exists():
        # the other won deal became an order this month: confirmed, what was in stock delivered,
        # invoiced and posted, so the deal page shows its order and the revenue invoiced, and this
        # month's analysis has revenue beside the goods that left (the inventory demo's own
        # delivery included)
        day = ago(min(10, today.day - 1))
        ordered = services.confirm_order(
            services.create_from_deal(won[1], seller, order_date=day, validity_date=day + VALID), seller
        )
        shipped, invoiced = _steps(ordered, today, 2, 3)
        _ship(ordered, seller, Decimal(1), shipped)
        if _invoiceable(ordered):
            accounting.post_invoice(services.invoice_order(ordered, seller, invoice_date=invoiced), manager)
        made += 1
    services.send_order(quote(customers[3], 5), seller, email=False)
    made += 2
    # confirmed: reserved and waiting for the warehouse
    for n in range(2):
        services.confirm_order(quote(customers[n], 6 + n), seller)
        made += 1
    # partly delivered (a backorder waits) and invoiced on what left
    partly = services.confirm_order(quote(customers[2], 14), seller)
    shipped, invoiced = _steps(partly, today, 2, 3)
    _ship(partly, seller, Decimal("0.5"), shipped)
    if _invoiceable(partly):
        services.invoice_order(partly, seller, invoice_date=invoiced)
    made += 1
    # delivered, invoiced and posted
    done = services.confirm_order(quote(customers[3], 30), seller)
    shipped, invoiced = _steps(done, today, 2, 5)
    _ship(done, seller, Decimal(1), shipped)
    if _invoiceable(done):
        invoice = services.invoice_order(done, seller, invoice_date=invoiced)
        accounting.post_invoice(invoice, manager)
    made += 1
    # delivered and invoiced; one piece came back, received, its credit note a draft
    returned = services.confirm_order(quote(customers[1], 35), seller)
    shipped, invoiced, back = _steps(returned, today, 2, 3, 7)
    _ship(returned, seller, Decimal(1), shipped)
    if _invoiceable(returned):
        accounting.post_invoice(services.invoice_order(returned, seller, invoice_date=invoiced), manager)
        _return_one(returned, manager or seller, back)
    made += 1
    # above the customer's credit limit: the sales manager confirmed it
    if manager is not None:
        big = quote(customers[4 % len(customers)], 9, 3)
        services.set_credit_limit(
            company, manager, partner=big.partner, amount=max(big.amount_company // 2, 100)
        )
        services.confirm_order(big, manager)
        made += 1
    # cancelled
    services.cancel_order(quote(customers[5 % len(customers)], 20), seller)
    made += 1
    return made


def _steps(order: SalesOrder, today: datetime.date, *days: int) -> list[datetime.date]:
    """The days of an order's next steps (shipped, invoiced, a return…), ``days`` after its
    date: each on or after the one before, kept in the order's month and never after today —
    so the goods leave in the month they are invoiced, and the analysis never shows a month's
    cost of goods sold without its revenue (or a step dated in the future)."""
    last = min(_months_back(order.order_date, -1) - datetime.timedelta(days=1), today)
    return [min(order.order_date + datetime.timedelta(days=n), last) for n in days]


def _invoiceable(order: SalesOrder) -> bool:
    order.refresh_from_db()
    return order.state == SalesOrder.State.CONFIRMED and any(
        s.to_invoice > 0 for s in queries.line_statuses(order)
    )


def _ship(order: SalesOrder, actor: User, share: Decimal, day: datetime.date) -> None:
    """Ship ``share`` of what was reserved of each move on ``day`` (the rest waits in a backorder)."""
    if not order.delivery_id:
        return
    delivery = Transfer.objects.get(pk=order.delivery_id)
    quantities = {
        move.pk: (reserved_for(move) * share).quantize(Decimal(1))
        for move in delivery.moves.all()
        if (reserved_for(move) * share).quantize(Decimal(1)) > 0
    }
    if quantities:
        inventory.validate_transfer(delivery, quantities, actor, date=day)


def _return_one(order: SalesOrder, actor: User, day: datetime.date) -> None:
    """The customer sent one piece of the order's first stocked line back: it is received on
    ``day``, and the credit note for it, of that day, waits as a draft."""
    line = next(
        (
            s.line
            for s in queries.line_statuses(order)
            if s.delivered >= 1 and s.line.product.kind != "service"
        ),
        None,
    )
    if line is None:
        return
    made = services.return_goods(order, actor, quantities={line.pk: 1}, credit=True, credit_date=day)
    for transfer in made.transfers:
        inventory.validate_transfer(transfer, None, actor, date=day)
