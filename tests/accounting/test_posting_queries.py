"""Posting throughput: creating and posting an invoice makes a pinned number of queries, the
same with more invoices, lines and partners in the books (tests/query_counts.json)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting.models import BooksSettings, Invoice
from tandem.accounting.services import invoices, taxes
from tandem.accounting.services.invoices import LineData
from tandem.core import events
from tandem.core.models import Company
from tandem.partners.models import Partner

from .conftest import DAY

pytestmark = pytest.mark.django_db


def test_creating_and_posting_an_invoice_makes_pinned_queries(
    pinned_queries: Any, company: Company, books: BooksSettings, make_partner: Callable[..., Partner]
) -> None:
    vat = {t.name: t for t in taxes.install_taxes(company, None, "PL")}
    customer = make_partner("Kowalski sp. z o.o.", country="PL")
    counter = iter(range(1000))

    def draft() -> Invoice:
        lines = [
            LineData("Oak table", Decimal(2), Decimal("500.00"), taxes=[vat["VAT 23 %"]]),
            LineData("Delivery", Decimal(1), Decimal("40.00"), taxes=[vat["VAT 8 %"]]),
        ]
        return invoices.create_invoice(
            company, None, kind="customer_invoice", partner=customer, invoice_date=DAY, lines=lines
        )

    def grow() -> None:
        other = make_partner(f"Grown {next(counter)}", country="PL")
        note = invoices.create_invoice(
            company,
            None,
            kind="customer_invoice",
            partner=other,
            invoice_date=DAY,
            lines=[LineData("Chair", Decimal(1), Decimal("10.00"), taxes=[vat["VAT 23 %"]])],
        )
        invoices.post_invoice(note, None)

    pinned_queries.check("accounting:service:create_invoice", draft, grow)
    pinned_queries.check(
        "accounting:service:post_invoice", lambda: invoices.post_invoice(draft(), None), grow
    )


@pytest.mark.parametrize("name", ["entry.posted", "payment.posted"])
def test_nothing_writes_a_posted_entry_or_payment_inside_the_posting(name: str) -> None:
    """``post_entry`` and ``post_payment`` give the caller's instance the row they locked and
    moved (``states.show_moved``) instead of reading it again: a handler of their event run
    inside the transaction could write the row after that, and the caller would not see it."""
    assert events.handlers_within(name) == [], (
        f"a handler of {name} runs inside the posting: read the row again after the transition "
        "(refresh_from_db) instead of states.show_moved"
    )
