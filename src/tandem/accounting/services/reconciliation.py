"""Reconciliation: matching debit and credit open items of one partner on one account.

Full and partial, one payment against several invoices and several payments against one:
the debits and the credits given are matched oldest due first, each match a
:class:`Reconciliation` row taking the smaller of the two residuals. Items in the same
foreign currency are matched in that currency; when the company amounts they carry differ
(the rate moved between invoice and payment) the difference is the realised exchange gain
or loss, booked in the exchange journal and matched too. A difference left over may be
written off within the company's tolerance. Unreconciling removes the rows and reverses
the exchange entry.

The open items are locked (``SELECT … FOR UPDATE``, in id order) before their residuals
are read, so two people reconciling the same invoice at once are serialised on
PostgreSQL and the second sees what the first took: nothing is ever matched twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tandem.accounting.models import Account, Journal, JournalEntry, JournalLine, Reconciliation
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.queries import payments as queries
from tandem.accounting.services import ledger
from tandem.core import events
from tandem.core.errors import BusinessError, Conflict
from tandem.core.models import Company, User
from tandem.core.money import round_money

ZERO = Decimal(0)


class NothingToMatch(BusinessError):
    code = "nothing-to-match"


class Overpaid(BusinessError):
    code = "overpaid"


@dataclass
class OpenItem:
    """A locked open item and what is left of it (signed: positive on the debit side)."""

    line: JournalLine
    residual: Decimal
    residual_currency: Decimal

    @property
    def pk(self) -> int:
        return int(self.line.pk)


def lock_open_items(lines: QuerySet[JournalLine]) -> list[OpenItem]:
    """Lock the lines (id order, so two reconcilers never deadlock), then read their residuals."""
    ids = list(lines.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    rows = queries.with_residuals(
        JournalLine.objects.filter(pk__in=ids).select_related("account", "currency", "partner", "company")
    ).order_by("pk")
    return [OpenItem(row, row.residual, row.residual_currency) for row in rows]  # type: ignore[attr-defined]


def _check_items(items: Sequence[OpenItem]) -> None:
    if not items:
        raise NothingToMatch(_("Choose the items to match."))
    first = items[0].line
    for item in items:
        line = item.line
        if not line.posted:
            raise BusinessError(_("Only posted items can be matched."))
        if not line.account.reconcilable:
            raise BusinessError(_("The account %(account)s is not reconcilable.") % {"account": line.account})
        if line.account_id != first.account_id or line.partner_id != first.partner_id:
            raise BusinessError(_("Match items of one partner on one account."))


def _order(item: OpenItem) -> tuple[object, ...]:
    return (item.line.due_date or item.line.date, item.line.date, item.pk)


def reconcile(
    lines: Iterable[JournalLine | OpenItem],
    actor: User | None,
    *,
    write_off: bool = False,
    write_off_label: str = "",
    settle: Sequence[int] | None = None,
) -> list[Reconciliation]:
    """Match the debit items with the credit items among ``lines``, oldest due first.

    What is left stays open (a partial payment, or a payment larger than the invoices: the
    customer's credit) — except that with ``settle`` (the ids of the invoices' items a
    payment is for) paying more than they owe is refused. With ``write_off`` what is left
    over is written off, if it is within the company's tolerance, under ``write_off_label``
    (empty: the reason, "Paid short" or "Paid over").

    An :class:`OpenItem` among ``lines`` is one the caller locked (``lock_open_items``) in the
    transaction this runs in: it is taken as it is, not locked and read again; the other lines
    are locked here.
    """
    chosen = list(lines)
    given = {line.pk: line for line in chosen if isinstance(line, OpenItem)}
    if given and not transaction.get_connection().in_atomic_block:
        raise ValueError("open items are matched in the transaction that locked them")
    with transaction.atomic():
        rest = {line.pk for line in chosen if not isinstance(line, OpenItem)} - set(given)
        locked = lock_open_items(JournalLine.objects.filter(pk__in=rest)) if rest else []
        items = sorted([*given.values(), *locked], key=lambda item: item.pk)
        _check_items(items)
        company = items[0].line.company
        debits = sorted((i for i in items if i.residual > 0 or i.residual_currency > 0), key=_order)
        credits = sorted((i for i in items if i.residual < 0 or i.residual_currency < 0), key=_order)
        if not debits or not credits:
            raise NothingToMatch(_("There is nothing to match: choose open items on both sides."))
        made = _match(company, actor, debits, credits)
        left = [i for i in items if i.residual or i.residual_currency]
        if settle is not None and any(i.pk not in settle for i in left) and not write_off:
            raise Overpaid(_overpaid_message(company, left))
        if write_off and left:
            written, entry = _write_off(company, actor, left, write_off_label)
            made += written
            for row in made:  # undone together: unreconciling any of them reverses the write-off
                row.write_off_entry = entry
            Reconciliation.objects.filter(pk__in=[row.pk for row in made]).update(write_off_entry=entry)
        ledger.refresh_open_items(JournalLine.objects.filter(pk__in=_lines_of(made)))
        for row in made:
            events.record(
                "reconciliation.created",
                row,
                actor,
                {
                    "debit_line": row.debit_line_id,
                    "credit_line": row.credit_line_id,
                    "amount": str(row.amount),
                    "exchange_entry": row.exchange_entry.number if row.exchange_entry else "",
                },
            )
    return made


def _overpaid_message(company: Company, left: Sequence[OpenItem]) -> str:
    extra = abs(sum((i.residual for i in left), ZERO))
    books = ledger_queries.settings_of(company)
    return _(
        "The payment is %(extra)s %(currency)s more than is due. Pay what is due, or write off the "
        "difference (up to %(tolerance)s %(currency)s)."
    ) % {"extra": extra, "currency": company.currency_id, "tolerance": books.write_off_tolerance}


def _match(
    company: Company, actor: User | None, debits: list[OpenItem], credits: list[OpenItem]
) -> list[Reconciliation]:
    made: list[Reconciliation] = []
    d = c = 0
    while d < len(debits) and c < len(credits):
        debit, credit = debits[d], credits[c]
        before = (debit.residual, debit.residual_currency, credit.residual, credit.residual_currency)
        made += _pair(company, actor, debit, credit)
        after = (debit.residual, debit.residual_currency, credit.residual, credit.residual_currency)
        if not (debit.residual > 0 or debit.residual_currency > 0) or before == after:
            d += 1  # settled (or, in two currencies with nothing left in company value, unmatchable)
        if not (credit.residual < 0 or credit.residual_currency < 0):
            c += 1
    return made


def _share(residual: Decimal, residual_currency: Decimal, taken: Decimal, company: Company) -> Decimal:
    """The company amount that goes with ``taken`` of an item's currency residual."""
    if taken == residual_currency or not residual_currency:
        return residual
    return round_money(residual * taken / residual_currency, company.currency)


