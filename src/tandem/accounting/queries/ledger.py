"""Ledger reads the services and the other parts share: rates, balances, the lock."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Round

from tandem.accounting.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Account,
    BooksSettings,
    JournalEntry,
    JournalLine,
    Period,
)
from tandem.core import money, roles
from tandem.core.models import Company, Currency, User

ZERO = Decimal(0)


def _sum(field: str) -> Coalesce:
    return Coalesce(
        Round(Sum(field), MONEY_PLACES),  # SQLite sums decimals in floating point: 1e-12 is no difference
        Value(ZERO),
        output_field=DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES),
    )


def settings_of(company: Company) -> BooksSettings:
    """The company's accounting settings; a company without a chart gets empty ones."""
    books, _created = BooksSettings.objects.get_or_create(company=company)
    return books


def rate_of(company: Company, currency: Currency, on: datetime.date) -> Decimal:
    """Units of the company's currency one unit of ``currency`` bought on ``on`` (core rates)."""
    return money.rate(currency, company.currency, on)


def to_company(company: Company, amount: Decimal, currency: Currency, on: datetime.date) -> Decimal:
    """``amount`` of ``currency`` in the company's currency at the rate of ``on``, rounded."""
    return money.round_money(amount * rate_of(company, currency, on), company.currency)


def totals(lines: QuerySet[JournalLine]) -> tuple[Decimal, Decimal]:
    """(debit, credit) of some lines, summed by the database."""
    found = lines.aggregate(debit=_sum("debit"), credit=_sum("credit"))
    return found["debit"], found["credit"]


def unbalanced_posted_entries(limit: int = 20) -> list[tuple[JournalEntry, Decimal]]:
    """Posted entries whose lines do not balance, with debit less credit (the first invariant)."""
    rows = (
        JournalEntry.objects.filter(state=JournalEntry.State.POSTED)
        .annotate(debit=_sum("lines__debit"), credit=_sum("lines__credit"))
        .exclude(debit=F("credit"))
        .order_by("id")[:limit]
    )
    return [(entry, entry.debit - entry.credit) for entry in rows]  # type: ignore[attr-defined]


def trial_balance_differences() -> dict[int, Decimal]:
    """Per company id, debits less credits of its posted lines, where that is not zero."""
    rows = (
        JournalLine.objects.filter(posted=True)
        .values("company")
        .annotate(debit=_sum("debit"), credit=_sum("credit"))
        .order_by("company")
    )
    return {row["company"]: row["debit"] - row["credit"] for row in rows if row["debit"] != row["credit"]}


def locked_on(company: Company, on: datetime.date) -> bool:
    lock = BooksSettings.objects.filter(company=company).values_list("lock_date", flat=True).first()
    return lock is not None and on <= lock


def balance(lines: QuerySet[JournalLine]) -> Decimal:
    debit, credit = totals(lines)
    return debit - credit


def open_foreign_balances(company: Company, on: datetime.date) -> list[dict[str, Any]]:
    """What period-end revaluation restates: per account, partner and foreign currency, the
    balance in that currency and in the company's of posted lines up to ``on``, on
    reconcilable, bank and cash accounts, where the currency balance is not zero. Matched
    items cancel out in the currency, so what is left is what is open."""
    rows = (
        JournalLine.objects.filter(company=company, posted=True, date__lte=on)
        .exclude(currency=company.currency)
        .filter(Q(account__reconcilable=True) | Q(account__subtype__in=["bank", "cash"]))
        .values("account", "partner", "currency")
        .annotate(amount_currency=_sum("amount_currency"), debit=_sum("debit"), credit=_sum("credit"))
        .order_by("account", "partner", "currency")
    )
    return [row for row in rows if row["amount_currency"] != ZERO]


def search_accounts(rows: QuerySet[Account], text: str) -> QuerySet[Account]:
    """An account is looked for by the start of its code or any part of its name."""
    text = text.strip()
    return rows.filter(Q(code__startswith=text) | Q(name__icontains=text)) if text else rows


def search_entries(rows: QuerySet[JournalEntry], text: str) -> QuerySet[JournalEntry]:
    text = text.strip()
    return rows.filter(Q(number__startswith=text) | Q(reference__icontains=text)) if text else rows


def period_end_before(company: Company, today: datetime.date) -> datetime.date:
    """The last day of the last period that ended before ``today``: of the company's fiscal
    periods when it keeps them, else of the previous calendar month."""
    end = Period.objects.filter(company=company, end__lt=today).aggregate(last=Max("end"))["last"]
    if end is not None:
        return end  # type: ignore[no-any-return]
    return today.replace(day=1) - datetime.timedelta(days=1)


def period_ends_between(
    company: Company, after: datetime.date | None, today: datetime.date
) -> list[datetime.date]:
    """The period ends after ``after`` and before ``today``, oldest first — the ends a missed
    run of the period-end revaluation catches up on; the last is :func:`period_end_before`.
    Only that one when ``after`` is None (nothing was revalued yet: no catching up from the
    books' beginning)."""
    last = period_end_before(company, today)
    if after is None or after >= last:
        return [last]
    if Period.objects.filter(company=company, end__lt=today).exists():
        return list(
            Period.objects.filter(company=company, end__gt=after, end__lte=last)
            .order_by("end")
            .values_list("end", flat=True)
            .distinct()
        )
    ends: list[datetime.date] = []
    end = last
    while end > after:
        ends.append(end)
        end = end.replace(day=1) - datetime.timedelta(days=1)
    return ends[::-1]


def revaluation_recipients(company: Company) -> QuerySet[User]:
    """Who is told when the period-end revaluation is refused: the company's active
    accountants and administrators."""
    return (
        User.objects.filter(companies=company, is_active=True)
        .filter(Q(groups__name__in=[roles.ACCOUNTANT, roles.ADMINISTRATOR]) | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )
