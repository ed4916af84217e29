"""Budget pages from the kit's declared cases (list, page, create, edit with its version, stale
and bad input, an auditor looks only, another company's budget is not found, exports, pinned
query counts), and a budget's amounts set, changed and removed from its page: the posting check
reads what the accountant planned last."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, Budget, BudgetLine, FiscalYear, Journal, Period
from tandem.accounting.services import budgets, charts, ledger
from tandem.core import roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, User
from tests.kit.records import Kit
from tests.kit.views import ViewCases, signed_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)
_names = itertools.count(1)


def _year(company: Company) -> FiscalYear:
    if not Account.objects.filter(company=company).exists():
        charts.install_chart(company, None, "ifrs", today=DAY)
    return FiscalYear.objects.filter(company=company).order_by("start").first()  # type: ignore[return-value]


class TestBudgetPages(ViewCases):
    model = Budget
    namespace = "accounting"
    url_prefix = "budget_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    create_data: dict[str, Any] = {"name": "Marketing 2026", "on_exceed": "block"}
    edit_changes = {"name": "Marketing 2026 (revised)", "on_exceed": "warn"}
    stale_changes = {"name": "Marketing (stale)"}
    bad_input = [({"name": ""}, "name"), ({"on_exceed": "explode"}, "on_exceed")]

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**self.create_data, "fiscal_year": str(_year(kit.company).pk)}

    def make(self, company: Company, actor: User | None, **fields: Any) -> Budget:
        fields.setdefault("name", f"Budget {next(_names)}")
        return budgets.create_budget(company, actor, fiscal_year=_year(company), **fields)


def test_amounts_are_set_changed_and_removed_from_the_budgets_page(
    company: Company, other_company: Company, make_user: Any
) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    year = _year(company)
    budget = budgets.create_budget(company, ada, name="Office", fiscal_year=year, on_exceed="block")
    rent = Account.objects.filter(company=company, type="expense").order_by("code").first()
    assert rent is not None
    march = Period.objects.get(company=company, start__lte=DAY, end__gte=DAY)
    client = signed_in(ada)

    page = client.get(budget.get_absolute_url()).content.decode()
    add = f"{reverse('accounting:budget_line_create')}?budget={budget.pk}"
    assert f"?budget={budget.pk}" in page
    form = client.get(add)
    assert form.status_code == 200 and form.context["form"].initial["budget"] == budget.pk
    data = {
        "budget": budget.pk,
        "account": rent.pk,
        "cost_centre": "",
        "period": march.pk,
        "amount": "500.00",
    }
    made = client.post(reverse("accounting:budget_line_create"), data)
    assert made.status_code == 302 and made["Location"] == budget.get_absolute_url()
    line = BudgetLine.objects.get(budget=budget)
    assert line.amount == Decimal("500.00")
    assert "500" in client.get(budget.get_absolute_url()).content.decode()

    # Refused: an amount that is not a number; nothing is written.
    bad = client.post(reverse("accounting:budget_line_edit", args=[line.pk]), {"amount": "a lot"})
    assert bad.status_code == 200 and "amount" in bad.context["form"].errors

    # The amount is changed on the line's page: the posting check reads the new figure.
    edit = client.post(reverse("accounting:budget_line_edit", args=[line.pk]), {"amount": "50.00"})
    assert edit.status_code == 302
    line.refresh_from_db()
    assert line.amount == Decimal("50.00")
    misc = Journal.objects.get(company=company, code="MISC")
    bank = Account.objects.get(company=company, code="1010")
    entry = ledger.create_entry(
        company, ada, journal=misc, date=DAY,
        lines=[ledger.Line(rent, debit=Decimal("80.00")), ledger.Line(bank, credit=Decimal("80.00"))],
    )  # fmt: skip
    with pytest.raises(budgets.BudgetExceeded):
        ledger.post_entry(entry, ada)

    # An auditor reads the budget but changes nothing; another company's line is not found.
    auditor = signed_in(make_user("aud", book_roles.AUDITOR))
    assert auditor.get(budget.get_absolute_url()).status_code == 200
    assert (
        auditor.post(reverse("accounting:budget_line_edit", args=[line.pk]), {"amount": "1"}).status_code
        == 403
    )
    assert (
        auditor.post(reverse("accounting:budget_line_remove", args=[line.pk]), {"confirmed": "1"}).status_code
        == 403
    )
    otto = signed_in(make_user("otto", roles.ACCOUNTANT, company=other_company))
    assert otto.get(reverse("accounting:budget_line_edit", args=[line.pk])).status_code == 404
    assert (
        otto.post(reverse("accounting:budget_line_remove", args=[line.pk]), {"confirmed": "1"}).status_code
        == 404
    )
    assert otto.post(reverse("accounting:budget_line_create"), data).status_code == 200  # not their budget
    assert BudgetLine.objects.count() == 1

    # Removed: the posting goes through.
    removed = client.post(reverse("accounting:budget_line_remove", args=[line.pk]), {"confirmed": "1"})
    assert removed.status_code == 302 and removed["Location"] == budget.get_absolute_url()
    assert not BudgetLine.objects.exists()
    assert Event.objects.filter(name="budget.line_removed").count() == 1
    assert ledger.post_entry(entry, ada).state == "posted"


def test_a_budget_keeps_its_year_while_it_has_amounts_in_it(company: Company, make_user: Any) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    year = _year(company)
    following = ledger.create_fiscal_year(company, ada, datetime.date(year.end.year + 1, year.start.month, 1))
    budget = budgets.create_budget(company, ada, name="Sales", fiscal_year=year)
    account = Account.objects.filter(company=company, type="income").order_by("code").first()
    assert account is not None
    budgets.set_amount(budget, ada, account=account, period=year.periods.first(), amount=Decimal("-900"))
    with pytest.raises(ValidationFailed):
        budgets.update_budget(budget, ada, fiscal_year=following)
    budget.refresh_from_db()
    assert budget.fiscal_year == year and budget.version == 1
