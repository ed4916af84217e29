"""The books' payments part of the demo company: of the posted customer invoices, most are
paid in full some weeks after their date, some in part, and the rest stay open (those past
their due date are overdue); the first supplier bills are paid. Deterministic."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.accounting.models import Invoice, Journal
from tandem.accounting.services import payments
from tandem.core.demo import Demo

PAID_AFTER = datetime.timedelta(days=18)


def build(demo: Demo) -> dict[str, int]:
    actor = demo.users.get("alex")
    company, today = demo.company, timezone.localdate()
    bank = (
        Journal.objects.filter(company=company, kind=Journal.Kind.BANK, active=True).order_by("code").first()
    )
    if bank is None:
        return {"payments": 0}
    made = 0
    with transaction.atomic():
        posted = Invoice.objects.filter(company=company, state=Invoice.State.POSTED).select_related(
            "company", "partner", "currency"
        )
        sales = list(posted.filter(kind=Invoice.Kind.CUSTOMER_INVOICE).order_by("invoice_date", "id"))
        for n, invoice in enumerate(sales):
            on = min(invoice.invoice_date + PAID_AFTER, today)
            if n % 5 in (0, 1, 2):  # paid in full
                payments.register_payment([invoice], actor, journal=bank, date=on)
            elif n % 5 == 3:  # paid in part: open, and overdue once its date has passed
                half = (invoice.amount_total / 2).quantize(Decimal("0.01"))
                payments.register_payment([invoice], actor, journal=bank, date=on, amount=half)
            else:
                continue
            made += 1
        for bill in posted.filter(kind=Invoice.Kind.SUPPLIER_BILL).order_by("invoice_date", "id")[:2]:
            payments.register_payment(
                [bill], actor, journal=bank, date=min(bill.invoice_date + PAID_AFTER, today)
            )
            made += 1
    return {"payments": made}
