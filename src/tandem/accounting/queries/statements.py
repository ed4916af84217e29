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

import datetime
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
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


class _Rate:
    """Company currency per unit of ``currency`` on a day, read when first needed."""

    def __init__(self, company: Company, currency: Currency, on: Any) -> None:
        self.company, self.currency, self.on = company, currency, on
        self.value: Decimal | None = None

    def __call__(self) -> Decimal:
        if self.value is None:
            self.value = ledger_queries.rate_of(self.company, self.currency, self.on)
        return self.value


def open_amount(
    item: Any, currency: Currency, company: Company, on: Any, rate: _Rate | None = None
) -> Decimal:
    """What is left of an annotated open item in ``currency`` (positive)."""
    if item.currency_id == currency.pk:
        return abs(Decimal(item.residual_currency))
    if currency.pk == company.currency_id:
        return abs(Decimal(item.residual))
    per_unit = (rate or _Rate(company, currency, on))()
    return abs(round_money(Decimal(item.residual) / per_unit, currency))


def candidate_items(company: Company) -> QuerySet[JournalLine]:
    """The company's open receivable and payable items, with their residuals, oldest due first
    (a receipt or payment, with no due date, by its date): read in the order of the open-item
    index, so taking the first few thousand reads no more than that however large the books."""
    lines = JournalLine.objects.filter(
        company=company, account__subtype__in=[Account.Subtype.RECEIVABLE, Account.Subtype.PAYABLE]
    )
    return (
        open_items(lines)
        .select_related("partner", "entry__invoice")
        .order_by(Coalesce("due_date", "date"), "pk")
    )


def suggest(lines: Sequence[BankStatementLine]) -> dict[int, LineSuggestions]:
    """``{line id: LineSuggestions}`` for the lines not reconciled yet (of one company, from
    one statement or several: the open items are read and indexed once for all the lines, as
    plain rows; only the items suggested are read as journal lines)."""
    waiting = [line for line in lines if line.entry_id is None and line.amount]
    found = {line.pk: LineSuggestions(line) for line in lines}
    if not waiting:
        return found
    company = waiting[0].statement.company
    pool = _Pool(company, candidate_rows(company))
    ranked = {line.pk: pool.rank(line) for line in waiting}
    items = _items_by_id({match.candidate.pk for matches in ranked.values() for match in matches})
    for pk, matches in ranked.items():
        found[pk].suggestions = [match.suggestion(items[match.candidate.pk]) for match in matches]
    return found


def candidate_rows(company: Company) -> list[Candidate]:
    """The first ``MAX_ITEMS`` of :func:`candidate_items`, as the rows suggestions compare."""
    return [Candidate(*row) for row in candidate_items(company).values_list(*Candidate.READ)[:MAX_ITEMS]]


def _items_by_id(ids: set[int]) -> dict[int, JournalLine]:
    rows = open_items(JournalLine.objects.filter(pk__in=ids)).select_related("partner", "entry__invoice")
    return {item.pk: item for item in rows}


def _partner_ibans(company: Company, partners: set[int]) -> dict[int, set[str]]:
    rows = BankAccount.objects.filter(partner__company=company, partner__in=partners).values_list(
        "partner_id", "iban"
    )
    found: dict[int, set[str]] = defaultdict(set)
    for partner, iban in rows:
        found[partner].add(_compact(iban))
    return found


@dataclass(eq=False)
class Candidate:
    """An open item as the pool reads it (one row), and what a bank line is compared with."""

    READ: ClassVar[tuple[str, ...]] = (
        "pk", "partner_id", "partner__name", "currency_id", "date", "due_date", "residual",
        "residual_currency", "entry__number", "entry__reference", "entry__invoice__number",
        "entry__invoice__payment_reference", "entry__invoice__supplier_reference",
    )  # fmt: skip

    pk: int
    partner_id: int | None
    partner_name: str | None
    currency_id: str
    date: datetime.date
    due_date: datetime.date | None
    residual: Decimal
    residual_currency: Decimal
    entry_number: str | None
    entry_reference: str | None
    invoice_number: str | None
    payment_reference: str | None
    supplier_reference: str | None
    documents: list[tuple[str, str]] = field(init=False)  # (as shown, compacted)

    def __post_init__(self) -> None:
        self.residual, self.residual_currency = Decimal(self.residual), Decimal(self.residual_currency)
        names = (
            self.entry_number, self.entry_reference, self.invoice_number, self.payment_reference,
            self.supplier_reference,
        )  # fmt: skip
        compacted = ((name, _compact(name)) for name in names if name)
        self.documents = [(name, compact) for name, compact in compacted if len(compact) >= 4]

    @property
    def document(self) -> str:
        """The invoice's number, or the entry's."""
        return self.invoice_number or self.entry_number or ""

    def named_in(self, text: str) -> str:
        return next((shown for shown, compact in self.documents if compact in text), "")


