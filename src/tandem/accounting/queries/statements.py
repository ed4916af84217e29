"""Bank statement reads: what each unreconciled line probably pays (suggestions, ranked, each
with its reasons), and how far a statement's reconciliation has come.

A suggestion is an open item (a posted, not fully matched line on a receivable or payable
account) on the side the money goes: money in settles what is owed to the company, money
out what it owes. It scores by what the bank line says about it:

* the invoice's number, the supplier's number or the payment reference in the line's
  reference or details (compared without spaces and punctuation): 60;
* the counterparty's IBAN is one of the item's partner's bank accounts: 30 (the partner the
  import found by IBAN counts the same);
* the counterparty's name is the partner's name, near enough: 15;
* the amount is exactly what is left of the item: 40; less than what is left (a part
  payment) when something else matched: 10.

Items scoring under 40 are not suggested; the best five per line are, best first (then the
oldest due). All lines of a statement are scored against one read of the open items.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from tandem.accounting.models import Account, BankStatement, BankStatementLine, Journal, JournalLine
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.queries.payments import open_items
from tandem.core.models import Company, Currency
from tandem.core.money import round_money
from tandem.partners.models import BankAccount

ZERO = Decimal(0)
MIN_SCORE = 40
PER_LINE = 5
MAX_ITEMS = 5000  # open items read for one statement; the oldest due first
REFERENCE, IBAN, NAME, EXACT, PART = 60, 30, 15, 40, 10
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


@dataclass
class Suggestion:
    item: JournalLine  # annotated with residual and residual_currency
    score: int
    reasons: list[str]
    open_amount: Decimal  # what is left of the item, in the statement's currency (positive)
    amount: Decimal  # what the line would settle of it (positive)
    document: str = ""  # the invoice's number, or the entry's

    @property
    def partner_name(self) -> str:
        return str(self.item.partner or "")

    @property
    def full(self) -> bool:
        return self.amount >= self.open_amount


@dataclass
class LineSuggestions:
    line: BankStatementLine
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def top(self) -> Suggestion | None:
        return self.suggestions[0] if self.suggestions else None


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", text or "").upper()


def statement_currency(statement: BankStatement | Journal) -> Currency:
    if isinstance(statement, Journal):
        return statement.currency or statement.company.currency
    return statement.journal.currency or statement.company.currency


def open_amount(item: Any, currency: Currency, company: Company, on: Any) -> Decimal:
    """What is left of an annotated open item in ``currency`` (positive)."""
    if item.currency_id == currency.pk:
        return abs(Decimal(item.residual_currency))
    if currency.pk == company.currency_id:
        return abs(Decimal(item.residual))
    rate = ledger_queries.rate_of(company, currency, on)  # company currency per unit of ``currency``
    return abs(round_money(Decimal(item.residual) / rate, currency))


def candidate_items(company: Company) -> QuerySet[JournalLine]:
    """The company's open receivable and payable items, with their residuals: by due date, those
    without one (receipts, payments) last on every database — SQLite would put them first."""
    lines = JournalLine.objects.filter(
        company=company, account__subtype__in=[Account.Subtype.RECEIVABLE, Account.Subtype.PAYABLE]
    )
    return (
        open_items(lines)
        .select_related("partner", "entry__invoice", "currency", "account")
        .order_by(F("due_date").asc(nulls_last=True), "date", "pk")
    )


def suggest(
    lines: Sequence[BankStatementLine], *, items: Iterable[JournalLine] | None = None
) -> dict[int, LineSuggestions]:
    """``{line id: LineSuggestions}`` for the lines not reconciled yet (of one company, from
    one statement or several: the open items are read once)."""
    waiting = [line for line in lines if line.entry_id is None and line.amount]
    found = {line.pk: LineSuggestions(line) for line in lines}
    if not waiting:
        return found
    company = waiting[0].statement.company
    pool = list(items if items is not None else candidate_items(company)[:MAX_ITEMS])
    ibans = _partner_ibans(company, pool)
    for line in waiting:
        currency = statement_currency(line.statement)
        found[line.pk].suggestions = _rank(line, pool, ibans, currency, company)
    return found


def _partner_ibans(company: Company, pool: Sequence[JournalLine]) -> dict[int, set[str]]:
    partners = {item.partner_id for item in pool if item.partner_id}
    rows = BankAccount.objects.filter(partner__company=company, partner__in=partners).values_list(
        "partner_id", "iban"
    )
    found: dict[int, set[str]] = defaultdict(set)
    for partner, iban in rows:
        found[partner].add(_compact(iban))
    return found


def _documents(item: JournalLine) -> list[str]:
    invoice = getattr(item.entry, "invoice", None)
    names = [item.entry.number, item.entry.reference]
    if invoice is not None:
        names += [invoice.number, invoice.payment_reference, invoice.supplier_reference]
    return [name for name in names if name and len(_compact(name)) >= 4]


def _rank(
    line: BankStatementLine,
    pool: Sequence[JournalLine],
    ibans: dict[int, set[str]],
    currency: Currency,
    company: Company,
) -> list[Suggestion]:
    incoming = line.amount > 0
    text = _compact(f"{line.reference} {line.narration}")
    iban = _compact(line.counterparty_iban)
    name = (line.counterparty_name or "").strip()
    paid = abs(line.amount)
    ranked = []
    for item in pool:
        residual = Decimal(item.residual)  # type: ignore[attr-defined]
        if (residual > 0) != incoming or not residual:
            continue
        score, reasons = 0, []
        for document in _documents(item):
            if _compact(document) in text:
                score += REFERENCE
                reasons.append(_("The details name %(document)s.") % {"document": document})
                break
        partner = item.partner
        if partner is not None:
            if (iban and iban in ibans.get(partner.pk, ())) or line.partner_id == partner.pk:
                score += IBAN
                reasons.append(_("The account it came from is %(partner)s's.") % {"partner": partner})
            elif name and fuzz.token_set_ratio(name.lower(), str(partner.name).lower()) >= 85:
                score += NAME
                reasons.append(_("The sender's name is like %(partner)s.") % {"partner": partner})
        left = open_amount(item, currency, company, line.date)
        if left == paid:
            score += EXACT
            reasons.append(_("The amount is exactly what is left to pay."))
        elif paid < left and score:
            score += PART
            reasons.append(
                _("A part of what is left to pay (%(left)s).") % {"left": round_money(left, currency)}
            )
        if score < MIN_SCORE:
            continue
        invoice = getattr(item.entry, "invoice", None)
        ranked.append(
            Suggestion(
                item=item,
                score=score,
                reasons=reasons,
                open_amount=left,
                amount=min(paid, left),
                document=(invoice.number if invoice is not None else item.entry.number) or "",
            )
        )
    ranked.sort(key=lambda s: (-s.score, s.item.due_date or s.item.date, s.item.pk))
    return ranked[:PER_LINE]


def partner_open_items(line: BankStatementLine, limit: int = 50) -> list[JournalLine]:
    """The open items on the line's side of the partner the line names (for splitting)."""
    if line.partner_id is None:
        return []
    rows = candidate_items(line.company).filter(partner=line.partner_id)
    side = Q(residual__gt=0) if line.amount > 0 else Q(residual__lt=0)
    return list(rows.filter(side)[:limit])


def with_progress(statements: QuerySet[BankStatement]) -> QuerySet[BankStatement]:
    """Statements annotated with ``line_count`` and ``done_count`` (lines with an entry)."""
    return statements.annotate(
        line_count=Count("lines", distinct=True),
        done_count=Count("lines", filter=Q(lines__entry__isnull=False), distinct=True),
    )


def previous_balance(journal: Journal) -> Decimal:
    """The closing balance of the journal's latest statement (zero before the first)."""
    last = BankStatement.objects.filter(journal=journal).order_by("-date", "-id").first()
    return last.balance_end if last is not None else ZERO
