"""Moving in from another system: the chart of accounts, the opening balances, and the open
customer invoices and supplier bills, written in bulk for ``accounting.imports``.

* Accounts match by code; an update changes only the columns a row carries.
* Opening balances become one opening entry (journal of kind general, origin ``opening``),
  written through the entry service (``ledger.start_entry``/``add_lines``, each line checked
  as any entry's): each batch of rows adds its lines to the company's draft opening entry,
  which is posted once the whole file is in, if it balances. A file that does not balance
  leaves the draft for the next file to complete; posting refuses it until it does. Once an
  opening entry is posted, importing opening balances again is refused unless that entry was
  reversed (:func:`refuse_second_opening`).
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

from tandem.accounting.models import (
    Account,
    BooksSettings,
    FiscalYear,
    Invoice,
    Journal,
    JournalEntry,
    JournalLine,
)
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


class OpeningPosted(BusinessError):
    status = 409
    code = "opening-posted"


def refuse_second_opening(company: Company) -> None:
    """Refuse importing opening balances once an opening entry is posted and stands.

    The opening balances are the books' starting point, taken once: a second file would add
    a second opening entry and count every balance twice. To take them again, reverse the
    posted opening entry first (its reversal leaves the books as before it); to correct a
    balance, post an ordinary entry. A draft opening entry still waiting for the rest of its
    lines (a file that did not balance) is completed by the next file, as before."""
    posted = (
        JournalEntry.objects.filter(
            company=company,
            origin=JournalEntry.Origin.OPENING,
            state=JournalEntry.State.POSTED,
            reversed_by__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    if posted is not None:
        raise OpeningPosted(
            _(
                "The opening balances were posted already (entry %(number)s of %(date)s): a second "
                "opening entry would count them twice. To import them again, reverse that entry "
                "first; to correct a balance, post an ordinary entry."
            )
            % {"number": posted.number, "date": posted.date.isoformat()}
        )


def _lock_opening(company: Company) -> None:
    """Serialise the writers of one company's opening entry (two imports at once would each
    start a draft): they lock the company's accounting settings row first."""
    list(BooksSettings.objects.select_for_update().filter(company=company).values_list("pk", flat=True))


@transaction.atomic
def import_opening_lines(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    """Add the rows to the draft opening entry (dated by the rows' ``date``) through the entry
    service, so each line is checked as any entry's is; the import posts it once the whole
    file is in (:func:`post_opening`), never after a batch that happens to balance — the rest
    of the file would start a second opening entry. Refused once an opening entry is posted
    (:func:`refuse_second_opening`), and when the rows are not of the waiting draft's date."""
    if not creates:
        return {"created": 0, "updated": 0}
    _lock_opening(company)
    refuse_second_opening(company)
    on = creates[0]["date"]
    entry = _draft_opening(company)
    if entry is None:
        entry = ledger.start_entry(
            company,
            actor,
            journal=_opening_journal(company),
            date=on,
            reference=_("Opening balances"),
            origin=JournalEntry.Origin.OPENING,
        )
    elif entry.date != on:
        raise BusinessError(
            _(
                "The opening entry waiting for the rest of its lines is dated %(draft)s, and this "
                "file's rows %(date)s: give them the same date."
            )
            % {"draft": entry.date.isoformat(), "date": on.isoformat()}
        )
    accounts = Account.objects.filter(company=company).in_bulk({row["account_id"] for row in creates})
    partners = Partner.objects.filter(company=company).in_bulk(
        {row["partner_id"] for row in creates if row.get("partner_id")}
    )
    currencies = Currency.objects.in_bulk({row["currency_id"] for row in creates if row.get("currency_id")})
    lines = [_opening_line(company, row, accounts, partners, currencies) for row in creates]
    ledger.add_lines(entry, actor, lines)
    return {"created": len(creates), "updated": 0}


@transaction.atomic
def post_opening(company: Company, actor: User | None) -> dict[str, int]:
    """Post the draft opening entry if its lines balance (else it waits for the rest, from
    another file): the opening-balances import's ``finish``."""
    _lock_opening(company)
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
        .order_by("pk")
        .first()
    )


def _opening_line(
    company: Company,
    row: dict[str, Any],
    accounts: dict[Any, Account],
    partners: dict[Any, Partner],
    currencies: dict[Any, Currency],
) -> ledger.Line:
    account = accounts.get(row["account_id"])
    if account is None:  # the import found it among the company's accounts a moment ago
        raise BusinessError(_("An account of the file was removed meanwhile: check the file again."))
    currency_id = row.get("currency_id") or company.currency_id
    foreign = currency_id != company.currency_id
    return ledger.Line(
        account,
        debit=row.get("debit") or Decimal(0),
        credit=row.get("credit") or Decimal(0),
        partner=partners.get(row["partner_id"]) if row.get("partner_id") else None,
        label=row.get("label", "")[:200],
        currency=currencies[currency_id] if foreign else None,
        amount_currency=row.get("amount_currency") if foreign else None,
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
