"""Budgets per account × cost centre × period, and the check the posting service calls.

``check_posting(entry, actor)`` is called by ``ledger.post_entry`` before the entry's lines
are posted: for every active budget line of the entry's accounts in the period of its date,
it adds the entry to what is posted already; a budget set to block refuses the posting
(:class:`BudgetExceeded`, nothing is written), one set to warn records ``budget.exceeded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from tandem.accounting.models import Account, Budget, BudgetLine, CostCentre, FiscalYear, JournalEntry, Period
from tandem.accounting.queries import budgets as queries
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.versioning import update_versioned

ZERO = Decimal(0)


class BudgetExceeded(BusinessError):
    code = "budget-exceeded"


@dataclass(frozen=True)
class Overrun:
    line: BudgetLine
    actual: Decimal  # the balance with the entry

    @property
    def blocking(self) -> bool:
        return self.line.budget.on_exceed == Budget.OnExceed.BLOCK

    def data(self) -> dict[str, Any]:
        return {
            "budget": self.line.budget.name,
            "account": self.line.account.code,
            "cost_centre": self.line.cost_centre.code if self.line.cost_centre else "",
            "period": self.line.period.name,
            "budget_amount": str(self.line.amount),
            "actual": str(self.actual),
        }


@transaction.atomic
def create_budget(
    company: Company, actor: User | None, *, name: str, fiscal_year: FiscalYear, on_exceed: str = "warn"
) -> Budget:
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("A budget needs a name.")]
    elif Budget.objects.filter(company=company, name=name).exists():
        errors["name"] = [_("A budget with this name exists already.")]
    if fiscal_year.company_id != company.pk:
        errors["fiscal_year"] = [_("This choice belongs to another company.")]
    if on_exceed not in Budget.OnExceed.values:
        errors["on_exceed"] = [_("Choose what happens when a posting exceeds the budget.")]
    if errors:
        raise ValidationFailed(errors)
    budget = Budget.objects.create(company=company, name=name, fiscal_year=fiscal_year, on_exceed=on_exceed)
    events.record("budget.created", budget, actor, {"name": name})
    return budget


BUDGET_FIELDS = ("name", "fiscal_year", "on_exceed", "active")


def _check_budget(budget: Budget) -> None:
    errors: dict[str, list[str]] = {}
    if not budget.name:
        errors["name"] = [_("A budget needs a name.")]
    elif Budget.objects.filter(company_id=budget.company_id, name=budget.name).exclude(pk=budget.pk).exists():
        errors["name"] = [_("A budget with this name exists already.")]
    if budget.fiscal_year.company_id != budget.company_id:
        errors["fiscal_year"] = [_("This choice belongs to another company.")]
    elif budget.lines.exclude(period__fiscal_year_id=budget.fiscal_year_id).exists():
        errors["fiscal_year"] = [_("The budget has amounts in its periods: remove them to change its year.")]
    if budget.on_exceed not in Budget.OnExceed.values:
        errors["on_exceed"] = [_("Choose what happens when a posting exceeds the budget.")]
    if errors:
        raise ValidationFailed(errors)


def update_budget(
    budget: Budget, actor: User | None, *, expected_version: int | None = None, **changes: Any
) -> Budget:
    """Rename a budget, switch it between warning and blocking, (de)activate it; its year only
    while it has no amounts in the old year's periods."""
    unknown = set(changes) - set(BUDGET_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    return update_versioned(
        budget, actor, data, expected_version=expected_version, event="budget.updated", check=_check_budget
    )


def set_line(
    company: Company,
    actor: User | None,
    *,
    budget: Budget,
    account: Account,
    period: Period,
    amount: Decimal,
    cost_centre: CostCentre | None = None,
) -> BudgetLine:
    """:func:`set_amount` for a budget of ``company`` (the page's "Set an amount")."""
    if budget.company_id != company.pk:
        raise ValidationFailed({"budget": [_("This choice belongs to another company.")]})
    return set_amount(budget, actor, account=account, period=period, amount=amount, cost_centre=cost_centre)


@transaction.atomic
def update_line(
    line: BudgetLine, actor: User | None, *, expected_version: int | None = None, amount: Decimal
) -> BudgetLine:
    """Change the planned amount of a line (its account, cost centre and period are its key)."""
    locked = BudgetLine.objects.select_for_update(of=("self",)).select_related("budget").get(pk=line.pk)
    return set_amount(
        locked.budget,
        actor,
        account=locked.account,
        period=locked.period,
        amount=amount,
        cost_centre=locked.cost_centre,
    )


@transaction.atomic
def remove_line(line: BudgetLine, actor: User | None) -> None:
    """Take an amount out of its budget (postings on it are no longer checked against it)."""
    rows = BudgetLine.objects.select_for_update(of=("self",)).select_related(
        "budget", "account", "cost_centre", "period"
    )
    locked = rows.get(pk=line.pk)
    events.record(
        "budget.line_removed",
        locked.budget,
        actor,
        {
            "account": locked.account.code,
            "cost_centre": locked.cost_centre.code if locked.cost_centre else "",
            "period": locked.period.name,
        },
    )
    locked.delete()


@transaction.atomic
def set_amount(
    budget: Budget,
    actor: User | None,
    *,
    account: Account,
    period: Period,
    amount: Decimal,
    cost_centre: CostCentre | None = None,
) -> BudgetLine:
    """Plan ``amount`` (the balance, debit positive) for an account (and cost centre) in a period."""
    errors: dict[str, list[str]] = {}
    for name, record in (("account", account), ("period", period), ("cost_centre", cost_centre)):
        if record is not None and record.company_id != budget.company_id:
            errors[name] = [_("This choice belongs to another company.")]
    if period.fiscal_year_id != budget.fiscal_year_id:
        errors["period"] = [_("The period is not in the budget's fiscal year.")]
    if not isinstance(amount, Decimal) or not amount.is_finite():
        errors["amount"] = [_("Enter an amount.")]
    if errors:
        raise ValidationFailed(errors)
    line, _created = BudgetLine.objects.update_or_create(
        budget=budget,
        account=account,
        cost_centre=cost_centre,
        period=period,
        defaults={"company": budget.company, "amount": amount},
    )
    events.record(
        "budget.line_set",
        budget,
        actor,
        {
            "account": account.code,
            "cost_centre": cost_centre.code if cost_centre else "",
            "period": period.name,
            "amount": str(amount),
        },
    )
    return line


def overruns(entry: JournalEntry) -> list[Overrun]:
    """The active budget lines the entry would take past their amount (in their direction)."""
    lines = list(queries.active_lines_on(entry.company_id, None, entry.date))
    if not lines:  # most companies keep no budget for the day: one query
        return []
    moves = list(
        entry.lines.values("account_id", "cost_centre_id").annotate(amount=Sum(F("debit") - F("credit")))
    )
    accounts = {move["account_id"] for move in moves}
    lines = [line for line in lines if line.account_id in accounts]
    found = []
    for line in lines:
        mine = sum(
            (
                m["amount"]
                for m in moves
                if m["account_id"] == line.account_id and line.cost_centre_id in (None, m["cost_centre_id"])
            ),
            ZERO,
        )
        if not mine:
            continue
        actual = queries.actual(line) + mine
        direction = 1 if line.amount >= 0 else -1
        if mine * direction > 0 and actual * direction > line.amount * direction:
            found.append(Overrun(line, actual))
    return found


def check_posting(entry: JournalEntry, actor: User | None) -> list[Overrun]:
    """Refuse an entry that exceeds a blocking budget; record a warning for the others."""
    found = overruns(entry)
    blocking = next((o for o in found if o.blocking), None)
    if blocking is not None:
        raise BudgetExceeded(
            _(
                "This posting exceeds the budget “%(budget)s” for %(account)s in %(period)s: "
                "%(actual)s against %(amount)s planned."
            )
            % {
                "budget": blocking.line.budget.name,
                "account": blocking.line.account,
                "period": blocking.line.period,
                "actual": blocking.actual,
                "amount": blocking.line.amount,
            }
        )
    for overrun in found:
        events.record("budget.exceeded", entry, actor, overrun.data())
    return found
