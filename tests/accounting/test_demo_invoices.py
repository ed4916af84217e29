"""The demo's invoices: posted in several currencies, with a credit note and bills, balanced."""

from __future__ import annotations

import pytest

from tandem.accounting.models import Invoice
from tandem.accounting.queries import ledger
from tandem.demo import build_demo

pytestmark = pytest.mark.django_db


def test_the_demo_company_has_invoices_and_bills_in_several_currencies() -> None:
    build_demo("small")
    rows = Invoice.objects.filter(state="posted")
    assert rows.filter(kind="customer_invoice").count() >= 20
    assert rows.filter(kind="customer_credit_note").exists() and rows.filter(kind="supplier_bill").exists()
    assert set(rows.values_list("currency_id", flat=True)) >= {"EUR", "USD", "GBP"}
    assert not ledger.unbalanced_posted_entries()
