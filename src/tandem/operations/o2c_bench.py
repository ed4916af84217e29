"""The order-to-cash benchmark behind ``tandem bench o2c``: N orders of five lines through the
services the UI calls, one transaction per business action as a user does it — a salesperson
creates the quotation and confirms it (reserving the stock and creating the delivery), the
warehouse ships it, an accountant invoices the order, posts the invoice and books the
customer's payment.

The caller (``tandem.cli``) points Django at a fresh database first; ``build`` sets up a minimal
company there (the IFRS chart with Polish taxes, one warehouse, stocked products with their
opening stock valued, customers of the salesperson), ``run_phases`` runs one share of the
orders phase by phase, and ``verdict`` reads the ledger invariants (``core.invariants``) after
the run. Each phase ends at a barrier so that several processes time the same work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from tandem.accounting.models import Invoice, Journal
from tandem.accounting.services import charts, payments, taxes
from tandem.accounting.services import invoices as accounting
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import invariants, roles
from tandem.core.models import Company, Currency, Uom, User
from tandem.core.services import create_company, grant_company
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tandem.sales import services as sales
from tandem.sales.models import SalesOrder

PHASES = ("create", "confirm", "deliver", "invoice", "post", "pay")
LINES = 5
PRODUCTS = 40
CUSTOMERS = 20


@dataclass(frozen=True)
class Cast:
    """Who does what in the benchmark's company (primary keys: each process reads its own rows)."""

    company: int
    salesperson: int
    warehouse_clerk: int
    accountant: int
    bank: int
    products: list[int]
    customers: list[int]


def build(orders: int) -> Cast:
    """A minimal company in an empty, migrated database, through the services."""
    currency = Currency.objects.get(code="EUR")
    pcs = Uom.objects.get(code="pcs")
    today = timezone.localdate()
    company = create_company(name="Order to Cash Bench", code="o2c", currency=currency, country="PL")
    charts.install_chart(company, None, "ifrs", today=today)
    taxes.install_taxes(company, None, "PL")
    people = {
        name: _user(company, name, role)
        for name, role in (
            ("sam", roles.SALESPERSON),
            ("wanda", roles.WAREHOUSE),
            ("bea", roles.ACCOUNTANT),
        )
    }
    warehouse = inventory.create_warehouse(company, None, name="Main warehouse", code="WH")
    products = [
        create_product(
            company,
            None,
            name=f"Product {n:03}",
            sku=f"P-{n:03}",
            uom=pcs,
            sales_price=Decimal(20 + 5 * n),
            cost=Decimal(10 + 3 * n),
        )
        for n in range(PRODUCTS)
    ]
    shelf = warehouse.stock_location
    if shelf is None:
        raise RuntimeError("the new warehouse has no stock location")
    enough = 3 * orders * LINES  # more than any spread of the orders' lines can take
    inventory.import_opening_stock(
        company, None, [inventory.OpeningLine(p, shelf, enough, unit_cost=p.cost) for p in products]
    )
    customers = [
        create_partner(
            company,
            None,
            name=f"Customer {n:02}",
            allow_duplicate=True,
            is_customer=True,
            owner=people["sam"],
        )
        for n in range(CUSTOMERS)
    ]
    bank = Journal.objects.filter(company=company, kind=Journal.Kind.BANK).order_by("code").first()
    if bank is None:
        raise RuntimeError("the chart installed no bank journal")
    return Cast(
        company=company.pk,
        salesperson=people["sam"].pk,
        warehouse_clerk=people["wanda"].pk,
        accountant=people["bea"].pk,
        bank=bank.pk,
        products=[p.pk for p in products],
        customers=[c.pk for c in customers],
    )


def _user(company: Company, name: str, role: str) -> User:
    user = User.objects.create_user(username=name)  # no password: nobody signs in to a throw-away database
    user.groups.add(Group.objects.get(name=role))
    grant_company(user, company)
    return User.objects.get(pk=user.pk)


class Desk:
    """The benchmark company's people at work, one business action per call (each the
    service's own transaction): what ``run_phases`` times and the query-count tests pin."""

    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.company = Company.objects.get(pk=cast.company)
        self.sam, self.wanda, self.bea = (
            User.objects.get(pk=pk) for pk in (cast.salesperson, cast.warehouse_clerk, cast.accountant)
        )
        self.products = Product.objects.in_bulk(cast.products)
        self.customers = Partner.objects.in_bulk(cast.customers)
        self.bank = Journal.objects.get(pk=cast.bank)
        self.today = timezone.localdate()

    def create(self, n: int) -> SalesOrder:
        """Order number ``n`` of the run (its place picks customer, products and quantities)."""
        ids = self.cast.products
        lines = [
            sales.OrderLineData(self.products[ids[(7 * n + 11 * k) % len(ids)]], 1 + (n + k) % 3)
            for k in range(LINES)
        ]
        customer = self.customers[self.cast.customers[n % len(self.cast.customers)]]
        return sales.create_order(
            self.company, self.sam, partner=customer, lines=lines, order_date=self.today
        )

    def confirm(self, order: SalesOrder) -> None:
        sales.confirm_order(order, self.sam)

    def deliver(self, order: SalesOrder) -> None:
        delivery = Transfer.objects.get(pk=order.delivery_id or 0)
        inventory.validate_transfer(delivery, None, self.wanda)

    def invoice(self, order: SalesOrder) -> Invoice:
        return sales.invoice_order(order, self.bea, invoice_date=self.today)

    def post(self, invoice: Invoice) -> None:
        accounting.post_invoice(invoice, self.bea)

    def pay(self, invoice: Invoice) -> None:
        payments.register_payment([invoice], self.bea, journal=self.bank, date=self.today)


def run_phases(cast: Cast, numbers: Sequence[int], wait: Callable[[], Any]) -> None:
    """Take orders ``numbers`` (their place in the whole run picks customer, products and
    quantities) through every phase; ``wait()`` after each phase (a barrier shared with the
    other processes and the timer)."""
    desk = Desk(cast)
    orders: list[SalesOrder] = []
    invoices: list[Invoice] = []

    def create() -> None:
        orders.extend(desk.create(n) for n in numbers)

    def confirm() -> None:
        for order in orders:
            desk.confirm(order)

    def deliver() -> None:
        for order in orders:
            desk.deliver(order)

    def invoice() -> None:
        invoices.extend(desk.invoice(order) for order in orders)

    def post() -> None:
        for made in invoices:
            desk.post(made)

    def pay() -> None:
        for made in invoices:
            desk.pay(made)

    for phase in (create, confirm, deliver, invoice, post, pay):
        phase()
        wait()


def verdict(cast: Cast) -> dict[str, Any]:
    """Whether the run left the books and the stock right: every registered invariant, grouped
    by the ledger that declares it, and every order done."""
    broken = invariants.violations()
    done = SalesOrder.objects.filter(company_id=cast.company, state=SalesOrder.State.DONE).count()
    return {
        "books": not any(name.startswith("accounting:") for name in broken),
        "stock": not any(name.startswith("inventory:") for name in broken),
        "broken": sorted(broken),
        "orders_done": done,
    }
