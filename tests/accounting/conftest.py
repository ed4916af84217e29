"""Books for the accounting tests: the generic chart installed in the test company."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, BooksSettings, Journal, JournalEntry
from tandem.accounting.services import charts, ledger
from tandem.core import roles
from tandem.core.models import Company, User

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def books(company: Company) -> BooksSettings:
    return charts.install_chart(company, None, "ifrs", today=DAY)


@pytest.fixture
def accountant(make_user: Callable[..., User]) -> User:
    return make_user("ada", roles.ACCOUNTANT)


def account(company: Company, code: str) -> Account:
    return Account.objects.get(company=company, code=code)


def journal(company: Company, code: str) -> Journal:
    return Journal.objects.get(company=company, code=code)


@pytest.fixture
def make_entry(company: Company, books: BooksSettings) -> Callable[..., JournalEntry]:
    """A draft: ``amount`` from the bank (debit) to sales (credit), or the ``lines`` given."""

    def make(
        amount: str = "100.00", *, on: datetime.date = DAY, journal_code: str = "MISC", **extra: Any
    ) -> JournalEntry:
        lines = extra.pop("lines", None) or [
            ledger.Line(account(company, "1010"), debit=Decimal(amount)),
            ledger.Line(account(company, "4000"), credit=Decimal(amount)),
        ]
        return ledger.create_entry(
            company,
            extra.pop("actor", None),
            journal=journal(company, journal_code),
            date=on,
            lines=lines,
            **extra,
        )

    return make


READER = book_roles.AUDITOR  # the shipped read-only look at the books, for the kit's reader cases


@pytest.fixture
def books_reader_role(reference_data: None) -> str:
    return READER


def books_of(company: Company) -> BooksSettings:
    """The company's books, the generic chart installed on first use."""
    if not Account.objects.filter(company=company).exists():
        return charts.install_chart(company, None, "ifrs", today=DAY)
    return BooksSettings.objects.get(company=company)