def _pair(company: Company, actor: User | None, debit: OpenItem, credit: OpenItem) -> list[Reconciliation]:
    same_foreign = (
        debit.line.currency_id == credit.line.currency_id and debit.line.currency_id != company.currency_id
    )
    if same_foreign and debit.residual_currency > 0 and credit.residual_currency < 0:
        taken = min(debit.residual_currency, -credit.residual_currency)
        debit_part = _share(debit.residual, debit.residual_currency, taken, company)
        credit_part = -_share(credit.residual, credit.residual_currency, -taken, company)
        debit_currency, credit_currency = taken, taken
    else:  # by company amounts; a foreign item gives its currency in proportion
        amount = min(max(debit.residual, ZERO), max(-credit.residual, ZERO))
        debit_part = credit_part = amount
        debit_currency = _currency_share(debit, amount)
        credit_currency = _currency_share(credit, -amount)
    rows = [
        _row(company, actor, debit, credit, min(debit_part, credit_part), debit_currency, credit_currency)
    ]
    difference = debit_part - credit_part
    if difference:
        rows[0].exchange_entry = _exchange(company, actor, debit, credit, difference)
        rows[0].save(update_fields=["exchange_entry"])
        rows.append(_exchange_row(company, actor, rows[0].exchange_entry, debit, credit, difference))
    return [row for row in rows if row.amount or row.debit_amount_currency or row.credit_amount_currency]


