"""Down payments: a percentage of a confirmed order's total or a fixed amount, invoiced to the
advances from customers with the order's taxes in proportion, and deducted from the order's
later invoices — once in all, never more than was paid in advance; a cancelled down payment is
deducted no more."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting import queries as books_queries
from tandem.accounting.models import Account, BooksSettings, Invoice, Journal, JournalLine, Tax
from tandem.accounting.services import invoices as accounting
from tandem.accounting.services import ledger, payments, taxes
from tandem.catalog.models import Product
from tandem.core import invariants
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, Event, ExchangeRate, User
from tandem.inventory import services as inventory
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.models import SalesOrder
from tests.kit.api import api_client, assert_problem
from tests.sales.conftest import DAY, deliver, quotation
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db
D = Decimal


def _rows(invoice: Invoice) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (line.account.code, line.quantity, line.price_unit) for line in invoice.lines.order_by("sequence")
    ]


def test_a_percentage_down_payment_goes_to_advances_with_the_orders_taxes(
    order: SalesOrder, admin: User, vat: Tax
) -> None:
    invoice = services.invoice_down_payment(order, admin, percent="10")
    assert invoice.state == "draft" and invoice.kind == Invoice.Kind.CUSTOMER_INVOICE
    assert _rows(invoice) == [("2050", D(1), D(100))]
    assert list(invoice.lines.get().taxes.all()) == [vat]
    assert (invoice.amount_untaxed, invoice.amount_total) == (D("100.00"), D("123.00"))
    event = Event.objects.get(name="salesorder.down_payment_invoiced")
    assert event.data == {"number": order.number, "invoice": invoice.pk, "total": "123.00"}
    assert services.down_payments_left(order).total == D(100)


def test_a_fixed_down_payment_is_taxes_included(order: SalesOrder, admin: User) -> None:
    invoice = services.invoice_down_payment(order, admin, amount="246")
    assert _rows(invoice) == [("2050", D(1), D(200))]
    assert invoice.amount_total == D("246.00")


def test_the_final_invoice_deducts_the_down_payment_and_the_books_balance(
    order: SalesOrder, admin: User
) -> None:
    down = services.invoice_down_payment(order, admin, percent="10")
    accounting.post_invoice(down, admin)
    deliver(order, admin)
    final = services.invoice_order(order, admin)
    assert _rows(final)[1:] == [("2050", D(-1), D(100))]
    assert (final.amount_untaxed, final.amount_total) == (D("900.00"), D("1107.00"))
    assert down.number in final.lines.order_by("sequence").last().description  # type: ignore[union-attr, operator]
    assert services.down_payments_left(order).total == 0
    accounting.post_invoice(final, admin)
    assert Event.objects.filter(name="salesorder.invoiced").get().data["deducted"] == "100.00"
    assert not invariants.violations()


def test_two_partial_invoices_deduct_the_down_payment_once_in_all(order: SalesOrder, admin: User) -> None:
    services.invoice_down_payment(order, admin, percent="50")  # 500 untaxed
    deliver(order, admin, 3)
    first = services.invoice_order(order, admin)  # 300 of goods: 300 deducted, not more
    assert first.amount_untaxed == 0 and _rows(first)[1:] == [("2050", D(-1), D(300))]
    deliver(order, admin)
    second = services.invoice_order(order, admin)  # 700 of goods: the 200 left
    assert _rows(second)[1:] == [("2050", D(-1), D(200))] and second.amount_untaxed == D(500)
    assert services.down_payments_left(order).total == 0
    order.refresh_from_db()
    assert order.state == "done"


def test_a_cancelled_or_deleted_down_payment_is_deducted_no_more(order: SalesOrder, admin: User) -> None:
    down = services.invoice_down_payment(order, admin, percent="10")
    accounting.post_invoice(down, admin)
    accounting.cancel_invoice(down, admin)
    draft = services.invoice_down_payment(order, admin, percent="20")
    accounting.delete_draft(draft, admin)
    assert services.down_payments_left(order).total == 0
    deliver(order, admin)
    final = services.invoice_order(order, admin)
    assert len(_rows(final)) == 1 and final.amount_untaxed == D(1000)


def test_refused_down_payments_write_nothing(
    company: Company, salesperson: User, customer: Partner, chair: Product, order: SalesOrder, admin: User
) -> None:
    services.invoice_down_payment(order, admin, percent="60")
    invoices, events = Invoice.objects.count(), Event.objects.filter(name__contains="down_payment").count()
    for kwargs, key in [
        ({"percent": "50"}, "percent"),  # 60 % + 50 % is more than the total
        ({"amount": "1230"}, "amount"),
        ({"percent": "101"}, "percent"),
        ({"percent": "0"}, "percent"),
        ({"amount": "-10"}, "amount"),
        ({"amount": "1e400"}, "amount"),
        ({}, "amount"),
        ({"percent": "10", "amount": "10"}, "amount"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.invoice_down_payment(order, admin, **kwargs)
        assert key in refused.value.errors, kwargs
    draft = quotation(company, salesperson, customer, (chair, "1"))
    with pytest.raises(BusinessError, match="confirmed order"):
        services.invoice_down_payment(draft, admin, percent="10")
    assert Invoice.objects.count() == invoices
    assert Event.objects.filter(name__contains="down_payment").count() == events


def test_a_down_payment_over_the_api_and_from_the_orders_page(
    order: SalesOrder, admin: User, salesperson: User
) -> None:
    url = f"/api/v1/sales/orders/{order.pk}/down-payment/"
    assert_problem(api_client(salesperson).post(url, {"percent": "10"}, format="json"), 403)
    assert_problem(api_client(admin).post(url, {"percent": "0"}, format="json"), 400, "percent")
    assert_problem(api_client(admin).post(url, {"percent": "10", "extra": 1}, format="json"), 400)
    made = api_client(admin).post(url, {"percent": "10"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["total"] == "123.00"
    page = signed_in(admin).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'id="order-down-payment"' in page and 'id="order-down-payments"' in page
    answer = signed_in(admin).post(
        reverse("sales:order_down_payment", args=[order.pk]), {"kind": "amount", "value": "246"}
    )
    assert answer.status_code == 302
    assert services.down_payments_invoiced(order) == D("369.00")
    refused = signed_in(admin).post(
        reverse("sales:order_down_payment", args=[order.pk]), {"kind": "percent", "value": "90"}
    )
    assert refused.status_code == 302 and services.down_payments_invoiced(order) == D("369.00")


# --- where down payments go: the books' setting (issue 17) -------------------------------------


def test_a_down_payment_goes_to_the_liability_the_settings_name_and_is_deducted_from_it(
    company: Company, order: SalesOrder, admin: User
) -> None:
    """The company chose its own account of advances: the down payment is posted there, and
    its deduction takes it back from there even after the setting moved on."""
    deposits = ledger.create_account(
        company, admin, code="2070", name="Customer deposits", type="liability", subtype="current"
    )
    books = BooksSettings.objects.get(company=company)
    ledger.update_books_settings(books, admin, customer_advances_account=deposits)
    down = accounting.post_invoice(services.invoice_down_payment(order, admin, percent="10"), admin)
    assert _rows(down) == [("2070", D(1), D(100))]
    assert JournalLine.objects.filter(entry=down.entry, account=deposits).get().credit == D(100)
    books.refresh_from_db()
    ledger.update_books_settings(books, admin, customer_advances_account=Account.objects.get(
        company=company, code="2050"
    ))  # fmt: skip
    deliver(order, admin)
    final = accounting.post_invoice(services.invoice_order(order, admin), admin)
    assert _rows(final)[1:] == [("2070", D(-1), D(100))]
    assert not JournalLine.objects.filter(account__company=company, account__code="2050").exists()
    lines = JournalLine.objects.filter(account=deposits)
    assert sum((line.credit - line.debit for line in lines), D(0)) == 0, "nothing left on the advances"
    assert not invariants.violations()


def test_without_the_setting_a_down_payment_is_refused_and_says_where_to_set_it(
    company: Company, order: SalesOrder, admin: User
) -> None:
    BooksSettings.objects.filter(company=company).update(customer_advances_account=None)
    client = api_client(admin)

    def written() -> tuple[int, int, int]:
        return Invoice.objects.count(), JournalLine.objects.count(), Event.objects.count()

    before = written()
    with pytest.raises(BusinessError) as refused:
        services.invoice_down_payment(order, admin, percent="10")
    message = refused.value.message
    assert "advances from customers" in message and "accounting settings" in message
    answer = client.post(f"/api/v1/sales/orders/{order.pk}/down-payment/", {"percent": "10"}, format="json")
    assert answer.status_code == 400 and "accounting settings" in answer.content.decode()
    assert written() == before
    assert services.down_payments_invoiced(order) == 0


def test_a_down_payment_under_a_tax_included_in_the_price_is_what_was_asked(
    company: Company, salesperson: User, customer: Partner, design: Product, vat: Tax, admin: User
) -> None:
    """A price that includes its tax is priced as such on the down payment and its deduction (an
    untaxed share given as a tax-included price would be taxed again: 1,000 asked, 813 invoiced)."""
    included = taxes.create_tax(
        company, admin, name="VAT 23% incl.", use="sale", computation="percent", amount=D(23),
        price_included=True, account=vat.account,
    )  # fmt: skip
    order = services.create_order(
        company, salesperson, partner=customer, order_date=DAY,
        lines=[services.OrderLineData(product=design, quantity="10", price_unit="500", taxes=[included])],
    )  # fmt: skip
    services.confirm_order(order, admin)
    order.refresh_from_db()
    assert order.amount_total == D("5000.00")
    down = accounting.post_invoice(services.invoice_down_payment(order, admin, percent="20"), admin)
    assert (down.amount_untaxed, down.amount_total) == (D("813.01"), D("1000.00"))
    assert services.down_payments_left(order).untaxed == D("813.01")
    final = accounting.post_invoice(services.invoice_order(order, admin), admin)
    assert final.amount_total == D("4000.00") and down.amount_total + final.amount_total == order.amount_total
    assert services.down_payments_left(order).total == 0
    assert not invariants.violations()


# --- everything paid in advance, and more paid than was delivered (issue 17) -------------------


def _advances_balance(company: Company) -> Decimal:
    lines = JournalLine.objects.filter(account__company=company, account__code="2050", posted=True)
    return sum((line.credit - line.debit for line in lines), D(0))


def _pay(invoice: Invoice, admin: User) -> None:
    bank = Journal.objects.filter(company=invoice.company, kind=Journal.Kind.BANK).order_by("code").first()
    assert bank is not None
    payments.register_payment([invoice], admin, journal=bank, date=DAY)


def test_an_order_paid_in_full_in_advance_is_invoiced_by_a_final_invoice_of_zero(
    company: Company, customer: Partner, order: SalesOrder, admin: User
) -> None:
    """Odoo's way: the final invoice bills the goods and deducts the whole advance, so it comes
    to zero; accounting posts it, the income is recognised, the advance leaves the liability,
    and the order reads invoiced, paid and done with nothing owed."""
    down = accounting.post_invoice(services.invoice_down_payment(order, admin, percent="100"), admin)
    assert down.amount_total == order.amount_total == D("1230.00")
    _pay(down, admin)
    assert _advances_balance(company) == D(1000)
    deliver(order, admin)
    final = services.invoice_order(order, admin)
    assert _rows(final)[1:] == [("2050", D(-1), D(1000))]
    assert (final.amount_untaxed, final.amount_tax, final.amount_total) == (D(0), D(0), D(0))
    final = accounting.post_invoice(final, admin)
    assert final.state == Invoice.State.POSTED
    order.refresh_from_db()
    found = queries.progress(order)
    assert order.state == SalesOrder.State.DONE
    assert (found.delivered, found.invoiced, found.paid) == (True, True, True)
    assert (found.amount_invoiced, found.amount_due) == (D("1230.00"), D(0))
    assert not books_queries.open_balance(customer)
    assert _advances_balance(company) == 0
    assert services.down_payments_left(order).total == 0
    assert not invariants.violations(), invariants.describe(invariants.violations())


def test_a_down_payment_larger_than_what_was_delivered_is_given_back_on_a_credit_note(
    company: Company, customer: Partner, order: SalesOrder, admin: User
) -> None:
    """80 % paid in advance, five chairs of ten delivered, the rest will not be: the invoice of
    the five deducts 500 of the 800 and comes to zero; the 300 left (369 with its VAT) is given
    back on a credit note once nothing more is to come, and the customer holds it as a credit."""
    down = accounting.post_invoice(services.invoice_down_payment(order, admin, percent="80"), admin)
    _pay(down, admin)
    deliver(order, admin, 5)
    with pytest.raises(BusinessError, match="still to be delivered"):
        services.credit_down_payments_left(order, admin)
    [backorder] = queries.open_deliveries(order)
    inventory.cancel_transfer(backorder, admin)
    with pytest.raises(BusinessError, match="Invoice what is left"):
        services.credit_down_payments_left(order, admin)
    final = accounting.post_invoice(services.invoice_order(order, admin), admin)
    assert _rows(final)[1:] == [("2050", D(-1), D(500))] and final.amount_total == 0
    assert services.down_payments_left(order).untaxed == D(300)
    url = reverse("sales:order_give_back", args=[order.pk])
    page = signed_in(admin).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert url in page and "Give back the down payments left" in page
    assert signed_in(admin).post(url).status_code == 302
    note = Invoice.objects.get(kind=Invoice.Kind.CUSTOMER_CREDIT_NOTE)
    assert (note.kind, note.state) == (Invoice.Kind.CUSTOMER_CREDIT_NOTE, Invoice.State.DRAFT)
    assert _rows(note) == [("2050", D(1), D(300))] and note.amount_total == D("369.00")
    assert down.number in note.lines.get().description
    assert Event.objects.get(name="salesorder.down_payments_credited").data == {
        "number": order.number, "credit_note": note.pk, "total": "369.00",
    }  # fmt: skip
    assert services.down_payments_left(order).total == 0
    with pytest.raises(BusinessError, match="No down payment"):
        services.credit_down_payments_left(order, admin)  # a draft counts: asked twice, given back once
    api = f"/api/v1/sales/orders/{order.pk}/give-back/"
    assert_problem(api_client(admin).post(api, {}, format="json"), 400)
    accounting.delete_draft(note, admin)
    made = api_client(admin).post(api, {}, format="json")
    assert made.status_code == 201 and made.json()["total"] == "369.00"
    note = Invoice.objects.get(pk=made.json()["invoice"])
    page = signed_in(admin).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert url not in page
    accounting.post_invoice(note, admin)
    assert _advances_balance(company) == 0
    assert books_queries.open_balance(customer) == D("-369.00")  # the customer's credit
    found = queries.progress(order)
    assert found.amount_invoiced == D("615.00")  # 984 paid in advance, 369 given back
    assert not invariants.violations(), invariants.describe(invariants.violations())


def test_a_partial_invoice_deducts_under_the_taxes_of_the_goods_it_bills(
    company: Company, salesperson: User, customer: Partner, design: Product, vat: Tax, admin: User
) -> None:
    """Half paid in advance of an order of goods at 23 % and at 8 %: an invoice of the 8 % goods
    alone deducts from the advance paid under 8 %, never the 23 % one (which taken against them
    could bring the invoice below zero), and the final invoice deducts the rest."""
    reduced = Tax.objects.get(company=company, use=Tax.Use.SALE, amount=D(8), price_included=False)
    order = services.create_order(
        company, salesperson, partner=customer, order_date=DAY,
        lines=[
            services.OrderLineData(product=design, quantity="10", price_unit="100", taxes=[vat]),
            services.OrderLineData(product=design, quantity="1", price_unit="100", taxes=[reduced]),
        ],
    )  # fmt: skip
    services.confirm_order(order, admin)
    order.refresh_from_db()
    down = accounting.post_invoice(services.invoice_down_payment(order, admin, percent="50"), admin)
    assert sorted(line.price_unit for line in down.lines.all()) == [D(50), D(500)]
    low = order.lines.get(taxes=reduced)
    first = accounting.post_invoice(services.invoice_order(order, admin, quantities={low.pk: "1"}), admin)
    assert [(row[1], row[2]) for row in _rows(first)] == [(D(1), D(100)), (D(-1), D(50))]
    assert list(first.lines.order_by("sequence").last().taxes.all()) == [reduced]  # type: ignore[union-attr]
    assert first.amount_total == D("54.00")
    final = accounting.post_invoice(services.invoice_order(order, admin), admin)
    assert final.amount_total == D("615.00")  # 1,230 less the 615 paid under 23 %
    assert down.amount_total + first.amount_total + final.amount_total == order.amount_total
    assert services.down_payments_left(order).total == 0
    assert not invariants.violations(), invariants.describe(invariants.violations())


def test_crediting_an_orders_invoice_in_accounting_undoes_what_it_billed_or_deducted(
    order: SalesOrder, admin: User
) -> None:
    """A credit note made in accounting of a down payment (refunded rather than cancelled, once
    paid) is deducted no more; a credit note of the final invoice puts its goods back to invoice
    and its deduction back to deduct, so the invoice made again deducts it once more."""
    first = accounting.post_invoice(services.invoice_down_payment(order, admin, percent="10"), admin)
    accounting.post_invoice(accounting.credit_note(first, admin), admin)
    assert services.down_payments_left(order).total == 0 and services.down_payments_invoiced(order) == 0
    down = accounting.post_invoice(services.invoice_down_payment(order, admin, percent="100"), admin)
    deliver(order, admin)
    final = accounting.post_invoice(services.invoice_order(order, admin), admin)
    assert final.amount_total == 0
    accounting.post_invoice(accounting.credit_note(final, admin), admin)
    assert services.down_payments_left(order).untaxed == D(1000)
    assert [status.to_invoice for status in queries.line_statuses(order)] == [D(10)]
    again = accounting.post_invoice(services.invoice_order(order, admin), admin)
    assert _rows(again)[1:] == [("2050", D(-1), D(1000))] and again.amount_total == 0
    assert services.down_payments_left(order).total == 0
    assert queries.progress(order).amount_invoiced == down.amount_total
    assert not invariants.violations(), invariants.describe(invariants.violations())


@pytest.mark.parametrize(("later", "difference"), [("0.95", "loss"), ("0.85", "gain")])
def test_a_foreign_down_payment_leaves_nothing_on_the_advances_when_the_rate_moved(
    later: str,
    difference: str,
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    vat: Tax,
    warehouse: object,
) -> None:
    """An order in dollars of a company in euros: 10 % paid in advance at 0.90 (111.11 USD on the
    advances, 100.00 EUR), the final invoice a month later at another rate deducts the 111.11 USD.
    The advances account ends at zero in euros as in dollars: the difference of the rates on the
    advance (about 5.55 EUR) is the realised exchange loss or gain, posted to the accounts the books
    name for it, as a payment's would be."""
    usd, eur = Currency.objects.get(code="USD"), company.currency
    ExchangeRate.objects.create(base=usd, quote=eur, date=DAY - datetime.timedelta(1), rate=D("0.9"))
    ExchangeRate.objects.create(base=usd, quote=eur, date=DAY + datetime.timedelta(20), rate=D(later))
    order = quotation(company, salesperson, customer, (chair, "10"), taxes=[vat], currency=usd)
    services.confirm_order(order, salesperson)
    down = services.invoice_down_payment(order, admin, percent="10", invoice_date=DAY)
    accounting.post_invoice(down, admin)
    assert down.rate == D("0.9")
    deliver(order, admin)
    final = services.invoice_order(order, admin, invoice_date=DAY + datetime.timedelta(30))
    advance = down.amount_untaxed  # the chair's 100 EUR in dollars: 111.11, so 1,111.10 in all
    assert _rows(final)[1:] == [("2050", D(-1), advance)]
    final = accounting.post_invoice(final, admin)
    assert final.rate == D(later)
    advances = Account.objects.get(company=company, code="2050")
    lines = JournalLine.objects.filter(account=advances)
    assert sum((line.credit - line.debit for line in lines), D(0)) == 0, "nothing left on the advances"
    assert sum((line.amount_currency or 0 for line in lines), D(0)) == 0
    books = BooksSettings.objects.get(company=company)
    account = books.exchange_gain_account if difference == "gain" else books.exchange_loss_account
    assert account is not None
    [exchange] = JournalLine.objects.filter(account=account)
    moved = abs((advance * D(later)).quantize(D("0.01")) - (advance * D("0.9")).quantize(D("0.01")))
    assert moved in (D("5.55"), D("5.56"))
    assert (exchange.debit, exchange.credit) == ((moved, D(0)) if difference == "loss" else (D(0), moved))
    assert exchange.entry.date == final.accounting_date and exchange.entry.journal == books.exchange_journal
    [settled] = Event.objects.filter(name="salesorder.advance_exchange_settled", subject_id=str(order.pk))
    gained = moved if difference == "gain" else -moved
    assert settled.data == {
        "number": order.number,
        "entry": exchange.entry.number,
        "gain": str(gained),
        "currency": eur.code,
    }
    assert not invariants.violations()
    # posting it again changes nothing: a later look finds the advances already whole
    services.settle_advances_exchange(order, admin, final.accounting_date)
    assert JournalLine.objects.filter(account=account).count() == 1


