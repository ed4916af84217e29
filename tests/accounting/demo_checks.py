"""The demo company's books: checks that ``tests/test_demo.py`` runs over its one build of the demo.

- Invoices posted in several currencies, with a credit note and bills, balanced.
- Payments: invoices paid in full, in part and overdue; payments on account, in cash and in a
  SEPA payment run.
- Yesterday's bank statement, unreconciled: each payment line suggested its invoice (one by
  the invoice's number, one by the IBAN it came from, one a part payment), a fee and interest
  left to book; confirming the suggestions keeps the books whole.
"""

from __future__ import annotations

from django.utils import timezone

from tandem.accounting.models import BankStatement, Invoice, Payment, PaymentRun
from tandem.accounting.queries import ledger, payments
from tandem.accounting.queries import statements as statement_queries
from tandem.accounting.services import statements
from tandem.core import invariants
from tests.kit.demo import DemoChecks


class TheDemoBooks(DemoChecks):
    def test_invoices_and_bills_in_several_currencies(self) -> None:
        rows = Invoice.objects.filter(state="posted")
        assert rows.filter(kind="customer_invoice").count() >= 20
        assert (
            rows.filter(kind="customer_credit_note").exists() and rows.filter(kind="supplier_bill").exists()
        )
        assert set(rows.values_list("currency_id", flat=True)) >= {"EUR", "USD", "GBP"}
        assert not ledger.unbalanced_posted_entries()

    def test_paid_partly_paid_and_overdue_invoices(self) -> None:
        assert Payment.objects.filter(state="posted").count() >= 10
        found = payments.statuses(
            Invoice.objects.filter(kind="customer_invoice", state="posted"), timezone.localdate()
        )
        kinds = {status for status, _left in found.values()}
        assert {"paid", "overdue"} <= kinds and kinds & {"partial", "overdue"}
        assert not ledger.unbalanced_posted_entries() and not invariants.violations()

    def test_payments_on_account_in_cash_and_a_sepa_payment_run(self) -> None:
        posted = Payment.objects.filter(state="posted")
        assert posted.filter(journal__kind="cash").exists()
        assert posted.filter(direction="inbound", reference="Avans za naročilo").exists()
        run = PaymentRun.objects.get()
        assert run.payments.count() >= 1 and run.xml.startswith("<?xml") and "pain.001.001.03" in run.xml
        assert Invoice.objects.filter(kind="supplier_bill", state="posted").count() > run.payments.count() + 2
        assert not invariants.violations()

    def test_a_bank_statement_to_reconcile(self) -> None:
        statement = BankStatement.objects.get()
        lines = list(
            statement.lines.select_related("statement__journal", "statement__company").order_by("sequence")
        )
        assert len(lines) == 5 and not any(line.entry_id for line in lines)
        assert statement.balance_end == statement.balance_start + sum(line.amount for line in lines)
        found = statement_queries.suggest(lines)
        named, by_iban, part, fee, interest = (found[line.pk] for line in lines)
        assert named.top is not None and named.top.full and named.top.document in lines[0].narration
        assert by_iban.top is not None and by_iban.top.full
        assert any("account" in r for r in by_iban.top.reasons)
        assert part.top is not None and not part.top.full
        assert fee.suggestions == [] and interest.suggestions == []
        for line in lines[:3]:
            statements.confirm_top(line, None)
        assert not invariants.violations()
