"""Payments and reconciliation: post, full and partial, many-to-many, write-off, unreconcile,
realised exchange differences, the derived payment status and a partner's balances."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from tandem.accounting.models import BooksSettings, Invoice, JournalLine, Reconciliation
from tandem.accounting.queries import payments as queries
from tandem.accounting.services import invoices, payments, reconciliation
from tandem.accounting.services.invoices import LineData
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, ExchangeRate, User
from tandem.partners.models import Partner

from .conftest import DAY, account, journal

D = Decimal
pytestmark = pytest.mark.django_db
LATER = DAY + datetime.timedelta(days=45)


@pytest.fixture
def customer(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Kowalski sp. z o.o.", country="PL")


@pytest.fixture
def make_invoice(company: Company, books: BooksSettings, customer: Partner) -> Callable[..., Invoice]:
    def make(total: str = "100.00", *, kind: str = "customer_invoice", **extra: object) -> Invoice:
        draft = invoices.create_invoice(
            company,
            None,
            kind=kind,
            partner=extra.pop("partner", customer),  # type: ignore[arg-type]
            invoice_date=extra.pop("on", DAY),  # type: ignore[arg-type]
            lines=[LineData("Oak table", D(1), D(total), taxes=[])],
            **extra,
        )
        return invoices.post_invoice(draft, None)

    return make


def _residual(invoice: Invoice) -> Decimal:
    return queries.invoice_residuals([invoice.pk]).get(invoice.pk, D(0))


def _status(invoice: Invoice, today: datetime.date = DAY) -> str:
    return queries.statuses([invoice], today)[invoice.pk][0]


def _pay(company: Company, customer: Partner, amount: str, **extra: object) -> JournalLine:
    payment = payments.create_payment(
        company,
        None,
        direction=str(extra.pop("direction", "inbound")),
        journal=journal(company, "BNK1"),
        date=extra.pop("on", DAY),  # type: ignore[arg-type]
        amount=D(amount),
        partner=customer,
        **extra,  # type: ignore[arg-type]
    )
    return payments.partner_line(payments.post_payment(payment, None))


def test_posting_a_payment_books_bank_against_the_receivable(
    company: Company, books: BooksSettings, customer: Partner
) -> None:
    payment = payments.create_payment(
        company, None, direction="inbound", journal=journal(company, "BNK1"), date=DAY, amount=D("50.00"),
        partner=customer,
    )  # fmt: skip
    assert payment.state == "draft" and payment.number == ""
    payment = payments.post_payment(payment, None)
    lines = {line.account.code: line for line in payment.entry.lines.select_related("account")}
    assert (lines["1010"].debit, lines["1100"].credit) == (D("50.00"), D("50.00"))
    assert payment.state == "posted" and payment.number == payment.entry.number
    assert payment.amount_company == D("50.00") and lines["1100"].partner == customer
    with pytest.raises(BusinessError):
        payments.post_payment(payment, None)


def test_bad_payments_are_refused_and_write_nothing(
    company: Company, books: BooksSettings, customer: Partner
) -> None:
    for bad in ({"amount": D(0)}, {"amount": D("-1")}, {"amount": D("1.001")}, {"journal": "MISC"}):
        with pytest.raises(ValidationFailed):
            payments.create_payment(
                company, None, direction="inbound", date=DAY, partner=customer,
                amount=bad.get("amount", D(10)), journal=journal(company, str(bad.get("journal", "BNK1"))),
            )  # fmt: skip
    assert not payments.Payment.objects.exists()


def test_a_credit_note_is_refunded_on_the_account_it_was_booked_on(
    company: Company, books: BooksSettings, customer: Partner, make_partner: Callable[..., Partner]
) -> None:
    """Money out to a customer settles their credit note on the receivable, money in from a
    supplier their refund on the payable: the payment takes the account of what it pays."""
    sold = invoices.credit_note(make_invoice_of(company, customer, "customer_invoice"), None)
    refund, matched = payments.register_payment(
        [invoices.post_invoice(sold, None)], None, journal=journal(company, "BNK1"), date=DAY
    )
    assert refund.direction == "outbound" and len(matched) == 1
    assert payments.partner_line(refund).account.code == "1100"
    assert _status(sold) == "paid"

    supplier = make_partner("Tartak Nowak", country="PL")
    bought = invoices.credit_note(make_invoice_of(company, supplier, "supplier_bill"), None)
    back, matched = payments.register_payment(
        [invoices.post_invoice(bought, None)], None, journal=journal(company, "BNK1"), date=DAY
    )
    assert back.direction == "inbound" and len(matched) == 1
    assert payments.partner_line(back).account.code == "2000"
    assert _status(bought) == "paid" and queries.misflagged_open_items() == []


def make_invoice_of(company: Company, partner: Partner, kind: str) -> Invoice:
    draft = invoices.create_invoice(
        company, None, kind=kind, partner=partner, invoice_date=DAY,
        lines=[LineData("Oak table", D(1), D("80.00"), taxes=[])],
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


def test_full_and_partial_payments_derive_the_status(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice]
) -> None:
    invoice = make_invoice("100.00")
    assert (_status(invoice), _residual(invoice)) == ("not_paid", D("100.00"))
    reconciliation.reconcile([*_open(invoice), _pay(company, customer, "30.00")], None)
    assert (_status(invoice), _residual(invoice)) == ("partial", D("70.00"))
    assert _status(invoice, LATER) == "overdue"
    reconciliation.reconcile([*_open(invoice), _pay(company, customer, "70.00")], None)
    assert (_status(invoice, LATER), _residual(invoice)) == ("paid", D(0))
    assert queries.open_balance(customer) == D(0)


def _open(invoice: Invoice) -> list[JournalLine]:
    return list(JournalLine.objects.filter(entry=invoice.entry, account__reconcilable=True))


def test_one_payment_pays_several_invoices_and_several_payments_one(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice]
) -> None:
    first, second = make_invoice("60.00"), make_invoice("40.00")
    payment = _pay(company, customer, "100.00")
    made = reconciliation.reconcile([*_open(first), *_open(second), payment], None)
    assert len(made) == 2 and {_status(first), _status(second)} == {"paid"}
    third = make_invoice("90.00")
    for amount in ("20.00", "30.00", "40.00"):
        reconciliation.reconcile([*_open(third), _pay(company, customer, amount)], None)
    assert (_status(third), queries.open_balance(customer)) == ("paid", D(0))


def test_register_payment_refuses_paying_more_than_is_due_without_a_write_off(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice], books: BooksSettings
) -> None:
    invoice = make_invoice("100.00")
    with pytest.raises(reconciliation.Overpaid, match="more than is due"):
        payments.register_payment(
            [invoice], None, journal=journal(company, "BNK1"), date=DAY, amount=D("100.40")
        )
    assert not payments.Payment.objects.exists() and not Reconciliation.objects.exists()
    books.write_off_tolerance = D("0.50")
    books.save()
    payments.register_payment(
        [invoice], None, journal=journal(company, "BNK1"), date=DAY, amount=D("100.40"), write_off=True
    )
    assert _status(invoice) == "paid" and queries.open_balance(customer) == D(0)
    written = JournalLine.objects.get(account=account(company, "6850"))
    assert written.credit == D("0.40")  # the customer paid 0.40 too much: other income
    with pytest.raises(reconciliation.Overpaid, match="write-off tolerance"):
        payments.register_payment(
            [make_invoice("10.00")], None, journal=journal(company, "BNK1"), date=DAY, amount=D("11.00"),
            write_off=True,
        )  # fmt: skip


def test_a_small_underpayment_is_written_off(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice], books: BooksSettings
) -> None:
    books.write_off_tolerance = D("1.00")
    books.save()
    invoice = make_invoice("100.00")
    payments.register_payment(
        [invoice], None, journal=journal(company, "BNK1"), date=DAY, amount=D("99.10"), write_off=True
    )
    assert _status(invoice) == "paid"
    assert JournalLine.objects.get(account=account(company, "6850")).debit == D("0.90")


def test_unreconcile_makes_the_invoice_open_again_and_a_matched_payment_cannot_be_cancelled(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice]
) -> None:
    invoice = make_invoice("80.00")
    payment, made = payments.register_payment([invoice], None, journal=journal(company, "BNK1"), date=DAY)
    assert _status(invoice) == "paid"
    with pytest.raises(BusinessError, match="unreconcile"):
        payments.cancel_payment(payment, None)
    for row in made:
        reconciliation.unreconcile(row, None)
    assert (_status(invoice), _residual(invoice)) == ("not_paid", D("80.00"))
    payments.cancel_payment(payment, None)
    payment.refresh_from_db()
    assert payment.state == "cancelled" and queries.open_balance(customer) == D("80.00")
    assert not queries.open_items(JournalLine.objects.filter(entry=payment.entry)).exists()


def test_a_foreign_invoice_paid_at_another_rate_realises_the_exchange_difference(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice], eur: Currency
) -> None:
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(base=usd, quote=eur, date=DAY, rate=D("0.9"))
    invoice = make_invoice("100.00", currency=usd)
    ExchangeRate.objects.create(base=usd, quote=eur, date=LATER, rate=D("0.95"))
    payment, made = payments.register_payment(
        [invoice], None, journal=journal(company, "BNK1"), date=LATER, amount=D("100.00")
    )
    assert payment.currency == usd and payment.amount_company == D("95.00")
    assert _status(invoice, LATER) == "paid" and queries.open_balance(customer) == D(0)
    gain = JournalLine.objects.get(account=account(company, "4900"))
    assert gain.credit == D("5.00")  # received 95 EUR for what was booked at 90
    main = next(row for row in made if row.exchange_entry is not None)
    reconciliation.unreconcile(main, None)
    # Open again: 100 USD owed (booked at 90 EUR) and 100 USD received (95 EUR), the gain reversed.
    assert _residual(invoice) == D("100.00") and queries.open_balance(customer) == D("-5.00")
    assert JournalLine.objects.filter(account=account(company, "4900")).count() == 2


def test_the_balances_other_domains_read_follow_record_rules(
    company: Company, make_partner: Callable[..., Partner], make_invoice: Callable[..., Invoice],
    salesperson: User, other_salesperson: User,
) -> None:  # fmt: skip
    mine = make_partner("Mine d.o.o.", owner=salesperson)
    theirs = make_partner("Theirs d.o.o.", owner=other_salesperson)
    make_invoice("100.00", partner=mine)
    make_invoice("50.00", partner=theirs)
    assert queries.open_balance(mine, salesperson) == D("100.00")
    assert queries.overdue(mine, salesperson, today=LATER) == D("100.00")
    assert queries.overdue(mine, salesperson, today=DAY) == D(0)
    assert queries.open_balance(theirs, salesperson) is None and queries.overdue(theirs, salesperson) is None


def test_payment_status_is_a_pure_function_of_the_facts() -> None:
    status = queries.payment_status
    assert status("draft", D(10), D(10), None, DAY) == ""
    assert status("posted", D(10), D(0), DAY, LATER) == "paid"
    assert status("posted", D(10), D(10), LATER, DAY) == "not_paid"
    assert status("posted", D(10), D(4), LATER, DAY) == "partial"
    assert status("posted", D(10), D(4), DAY, LATER) == "overdue"
