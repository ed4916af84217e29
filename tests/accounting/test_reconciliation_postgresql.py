"""Two people paying the same invoice at once never over-pay it (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from tandem.accounting.models import BooksSettings, Invoice, Payment, Reconciliation
from tandem.accounting.queries import payments as queries
from tandem.accounting.services import invoices, payments
from tandem.accounting.services.invoices import LineData
from tandem.core.errors import BusinessError
from tandem.core.models import Company
from tandem.partners.models import Partner
from tests.accounting.conftest import DAY, journal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
RACERS = 4


def test_parallel_payments_of_one_invoice_settle_it_once(
    company: Company, books: BooksSettings, make_partner: object
) -> None:
    customer: Partner = make_partner("Racer d.o.o.")  # type: ignore[operator]
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=customer, invoice_date=DAY,
        lines=[LineData("Table", Decimal(1), Decimal("100.00"), taxes=[])],
    )  # fmt: skip
    invoice = invoices.post_invoice(draft, None)
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def pay() -> None:
        try:
            start.wait()
            payments.register_payment(
                [Invoice.objects.get(pk=invoice.pk)], None, journal=journal(company, "BNK1"), date=DAY,
                amount=Decimal("100.00"),
            )  # fmt: skip
            outcomes.append("paid")
        except BusinessError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["nothing-to-match"] * (RACERS - 1) + ["paid"], outcomes
    assert queries.invoice_residuals([invoice.pk]) == {invoice.pk: Decimal(0)}
    assert sum(row.amount for row in Reconciliation.objects.all()) == Decimal("100.00")
    assert Payment.objects.filter(state="posted").count() == 1  # the losers wrote nothing
