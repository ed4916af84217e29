"""The books' bank statement part of the demo company: yesterday's statement of the main bank
account, imported through the same service as a bank's file and left unreconciled, so the
reconciliation screen has work on first run: two customers paying open invoices in full (one
naming the invoice, one known only by the IBAN it came from), one paying part of an invoice,
the bank's fee and a little interest. Deterministic."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.models import BankStatement, Invoice, Journal, JournalLine, Tax
from tandem.accounting.queries.payments import invoice_residuals
from tandem.accounting.services import invoices, statements
from tandem.accounting.services.statement_files import CAMT053, ParsedLine, ParsedStatement
from tandem.core.demo import Demo
from tandem.core.models import User
from tandem.partners.models import BankAccount, Partner
from tandem.partners.services import add_bank_account

CUSTOMER_IBAN = "SI56191000000123438"  # the Slovenian example of the IBAN registry
FEE, INTEREST = Decimal("-4.90"), Decimal("0.37")
DESKS = (
    (("Hrastova miza", 1, "890.00"), ("Stol Oslo", 4, "145.00")),
    (("Stol Oslo", 6, "145.00"),),
    (("Hrastova miza", 2, "890.00"), ("Dostava", 1, "60.00")),
)


def build(demo: Demo) -> dict[str, int]:
    actor = demo.users.get("alex")
    company, today = demo.company, timezone.localdate()
    journal = (
        Journal.objects.filter(company=company, kind=Journal.Kind.BANK, active=True, currency__isnull=True)
        .select_related("default_account")
        .order_by("code")
        .first()
    )
    if journal is None or BankStatement.objects.filter(company=company).exists():
        return {"bank_statements": 0}
    day = today - datetime.timedelta(days=1)
    with transaction.atomic():
        open_invoices = _open_invoices(company.pk, company.currency_id)
        if len(open_invoices) < 3:
            _invoice_customers(demo, actor, day)
            open_invoices = _open_invoices(company.pk, company.currency_id)
        if len(open_invoices) < 3:
            return {"bank_statements": 0}
        (first, first_left), (second, second_left), (third, third_left) = open_invoices[:3]
        if not BankAccount.objects.filter(partner=second.partner, iban=CUSTOMER_IBAN).exists():
            add_bank_account(second.partner, actor, iban=CUSTOMER_IBAN, bank_name="NLB d.d.")
        part = (third_left / 2).quantize(Decimal("0.01"))
        lines = [
            ParsedLine(day, first_left, first.partner.name, "", f"SI00 {first.number}",
                       f"Plačilo računa {first.number}", f"DEMO-{day:%Y%m%d}-1"),
            ParsedLine(day, second_left, second.partner.name, CUSTOMER_IBAN, "",
                       "Plačilo po pogodbi", f"DEMO-{day:%Y%m%d}-2"),
            ParsedLine(day, part, third.partner.name, "", f"SI00 {third.number}",
                       f"Delno plačilo računa {third.number}", f"DEMO-{day:%Y%m%d}-3"),
            ParsedLine(day, FEE, "Banka", "", "", "Provizija za vodenje računa", f"DEMO-{day:%Y%m%d}-4"),
            ParsedLine(day, INTEREST, "Banka", "", "", "Obresti na stanje", f"DEMO-{day:%Y%m%d}-5"),
        ]  # fmt: skip
        start = _bank_balance(journal)
        parsed = ParsedStatement(
            format=CAMT053, name=f"IZP-{day:%Y%m%d}", date=day, currency=company.currency_id,
            balance_start=start, balance_end=start + sum((line.amount for line in lines), Decimal(0)),
            account_iban=journal.bank_iban, lines=lines,
        )  # fmt: skip
        statements.import_statement(company, actor, parsed, journal=journal, file_name="izpisek.xml")
    return {"bank_statements": 1}


def _invoice_customers(demo: Demo, actor: User | None, day: datetime.date) -> None:
    """Three invoices in the company's currency, two weeks old, that this statement pays."""
    customers = list(
        Partner.objects.filter(company=demo.company, is_customer=True, active=True).order_by("id")[12:15]
    )
    tax = Tax.objects.filter(company=demo.company, name="DDV 22 %").first()
    for n, customer in enumerate(customers):
        draft = invoices.create_invoice(
            demo.company, actor, kind="customer_invoice", partner=customer,
            invoice_date=day - datetime.timedelta(days=14 - n),
            lines=[invoices.LineData(product, Decimal(quantity), Decimal(price), taxes=[tax] if tax else [])
                   for product, quantity, price in DESKS[n]],
            currency=demo.company.currency,
        )  # fmt: skip
        invoices.post_invoice(draft, actor)


def _open_invoices(company_id: int, currency: str) -> list[tuple[Invoice, Decimal]]:
    """Posted customer invoices in the company's currency with something left to pay, newest
    first (the ones a customer would pay now), with what is left."""
    invoices = list(
        Invoice.objects.filter(
            company=company_id, kind=Invoice.Kind.CUSTOMER_INVOICE, state=Invoice.State.POSTED,
            currency=currency,
        )
        .select_related("partner")
        .order_by("-invoice_date", "-id")[:40]
    )  # fmt: skip
    left = invoice_residuals(invoice.pk for invoice in invoices)
    found = [(invoice, left[invoice.pk]) for invoice in invoices if left.get(invoice.pk, Decimal(0)) > 0]
    seen: set[int] = set()
    unique = []
    for invoice, residual in found:  # one invoice per customer, so each line has one best match
        if invoice.partner_id not in seen:
            seen.add(invoice.partner_id)
            unique.append((invoice, residual.quantize(Decimal("0.01"))))
    return unique


def _bank_balance(journal: Journal) -> Decimal:
    totals = JournalLine.objects.filter(account=journal.default_account_id, posted=True).aggregate(
        debit=Sum("debit"), credit=Sum("credit")
    )
    return Decimal((totals["debit"] or 0) - (totals["credit"] or 0)).quantize(Decimal("0.01"))
