"""The demo's bank statement: yesterday's, unreconciled, each payment line suggested its invoice
(one by the invoice's number, one by the IBAN it came from, one a part payment), a fee and
interest left to book; confirming the suggestions keeps the books whole."""

from __future__ import annotations

import pytest

from tandem.accounting.models import BankStatement
from tandem.accounting.queries import statements as queries
from tandem.accounting.services import statements
from tandem.core import invariants
from tandem.demo import build_demo

pytestmark = pytest.mark.django_db


def test_the_demo_company_has_a_bank_statement_to_reconcile() -> None:
    build_demo("small")
    statement = BankStatement.objects.get()
    lines = list(
        statement.lines.select_related("statement__journal", "statement__company").order_by("sequence")
    )
    assert len(lines) == 5 and not any(line.entry_id for line in lines)
    assert statement.balance_end == statement.balance_start + sum(line.amount for line in lines)
    found = queries.suggest(lines)
    named, by_iban, part, fee, interest = (found[line.pk] for line in lines)
    assert named.top is not None and named.top.full and named.top.document in lines[0].narration
    assert by_iban.top is not None and by_iban.top.full and any("account" in r for r in by_iban.top.reasons)
    assert part.top is not None and not part.top.full
    assert fee.suggestions == [] and interest.suggestions == []
    for line in lines[:3]:
        statements.confirm_top(line, None)
    assert not invariants.violations()