def test_one_invoice_for_two_foreign_orders_settles_each_orders_advance(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    vat: Tax,
    warehouse: object,
) -> None:
    """Two orders in dollars, each 10 % paid in advance at 0.90, invoiced together a month later
    at 0.95: the one invoice deducts both advances, the advances account ends at zero in euros
    as in dollars, and each order's exchange loss is its own entry, named after it, on its own
    timeline."""
    usd, eur = Currency.objects.get(code="USD"), company.currency
    ExchangeRate.objects.create(base=usd, quote=eur, date=DAY - datetime.timedelta(1), rate=D("0.9"))
    ExchangeRate.objects.create(base=usd, quote=eur, date=DAY + datetime.timedelta(20), rate=D("0.95"))
    orders = []
    for quantity in ("6", "4"):
        order = quotation(company, salesperson, customer, (chair, quantity), taxes=[vat], currency=usd)
        services.confirm_order(order, salesperson)
        down = services.invoice_down_payment(order, admin, percent="10", invoice_date=DAY)
        accounting.post_invoice(down, admin)
        deliver(order, admin)
        orders.append(order)
    final = services.invoice_orders(orders, admin, invoice_date=DAY + datetime.timedelta(30))
    accounting.post_invoice(final, admin)
    advances = JournalLine.objects.filter(account=Account.objects.get(company=company, code="2050"))
    assert sum((line.credit - line.debit for line in advances), D(0)) == 0, "nothing left on the advances"
    assert sum((line.amount_currency or 0 for line in advances), D(0)) == 0
    books = BooksSettings.objects.get(company=company)
    losses = JournalLine.objects.filter(account=books.exchange_loss_account).select_related("entry")
    assert sorted(line.entry.reference for line in losses) == sorted(order.number for order in orders)
    for order in orders:
        order.refresh_from_db()
        [settled] = Event.objects.filter(name="salesorder.advance_exchange_settled", subject_id=str(order.pk))
        [loss] = [line for line in losses if line.entry.reference == order.number]
        assert settled.data["entry"] == loss.entry.number and D(settled.data["gain"]) == -loss.debit < 0
    assert not invariants.violations(), invariants.describe(invariants.violations())
