"""In a real Chromium: an accountant creates and posts an invoice, downloads its PDF, imports the
bank's statement with a line paying part of it, confirms the match on the reconciliation screen
with one key, and sees the aged receivables fall. Screenshots land in ``test-artifacts/browser/``."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tandem.accounting.models import BankStatementLine, Invoice
from tandem.accounting.services import charts
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IBAN = "GB82WEST12345698765432"


def camt053(number: str, amount: str, opening: str = "500.00") -> bytes:
    """The bank's statement of today: one incoming payment naming the invoice."""
    day = timezone.localdate().isoformat()
    closing = Decimal(opening) + Decimal(amount)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>BROWSER-1</MsgId><CreDtTm>{day}T06:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>BROWSER-{day}</Id>
   <CreDtTm>{day}T06:00:00</CreDtTm>
   <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>
    <AcctSvcrRef>BROWSER-{day}-1</AcctSvcrRef>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
     <Amt Ccy="EUR">{amount}</Amt>
     <RltdPties><Dbtr><Pty><Nm>Kowalski sp. z o.o.</Nm></Pty></Dbtr>
      <DbtrAcct><Id><IBAN>{IBAN}</IBAN></Id></DbtrAcct></RltdPties>
     <RmtInf><Ustrd>Part payment of {number}</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
""".encode()


def test_post_an_invoice_then_reconcile_a_part_payment_from_the_bank_statement(
    page: Any, company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner],
    tmp_path: Path,
) -> None:  # fmt: skip
    from playwright.sync_api import expect

    ada = make_user("ada", roles.ACCOUNTANT)
    charts.install_chart(company, ada, "ifrs", today=timezone.localdate())
    customer = make_partner("Kowalski sp. z o.o.", country="PL")
    add_bank_account(customer, ada, iban=IBAN)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, ada)

    # A new invoice on the page, posted.
    page.goto("/accounting/invoices/new/")
    page.select_option("select[name=partner]", str(customer.pk))
    page.fill("input[name=lines-0-description]", "Oak desk")
    page.fill("input[name=lines-0-quantity]", "1")
    page.fill("input[name=lines-0-price_unit]", "300.00")
    shot(page, "bank-01-invoice-form")
    page.locator("#object-form [type=submit]").first.click()
    expect(page.locator("h1")).to_contain_text("Draft")
    page.locator("form[data-action=post] button").click()
    expect(page.locator("[data-state=posted]")).to_be_visible()
    invoice = Invoice.objects.get()
    assert invoice.state == "posted" and invoice.amount_total == Decimal("300.00")
    shot(page, "bank-02-invoice-posted")

    # Its PDF.
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # What customers owe, before the bank.
    page.goto("/accounting/reports/aged-receivables/")
    expect(page.locator("main table")).to_contain_text("300.00")
    shot(page, "bank-03-aged-before")

    # The bank's statement: the customer paid 120.00 of it.
    statement_file = tmp_path / "statement.xml"
    statement_file.write_bytes(camt053(invoice.number, "120.00"))
    page.goto("/accounting/statements/new/")
    page.set_input_files("input[name=file]", str(statement_file))
    page.locator("#object-form [type=submit]").click()
    page.wait_for_load_state()
    shot(page, "bank-04-uploaded")
    expect(page.locator("[data-waiting-count]")).to_contain_text("1 line to reconcile")
    line = BankStatementLine.objects.get()
    row = page.locator(f"#line-{line.pk}")
    expect(row.locator(".top-suggestion")).to_contain_text(invoice.number)
    expect(row.locator(".top-suggestion")).to_contain_text("part payment")
    shot(page, "bank-05-reconciliation-screen")

    # One key: the line has the focus, Enter confirms its top suggestion.
    expect(row.locator("[data-line-row]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#line-{line.pk} [data-done]")).to_contain_text("Reconciled")
    shot(page, "bank-06-reconciled")
    line.refresh_from_db()
    assert line.entry is not None

    # What customers owe has fallen by what came in.
    page.goto("/accounting/reports/aged-receivables/")
    expect(page.locator("main table")).to_contain_text("180.00")
    expect(page.locator("main table")).not_to_contain_text(re.compile(r"\b300\.00\b"))
    shot(page, "bank-07-aged-after")


def test_a_short_payment_is_settled_with_a_write_off_from_the_split_form(
    page: Any, company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner],
    tmp_path: Path,
) -> None:  # fmt: skip
    """The customer's bank kept 0.50 of 100.00: the accountant ticks the invoice in the split
    form and settles it writing the difference off to the settings' write-off account (the
    button posts the split form's fields to its own address, by htmx)."""
    from playwright.sync_api import expect

    from tandem.accounting.queries import payments as payment_queries
    from tandem.accounting.services import invoices, ledger
    from tandem.accounting.services.invoices import LineData

    ada = make_user("ada", roles.ACCOUNTANT)
    books = charts.install_chart(company, ada, "ifrs", today=timezone.localdate())
    ledger.update_books_settings(books, ada, write_off_tolerance=Decimal("1.00"))
    customer = make_partner("Kowalski sp. z o.o.", country="PL")
    add_bank_account(customer, ada, iban=IBAN)
    draft = invoices.create_invoice(
        company, ada, kind="customer_invoice", partner=customer, invoice_date=timezone.localdate(),
        lines=[LineData("Oak desk", Decimal(1), Decimal("100.00"), taxes=[])],
    )  # fmt: skip
    invoice = invoices.post_invoice(draft, ada)
    sign_in(page, ada)
    statement_file = tmp_path / "statement.xml"
    statement_file.write_bytes(camt053(invoice.number, "99.50"))
    page.goto("/accounting/statements/new/")
    page.set_input_files("input[name=file]", str(statement_file))
    page.locator("#object-form [type=submit]").click()
    page.wait_for_load_state()
    line = BankStatementLine.objects.get()
    row = page.locator(f"#line-{line.pk}")
    expect(row.locator("[data-write-off-suggestion]")).to_contain_text("0.50")

    row.locator("[data-split]").click()
    form = row.locator("[data-split-form]")
    expect(form.locator("[data-write-off]")).to_be_visible()
    form.locator("input[name=item]").first.check()
    form.locator("input[name=write_off_label]").fill("Bank fee")
    shot(page, "bank-08-write-off-form")
    form.locator("[data-write-off-submit]").click()
    expect(page.locator(f"#line-{line.pk} [data-done]")).to_contain_text("Reconciled")
    shot(page, "bank-09-written-off")
    assert payment_queries.statuses([invoice], timezone.localdate())[invoice.pk][0] == "paid"
    line.refresh_from_db()
    written = line.entry.lines.get(account=books.write_off_account)  # type: ignore[union-attr]
    assert (written.debit, written.label) == (Decimal("0.50"), "Bank fee")
