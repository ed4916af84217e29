"""Payment terms' instalments: the due dates and amounts a total falls due on — for posting an
invoice (``services.invoices``) and for the cash forecast's expected flows of orders not yet
invoiced (``queries.forecast.order_flows``)."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from decimal import Decimal

from tandem.accounting.models import PaymentTermLine
from tandem.core.models import Currency, PaymentTerm
from tandem.core.money import round_money


def _end_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def instalments(
    term: PaymentTerm | None,
    invoice_date: datetime.date,
    total: Decimal,
    currency: Currency,
    rows: Sequence[PaymentTermLine] | None = None,
) -> list[tuple[datetime.date, Decimal]]:
    """(due date, amount) per instalment of ``term``; the last one takes the balance. ``rows``:
    the term's lines when the caller read them already (else one query)."""
    if rows is None:
        rows = list(PaymentTermLine.objects.filter(term=term)) if term is not None else []
    if not rows:
        return [(invoice_date + datetime.timedelta(days=term.days if term else 0), total)]
    found: list[tuple[datetime.date, Decimal]] = []
    left = total
    for n, row in enumerate(rows):
        due = invoice_date + datetime.timedelta(days=row.days)
        due = _end_of_month(due) if row.end_of_month else due
        last = n == len(rows) - 1 or row.value == PaymentTermLine.Value.BALANCE
        if last:
            amount = left
        elif row.value == PaymentTermLine.Value.PERCENT:
            amount = round_money(total * row.amount / 100, currency)
        else:
            amount = min(round_money(row.amount, currency), left)
        found.append((due, amount))
        left -= amount
        if last:
            break
    return [(due, amount) for due, amount in found if amount or len(found) == 1]
