"""Shipped charts make a company's books: accounts, headings, journals, settings, a fiscal year."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from tandem.accounting import charts as templates
from tandem.accounting.models import Account, BooksSettings, FiscalYear, Journal, Period
from tandem.accounting.services import charts, ledger
from tandem.core.errors import BusinessError
from tandem.core.models import Company, Event
from tests.accounting.conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "receivable", "bank_journal", "advances"),
    [
        ("ifrs", "1100", "BNK1", "2050"),
        ("si", "1200", "BAN", "2000"),
        ("pl", "200", "WB", "245"),
        ("ru", "62.01", "БАНК", "62.02"),
    ],
)
def test_each_chart_makes_complete_books(
    company: Company, key: str, receivable: str, bank_journal: str, advances: str
) -> None:
    books = charts.install_chart(company, None, key, today=DAY)
    template = templates.load(key)
    assert Account.objects.filter(company=company).count() == len(template.accounts)
    assert books.chart_template == key and books.receivable_account.code == receivable  # type: ignore[union-attr]
    assert set(template.defaults) == set(charts.SETTINGS_OF_DEFAULTS), "every setting from every chart"
    for field in charts.SETTINGS_OF_DEFAULTS.values():
        assert getattr(books, field) is not None, field
    chosen = books.customer_advances_account  # where down payments go (issue 17)
    assert chosen is not None and (chosen.code, chosen.type, chosen.subtype) == (
        advances,
        "liability",
        "current",
    )
    ledger.update_books_settings(books, None)  # what a chart sets passes the settings' own checks
    assert books.exchange_journal is not None and books.exchange_journal.kind == "exchange"
    assert Journal.objects.get(company=company, code=bank_journal).default_account.subtype == "bank"  # type: ignore[union-attr]
    assert not Account.objects.filter(company=company, group__isnull=True).exists()
    assert set(
        Account.objects.filter(company=company, subtype__in=["receivable", "payable"]).values_list(
            "reconcilable", flat=True
        )
    ) == {True}
    year = FiscalYear.objects.get(company=company)
    assert (year.start.isoformat(), year.end.isoformat()) == ("2026-01-01", "2026-12-31")
    assert Period.objects.filter(fiscal_year=year).count() == 12
    assert Event.objects.get(name="chart.created").data == {
        "template": key,
        "accounts": len(template.accounts),
    }


def test_a_company_gets_its_countrys_chart_and_only_one(company: Company) -> None:
    company.country = "SI"
    charts.install_chart(company, None, today=DAY)
    assert BooksSettings.objects.get(company=company).chart_template == "si"
    with pytest.raises(BusinessError, match="already"):
        charts.install_chart(company, None, "ifrs")
    assert templates.for_country("DE") == "ifrs"


def test_the_migration_fills_the_advances_account_as_down_payments_found_it(
    company: Company, other_company: Company
) -> None:
    """Companies made before the setting get the account the old code list found (IFRS 2050
    before its 2000, which is trade payables); a liability the setting refuses is left unset."""
    migration = importlib.import_module("tandem.accounting.migrations.0011_books_customer_advances_account")
    charts.install_chart(company, None, "ifrs", today=DAY)
    charts.install_chart(other_company, None, "ifrs", today=DAY)
    Account.objects.filter(company=other_company, code="2050").update(code="2051")  # only 2000 is left
    BooksSettings.objects.update(customer_advances_account=None)
    migration.fill_customer_advances(apps, None)
    mine = BooksSettings.objects.get(company=company).customer_advances_account
    assert mine is not None and mine.code == "2050"
    assert BooksSettings.objects.get(company=other_company).customer_advances_account is None
