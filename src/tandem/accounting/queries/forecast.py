"""The 13-week cash-flow forecast: the cash today, then expected receipts and payments by week.

Open items come from the books (the residual of every receivable and payable line, grouped by
due date in SQL; an overdue item is expected now): an invoice posts one receivable or payable
line per instalment of its payment term, so each instalment is expected on its own due date.
What the books do not hold yet — confirmed sales orders not yet invoiced, confirmed purchase
orders — higher layers add through a provider they register here (``register_provider``);
accounting declares the hook and never imports them. A scenario moves every expected receipt
``days_late`` days later.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice
from tandem.accounting.queries.payment_terms import instalments
from tandem.accounting.queries.reports import CASH, ZERO, Params, exact, open_items, posted_lines
from tandem.core.models import Company, PaymentTerm
from tandem.core.money import round_money

WEEKS = 13


@dataclass(frozen=True)
class Flow:
    """Money expected on ``day``: positive comes in, negative goes out (company currency)."""

    day: datetime.date
    amount: Decimal


@dataclass(frozen=True)
class Provider:
    """A source of expected flows: ``flows(company, start, end)`` for the days start–end."""

    key: str
    label: Promise
    flows: Callable[[Company, datetime.date, datetime.date], Iterable[Flow]]


_providers: dict[str, Provider] = {}


def register_provider(provider: Provider) -> Provider:
    """Add a source of expected flows (e.g. ``sales`` registers confirmed orders not yet invoiced)."""
    _providers[provider.key] = provider
    return provider


def unregister_provider(key: str) -> None:
    _providers.pop(key, None)


AMOUNT: DecimalField = DecimalField(max_digits=18, decimal_places=2)  # type: ignore[type-arg]


def posted_invoiced(links: QuerySet[Any], amount: str, subtracted_kind: str) -> Coalesce:
    """Per order (``OuterRef("pk")``), through ``links`` (its order–invoice link rows): the
    ``amount`` field of its posted invoices, those of ``subtracted_kind`` (credit notes, refunds)
    taken off; zero when none is posted. Drafts and cancelled invoices do not count: only posted
    ones are open items the forecast reads from the books."""
    signed = Case(
        When(invoice__kind=subtracted_kind, then=-F(f"invoice__{amount}")),
        default=F(f"invoice__{amount}"),
        output_field=AMOUNT,
    )
    rows = (
        links.filter(order=OuterRef("pk"), invoice__state=Invoice.State.POSTED)
        .values("order")
        .annotate(total=Sum(signed))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=AMOUNT), Value(ZERO), output_field=AMOUNT)


def order_flows(company: Company, rows: Iterable[tuple[Any, ...]], *, outgoing: bool) -> list[Flow]:
    """Flows of orders given as ``(expected day, order day, total, total in company currency,
    invoiced, payment term id)``: what invoicing has not covered yet, in company currency at the
    order's own rate, invoiced on the expected day (else the order day) and then due as the
    payment term's instalments say (e.g. 30 % that day, the rest 60 days later); no term: that
    day. ``outgoing`` for payments. The terms and their lines are read in two queries."""
    rows = list(rows)
    terms = {
        term.pk: (term, list(term.lines.all()))
        for term in PaymentTerm.objects.filter(
            pk__in={row[5] for row in rows if row[5] is not None}
        ).prefetch_related("lines")
    }
    found = []
    for expected, ordered, total, in_company, invoiced, term_id in rows:
        left = total - invoiced.quantize(Decimal("0.01"))
        if left <= 0:
            continue
        amount = round_money(left * in_company / total, company.currency)
        term, lines = terms.get(term_id, (None, []))
        for due, part in instalments(term, expected or ordered, amount, company.currency, lines):
            found.append(Flow(due, -part if outgoing else part))
    return found


def _open_items(company: Company, today: datetime.date) -> Provider:
    def flows(company: Company, start: datetime.date, end: datetime.date) -> list[Flow]:
        params = Params(company, today, today)
        found = []
        for kind in ("receivable", "payable"):
            rows = (
                open_items(params, kind, today).values("due").annotate(amount=Sum("residual")).order_by("due")
            )
            found += [
                Flow(max(row["due"], today), row["amount"]) for row in map(exact, rows) if row["amount"]
            ]
        return found

    return Provider("open_items", _("Open invoices and bills"), flows)


@dataclass
class Week:
    start: datetime.date
    end: datetime.date
    receipts: Decimal = ZERO
    payments: Decimal = ZERO
    by_source: dict[str, Decimal] = field(default_factory=dict)
    balance: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.receipts + self.payments


@dataclass
class Forecast:
    today: datetime.date
    days_late: int
    opening: Decimal
    weeks: list[Week]
    sources: list[tuple[str, Any]]


def forecast(company: Company, today: datetime.date, *, days_late: int = 0, weeks: int = WEEKS) -> Forecast:
    """Cash today, then per week (Monday to Sunday, this week first) receipts, payments and the
    balance expected at its end; receipts ``days_late`` days after they are due."""
    monday = today - datetime.timedelta(days=today.weekday())
    shown = [
        Week(monday + datetime.timedelta(weeks=n), monday + datetime.timedelta(weeks=n, days=6))
        for n in range(weeks)
    ]
    end = shown[-1].end
    sources = [_open_items(company, today), *_providers.values()]
    for source in sources:
        for flow in source.flows(company, today, end):
            day = flow.day + datetime.timedelta(days=days_late) if flow.amount > 0 else flow.day
            day = max(day, today)
            if day > end:
                continue
            week = shown[(day - monday).days // 7]
            if flow.amount > 0:
                week.receipts += flow.amount
            else:
                week.payments += flow.amount
            week.by_source[source.key] = week.by_source.get(source.key, ZERO) + flow.amount
    opening = (
        exact(
            posted_lines(Params(company, today, today))
            .filter(date__lte=today, account__subtype__in=CASH)
            .aggregate(cash=Sum(F("debit") - F("credit")))
        )["cash"]
        or ZERO
    )
    balance = opening
    for week in shown:
        balance += week.net
        week.balance = balance
    return Forecast(today, days_late, opening, shown, [(s.key, s.label) for s in sources])
