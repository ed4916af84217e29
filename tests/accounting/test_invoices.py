"""Invoices and bills: drafts, instalments, posting (entry lines, foreign currency, reverse
charge), cancelling by reversal, credit notes, and bad input that changes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from tandem.accounting.models import BooksSettings, Invoice, JournalEntry, JournalLine, PaymentTermLine, Tax
from tandem.accounting.services import invoices, taxes
from tandem.accounting.services.invoices import LineData
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, ExchangeRate, PaymentTerm, User
from tandem.partners.models import Partner

from .conftest import DAY

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def vat(company: Company, books: BooksSettings) -> dict[str, Tax]:
    return {t.name: t for t in taxes.install_taxes(company, None, "PL")}


@pytest.fixture
def customer(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Kowalski sp. z o.o.", country="PL", email="buyer@example.com")


def _invoice(company: Company, partner: Partner, vat: dict[str, Tax], **extra: object) -> Invoice:
    lines = (
        extra.pop("lines")
        if "lines" in extra
        else [
            LineData("Oak table", D(2), D("500.00"), taxes=[vat["VAT 23 %"]]),
            LineData("Delivery", D(1), D("40.00"), taxes=[vat["VAT 8 %"]]),
        ]
    )
    return invoices.create_invoice(
        company,
        None,
        kind=extra.pop("kind", "customer_invoice"),
        partner=partner,
        invoice_date=DAY,
        lines=lines,
        **extra,
    )


def test_a_draft_computes_its_totals(company: Company, customer: Partner, vat: dict[str, Tax]) -> None:
    draft = _invoice(company, customer, vat)
    assert (draft.amount_untaxed, draft.amount_tax, draft.amount_total) == (
        D("1040.00"),
        D("233.20"),
        D("1273.20"),
    )
    assert draft.state == "draft" and draft.number == ""


def test_instalments_give_due_dates(company: Company, eur: Currency) -> None:
    term = PaymentTerm.objects.create(company=company, name="30/70", days=60)
    PaymentTermLine.objects.create(term=term, sequence=1, value="percent", amount=D(30), days=0)
    PaymentTermLine.objects.create(term=term, sequence=2, value="balance", days=60, end_of_month=True)
    parts = invoices.instalments(term, DAY, D("1000.01"), eur)
    assert parts == [(DAY, D("300.00")), (datetime.date(2026, 5, 31), D("700.01"))]
    assert invoices.instalments(None, DAY, D(5), eur) == [(DAY, D(5))]


def test_posting_builds_a_balanced_entry(company: Company, customer: Partner, vat: dict[str, Tax]) -> None:
    term = PaymentTerm.objects.create(company=company, name="30/70", days=60)
    PaymentTermLine.objects.create(term=term, sequence=1, value="percent", amount=D(30), days=0)
    PaymentTermLine.objects.create(term=term, sequence=2, value="balance", days=60)
    posted = invoices.post_invoice(_invoice(company, customer, vat, payment_term=term), None)
    assert posted.state == "posted" and posted.number and posted.entry.state == "posted"
    lines = list(posted.entry.lines.select_related("account", "tax"))
    assert sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines) == D("1273.20")
    receivable = [ln for ln in lines if ln.due_date]
    assert [(ln.due_date, ln.debit) for ln in receivable] == [
        (DAY, D("381.96")),
        (DAY + datetime.timedelta(60), D("891.24")),
    ]
    assert {ln.tax.name: ln.credit for ln in lines if ln.tax} == {
        "VAT 23 %": D("230.00"),
        "VAT 8 %": D("3.20"),
    }
    assert {ln.tax.name: ln.tax_base_amount for ln in lines if ln.tax} == {
        "VAT 23 %": D("1000.00"),
        "VAT 8 %": D("40.00"),
    }
    assert posted.due_date == DAY + datetime.timedelta(60)
    with pytest.raises(BusinessError):
        invoices.update_invoice(posted, None, {"notes": "x"})


def test_a_foreign_invoice_posts_at_the_rate_of_its_date(
    company: Company, customer: Partner, vat: dict[str, Tax], eur: Currency
) -> None:
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(base=usd, quote=eur, date=DAY - datetime.timedelta(1), rate=D("0.9"))
    draft = _invoice(
        company,
        customer,
        vat,
        currency=usd,
        lines=[LineData("Chair", D(3), D("33.33"), taxes=[vat["VAT 23 %"]])],
    )
    posted = invoices.post_invoice(draft, None)
    assert posted.rate == D("0.9")
    lines = list(posted.entry.lines.all())
    assert sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines)
    partner_line = next(ln for ln in lines if ln.due_date)
    assert partner_line.amount_currency == D("122.99") and partner_line.currency_id == "USD"
    assert posted.amount_total_company == partner_line.debit


def test_cancelling_a_posted_invoice_reverses_its_entry(
    company: Company, customer: Partner, vat: dict[str, Tax]
) -> None:
    posted = invoices.post_invoice(_invoice(company, customer, vat), None)
    cancelled = invoices.cancel_invoice(posted, None)
    assert cancelled.state == "cancelled"
    reversal = JournalEntry.objects.get(reversal_of=posted.entry)
    assert reversal.state == "posted"
    assert (
        JournalLine.objects.filter(partner=customer, posted=True).count()
        == 2 * posted.entry.lines.filter(partner=customer).count()
    )


def test_a_credit_note_copies_the_invoice_and_posts_the_other_way(
    company: Company, customer: Partner, vat: dict[str, Tax]
) -> None:
    posted = invoices.post_invoice(_invoice(company, customer, vat), None)
    note = invoices.credit_note(posted, None, date=DAY)
    assert (note.kind, note.credited_invoice, note.amount_total) == (
        "customer_credit_note",
        posted,
        posted.amount_total,
    )
    note = invoices.post_invoice(note, None)
    receivable = note.entry.lines.get(due_date__isnull=False)
    assert receivable.credit == posted.amount_total
    with pytest.raises(BusinessError):
        invoices.cancel_invoice(posted, None)  # its credit note first


def test_an_eu_supplier_bill_self_assesses_the_vat(
    company: Company, make_partner: Callable[..., Partner], vat: dict[str, Tax]
) -> None:
    supplier = make_partner("Holz GmbH", country="DE", tax_id="DE136695976", is_supplier=True)
    eu = taxes.position_for(company, "DE", True)
    boards = LineData(
        "Oak boards", D(1), D("1000.00"), taxes=taxes.map_taxes(eu, [vat["VAT 23 % (naliczony)"]])
    )
    bill = invoices.create_invoice(
        company, None, kind="supplier_bill", partner=supplier, invoice_date=DAY, lines=[boards]
    )
    assert bill.fiscal_position.kind == "eu_reverse_charge"  # type: ignore[union-attr]
    assert bill.amount_total == D("1000.00")  # the supplier is paid without VAT
    posted = invoices.post_invoice(bill, None)
    tax_lines = posted.entry.lines.filter(tax__isnull=False)
    assert sorted((ln.debit, ln.credit) for ln in tax_lines) == [(D(0), D("230.00")), (D("230.00"), D(0))]


def test_bad_input_changes_nothing(
    company: Company, customer: Partner, vat: dict[str, Tax], other_company: Company
) -> None:
    bad = [
        {"lines": []},
        {"lines": [LineData("", D(1), D(1))]},
        {"lines": [LineData("x", 1.5, D(1))]},
        {"lines": [LineData("x", D(1), D(1), discount=D(120))]},
        {"lines": [LineData("x", D(1), D(1), taxes=[vat["VAT 23 % (naliczony)"]])]},
        {"lines": [LineData("x", "abc", D(1))]},
    ]
    for extra in bad:
        with pytest.raises(ValidationFailed):
            _invoice(company, customer, vat, **extra)
    assert not Invoice.objects.exists()
    draft = _invoice(company, customer, vat)
    with pytest.raises(ValidationFailed):
        invoices.update_invoice(draft, None, {"notes": "changed"}, lines=[LineData("", D(1), D(1))])
    draft.refresh_from_db()
    assert draft.notes == "" and draft.lines.count() == 2
    credit = _invoice(company, customer, vat, lines=[LineData("Refund", D(1), D("-10.00"))])
    with pytest.raises(BusinessError):
        invoices.post_invoice(credit, None)
    assert not JournalEntry.objects.exists()


def test_per_document_rounding_rounds_each_tax_once(
    company: Company, customer: Partner, vat: dict[str, Tax], books: BooksSettings
) -> None:
    BooksSettings.objects.filter(pk=books.pk).update(tax_rounding="document")
    lines = [LineData(f"Screw {n}", D(1), D("0.10"), taxes=[vat["VAT 23 %"]]) for n in range(3)]
    draft = _invoice(company, customer, vat, lines=lines)
    assert draft.amount_tax == D("0.07")
    posted = invoices.post_invoice(draft, None)
    assert posted.entry.lines.get(tax__isnull=False).credit == D("0.07")


def test_accountants_post(accountant: User) -> None:
    assert accountant.has_perm("accounting.change_invoice")


def test_the_pdf_and_the_e_mail(
    company: Company, customer: Partner, vat: dict[str, Tax], mailoutbox: list
) -> None:
    from tandem.core.models import Event
    from tandem.core.notifications.models import OutgoingEmail

    draft = _invoice(company, customer, vat)
    with pytest.raises(BusinessError):
        invoices.send_invoice(draft, None)
    posted = invoices.post_invoice(draft, None)
    pdf = invoices.invoice_pdf(posted)
    assert pdf.startswith(b"%PDF")
    sent = invoices.send_invoice(posted, None)
    assert sent.sent_at is not None
    email = OutgoingEmail.objects.get(partner_id=customer.pk)
    assert email.to == ["buyer@example.com"] and posted.number in email.subject
    assert email.attachments.get().name == invoices.pdf_name(posted)
    assert Event.objects.filter(name="invoice.sent", partner_id=customer.pk).exists()


def test_the_vat_report_sums_base_and_tax_per_rate(
    company: Company, customer: Partner, vat: dict[str, Tax], make_partner: Callable[..., Partner]
) -> None:
    from tandem.accounting.queries.taxes import vat_lines, vat_report

    posted = invoices.post_invoice(_invoice(company, customer, vat), None)
    invoices.post_invoice(invoices.credit_note(posted, None, date=DAY), None)
    invoices.post_invoice(_invoice(company, customer, vat), None)
    supplier = make_partner("Holz GmbH", country="DE", tax_id="DE136695976", is_supplier=True)
    eu = taxes.position_for(company, "DE", True)
    boards = LineData("Boards", D(1), D("100.00"), taxes=taxes.map_taxes(eu, [vat["VAT 23 % (naliczony)"]]))
    invoices.post_invoice(
        invoices.create_invoice(
            company, None, kind="supplier_bill", partner=supplier, invoice_date=DAY, lines=[boards]
        ),
        None,
    )
    rows = {row.tax.name: row for row in vat_report(company, DAY.replace(day=1), DAY.replace(day=31))}
    assert (rows["VAT 23 %"].base, rows["VAT 23 %"].amount) == (D("1000.00"), D("230.00"))
    assert (rows["VAT 8 %"].base, rows["VAT 8 %"].amount) == (D("40.00"), D("3.20"))
    reverse = rows["VAT 23 % EU reverse charge"]
    assert (reverse.base, reverse.amount, reverse.self_assessed) == (D("100.00"), D("23.00"), D("23.00"))
    assert vat_lines(company, vat["VAT 8 %"], DAY, DAY).count() == 6  # base and tax line of 3 documents
    assert vat_report(company, DAY.replace(month=4, day=1), DAY.replace(month=4, day=30)) == []
