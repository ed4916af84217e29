"""The books' invoices part of the demo company: the Slovenian VAT taxes and fiscal positions,
a 30/70 instalment term, and customer invoices (EUR, USD, GBP, a credit note, an EU customer
at 0 %) and supplier bills (one self-assessed from an EU supplier) over the last months,
posted, so that the VAT report and the open items look real. Deterministic."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.accounting.models import PaymentTermLine, Tax
from tandem.accounting.services import invoices, taxes
from tandem.core.demo import Demo
from tandem.core.models import Company, Currency, ExchangeRate, PaymentTerm, User
from tandem.partners.models import Partner

# (currency, units of EUR per unit) recorded at the start of last year, once
RATES = (("USD", Decimal("0.92")), ("GBP", Decimal("1.17")))
SALES = (("Hrastova miza", "890.00", "DDV 22 %"), ("Stol Oslo", "145.00", "DDV 22 %"),
         ("Dostava", "60.00", "DDV 22 %"), ("Knjiga o lesu", "32.00", "DDV 5 %"),
         ("Montaža", "45.00", "DDV 9.5 %"))  # fmt: skip
BILLS = (("Hrastove deske", "1240.00"), ("Lepilo in vijaki", "186.40"), ("Transport", "320.00"))
INVOICES = 24


def build(demo: Demo) -> dict[str, int]:
    actor = demo.users.get("alex")
    company, rng = demo.company, random.Random(14)
    with transaction.atomic():
        made = {t.name: t for t in taxes.install_taxes(company, actor, "SI")}
        term = _instalments(company)
        start = datetime.date(timezone.localdate().year - 1, 1, 1)
        for code, rate in RATES:
            ExchangeRate.objects.get_or_create(
                base_id=code, quote_id="EUR", date=start, defaults={"rate": rate}
            )
        customers = list(
            Partner.objects.filter(company=company, is_customer=True, active=True).order_by("id")[:12]
        )
        suppliers = list(
            Partner.objects.filter(company=company, is_supplier=True, active=True).order_by("id")[:4]
        )
        posted = _sales(demo, actor, rng, made, customers, term) + _bills(demo, actor, rng, made, suppliers)
    return {"invoices": posted, "taxes": len(made)}


def _instalments(company: Company) -> PaymentTerm:
    term, _created = PaymentTerm.objects.get_or_create(company=company, name="30 % takoj, 70 % v 60 dneh")
    PaymentTermLine.objects.create(term=term, sequence=1, value="percent", amount=Decimal(30), days=0)
    PaymentTermLine.objects.create(term=term, sequence=2, value="balance", days=60)
    return term


def _day(rng: random.Random, n: int) -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=int(180 * (INVOICES - n) / INVOICES) + rng.randint(0, 5))


def _sales(
    demo: Demo,
    actor: User | None,
    rng: random.Random,
    made: dict[str, Tax],
    customers: list[Partner],
    term: PaymentTerm,
) -> int:
    count = 0
    for n in range(INVOICES if customers else 0):
        customer = customers[n % len(customers)]
        currency = ("EUR", "EUR", "EUR", "USD", "GBP")[n % 5]
        lines = [
            invoices.LineData(name, Decimal(rng.randint(1, 6)), Decimal(price), taxes=[made[tax]])
            for name, price, tax in rng.sample(SALES, rng.randint(1, 3))
        ]
        invoice = invoices.create_invoice(
            demo.company, actor, kind="customer_invoice", partner=customer, invoice_date=_day(rng, n),
            lines=lines, currency=Currency.objects.get(pk=currency),
            payment_term=term if n % 4 == 0 else customer.payment_term,
        )  # fmt: skip
        invoices.post_invoice(invoice, actor)
        count += 1
        if n == 5:
            invoices.post_invoice(invoices.credit_note(invoice, actor, date=invoice.invoice_date), actor)
            count += 1
    return count


def _bills(
    demo: Demo, actor: User | None, rng: random.Random, made: dict[str, Tax], suppliers: list[Partner]
) -> int:
    count = 0
    for n, supplier in enumerate(suppliers):
        tax = made["DDV 22 % EU reverse charge"] if n == 0 else made["DDV 22 % (vstopni)"]
        lines = [invoices.LineData(name, Decimal(1), Decimal(price), taxes=[tax]) for name, price in BILLS]
        bill = invoices.create_invoice(
            demo.company, actor, kind="supplier_bill", partner=supplier, invoice_date=_day(rng, n * 5),
            lines=lines, supplier_reference=f"R-{2400 + n}",
        )  # fmt: skip
        invoices.post_invoice(bill, actor)
        count += 1
    return count
