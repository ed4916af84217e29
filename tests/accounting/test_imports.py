"""Moving in: the chart of accounts, the opening balances as one entry that must balance, and
the open invoices and bills with what is left to pay."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting.models import Account, BooksSettings, Invoice, JournalEntry, JournalLine
from tandem.accounting.queries import ledger as queries
from tandem.core import invariants
from tandem.core.models import Company, User
from tandem.integrations.imports import engine, services
from tandem.integrations.imports.models import ImportRun
from tests.kit.imports import uploaded

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _import(company: Company, actor: User, spec: str, content: str, mode: str = "all") -> ImportRun:
    run = uploaded(company, actor, spec_key=spec, name="file.csv", content=content.encode())
    run = services.dry_run(run, actor)
    return services.start_commit(run, actor, mode=mode)


def test_a_chart_of_accounts_is_imported_and_updated_by_code(company: Company, admin: User) -> None:
    content = "Konto;Naziv;Type;Subtype\n1200;Kupci v državi;asset;receivable\n7600;Prihodki;income;income\n"
    run = _import(company, admin, "accounting.account", content)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    assert Account.objects.get(code="1200").reconcilable is True
    again = _import(company, admin, "accounting.account", content.replace("Prihodki", "Prihodki od prodaje"))
    assert again.result["updated"] == 2 and Account.objects.get(code="7600").name == "Prihodki od prodaje"
    bad = _import(
        company, admin, "accounting.account", "code;name;type;subtype\n9;X;income;bank\n", mode="valid"
    )
    assert bad.result["rejected"] == 1 and "does not belong" in str(services.outcomes_of(bad))


def test_opening_balances_are_one_entry_posted_when_they_balance(
    company: Company, books: BooksSettings, admin: User
) -> None:
    rows = (
        "date;account;label;debit;credit\n2026-01-01;1010;Bank;1500,00;\n2026-01-01;3000;Capital;;1000,00\n"
    )
    run = _import(company, admin, "accounting.opening", rows)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    draft = JournalEntry.objects.get(origin="opening")
    assert draft.state == "draft"  # 500 short: it waits for the rest
    _import(company, admin, "accounting.opening", "date;account;debit;credit\n2026-01-01;3200;;500\n")
    draft.refresh_from_db()
    assert draft.state == "posted" and draft.lines.count() == 3
    assert invariants.violations() == {}


@pytest.mark.parametrize("mode", ["all", "valid"])
def test_a_long_opening_file_is_one_entry_even_when_a_batch_of_it_balances(
    company: Company, books: BooksSettings, admin: User, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Rows are written in batches (``CHUNK``); the first two rows balance on their own, and
    posting them there made the other two a second opening entry."""
    monkeypatch.setattr(engine, "CHUNK", 2)
    rows = (
        "date;account;debit;credit\n2026-01-01;1010;100;\n2026-01-01;3000;;100\n"
        "2026-01-01;1010;50;\n2026-01-01;3000;;50\n"
    )
    run = _import(company, admin, "accounting.opening", rows, mode=mode)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    opening = JournalEntry.objects.get(origin="opening")
    assert opening.state == "posted" and opening.lines.count() == 4
    assert invariants.violations() == {}


def test_open_invoices_and_bills_carry_their_residual_and_due_date(
    company: Company, books: BooksSettings, admin: User, make_partner: Any
) -> None:
    make_partner("Kupec d.o.o.", ref="CUS-42")
    make_partner("Dobavitelj d.o.o.", ref="SUP-7", is_supplier=True)
    content = (
        "kind;partner;number;invoice date;due date;total;left to pay\n"
        "customer_invoice;CUS-42;2025-0042;2025-12-10;2026-01-09;1220,00;620,00\n"
        "supplier_bill;SUP-7;R-991;2025-12-20;2026-01-19;300,00;\n"
    )
    run = _import(company, admin, "accounting.open_items", content)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    invoice = Invoice.objects.get(number="2025-0042")
    assert (invoice.state, invoice.amount_total, invoice.due_date) == (
        "posted", Decimal("1220.00"), datetime.date(2026, 1, 9),
    )  # fmt: skip
    receivable = JournalLine.objects.filter(account=books.receivable_account, posted=True)
    assert queries.balance(receivable) == Decimal("620.00")
    assert receivable.get().due_date == datetime.date(2026, 1, 9)
    assert queries.balance(JournalLine.objects.filter(account=books.payable_account)) == Decimal("-300.00")
    bad = _import(company, admin, "accounting.open_items", content.replace("SUP-7", "NOBODY"), mode="valid")
    assert "No partner" in str(services.outcomes_of(bad))
    assert invariants.violations() == {}
