"""Budgets: budget against actual, and the posting service warns or refuses past a budget."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import BooksSettings, CostCentre, FiscalYear, JournalEntry, Period
from tandem.accounting.queries import budgets as budget_queries
from tandem.accounting.services import budgets, invoices, ledger
from tandem.core.models import Company, Event, User
from tandem.partners.services import create_partner
from tests.accounting.conftest import DAY, account
from tests.kit.api import api_client
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


def _rent(company: Company, make_entry: Any, amount: str, centre: CostCentre | None = None) -> JournalEntry:
    lines = [
        ledger.Line(account(company, "6100"), debit=Decimal(amount), cost_centre=centre),
        ledger.Line(account(company, "1010"), credit=Decimal(amount)),
    ]
    return make_entry(lines=lines)


@pytest.fixture
def march(company: Company, books: BooksSettings) -> Period:
    return Period.objects.get(company=company, start=DAY.replace(day=1))


def test_a_warning_budget_records_the_overrun_and_posts(
    company: Company, march: Period, make_entry: Any
) -> None:
    year = FiscalYear.objects.get(company=company)
    budget = budgets.create_budget(company, None, name="Office", fiscal_year=year)
    budgets.set_amount(budget, None, account=account(company, "6100"), period=march, amount=Decimal("500"))
    ledger.post_entry(_rent(company, make_entry, "400"), None)
    assert not Event.objects.filter(name="budget.exceeded").exists()
    posted = ledger.post_entry(_rent(company, make_entry, "150"), None)
    assert posted.state == "posted"
    warning = Event.objects.get(name="budget.exceeded")
    assert warning.data["actual"] == "550.0000" and warning.data["budget_amount"] == "500.0000"
    [row] = budget_queries.budget_vs_actual(budget)
    assert (row["amount"], row["actual"], row["difference"], row["used"]) == (500, 550, -50, 110)


def test_a_blocking_budget_refuses_the_posting_and_writes_nothing(
    company: Company, march: Period, make_entry: Any
) -> None:
    year = FiscalYear.objects.get(company=company)
    centre = CostCentre.objects.create(company=company, code="SHOP", name="Shop")
    budget = budgets.create_budget(company, None, name="Shop rent", fiscal_year=year, on_exceed="block")
    budgets.set_amount(
        budget,
        None,
        account=account(company, "6100"),
        period=march,
        amount=Decimal("300"),
        cost_centre=centre,
    )
    ledger.post_entry(_rent(company, make_entry, "1000"), None)  # another cost centre: not this budget
    draft = _rent(company, make_entry, "301", centre)
    with pytest.raises(budgets.BudgetExceeded, match="Shop rent"):
        ledger.post_entry(draft, None)
    draft.refresh_from_db()
    assert draft.state == "draft" and not draft.lines.filter(posted=True).exists()
    [row] = budget_queries.budget_vs_actual(budget)
    assert row["actual"] == 0
    ledger.post_entry(_rent(company, make_entry, "300", centre), None)  # exactly the budget: fine
    assert budget_queries.budget_vs_actual(budget)[0]["actual"] == 300


def test_budgets_refuse_another_companys_records(
    company: Company, other_company: Company, books: BooksSettings, march: Period
) -> None:
    year = FiscalYear.objects.get(company=company)
    budget = budgets.create_budget(company, None, name="Plan", fiscal_year=year)
    theirs = CostCentre.objects.create(company=other_company, code="X", name="X")
    with pytest.raises(budgets.ValidationFailed):
        budgets.set_amount(
            budget,
            None,
            account=account(company, "6100"),
            period=march,
            amount=Decimal(1),
            cost_centre=theirs,
        )
    with pytest.raises(budgets.ValidationFailed):
        budgets.create_budget(company, None, name="Plan", fiscal_year=year)
    assert datetime.date(2026, 3, 1) == march.start


def test_the_demo_part_plans_a_year_and_three_reminder_levels(
    company: Company, books: BooksSettings, admin: Any
) -> None:
    from tandem.accounting import demo_reports
    from tandem.accounting.models import Budget, DunningLevel
    from tandem.core.demo import Demo

    counts = demo_reports.build(Demo("small", company, {"admin": admin}, {"admin": "Administrator"}))
    assert counts == {"budget_lines": 60, "dunning_levels": 3}
    budget = Budget.objects.get(company=company)
    assert budget.on_exceed == "warn" and len(budget_queries.budget_vs_actual(budget)) == 60
    assert list(DunningLevel.objects.filter(company=company).values_list("days_overdue", flat=True)) == [
        7,
        21,
        45,
    ]


def test_whoever_posts_over_a_warning_budget_is_told_on_the_page_and_over_the_api(
    company: Company, march: Period, make_entry: Any, accountant: User
) -> None:
    """The entry's page and its API detail say which warning budget its posting went over, for
    as long as anyone looks at it, not only in a message after posting."""
    year = FiscalYear.objects.get(company=company)
    budget = budgets.create_budget(company, None, name="Office", fiscal_year=year)
    budgets.set_amount(budget, None, account=account(company, "6100"), period=march, amount=Decimal("500"))
    client = signed_in(accountant)
    within = _rent(company, make_entry, "400")
    page = client.post(reverse("accounting:entry_post", args=[within.pk]), {"confirmed": "1"}, follow=True)
    assert "Posted as" in page.content.decode() and page.context["record_warnings"] == []
    over = _rent(company, make_entry, "150")
    page = client.post(reverse("accounting:entry_post", args=[over.pk]), {"confirmed": "1"}, follow=True)
    [shown] = page.context["record_warnings"]
    assert "Office" in shown and "6100" in shown and "550" in shown, shown
    over.refresh_from_db()
    assert over.state == "posted"
    assert [w["actual"] for w in budget_queries.overrun_warnings(over)] == ["550.0000"]
    assert budget_queries.overrun_warnings(within) == []
    again = client.get(reverse("accounting:entry_detail", args=[over.pk]))
    assert again.context["record_warnings"] == [shown]
    books = api_client(accountant)
    assert books.get(f"/api/v1/accounting/entries/{over.pk}/").json()["warnings"] == [shown]
    assert books.get(f"/api/v1/accounting/entries/{within.pk}/").json()["warnings"] == []
    third = _rent(company, make_entry, "10")
    posted = books.post(f"/api/v1/accounting/entries/{third.pk}/post/")
    assert posted.status_code == 200 and len(posted.json()["warnings"]) == 1, posted.content
    assert "warnings" not in books.get("/api/v1/accounting/entries/").json()["results"][0]


def test_a_bill_posted_over_a_warning_budget_says_so_on_its_page_and_in_its_api_detail(
    company: Company, march: Period, accountant: User
) -> None:
    year = FiscalYear.objects.get(company=company)
    budget = budgets.create_budget(company, None, name="Rent", fiscal_year=year)
    budgets.set_amount(budget, None, account=account(company, "6100"), period=march, amount=Decimal("500"))
    supplier = create_partner(company, None, name="Landlord d.o.o.", is_supplier=True)
    rent = invoices.LineData("Rent", Decimal(1), Decimal(600), account=account(company, "6100"), taxes=[])
    draft = invoices.create_invoice(
        company, accountant, kind="supplier_bill", partner=supplier, invoice_date=DAY, lines=[rent]
    )
    page = signed_in(accountant).post(
        reverse("accounting:invoice_post", args=[draft.pk]), {"confirmed": "1"}, follow=True
    )
    [shown] = page.context["record_warnings"]
    assert "Rent" in shown and "6100" in shown, shown
    assert api_client(accountant).get(f"/api/v1/accounting/invoices/{draft.pk}/").json()["warnings"] == [
        shown
    ]
