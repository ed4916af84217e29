"""The open-item flag on journal lines: posting sets it, matching clears it, unmatching sets it
again, an account that stops or starts being reconcilable takes its lines along, and the
invariant catches a flag that disagrees with the residuals."""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable
from decimal import Decimal as D

from django.apps import apps

from tandem.accounting.models import BooksSettings, Invoice, JournalEntry, JournalLine
from tandem.accounting.queries import payments as queries
from tandem.accounting.services import invoices, ledger, payments, reconciliation
from tandem.accounting.services.invoices import LineData
from tandem.core.models import Company, Currency, ExchangeRate
from tandem.partners.models import Partner

from .conftest import DAY, account, journal

LATER = DAY + datetime.timedelta(days=5)


def _invoice(company: Company, partner: Partner, total: str, **extra: object) -> Invoice:
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=partner, invoice_date=DAY,
        lines=[LineData("Oak table", D(1), D(total), taxes=[])], **extra,  # type: ignore[arg-type]
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


def _flag(invoice: Invoice) -> bool:
    return JournalLine.objects.get(entry=invoice.entry_id, account__reconcilable=True).open_item


def test_matching_clears_the_flag_and_unmatching_sets_it_again(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner]
) -> None:
    customer = make_partner("Kowalski sp. z o.o.")
    invoice = _invoice(company, customer, "100.00")
    assert _flag(invoice)
    assert not JournalLine.objects.filter(entry=invoice.entry_id, account__reconcilable=False, open_item=True)
    part, made = payments.register_payment(
        [invoice], None, journal=journal(company, "BNK1"), date=DAY, amount=D("40.00")
    )
    assert _flag(invoice) and not payments.partner_line(part).open_item  # what is left stays open
    payments.register_payment([invoice], None, journal=journal(company, "BNK1"), date=DAY)
    assert not _flag(invoice) and queries.misflagged_open_items() == []
    reconciliation.unreconcile(made[0], None)
    assert _flag(invoice) and payments.partner_line(part).open_item
    assert queries.misflagged_open_items() == []


def test_an_exchange_difference_and_its_undoing_keep_the_flags(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner], eur: Currency
) -> None:
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(base=usd, quote=eur, date=DAY, rate=D("0.9"))
    ExchangeRate.objects.create(base=usd, quote=eur, date=LATER, rate=D("0.95"))
    invoice = _invoice(company, make_partner("Acme Inc."), "100.00", currency=usd)
    _payment, made = payments.register_payment(
        [invoice], None, journal=journal(company, "BNK1"), date=LATER, amount=D("100.00")
    )
    assert not _flag(invoice) and queries.misflagged_open_items() == []
    reconciliation.unreconcile(next(row for row in made if row.exchange_entry is not None), None)
    assert _flag(invoice) and queries.misflagged_open_items() == []


def _post(company: Company, debit_code: str, credit_code: str, amount: str) -> JournalEntry:
    entry = ledger.create_entry(
        company, None, journal=journal(company, "MISC"), date=DAY,
        lines=[
            ledger.Line(account(company, debit_code), debit=D(amount)),
            ledger.Line(account(company, credit_code), credit=D(amount)),
        ],
    )  # fmt: skip
    return ledger.post_entry(entry, None)


def test_an_account_made_reconcilable_or_not_takes_its_lines_along(
    company: Company, books: BooksSettings
) -> None:
    suspense = account(company, "1020")
    into = _post(company, "1020", "1010", "70.00")
    out = _post(company, "1010", "1020", "30.00")
    assert not JournalLine.objects.filter(account=suspense, open_item=True).exists()
    ledger.update_account(suspense, None, reconcilable=True)
    assert JournalLine.objects.filter(account=suspense, open_item=True).count() == 2
    reconciliation.reconcile(JournalLine.objects.filter(account=suspense), None)
    assert list(
        JournalLine.objects.filter(account=suspense, open_item=True).values_list("entry", flat=True)
    ) == [
        into.pk  # 40.00 of it left; the 30.00 out is matched in full
    ]
    ledger.update_account(account(company, "1020"), None, reconcilable=False)
    assert not JournalLine.objects.filter(account=suspense, open_item=True).exists()
    ledger.update_account(account(company, "1020"), None, reconcilable=True)
    assert not JournalLine.objects.get(entry=out, account=suspense).open_item  # its match still holds
    assert queries.misflagged_open_items() == []


def test_the_invariant_names_a_flag_that_disagrees(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner]
) -> None:
    invoice = _invoice(company, make_partner("Novak d.o.o."), "55.00")
    line = JournalLine.objects.get(entry=invoice.entry_id, account__reconcilable=True)
    JournalLine.objects.filter(pk=line.pk).update(open_item=False)
    assert queries.misflagged_open_items() == [(line.pk, False)]
    assert not queries.open_items(JournalLine.objects.filter(pk=line.pk)).exists()  # read by the flag


def test_the_migration_flags_the_lines_posted_before_it(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner]
) -> None:
    customer = make_partner("Horvat s.p.")
    paid, open_one = _invoice(company, customer, "20.00"), _invoice(company, customer, "35.00")
    payments.register_payment([paid], None, journal=journal(company, "BNK1"), date=DAY)
    payments.register_payment([open_one], None, journal=journal(company, "BNK1"), date=DAY, amount=D("5.00"))
    JournalLine.objects.update(open_item=False)
    migration = importlib.import_module("tandem.accounting.migrations.0010_journal_line_open_item")
    migration.flag_open_items(apps, None)
    assert queries.misflagged_open_items() == []
    assert (_flag(paid), _flag(open_one)) == (False, True)
