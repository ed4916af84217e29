"""What is paid and what is left: residuals of open items, an invoice's payment status,
and a partner's open and overdue balance. All derived from posted lines and the
reconciliations that name them (SQL aggregates); nothing is kept in step by hand.

A line's residual (company currency, signed like its balance) is its debit less its credit,
less what reconciliations took from it as the debit side, plus what they took as the credit
side; ``residual_currency`` is the same in the line's own currency.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import MONEY_DIGITS, MONEY_PLACES, Account, Invoice, JournalLine, Reconciliation
from tandem.core.models import User
from tandem.partners.models import Partner

ZERO = Decimal(0)
PLACES = Decimal(1).scaleb(-MONEY_PLACES)
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)

NOT_PAID, PARTIAL, PAID, OVERDUE = "not_paid", "partial", "paid", "overdue"
STATUS_LABELS = {
    NOT_PAID: _("Not paid"),
    PARTIAL: _("Partially paid"),
    PAID: _("Paid"),
    OVERDUE: _("Overdue"),
}


def _matched(side: str, field: str) -> Coalesce:
    rows = (
        Reconciliation.objects.filter(**{side: OuterRef("pk")})
        .values(side)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(ZERO), output_field=MONEY)


def with_residuals(lines: QuerySet[JournalLine]) -> QuerySet[JournalLine]:
    """``lines`` annotated with ``residual`` and ``residual_currency`` (rounded to the
    money places: SQLite computes decimals in binary floating point)."""
    return lines.annotate(
        residual=_residual(),
        residual_currency=Round(
            F("amount_currency")
            - _matched("debit_line", "debit_amount_currency")
            + _matched("credit_line", "credit_amount_currency"),
            MONEY_PLACES,
            output_field=MONEY,
        ),
    )


def _residual() -> Round:
    return Round(
        F("debit") - F("credit") - _matched("debit_line", "amount") + _matched("credit_line", "amount"),
        MONEY_PLACES,
        output_field=MONEY,
    )


def open_items(lines: QuerySet[JournalLine]) -> QuerySet[JournalLine]:
    """The posted lines on reconcilable accounts among ``lines`` that are not fully matched
    (the lines flagged open, which the invariant checks against their residuals)."""
    return with_residuals(lines.filter(open_item=True))


def invoice_residuals(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What is left to pay of each posted invoice, in its currency (positive)."""
    rows = (
        with_residuals(
            JournalLine.objects.filter(
                entry__invoice__in=list(invoice_ids), account__reconcilable=True, posted=True
            )
        )
        .values("entry__invoice")
        .annotate(left=Sum("residual_currency"))
        .order_by()
    )
    return {row["entry__invoice"]: abs(row["left"]) for row in rows}


def payment_status(
    state: str, total: Decimal, residual: Decimal, due_date: datetime.date | None, today: datetime.date
) -> str:
    """An invoice's payment status from the facts; "" for one not posted. Pure."""
    if state != Invoice.State.POSTED:
        return ""
    if residual <= 0:
        return PAID
    if due_date is not None and due_date < today:
        return OVERDUE
    return PARTIAL if residual < total else NOT_PAID


def statuses(invoices: Iterable[Invoice], today: datetime.date) -> dict[int, tuple[str, Decimal]]:
    """``{invoice id: (status, residual)}`` with one query for all of them."""
    invoices = list(invoices)
    left = invoice_residuals(i.pk for i in invoices if i.state == Invoice.State.POSTED)
    found = {}
    for invoice in invoices:
        residual = left.get(invoice.pk, ZERO)
        status = payment_status(invoice.state, invoice.amount_total, residual, invoice.due_date, today)
        found[invoice.pk] = (status, residual)
    return found


# --- for other domains: a partner's open and overdue balance ------------------------------


def _may_see(partner: Partner, user: User | Any | None) -> bool:
    """Record rules: a salesperson sees the balance of the customers they may open."""
    if user is None:
        return True
    return Partner.objects.visible_to(user).filter(pk=partner.pk).exists()


