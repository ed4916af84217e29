"""Payment runs made at the same moment on PostgreSQL: each gets its own message ID.

The run's name used to be the count of the day's runs plus one, read without a lock: two
accountants paying bills at once both read the same count, and the second insert broke the
unique name (a 500). The name now comes from ``core.sequences`` under its counter's row lock."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from tandem.accounting.models import BooksSettings, Invoice, Journal, PaymentRun
from tandem.accounting.services import ledger, sepa
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account
from tests.accounting.conftest import DAY, journal
from tests.accounting.test_sepa import _bill

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
RUNS = 4


def test_runs_made_at_once_get_distinct_gapless_names(
    company: Company, books: BooksSettings, accountant: User, make_partner: Callable[..., Partner]
) -> None:
    bank: Journal = ledger.update_journal(
        journal(company, "BNK1"), accountant, bank_iban="DE89370400440532013000", bank_bic="COBADEFFXXX"
    )
    bills: list[Invoice] = []
    for n in range(RUNS):
        partner = make_partner(f"Supplier {n}", country="SI", is_supplier=True)
        add_bank_account(partner, accountant, iban="SI56191000000123438")
        bills.append(_bill(company, partner, f"{100 + n}.00"))
    start = threading.Barrier(RUNS)
    errors: list[BaseException] = []

    def pay(bill: Invoice) -> None:
        try:
            start.wait()
            sepa.create_run(company, accountant, journal=bank, date=DAY, bills=[bill])
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=pay, args=(bill,)) for bill in bills]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    names = sorted(PaymentRun.objects.filter(company=company).values_list("name", flat=True))
    assert names == [f"SEPA-2026-{n:05d}" for n in range(1, RUNS + 1)]
