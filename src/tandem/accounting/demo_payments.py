"""The books' payments part of the demo company: of the posted customer invoices, most are
paid in full some weeks after their date, some in part, and the rest stay open (those past
their due date are overdue); the first supplier bills are paid. A customer's advance waits on
account and a small cash payment went through the till. The company's bank journal has its
IBAN and the suppliers theirs, and the other supplier bills due within two weeks are paid by
a SEPA payment run, whose file is ready to download. Deterministic."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.accounting.models import Invoice, Journal
from tandem.accounting.services import ledger, payments, sepa
from tandem.core.demo import Demo
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account

PAID_AFTER = datetime.timedelta(days=18)
RUN_AHEAD = datetime.timedelta(days=14)
OWN_IBAN, OWN_BIC = "SI56 1910 0000 0123 438", "DBSISI2X"
# Valid IBANs for the demo's suppliers (the banks' published examples), in turn.
SUPPLIER_IBANS = (
    "SI56 2633 0001 2039 086", "AT61 1904 3002 3457 3201", "DE89 3704 0044 0532 0130 00",
    "PL61 1090 1014 0000 0712 1981 2874",
)  # fmt: skip


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
        made += _unmatched(company, actor, today, bank)
        runs = _payment_run(company, actor, today, bank)
    return {"payments": made, "payment_runs": runs}


def _unmatched(company: Company, actor: User | None, today: datetime.date, bank: Journal) -> int:
    """A customer's advance on account, and office supplies paid from the till."""
    made = 0
    customer = Partner.objects.filter(company=company, is_customer=True, active=True).order_by("id").first()
    if customer is not None:
        advance = payments.create_payment(
            company, actor, direction="inbound", journal=bank, date=today - datetime.timedelta(days=3),
            amount=Decimal("500.00"), partner=customer, reference="Avans za naročilo",
        )  # fmt: skip
        payments.post_payment(advance, actor)
        made += 1
    till = (
        Journal.objects.filter(company=company, kind=Journal.Kind.CASH, active=True).order_by("code").first()
    )
    supplier = Partner.objects.filter(company=company, is_supplier=True, active=True).order_by("-id").first()
    if till is not None:
        cash = payments.create_payment(
            company, actor, direction="outbound", journal=till, date=today - datetime.timedelta(days=6),
            amount=Decimal("38.90"), partner=supplier, reference="Pisarniški material",
        )  # fmt: skip
        payments.post_payment(cash, actor)
        made += 1
    return made


def _payment_run(company: Company, actor: User | None, today: datetime.date, bank: Journal) -> int:
    """The bank journal's IBAN, the suppliers' bank accounts, and a SEPA run of the bills due."""
    if not bank.bank_iban:
        ledger.update_journal(bank, actor, bank_iban=OWN_IBAN, bank_bic=OWN_BIC)
        bank.refresh_from_db()
    suppliers = Partner.objects.filter(company=company, is_supplier=True, active=True).order_by("id")
    for n, supplier in enumerate(suppliers[: len(SUPPLIER_IBANS)]):
        if sepa.sepa_account(supplier) is None:
            add_bank_account(supplier, actor, iban=SUPPLIER_IBANS[n])
    due = [bill for bill in sepa.due_bills(company, today + RUN_AHEAD) if sepa.sepa_account(bill.partner)]
    due = due[:-1] if len(due) > 1 else due  # the newest waits for next week's run (payables stay real)
    if not due:
        return 0
    sepa.create_run(company, actor, journal=bank, date=today, bills=due, due_until=today + RUN_AHEAD)
    return 1
