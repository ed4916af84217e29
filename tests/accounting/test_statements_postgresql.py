"""Two accountants confirming the same bank line at once book it once (PostgreSQL row locks),
and two lines paying the same invoice at once never over-pay it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections

from tandem.accounting.models import (
    BankStatementLine,
    BooksSettings,
    JournalEntry,
    JournalLine,
    Reconciliation,
)
from tandem.accounting.queries import payments as queries
from tandem.accounting.services import invoices, statements
from tandem.accounting.services.invoices import LineData
from tandem.accounting.services.statement_files import CAMT053, ParsedLine, ParsedStatement
from tandem.core.errors import BusinessError
from tandem.core.models import Company
from tandem.partners.models import Partner
from tests.accounting.conftest import DAY

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
RACERS = 4


def _race(work: Callable[[int], None]) -> list[str]:
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
            outcomes.append("done")
        except BusinessError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_parallel_confirmations_book_a_line_once_and_never_over_pay(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner]
) -> None:
    customer = make_partner("Racer d.o.o.")
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=customer, invoice_date=DAY,
        lines=[LineData("Table", Decimal(1), Decimal("100.00"), taxes=[])],
    )  # fmt: skip
    invoice = invoices.post_invoice(draft, None)
    item = JournalLine.objects.get(entry=invoice.entry, account__reconcilable=True).pk
    lines = [
        ParsedLine(DAY, Decimal("100.00"), "Racer", "", "", invoice.number, f"R-{n}") for n in range(RACERS)
    ]
    parsed = ParsedStatement(CAMT053, "RACE", DAY, "EUR", Decimal(0), Decimal(100 * RACERS), "", lines)
    statement = statements.import_statement(company, None, parsed)
    first = BankStatementLine.objects.get(statement=statement, sequence=1)

    same_line = _race(lambda n: statements.match_line(first, None, items=[item], amounts=[Decimal("10.00")]))
    assert same_line == ["conflict"] * (RACERS - 1) + ["done"]
    assert JournalEntry.objects.filter(origin="statement").count() == 1

    others = list(BankStatementLine.objects.filter(statement=statement, sequence__gt=1).order_by("sequence"))
    one_invoice = _race(
        lambda n: (
            statements.match_line(others[n % len(others)], None, items=[item], amounts=[Decimal("90.00")])
            if n < len(others)
            else None
        )
    )
    assert one_invoice == ["conflict", "conflict", "done", "done"]  # the winner, and the racer with no line
    assert queries.invoice_residuals([invoice.pk]) == {invoice.pk: Decimal(0)}
    assert sum(row.amount for row in Reconciliation.objects.all()) == Decimal("100.00")


def test_parallel_write_offs_of_one_invoice_settle_it_once(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner]
) -> None:
    """Four lines of 99.50, each written off against the same invoice of 100.00 at once: the
    first settles it, the others find it paid (nothing booked for them)."""
    from tests.accounting.conftest import account

    books.write_off_tolerance = Decimal("1.00")
    books.save()
    customer = make_partner("Racer d.o.o.")
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=customer, invoice_date=DAY,
        lines=[LineData("Table", Decimal(1), Decimal("100.00"), taxes=[])],
    )  # fmt: skip
    invoice = invoices.post_invoice(draft, None)
    item = JournalLine.objects.get(entry=invoice.entry, account__reconcilable=True).pk
    lines = [
        ParsedLine(DAY, Decimal("99.50"), "Racer", "", "", invoice.number, f"W-{n}") for n in range(RACERS)
    ]
    parsed = ParsedStatement(CAMT053, "RACE-W", DAY, "EUR", Decimal(0), Decimal("99.50") * RACERS, "", lines)
    statement = statements.import_statement(company, None, parsed)
    rows = list(BankStatementLine.objects.filter(statement=statement).order_by("sequence"))
    fees = account(company, "6400")
    outcomes = _race(lambda n: statements.match_with_write_off(rows[n], None, items=[item], account=fees))
    assert outcomes == ["conflict"] * (RACERS - 1) + ["done"]
    assert queries.invoice_residuals([invoice.pk]) == {invoice.pk: Decimal(0)}
    assert JournalEntry.objects.filter(origin="statement").count() == 1
    assert sum(row.amount for row in Reconciliation.objects.all()) == Decimal("100.00")
