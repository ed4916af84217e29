"""Shipped charts make a company's books: accounts, headings, journals, settings, a fiscal year."""

from __future__ import annotations

import pytest

from tandem.accounting import charts as templates
from tandem.accounting.models import Account, BooksSettings, FiscalYear, Journal, Period
from tandem.accounting.services import charts
from tandem.core.errors import BusinessError
from tandem.core.models import Company, Event
from tests.accounting.conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "receivable", "bank_journal"),
    [("ifrs", "1100", "BNK1"), ("si", "1200", "BAN"), ("pl", "200", "WB"), ("ru", "62.01", "БАНК")],
)
def test_each_chart_makes_complete_books(
    company: Company, key: str, receivable: str, bank_journal: str
) -> None:
    books = charts.install_chart(company, None, key, today=DAY)
    template = templates.load(key)
    assert Account.objects.filter(company=company).count() == len(template.accounts)
    assert books.chart_template == key and books.receivable_account.code == receivable  # type: ignore[union-attr]
    for field in charts.SETTINGS_OF_DEFAULTS.values():
        assert getattr(books, field) is not None, field
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
