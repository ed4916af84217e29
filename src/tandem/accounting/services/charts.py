"""Make a company's books from a shipped chart: accounts, headings, journals, settings, the
current fiscal year with its months."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.accounting import charts
from tandem.accounting.models import Account, AccountGroup, BooksSettings, FiscalYear, Journal
from tandem.accounting.services.ledger import create_fiscal_year
from tandem.core import events
from tandem.core.errors import BusinessError
from tandem.core.models import Company, User

SETTINGS_OF_DEFAULTS = {
    "receivable": "receivable_account",
    "payable": "payable_account",
    "income": "income_account",
    "expense": "expense_account",
    "bank_suspense": "bank_suspense_account",
    "write_off": "write_off_account",
    "exchange_gain": "exchange_gain_account",
    "exchange_loss": "exchange_loss_account",
    "earnings": "earnings_account",
    "customer_advances": "customer_advances_account",
}


@transaction.atomic
def install_chart(
    company: Company, actor: User | None, key: str | None = None, *, today: datetime.date | None = None
) -> BooksSettings:
    """Create the chart ``key`` (the company's country's by default) for a company without one."""
    key = key or charts.for_country(company.country)
    if key not in charts.TEMPLATES:
        raise BusinessError(_("Unknown chart of accounts “%(key)s”.") % {"key": key})
    if Account.objects.filter(company=company).exists():
        raise BusinessError(_("This company has a chart of accounts already."))
    template = charts.load(key)
    groups = _groups(company, template)
    accounts = {
        account.code: account
        for account in Account.objects.bulk_create(
            Account(
                company=company,
                code=code,
                name=name,
                type=kind,
                subtype=subtype,
                reconcilable=subtype in {Account.Subtype.RECEIVABLE, Account.Subtype.PAYABLE},
                group=_deepest(groups, code),
            )
            for code, name, kind, subtype in template.accounts
        )
    }
    journals = Journal.objects.bulk_create(
        Journal(company=company, code=code, name=name, kind=kind, default_account=accounts.get(account))
        for code, name, kind, account in template.journals
    )
    books = _settings(company, template, accounts, journals)
    if not FiscalYear.objects.filter(company=company).exists():
        create_fiscal_year(company, actor, _year_start(company, today or timezone.localdate()))
    events.record("chart.created", books, actor, {"template": key, "accounts": len(accounts)})
    return books


def _groups(company: Company, template: charts.ChartTemplate) -> dict[str, AccountGroup]:
    made: dict[str, AccountGroup] = {}
    for prefix, name in sorted(template.groups, key=lambda group: len(group[0])):
        made[prefix] = AccountGroup.objects.create(
            company=company, code_prefix=prefix, name=name, parent=_deepest(made, prefix[:-1])
        )
    return made


def _deepest(groups: dict[str, AccountGroup], code: str) -> AccountGroup | None:
    for length in range(len(code), 0, -1):
        if code[:length] in groups:
            return groups[code[:length]]
    return None


def _settings(
    company: Company, template: charts.ChartTemplate, accounts: dict[str, Account], journals: list[Journal]
) -> BooksSettings:
    books, _created = BooksSettings.objects.get_or_create(company=company)
    books.chart_template = template.key
    for key, code in template.defaults.items():
        setattr(books, SETTINGS_OF_DEFAULTS[key], accounts[code])
    books.exchange_journal = next((j for j in journals if j.kind == Journal.Kind.EXCHANGE), None)
    books.save()
    return books


def _year_start(company: Company, today: datetime.date) -> datetime.date:
    month = company.fiscal_year_start_month or 1
    year = today.year if today.month >= month else today.year - 1
    return datetime.date(year, month, 1)
