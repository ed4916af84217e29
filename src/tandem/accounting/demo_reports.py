"""The demo's budgets and dunning levels, once the books' part has installed the chart.

An operating budget for the current fiscal year (a warning, not a block) over the first
expense accounts, with a deterministic amount per month, and three reminder levels; written
through the services. A company without a chart gets nothing from this part.
"""

from __future__ import annotations

from decimal import Decimal

from tandem.accounting.models import Account, FiscalYear
from tandem.accounting.services import budgets, dunning
from tandem.core.demo import Demo

LEVELS = [
    (
        1,
        "Friendly reminder",
        7,
        Decimal(0),
        True,
        "Friendly reminder from {company}",
        "Dear {partner},\n\nour records show {amount} overdue for {days} days. If you have paid already, "
        "please ignore this message.\n\nKind regards,\n{company}",
    ),
    (
        2,
        "Second reminder",
        21,
        Decimal(10),
        True,
        "Second reminder: {amount} overdue",
        "Dear {partner},\n\n{amount} is now {days} days overdue. We add a reminder fee of {fee}. "
        "Please pay within seven days.\n\n{company}",
    ),
    (
        3,
        "Final notice",
        45,
        Decimal(25),
        False,
        "Final notice before collection",
        "Dear {partner},\n\ndespite our reminders, {amount} remains unpaid after {days} days. Unless it is "
        "paid within seven days, we will hand the claim to a collection agency. Fee: {fee}.\n\n{company}",
    ),
]


def build(demo: Demo) -> dict[str, int]:
    company, admin = demo.company, demo.users["admin"]
    year = FiscalYear.objects.filter(company=company).order_by("-start").first()
    expenses = list(
        Account.objects.filter(company=company, type="expense", subtype="expense").order_by("code")[:5]
    )
    if year is None or not expenses:
        return {"budget_lines": 0, "dunning_levels": 0}
    budget = budgets.create_budget(company, admin, name=f"Operating budget {year.name}", fiscal_year=year)
    count = 0
    for n, account in enumerate(expenses):
        for month, period in enumerate(year.periods.order_by("start")):
            amount = Decimal(1500 + 700 * n + 150 * (month % 4))
            budgets.set_amount(budget, admin, account=account, period=period, amount=amount)
            count += 1
    for sequence, name, days, fee, email, subject, body in LEVELS:
        dunning.create_level(
            company,
            admin,
            sequence=sequence,
            name=name,
            days_overdue=days,
            fee=fee,
            send_email=email,
            subject=subject,
            body=body,
        )
    return {"budget_lines": count, "dunning_levels": len(LEVELS)}
