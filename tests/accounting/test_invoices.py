"""Invoices and bills: drafts, instalments, posting (entry lines, foreign currency, reverse
charge), cancelling by reversal, credit notes, and bad input that changes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db.models import Sum

from tandem.accounting.models import (
    Account,
    BooksSettings,
    Invoice,
    JournalEntry,
    JournalLine,
    PaymentTermLine,
    Tax,
)
from tandem.accounting.queries import payments
from tandem.accounting.queries.payment_terms import instalments
from tandem.accounting.services import fiscal_positions, invoices, ledger, taxes
from tandem.accounting.services.invoices import LineData
from tandem.catalog.services import create_product
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, ExchangeRate, PaymentTerm, Uom, User
from tandem.partners.models import Partner
from tests.accounting.reports.conftest import vat_rows

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
    parts = instalments(term, DAY, D("1000.01"), eur)
    assert parts == [(DAY, D("300.00")), (datetime.date(2026, 5, 31), D("700.01"))]
    assert instalments(None, DAY, D(5), eur) == [(DAY, D(5))]


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


def test_an_invoice_whose_lines_net_to_zero_posts_with_nothing_to_pay(
    company: Company, customer: Partner, vat: dict[str, Tax]
) -> None:
    """Goods paid in advance: the goods, less the advance taken back from the liability it sat
    on, come to zero. Posted, the income and the advance move and nothing is owed; an invoice
    whose lines are all zero, or one below zero, is refused with nothing written."""
    advances = Account.objects.get(company=company, code="2050")
    goods = LineData("Oak table", D(2), D("500.00"), taxes=[vat["VAT 23 %"]])
    advance = LineData(
        "Down payment deducted", D(-1), D("1000.00"), account=advances, taxes=[vat["VAT 23 %"]]
    )
    posted = invoices.post_invoice(_invoice(company, customer, vat, lines=[goods, advance]), None)
    assert (posted.state, posted.amount_untaxed, posted.amount_tax, posted.amount_total) == (
        "posted", D(0), D(0), D(0),
    )  # fmt: skip
    lines = list(posted.entry.lines.select_related("account"))
    income = posted.lines.get(description="Oak table").account
    assert {(ln.account, ln.debit, ln.credit) for ln in lines if ln.debit or ln.credit} == {
        (advances, D("1000.00"), D(0)),
        (income, D(0), D("1000.00")),
    }
    receivable = next(ln for ln in lines if ln.due_date)
    assert (receivable.debit, receivable.credit, receivable.open_item) == (D(0), D(0), False)
    assert payments.statuses([posted], DAY)[posted.pk] == (payments.PAID, D(0))
    assert not payments.open_balance(customer)
    entries = JournalEntry.objects.count()
    for lines_given in (
        [LineData("Nothing", D(1), D(0))],
        [
            goods,
            LineData("Too much deducted", D(-1), D("1200.00"), account=advances, taxes=[vat["VAT 23 %"]]),
        ],
    ):
        with pytest.raises(BusinessError):
            invoices.post_invoice(_invoice(company, customer, vat, lines=lines_given), None)
    assert JournalEntry.objects.count() == entries


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
    from tandem.accounting.queries.reports import Params, drill_lines

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
    rows = vat_rows(company, DAY.replace(day=1), DAY.replace(day=31))
    assert (rows["VAT 23 %"].extra["base"], rows["VAT 23 %"].balance) == (D("1000.00"), D("230.00"))
    assert (rows["VAT 8 %"].extra["base"], rows["VAT 8 %"].balance) == (D("40.00"), D("3.20"))
    reverse = rows["VAT 23 % EU reverse charge"]
    assert (reverse.extra["base"], reverse.balance, reverse.extra["self_assessed"]) == (
        D("100.00"),
        D("23.00"),
        D("23.00"),
    )
    # base and tax line of 3 documents
    assert drill_lines(Params(company, DAY, DAY), rows["VAT 8 %"].drill).count() == 6
    april = vat_rows(company, DAY.replace(month=4, day=1), DAY.replace(month=4, day=30))
    assert april.keys() == rows.keys()  # March's taxes beside an empty April
    assert {
        (row.balance, row.extra["base"], row.previous) for row in april.values() if row.section == "sale"
    } == {
        (D(0), D(0), D("230.00")),
        (D(0), D(0), D("3.20")),
    }


def test_a_fiscal_position_maps_the_accounts_an_invoice_posts_to(
    company: Company, vat: dict[str, Tax], make_partner: Callable[..., Partner], pcs: Uom
) -> None:
    """An EU reverse-charge customer and supplier and an export customer: income, expense and
    receivable accounts go through the position's account mappings (on the draft's lines and in
    the posted entry), taxes through its tax mappings, the books balance and the VAT report reads
    each document under its mapped tax."""

    def new_account(code: str, name: str, kind: str, subtype: str) -> Account:
        return ledger.create_account(company, None, code=code, name=name, type=kind, subtype=subtype)

    by_code = {a.code: a for a in Account.objects.filter(company=company)}
    eu_income = new_account("4010", "Revenue from EU customers", "income", "income")
    export_income = new_account("4020", "Revenue from exports", "income", "income")
    eu_expense = new_account("5010", "Goods bought in the EU", "expense", "direct_cost")
    eu = taxes.position_for(company, "DE", True)
    export = taxes.position_for(company, "US", False)
    assert eu is not None and export is not None
    fiscal_positions.update_fiscal_position(
        eu,
        None,
        account_map=[
            (by_code["4000"], eu_income),
            (by_code["5000"], eu_expense),
            (by_code["1100"], by_code["1110"]),
        ],
    )
    fiscal_positions.update_fiscal_position(export, None, account_map=[(by_code["4000"], export_income)])
    table = create_product(company, None, sku="TABLE", name="Oak table", uom=pcs)
    taxes.set_product_accounting(
        table, None, sale_taxes=[vat["VAT 23 %"]], purchase_taxes=[vat["VAT 23 % (naliczony)"]]
    )
    german = make_partner("Möbel Schmidt GmbH", country="DE", tax_id="DE136695976")
    american = make_partner("Oak & Co", country="US")
    supplier = make_partner("Holz GmbH", country="DE", tax_id="DE811191002", is_supplier=True)
    domestic = _invoice(
        company,
        make_partner("Meble Nowak", country="PL"),
        vat,
        lines=[LineData("", D(1), D("100.00"), product=table)],
    )
    to_eu = _invoice(company, german, vat, lines=[LineData("", D(2), D("500.00"), product=table)])
    to_us = _invoice(company, american, vat, lines=[LineData("", D(1), D("300.00"), product=table)])
    bill = _invoice(
        company, supplier, vat, kind="supplier_bill", lines=[LineData("", D(1), D("200.00"), product=table)]
    )
    assert to_eu.lines.get().account == eu_income and to_us.lines.get().account == export_income
    assert bill.lines.get().account == eu_expense and domestic.lines.get().account == by_code["4000"]
    assert (to_eu.amount_tax, to_us.amount_tax, bill.amount_total) == (D(0), D(0), D("200.00"))

    for draft in (domestic, to_eu, to_us, bill):
        invoices.post_invoice(draft, None)

    def posted(invoice: Invoice) -> set[tuple[str, Decimal, Decimal]]:
        entry = Invoice.objects.get(pk=invoice.pk).entry
        return {(ln.account.code, ln.debit, ln.credit) for ln in entry.lines.select_related("account")}  # type: ignore[union-attr]

    assert posted(to_eu) == {("1110", D("1000.00"), D(0)), ("4010", D(0), D("1000.00"))}
    assert posted(to_us) == {("1100", D("300.00"), D(0)), ("4020", D(0), D("300.00"))}
    assert posted(domestic) == {
        ("1100", D("123.00"), D(0)),
        ("4000", D(0), D("100.00")),
        ("2100", D(0), D("23.00")),
    }
    assert posted(bill) == {
        ("5010", D("200.00"), D(0)),
        ("2000", D(0), D("200.00")),
        ("1160", D("46.00"), D(0)),  # input VAT self-assessed ...
        ("2100", D(0), D("46.00")),  # ... and owed
    }
    assert (
        not JournalLine.objects.filter(company=company, account__code__in=["4000", "5000"])
        .exclude(entry__invoice=domestic)
        .exists()
    )
    totals = JournalLine.objects.filter(company=company).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    assert totals["debit"] == totals["credit"]
    rows = vat_rows(company, DAY.replace(day=1), DAY.replace(day=31))
    assert (rows["VAT 23 %"].extra["base"], rows["VAT 23 %"].balance) == (D("100.00"), D("23.00"))
    assert (rows["VAT 0 % EU"].extra["base"], rows["VAT 0 % EU"].balance) == (D("1000.00"), D(0))
    assert (rows["VAT 0 % export"].extra["base"], rows["VAT 0 % export"].balance) == (D("300.00"), D(0))
    reverse = rows["VAT 23 % EU reverse charge"]
    assert (reverse.extra["base"], reverse.balance, reverse.extra["self_assessed"]) == (
        D("200.00"),
        D("46.00"),
        D("46.00"),
    )


def test_a_draft_whose_position_changed_posts_through_the_new_mapping(
    company: Company, customer: Partner, vat: dict[str, Tax]
) -> None:
    by_code = {a.code: a for a in Account.objects.filter(company=company)}
    export = taxes.position_for(company, "US", False)
    assert export is not None
    fiscal_positions.update_fiscal_position(export, None, account_map=[(by_code["4000"], by_code["4100"])])
    draft = _invoice(company, customer, vat, lines=[LineData("Chair", D(1), D("50.00"))])
    assert draft.lines.get().account == by_code["4000"]
    invoices.update_invoice(draft, None, {"fiscal_position": export})
    posted = invoices.post_invoice(draft, None)
    assert set(posted.entry.lines.values_list("account__code", flat=True)) == {"1100", "4100"}  # type: ignore[union-attr]


def test_a_chain_of_account_mappings_is_refused_with_nothing_written(
    company: Company, vat: dict[str, Tax]
) -> None:
    by_code = {a.code: a for a in Account.objects.filter(company=company)}
    export = taxes.position_for(company, "US", False)
    assert export is not None
    before = (export.version, list(export.account_map.all()))
    with pytest.raises(ValidationFailed) as refused:
        fiscal_positions.update_fiscal_position(
            export, None, account_map=[(by_code["4000"], by_code["4100"]), (by_code["4100"], by_code["4200"])]
        )
    assert "both replaced and a replacement" in " ".join(refused.value.errors["account_map.1"])
    export.refresh_from_db()
    assert (export.version, list(export.account_map.all())) == before


def test_the_cash_forecast_expects_each_instalment_on_its_due_date(
    company: Company, customer: Partner, vat: dict[str, Tax]
) -> None:
    from tandem.accounting.queries import forecast

    term = PaymentTerm.objects.create(company=company, name="30/70", days=60)
    PaymentTermLine.objects.create(term=term, sequence=1, value="percent", amount=D(30), days=0)
    PaymentTermLine.objects.create(term=term, sequence=2, value="balance", days=60)
    invoices.post_invoice(_invoice(company, customer, vat, payment_term=term), None)  # 1,273.20
    plan = forecast.forecast(company, DAY)  # a Tuesday: week 0 is 9–15 March
    expected = {n: week.by_source["open_items"] for n, week in enumerate(plan.weeks) if week.by_source}
    assert expected == {0: D("381.96"), 8: D("891.24")}  # 30 % now; 70 % on 9 May (4–10 May)
