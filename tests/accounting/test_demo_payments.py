"""The demo's payments: invoices paid in full, in part and overdue; the books balance."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tandem.accounting.models import Invoice, Payment, PaymentRun
from tandem.accounting.queries import ledger, payments
from tandem.core import invariants
from tandem.demo import build_demo

pytestmark = pytest.mark.django_db


def test_the_demo_company_has_paid_partly_paid_and_overdue_invoices() -> None:
    build_demo("small")
    assert Payment.objects.filter(state="posted").count() >= 10
    found = payments.statuses(
        Invoice.objects.filter(kind="customer_invoice", state="posted"), timezone.localdate()
    )
    kinds = {status for status, _left in found.values()}
    assert {"paid", "overdue"} <= kinds and kinds & {"partial", "overdue"}
    assert not ledger.unbalanced_posted_entries() and not invariants.violations()


def test_the_demo_has_payments_on_account_in_cash_and_a_sepa_payment_run() -> None:
    build_demo("small")
    posted = Payment.objects.filter(state="posted")
    assert posted.filter(journal__kind="cash").exists()
    assert posted.filter(direction="inbound", reference="Avans za naročilo").exists()
    run = PaymentRun.objects.get()
    assert run.payments.count() >= 1 and run.xml.startswith("<?xml") and "pain.001.001.03" in run.xml
    assert Invoice.objects.filter(kind="supplier_bill", state="posted").count() > run.payments.count() + 2
    assert not invariants.violations()