def _currency_share(item: OpenItem, company_amount: Decimal) -> Decimal:
    """The part of an item's currency residual that ``company_amount`` (signed) settles."""
    line = item.line
    if line.currency_id == line.company.currency_id:
        return abs(company_amount)
    if not item.residual or company_amount == item.residual:
        return abs(item.residual_currency)
    return abs(round_money(item.residual_currency * company_amount / item.residual, line.currency))


def _row(
    company: Company,
    actor: User | None,
    debit: OpenItem,
    credit: OpenItem,
    amount: Decimal,
    debit_currency: Decimal,
    credit_currency: Decimal,
) -> Reconciliation:
    row = Reconciliation.objects.create(
        company=company,
        debit_line=debit.line,
        credit_line=credit.line,
        amount=amount,
        debit_amount_currency=debit_currency,
        credit_amount_currency=credit_currency,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    debit.residual -= amount
    debit.residual_currency -= debit_currency
    credit.residual += amount
    credit.residual_currency += credit_currency
    return row


def _exchange(
    company: Company, actor: User | None, debit: OpenItem, credit: OpenItem, difference: Decimal
) -> JournalEntry:
    """The realised exchange difference: the items' account against the gain or loss account.

    ``difference`` > 0: the debit item carried more company value than the credit that
    settles it (a loss); < 0: a gain."""
    journal, gain, loss = ledger.exchange_accounts(ledger_queries.settings_of(company))
    line = debit.line
    label = _("Exchange difference")
    entry = ledger.create_entry(
        company,
        actor,
        journal=journal,
        date=max(debit.line.date, credit.line.date),
        lines=ledger.exchange_lines(
            line.account, -difference, line.currency, gain=gain, loss=loss, partner=line.partner, label=label
        ),
        reference=label,
        origin=JournalEntry.Origin.EXCHANGE,
    )
    return ledger.post_entry(entry, actor)


def _exchange_row(
    company: Company,
    actor: User | None,
    entry: JournalEntry | None,
    debit: OpenItem,
    credit: OpenItem,
    difference: Decimal,
) -> Reconciliation:
    assert entry is not None
    own = JournalLine.objects.get(entry=entry, account=debit.line.account_id)
    item = OpenItem(own, own.balance, ZERO)
    if difference > 0:  # the exchange line is a credit that settles the rest of the debit
        return _row(company, actor, debit, item, difference, ZERO, ZERO)
    return _row(company, actor, item, credit, -difference, ZERO, ZERO)


def _write_off(
    company: Company, actor: User | None, left: Sequence[OpenItem], label: str = ""
) -> tuple[list[Reconciliation], JournalEntry]:
    books = ledger_queries.settings_of(company)
    rest = sum((i.residual for i in left), ZERO)
    rest_currency = sum((i.residual_currency for i in left), ZERO)
    if abs(rest) > books.write_off_tolerance:
        raise Overpaid(
            _(
                "The difference of %(amount)s %(currency)s is more than the write-off tolerance of "
                "%(tolerance)s."
            )
            % {"amount": abs(rest), "currency": company.currency_id, "tolerance": books.write_off_tolerance}
        )
    if books.write_off_account is None:
        raise BusinessError(_("Set the write-off account in the accounting settings first."))
    line = left[0].line
    currencies = {i.line.currency_id for i in left}
    label = " ".join(label.split())[:200] or _write_off_reason(line, rest)
    entry = ledger.create_entry(
        company,
        actor,
        journal=_general_journal(company, books.exchange_journal),
        date=max(i.line.date for i in left),
        lines=[
            ledger.Line(
                line.account,
                debit=max(-rest, ZERO),
                credit=max(rest, ZERO),
                partner=line.partner,
                label=label,
                currency=line.currency if len(currencies) == 1 else None,
                amount_currency=-rest_currency if len(currencies) == 1 else None,
            ),
            ledger.Line(books.write_off_account, debit=max(rest, ZERO), credit=max(-rest, ZERO), label=label),
        ],
        reference=label,
        origin=JournalEntry.Origin.MANUAL,
    )
    ledger.post_entry(entry, actor)
    own = JournalLine.objects.get(entry=entry, account=line.account_id)
    item = OpenItem(own, own.balance, own.amount_currency)
    debits = [i for i in left if i.residual > 0 or i.residual_currency > 0]
    credits = [i for i in left if i.residual < 0 or i.residual_currency < 0]
    made = _match(company, actor, debits, [item]) if rest > 0 else _match(company, actor, [item], credits)
    return made, entry


def _write_off_reason(line: JournalLine, rest: Decimal) -> str:
    """Why a difference is written off, as its label: what is left owed to the company on a
    receivable or by it on a payable is a payment short of the invoice; the other way, over it."""
    owed = rest > 0 if line.account.subtype != Account.Subtype.PAYABLE else rest < 0
    return str(_("Write-off: paid short") if owed else _("Write-off: paid over"))


def _general_journal(company: Company, fallback: Journal | None) -> Journal:
    found = Journal.objects.filter(company=company, kind=Journal.Kind.GENERAL, active=True).order_by("code")
    journal = found.first() or fallback
    if journal is None:
        raise BusinessError(_("Create a general journal for write-offs first."))
    return journal


def unreconcile(row: Reconciliation, actor: User | None) -> None:
    """Remove a match (and the exchange difference it realised, by reversing its entry).

    A match made by a reconciliation that wrote off a difference is undone with every other
    match of that reconciliation, and the write-off entry is reversed (and matched with its
    reversal), so the items and the balances are as they were before it."""
    with transaction.atomic():
        found = (
            Reconciliation.objects.select_for_update(of=("self",))
            .select_related("exchange_entry", "write_off_entry")
            .filter(pk=row.pk)
            .first()
        )
        if found is None:
            raise Conflict(_("This match has been removed already."))
        write_off = found.write_off_entry
        if write_off is None:
            _remove([found], actor)
            return
        group = list(
            Reconciliation.objects.select_for_update(of=("self",))
            .select_related("exchange_entry")
            .filter(write_off_entry=write_off)
            .order_by("pk")
        )
        _remove(group, actor)
        ledger.reverse_entry(write_off, actor, for_document=True)  # and matches it with its reversal


def _remove(rows: Sequence[Reconciliation], actor: User | None) -> None:
    exchanges = []
    for found in rows:
        events.record(
            "reconciliation.removed",
            found,
            actor,
            {
                "debit_line": found.debit_line_id,
                "credit_line": found.credit_line_id,
                "amount": str(found.amount),
            },
        )
        if found.exchange_entry is not None:
            exchanges.append(found.exchange_entry)
    touched = _lines_of(rows)
    Reconciliation.objects.filter(pk__in=[found.pk for found in rows]).delete()
    for exchange in exchanges:
        of_exchange = Reconciliation.objects.filter(
            Q(debit_line__entry=exchange) | Q(credit_line__entry=exchange)
        )
        touched |= _lines_of(of_exchange)
        of_exchange.delete()
    ledger.refresh_open_items(JournalLine.objects.filter(pk__in=touched))
    for exchange in exchanges:
        ledger.reverse_entry(exchange, actor, for_document=True)  # and matches it with its reversal


def _lines_of(rows: Iterable[Reconciliation]) -> set[int]:
    return {pk for row in rows for pk in (row.debit_line_id, row.credit_line_id)}


def match_reversal(entry: JournalEntry, reversal: JournalEntry, actor: User | None) -> list[Reconciliation]:
    """Match what is open of each reconcilable line of ``entry`` with its mirror in
    ``reversal`` (same account, partner and due date, the sides swapped), so that a reversed
    document leaves no open item behind. ``ledger.reverse_entry`` calls it. A line already
    matched in full (a paid item) is left alone: its mirror stays open, as the partner's credit."""
    lines = JournalLine.objects.filter(entry__in=[entry.pk, reversal.pk], account__reconcilable=True)
    items = lock_open_items(lines)
    originals = [i for i in items if i.line.entry_id == entry.pk]
    mirrors = [i for i in items if i.line.entry_id == reversal.pk]
    made: list[Reconciliation] = []
    for item in originals:
        line = item.line
        twin = next(
            (
                m
                for m in mirrors
                if m.line.account_id == line.account_id
                and m.line.partner_id == line.partner_id
                and m.line.due_date == line.due_date
                and m.line.debit == line.credit
                and m.line.credit == line.debit
            ),
            None,
        )
        if twin is None:
            continue
        mirrors.remove(twin)
        if (item.residual or item.residual_currency) and (twin.residual or twin.residual_currency):
            made += reconcile([line, twin.line], actor)
    return made
