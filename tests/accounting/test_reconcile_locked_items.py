"""``reconcile`` takes open items the caller locked as they are, without locking and reading them
again — so only in the transaction that locked them. Outside any transaction (autocommit, as a
script or a job runs), the lock was released when it was taken and the residuals may be stale:
refused, nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from tandem.accounting.models import BooksSettings, JournalLine, Reconciliation
from tandem.accounting.services import invoices, payments, reconciliation
from tandem.accounting.services.invoices import LineData
from tandem.core.models import Company
from tests.accounting.conftest import DAY, journal

pytestmark = pytest.mark.django_db(transaction=True)  # no test transaction around the calls


def test_items_locked_in_a_transaction_that_ended_are_refused(
    company: Company, books: BooksSettings, make_partner: object
) -> None:
    customer = make_partner("Lock d.o.o.")  # type: ignore[operator]
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=customer, invoice_date=DAY,
        lines=[LineData("Table", Decimal(1), Decimal("100.00"), taxes=[])],
    )  # fmt: skip
    invoice = invoices.post_invoice(draft, None)
    payment = payments.create_payment(
        company, None, direction="inbound", journal=journal(company, "BNK1"), date=DAY,
        amount=Decimal("100.00"), partner=customer,
    )  # fmt: skip
    payment = payments.post_payment(payment, None)
    owed = JournalLine.objects.filter(entry_id=invoice.entry_id, account__reconcilable=True)
    with transaction.atomic():
        items = reconciliation.lock_open_items(owed)
    with pytest.raises(ValueError, match="transaction that locked them"):
        reconciliation.reconcile([*items, payments.partner_line(payment)], None)
    assert not Reconciliation.objects.exists()
    with transaction.atomic():  # in the transaction that locks them, they match
        items = reconciliation.lock_open_items(owed)
        reconciliation.reconcile([*items, payments.partner_line(payment)], None)
    assert Reconciliation.objects.get().amount == Decimal("100.00")
