"""The books' ledger part of the demo company (Slovenian): the Slovenian chart, last year's and
this year's fiscal years, cost centres, the opening balances and a year of monthly postings
(salaries, rent, bank charges) so that the ledger and its reports have figures from the start.
Invoices, bills, payments and the bank statement are the other parts of the books' demo."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.accounting.models import Account, CostCentre, FiscalYear, Journal
from tandem.accounting.services import charts, ledger
from tandem.core.demo import Demo
from tandem.core.models import Company, User

# (code, name)
COST_CENTRES = (("PRO", "Proizvodnja"), ("PRD", "Prodaja"), ("UPR", "Uprava"))
# (account, debit, credit): the opening balance sheet on the first day of last year. The goods
# in stock are not here: inventory's valued opening stock posts them (against opening equity).
OPENING = (
    ("0210", "180000.00", "0"), ("0310", "0", "36000.00"),
    ("0400", "95000.00", "0"), ("0500", "0", "41000.00"),
    ("1100", "64250.00", "0"), ("1000", "1250.00", "0"), ("3100", "38400.00", "0"),
    ("9000", "0", "150000.00"), ("9300", "0", "71900.00"), ("9700", "0", "80000.00"),
)  # fmt: skip
# (account, cost centre, monthly amount, label): paid from the bank every month
MONTHLY = (
    ("4700", "PRO", "18400.00", "Plače proizvodnja"), ("4700", "PRD", "7200.00", "Plače prodaja"),
    ("4700", "UPR", "6100.00", "Plače uprava"), ("4130", "UPR", "2400.00", "Najemnina skladišča"),
    ("4020", "PRO", "1350.00", "Električna energija"), ("4150", "UPR", "42.50", "Stroški banke"),
)  # fmt: skip


def build(demo: Demo) -> dict[str, int]:
    actor = demo.users.get("alex")
    with transaction.atomic():
        today = timezone.localdate()
        charts.install_chart(demo.company, actor, "si", today=today)
        last_year = datetime.date(today.year - 1, 1, 1)
        if not FiscalYear.objects.filter(company=demo.company, start=last_year).exists():
            ledger.create_fiscal_year(demo.company, actor, last_year)
        centres = {
            code: CostCentre.objects.create(company=demo.company, code=code, name=name)
            for code, name in COST_CENTRES
        }
        entries = _opening(demo.company, actor, last_year) + _months(
            demo.company, actor, centres, last_year, today
        )
    return {"accounts": Account.objects.filter(company=demo.company).count(), "journal_entries": entries}


def _accounts(company: Company) -> dict[str, Account]:
    return {account.code: account for account in Account.objects.filter(company=company)}


def _opening(company: Company, actor: User | None, on: datetime.date) -> int:
    accounts = _accounts(company)
    lines = [
        ledger.Line(accounts[code], debit=Decimal(debit), credit=Decimal(credit), label="Otvoritev")
        for code, debit, credit in OPENING
    ]
    general = Journal.objects.get(company=company, code="TEM")
    entry = ledger.create_entry(
        company,
        actor,
        journal=general,
        date=on,
        lines=lines,
        reference="Otvoritvena bilanca",
        origin="opening",
    )
    ledger.post_entry(entry, actor)
    return 1


def _months(
    company: Company,
    actor: User | None,
    centres: dict[str, CostCentre],
    start: datetime.date,
    today: datetime.date,
) -> int:
    accounts, bank = _accounts(company), Journal.objects.get(company=company, code="BAN")
    count, month = 0, start
    while month <= today.replace(day=1) - datetime.timedelta(days=1):
        on = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        lines = [
            ledger.Line(accounts[code], debit=Decimal(amount), cost_centre=centres[centre], label=label)
            for code, centre, amount, label in MONTHLY
        ]
        total = sum((line.debit for line in lines), Decimal(0))
        lines.append(ledger.Line(accounts["1100"], credit=total, label=f"Izpisek {on:%m/%Y}"))
        entry = ledger.create_entry(
            company, actor, journal=bank, date=on, lines=lines, reference=f"{on:%Y-%m}"
        )
        ledger.post_entry(entry, actor)
        count += 1
        month = on + datetime.timedelta(days=1)
    return count
