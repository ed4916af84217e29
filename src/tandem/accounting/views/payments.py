"""The books' panels on the partner card: open balance and overdue, invoices with their
payment status, payments. Each reads under record rules (the card's own partner)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tandem.accounting.models import Invoice, Payment
from tandem.accounting.queries import payments as queries
from tandem.partners.models import Partner
from tandem.web.display import Column
from tandem.web.tables import Table

PANEL_ROWS = 10


@dataclass(frozen=True)
class _Balance:
    currency: str
    open: Decimal
    overdue: Decimal


BALANCE_COLUMNS = [
    Column("open", gettext_lazy("Open balance"), numeric=True),
    Column("overdue", gettext_lazy("Overdue"), numeric=True),
    Column("currency", gettext_lazy("Currency")),
]
INVOICE_COLUMNS = [
    Column("number", gettext_lazy("Number"), link=True),
    Column("kind", gettext_lazy("Kind"), accessor=lambda i: i.get_kind_display()),
    Column("invoice_date", gettext_lazy("Date")),
    Column("due_date", gettext_lazy("Due")),
    Column("amount_total", gettext_lazy("Total"), numeric=True),
    Column("residual", gettext_lazy("Left to pay"), numeric=True),
    Column("status", gettext_lazy("Payment"), accessor=lambda i: queries.STATUS_LABELS.get(i.status, "")),
]
PAYMENT_COLUMNS = [
    Column("number", gettext_lazy("Number")),
    Column("date", gettext_lazy("Date")),
    Column("direction", gettext_lazy("Direction"), accessor=lambda p: p.get_direction_display()),
    Column("amount", gettext_lazy("Amount"), numeric=True),
    Column("currency", gettext_lazy("Currency"), accessor=lambda p: p.currency_id),
    Column("state", gettext_lazy("State"), accessor=lambda p: p.get_state_display()),
]


def balance_panel(partner: Partner, request: HttpRequest) -> Table | None:
    """What the customer owes and what of it is late (for whoever may open the customer)."""
    owed = queries.open_balance(partner, request.user)
    late = queries.overdue(partner, request.user)
    if owed is None or late is None or (not owed and not late):
        return None
    row = _Balance(str(partner.company.currency_id), owed, late)
    return Table(BALANCE_COLUMNS, [row], caption=gettext_lazy("Open balance"), key="balance")


def invoices_panel(partner: Partner, request: HttpRequest) -> Table | None:
    rows: list[Any] = list(
        Invoice.objects.visible_to(request.user)
        .filter(partner=partner)
        .order_by("-invoice_date", "-id")[:PANEL_ROWS]
    )
    found = queries.statuses(rows, timezone.localdate())
    for invoice in rows:
        invoice.status, invoice.residual = found[invoice.pk]
    return Table(
        INVOICE_COLUMNS, rows, caption=gettext_lazy("Invoices"), empty=gettext_lazy("No invoices yet."),
        key="invoices",
    )  # fmt: skip


def payments_panel(partner: Partner, request: HttpRequest) -> Table | None:
    rows = Payment.objects.visible_to(request.user).filter(partner=partner).order_by("-date", "-id")
    return Table(
        PAYMENT_COLUMNS, rows[:PANEL_ROWS], caption=gettext_lazy("Payments"),
        empty=gettext_lazy("No payments yet."), key="payments",
    )  # fmt: skip
