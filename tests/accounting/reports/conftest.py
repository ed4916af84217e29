"""A small known ledger for the report tests: every figure in the tests is worked out by hand.

The books' own services (chart templates, posting) belong to another part of the work; this
ledger writes its posted entries directly, as test data, the way the bench writes in bulk.

Accounts: 1000 bank, 1200 receivables, 1500 equipment, 2000 payables, 3000 capital, 4000 sales,
5000 rent, 5900 depreciation. Period asked for: March 2026 (previous: February).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting.models import Account, CostCentre, Journal, JournalEntry, JournalLine
from tandem.accounting.models.payments import Reconciliation
from tandem.accounting.queries.reports import Params
from tandem.accounting.services.ledger import refresh_open_items
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner

D = datetime.date
MARCH = (D(2026, 3, 1), D(2026, 3, 31))

CHART = [
    ("1000", "Bank", "asset", "bank"),
    ("1200", "Receivables", "asset", "receivable"),
    ("1500", "Equipment", "asset", "fixed"),
    ("2000", "Payables", "liability", "payable"),
    ("3000", "Capital", "equity", "equity"),
    ("4000", "Sales", "income", "income"),
    ("5000", "Rent", "expense", "expense"),
    ("5900", "Depreciation", "expense", "depreciation"),
]


@dataclass
class Ledger:
    company: Company
    accounts: dict[str, Account]
    partners: dict[str, Partner]
    cost_centre: CostCentre
    lines: dict[str, JournalLine]

    def params(self, start: datetime.date = MARCH[0], end: datetime.date = MARCH[1], **more: Any) -> Params:
        return Params(self.company, start, end, **more)


def post(
    company: Company, journal: Journal, day: datetime.date, number: str, *lines: tuple[Any, ...]
) -> list[JournalLine]:
    """A posted entry of ``(account, debit, credit, partner, due, cost centre)`` lines."""
    entry = JournalEntry.objects.create(
        company=company, journal=journal, date=day, number=number, state=JournalEntry.State.POSTED
    )
    return JournalLine.objects.bulk_create(
        JournalLine(
            company=company,
            entry=entry,
            journal=journal,
            date=day,
            posted=True,
            open_item=account.reconcilable and Decimal(debit) != Decimal(credit),
            account=account,
            debit=Decimal(debit),
            credit=Decimal(credit),
            currency=company.currency,
            amount_currency=Decimal(debit) - Decimal(credit),
            partner=partner,
            due_date=due,
            cost_centre=centre,
        )
        for account, debit, credit, partner, due, centre in lines
    )


def build_ledger(company: Company, make_partner: Callable[..., Partner], prefix: str = "") -> Ledger:
    accounts = {
        code: Account.objects.create(
            company=company,
            code=code,
            name=name,
            type=kind,
            subtype=sub,
            reconcilable=sub in {"receivable", "payable"},
        )
        for code, name, kind, sub in CHART
    }
    journal = Journal.objects.create(company=company, code="MISC", name="Miscellaneous", kind="general")
    partners = {key: make_partner(f"{prefix}Partner {key}") for key in ("A", "B", "S")}
    centre = CostCentre.objects.create(company=company, code="CC1", name="Showroom")
    a, p = accounts, partners
    n = iter(range(1, 100))

    def entry(day: datetime.date, *lines: tuple[Any, ...]) -> list[JournalLine]:
        full = [
            (a[code], debit, credit, *rest, *[None] * (3 - len(rest))) for code, debit, credit, *rest in lines
        ]
        return post(company, journal, day, f"MISC/{next(n)}", *full)

    entry(D(2026, 1, 15), ("1000", "10000", "0"), ("3000", "0", "10000"))
    invoice_a = entry(D(2026, 2, 10), ("1200", "1200", "0", p["A"], D(2026, 2, 20)), ("4000", "0", "1200"))
    entry(D(2026, 2, 25), ("5000", "300", "0"), ("1000", "0", "300"))
    entry(D(2026, 3, 5), ("1200", "500", "0", p["B"], D(2026, 3, 15)), ("4000", "0", "500"))
    payment_a = entry(D(2026, 3, 10), ("1000", "700", "0"), ("1200", "0", "700", p["A"]))
    entry(D(2026, 3, 20), ("1500", "2400", "0"), ("2000", "0", "2400", p["S"], D(2026, 4, 19)))
    entry(D(2026, 3, 31), ("5900", "100", "0"), ("1500", "0", "100"))
    entry(D(2026, 3, 15), ("5000", "200", "0", None, None, centre), ("1000", "0", "200", None, None, centre))
    Reconciliation.objects.create(
        company=company,
        debit_line=invoice_a[0],
        credit_line=payment_a[1],
        amount=Decimal(700),
        debit_amount_currency=Decimal(700),
        credit_amount_currency=Decimal(700),
    )
    refresh_open_items(JournalLine.objects.filter(pk__in=[invoice_a[0].pk, payment_a[1].pk]))
    return Ledger(company, accounts, partners, centre, {"invoice_a": invoice_a[0]})


@pytest.fixture
def ledger(company: Company, make_partner: Callable[..., Partner]) -> Ledger:
    return build_ledger(company, make_partner)


@pytest.fixture
def accountant(make_user: Callable[..., User]) -> User:
    return make_user("ada", roles.ACCOUNTANT)


def vat_rows(company: Company, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """The VAT report's tax rows by tax name (its total rows left out)."""
    from tandem.accounting.queries.reports import vat

    return {row.name: row for row in vat(Params(company, start, end)).rows if not row.total}