@dataclass
class _Lefts:
    """What is left of each candidate in one currency (at one date's rate), and the
    candidates by that amount."""

    of: dict[Candidate, Decimal]
    by_amount: dict[Decimal, list[Candidate]]


@dataclass
class _Match:
    candidate: Candidate
    score: int
    reasons: list[str]
    left: Decimal
    amount: Decimal

    def suggestion(self, item: JournalLine) -> Suggestion:
        return Suggestion(item, self.score, self.reasons, self.left, self.amount, self.candidate.document)


class _Pool:
    """The open items a statement's lines are scored against, indexed once: by the side the
    money goes, by partner, and by what is left of them. Only an item that can reach
    ``MIN_SCORE`` is scored for a line: its documents named in the details, its partner the
    line's (by IBAN or as the import found it), or exactly the line's amount left."""

    def __init__(self, company: Company, candidates: Sequence[Candidate]) -> None:
        self.company = company
        self.partners_of_iban: dict[str, set[int]] = defaultdict(set)
        partners = {c.partner_id for c in candidates if c.partner_id}
        for partner, ibans in _partner_ibans(company, partners).items():
            for iban in ibans:
                self.partners_of_iban[iban].add(partner)
        self.sides: dict[bool, list[Candidate]] = {True: [], False: []}  # money in: what is owed to us
        self.of_partner: dict[tuple[bool, int], list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            if not candidate.residual:
                continue
            incoming = candidate.residual > 0
            self.sides[incoming].append(candidate)
            if candidate.partner_id:
                self.of_partner[incoming, candidate.partner_id].append(candidate)
        self.lefts: dict[tuple[bool, str, Any], _Lefts] = {}

    def _lefts(self, incoming: bool, currency: Currency, on: Any) -> _Lefts:
        """Worked out once per currency (and per date, when items must be converted)."""
        key = (incoming, currency.pk, None if currency.pk == self.company.currency_id else on)
        if key not in self.lefts:
            rate = _Rate(self.company, currency, on)
            of = {c: open_amount(c, currency, self.company, on, rate) for c in self.sides[incoming]}
            by_amount: dict[Decimal, list[Candidate]] = defaultdict(list)
            for candidate, left in of.items():
                by_amount[left].append(candidate)
            self.lefts[key] = _Lefts(of, by_amount)
        return self.lefts[key]

    def rank(self, line: BankStatementLine) -> list[_Match]:
        incoming = line.amount > 0
        currency = statement_currency(line.statement)
        lefts = self._lefts(incoming, currency, line.date)
        text = _compact(f"{line.reference} {line.narration}")
        partners = set(self.partners_of_iban.get(_compact(line.counterparty_iban), ()))
        if line.partner_id:
            partners.add(line.partner_id)
        paid = abs(line.amount)
        shortlist = dict.fromkeys(lefts.by_amount.get(paid, ()))
        for partner in partners:
            shortlist.update(dict.fromkeys(self.of_partner.get((incoming, partner), ())))
        shortlist.update(dict.fromkeys(c for c in self.sides[incoming] if c.named_in(text)))
        scorer = _Scorer(line, text, partners, paid, currency)
        ranked = [found for c in shortlist if (found := scorer.score(c, lefts.of[c])) is not None]
        ranked.sort(key=lambda m: (-m.score, m.candidate.due_date or m.candidate.date, m.candidate.pk))
        return ranked[:PER_LINE]


@dataclass
class _Scorer:
    line: BankStatementLine
    text: str
    partners: set[int]
    paid: Decimal
    currency: Currency

    def score(self, candidate: Candidate, left: Decimal) -> _Match | None:
        score, reasons = 0, []
        document = candidate.named_in(self.text)
        if document:
            score += REFERENCE
            reasons.append(_("The details name %(document)s.") % {"document": document})
        name = (self.line.counterparty_name or "").strip().lower()
        partner = candidate.partner_name
        if candidate.partner_id is not None:
            if candidate.partner_id in self.partners:
                score += IBAN
                reasons.append(_("The account it came from is %(partner)s's.") % {"partner": partner})
            elif name and fuzz.token_set_ratio(name, str(partner).lower()) >= 85:
                score += NAME
                reasons.append(_("The sender's name is like %(partner)s.") % {"partner": partner})
        if left == self.paid:
            score += EXACT
            reasons.append(_("The amount is exactly what is left to pay."))
        elif self.paid < left and score:
            score += PART
            reasons.append(
                _("A part of what is left to pay (%(left)s).") % {"left": round_money(left, self.currency)}
            )
        if score < MIN_SCORE:
            return None
        return _Match(candidate, score, reasons, left, min(self.paid, left))


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
