"""Moving in from another system: the chart of accounts, the opening balances, and the open
customer invoices and supplier bills, written in bulk for ``accounting.imports``.

* Accounts match by code; an update changes only the columns a row carries.
* Opening balances become one opening entry (journal of kind general, origin ``opening``):
  each batch of rows adds its lines to the company's draft opening entry, which is posted as
  soon as it balances. A file that does not balance leaves the draft for the accountant to
  complete; posting refuses it until it does.
* An open invoice or bill becomes a posted invoice with its old number, total and due date,
  whose entry carries what is still open (the residual) on the partner's receivable or
  payable account against the retained-earnings account. Leave receivables and payables out
  of the opening balances then: the open items are their detail.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.accounting.models import Account, FiscalYear, Invoice, Journal, JournalEntry, JournalLine
from tandem.accounting.queries import ledger as queries
from tandem.accounting.services import ledger
from tandem.core.errors import BusinessError
from tandem.core.models import Company, Currency, User
from tandem.core.states import transition
from tandem.partners.models import Partner

ACCOUNT_IMPORT_FIELDS = ("code", "name", "type", "subtype", "reconcilable", "currency_id", "active")


@transaction.atomic
def import_accounts(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    Account.objects.bulk_create(
        Account(company=company, **{name: row[name] for name in ACCOUNT_IMPORT_FIELDS if name in row})
        for row in creates
    )
    existing = Account.objects.filter(company=company).in_bulk([pk for pk, _row in updates])
    changed = []
    for pk, row in updates:
        account = existing[pk]
        for name in ACCOUNT_IMPORT_FIELDS:
            if name in row:
                setattr(account, name, row[name])
        account.version += 1
        changed.append(account)
    Account.objects.bulk_update(changed, [*ACCOUNT_IMPORT_FIELDS, "version"])
    return {"created": len(creates), "updated": len(changed)}


def _opening_journal(company: Company) -> Journal:
    journal = (
        Journal.objects.filter(company=company, kind=Journal.Kind.GENERAL, active=True).order_by("id").first()
    )
    if journal is None:
        raise BusinessError(_("Create a general journal first: the opening entry is booked there."))
    return journal


@transaction.atomic
def import_opening_lines(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    """Add the rows to the draft opening entry (dated by the rows' ``date``); the import posts
    it once the whole file is in (:func:`post_opening`), never after a batch that happens to
    balance — the rest of the file would start a second opening entry."""
    if not creates:
        return {"created": 0, "updated": 0}
    entry = _draft_opening(company)
    if entry is None:
        entry = JournalEntry.objects.create(
            company=company,
            journal=_opening_journal(company),
            date=creates[0]["date"],
            reference=_("Opening balances"),
            origin=JournalEntry.Origin.OPENING,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
    JournalLine.objects.bulk_create(_opening_line(company, entry, row) for row in creates)
    return {"created": len(creates), "updated": 0}


@transaction.atomic
def post_opening(company: Company, actor: User | None) -> dict[str, int]:
    """Post the draft opening entry if its lines balance (else it waits for the rest, from
    another file): the opening-balances import's ``finish``."""
    entry = _draft_opening(company)
    if entry is None:
        return {"posted": 0}
    debit, credit = queries.totals(JournalLine.objects.filter(entry=entry))
    if debit != credit or not debit:
        return {"posted": 0}
    ledger.post_entry(entry, actor)
    return {"posted": 1}


def _draft_opening(company: Company) -> JournalEntry | None:
    return (
        JournalEntry.objects.select_for_update()
        .filter(company=company, origin=JournalEntry.Origin.OPENING, state=JournalEntry.State.DRAFT)
        .first()
    )


def _opening_line(company: Company, entry: JournalEntry, row: dict[str, Any]) -> JournalLine:
    currency_id = row.get("currency_id") or company.currency_id
    debit, credit = row.get("debit") or Decimal(0), row.get("credit") or Decimal(0)
    amount_currency = row.get("amount_currency")
    if amount_currency is None or currency_id == company.currency_id:
        amount_currency = debit - credit
    return JournalLine(
        company=company,
        entry=entry,
        journal=entry.journal,
        date=entry.date,
        account_id=row["account_id"],
        partner_id=row.get("partner_id"),
        label=row.get("label", "")[:200],
        debit=debit,
        credit=credit,
        currency_id=currency_id,
        amount_currency=amount_currency,
        due_date=row.get("due_date"),
    )


SALES_KINDS = {Invoice.Kind.CUSTOMER_INVOICE, Invoice.Kind.CUSTOMER_CREDIT_NOTE}
OUTGOING = {Invoice.Kind.CUSTOMER_INVOICE, Invoice.Kind.SUPPLIER_REFUND}  # what the partner owes


@transaction.atomic
def import_open_items(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    books = queries.settings_of(company)
    if books.receivable_account is None or books.payable_account is None or books.earnings_account is None:
        raise BusinessError(_("Install a chart of accounts first: open items need its default accounts."))
    journals: dict[str, Journal | None] = {
        kind: Journal.objects.filter(company=company, kind=kind, active=True).order_by("id").first()
        for kind in (Journal.Kind.SALE, Journal.Kind.PURCHASE)
    }
    partners = Partner.objects.in_bulk({row["partner_id"] for row in creates})
    first_year = FiscalYear.objects.filter(company=company).order_by("start").first()
    for row in creates:
        start = first_year.start if first_year is not None else row["invoice_date"]
        _open_item(company, actor, books, journals, {**row, "partner": partners[row["partner_id"]]}, start)
    return {"created": len(creates), "updated": 0}


def _open_item(
    company: Company,
    actor: User | None,
    books: Any,
    journals: dict[str, Any],
    row: dict[str, Any],
    books_start: datetime.date,
) -> None:
    """An item older than the books is booked on their first day (the invoice keeps its date)."""
    kind = row["kind"]
    journal = journals[Journal.Kind.SALE if kind in SALES_KINDS else Journal.Kind.PURCHASE]
    if journal is None:
        raise BusinessError(_("Create a sales and a purchase journal first."))
    account = books.receivable_account if kind in SALES_KINDS else books.payable_account
    currency_id = row.get("currency_id") or company.currency_id
    currency = company.currency if currency_id == company.currency_id else None
    residual_currency = row.get("residual", row["amount"])
    residual = (
        residual_currency
        if currency is not None
        else queries.to_company(company, residual_currency, _currency(currency_id), row["invoice_date"])
    )
    sign = 1 if kind in OUTGOING else -1
    lines = [
        ledger.Line(
            account,
            debit=residual if sign > 0 else Decimal(0),
            credit=residual if sign < 0 else Decimal(0),
            partner=row["partner"],
            label=row["number"],
            currency=_currency(currency_id),
            amount_currency=sign * residual_currency,
            due_date=row.get("due_date"),
        ),
        ledger.Line(
            books.earnings_account,
            debit=residual if sign < 0 else Decimal(0),
            credit=residual if sign > 0 else Decimal(0),
            label=row["number"],
        ),
    ]
    entry = ledger.create_entry(
        company,
        actor,
        journal=journal,
        date=max(row["invoice_date"], books_start),
        lines=lines,
        reference=row["number"],
        origin=JournalEntry.Origin.OPENING,
    )
    ledger.post_entry(entry, actor)
    invoice = Invoice.objects.create(
        company=company,
        kind=kind,
        partner=row["partner"],
        journal=journal,
        supplier_reference=row.get("reference", ""),
        invoice_date=row["invoice_date"],
        due_date=row.get("due_date"),
        currency_id=currency_id,
        amount_untaxed=row["amount"],
        amount_total=row["amount"],
        amount_total_company=residual,
        origin=_("Opening balance"),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    data = {"number": row["number"], "total": str(row["amount"]), "currency": currency_id}
    transition(invoice, "posted", actor, fields={"number": row["number"], "entry": entry}, data=data)


def _currency(code: str) -> Currency:
    return Currency.objects.get(pk=code)