def _receivables(partner: Partner) -> QuerySet[JournalLine]:
    return JournalLine.objects.filter(
        company=partner.company_id,
        partner=partner,
        posted=True,
        account__subtype=Account.Subtype.RECEIVABLE,
    )


def open_balance(partner: Partner, user: User | Any | None = None) -> Decimal | None:
    """What the customer owes (company currency; negative: what we owe them), or None when
    ``user`` may not see the customer. The sum of the residuals of its open receivable items,
    which is the balance of its receivable lines (each reconciliation takes as much from a
    debit as from a credit)."""
    if not _may_see(partner, user):
        return None
    found = _receivables(partner).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return ((found["debit"] or ZERO) - (found["credit"] or ZERO)).quantize(PLACES)  # SQLite: floats


def overdue(
    partner: Partner, user: User | Any | None = None, *, today: datetime.date | None = None
) -> Decimal | None:
    """What the customer owes past its due dates (company currency), or None when ``user``
    may not see the customer."""
    if not _may_see(partner, user):
        return None
    on = today or timezone.localdate()
    # Only the residual in company currency: on SQLite each reference to a correlated
    # subquery runs it again for every line, and open_items() would add the currency's too.
    late = (
        _receivables(partner)
        .filter(account__reconcilable=True, due_date__lt=on)
        .annotate(residual=_residual())
        .filter(residual__gt=0)
    )
    return Decimal(late.aggregate(total=Sum("residual"))["total"] or ZERO).quantize(PLACES)


def overmatched_lines(limit: int = 20) -> list[tuple[int, Decimal]]:
    """Posted open items whose matches took more than they hold (a debit whose residual went
    below zero, or a credit above): ``[(line id, residual)]``; never any, if matching locks."""
    rows = with_residuals(JournalLine.objects.filter(posted=True, account__reconcilable=True))
    wrong = rows.filter(debit__gt=0, residual__lt=0) | rows.filter(credit__gt=0, residual__gt=0)  # type: ignore[misc]
    return [(row.pk, row.residual) for row in wrong.order_by("pk")[:limit]]  # type: ignore[attr-defined]


def misflagged_open_items(limit: int = 20) -> list[tuple[int, bool]]:
    """Lines whose ``open_item`` flag is not what their residuals say: ``[(line id, flag)]``.
    Open means posted on a reconcilable account with something left in company currency or in
    the line's own; the posting and reconciliation services keep the flag, so never any."""
    candidates = with_residuals(JournalLine.objects.filter(posted=True, account__reconcilable=True))
    still_open = ~Q(residual=0) | ~Q(residual_currency=0)
    wrong = (
        candidates.filter(still_open, open_item=False)
        | candidates.filter(~still_open, open_item=True)
        | JournalLine.objects.filter(open_item=True).exclude(posted=True, account__reconcilable=True)
    )
    return list(wrong.order_by("pk").values_list("pk", "open_item")[:limit])


def receivable_differences() -> dict[int, Decimal]:
    """Per partner id, its receivable balance less the sum of its open items' residuals,
    where that is not zero."""
    lines = JournalLine.objects.filter(
        posted=True, account__subtype=Account.Subtype.RECEIVABLE, partner__isnull=False
    )
    balances = {
        row["partner"]: row["debit"] - row["credit"]
        for row in lines.values("partner").annotate(debit=Sum("debit"), credit=Sum("credit")).order_by()
    }
    residuals = {
        row["partner"]: row["left"]
        for row in with_residuals(lines).values("partner").annotate(left=Sum("residual")).order_by()
    }
    differences = {
        partner: (balance - residuals.get(partner, ZERO)).quantize(PLACES)  # SQLite sums in floats
        for partner, balance in balances.items()
    }
    return {partner: difference for partner, difference in differences.items() if difference}
