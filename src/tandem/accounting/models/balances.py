"""Monthly balances of the posted lines, so that reports read a few rows per account and month
instead of every line up to the period's end.

Each table holds, per company, account and month (its first day) — and per partner or cost
centre — the debit and credit sums of the posted lines dated in that month and how many lines
they are. The sums are whole numbers of ``UNITS`` (1/10,000 of the company currency, the lines'
``MONEY_PLACES``): SQLite keeps decimals as binary floating point, which would drift when added
a million times; integers add exactly on both databases.

The database keeps them (migrations 0004 and 0007): triggers on ``accounting_journalline`` add a
line when it is written posted or becomes posted (``post_entry`` marks an entry's lines posted in
one UPDATE), and take it back if a posted line is changed or deleted, in the same transaction as
the write, whatever wrote it (the posting service, a bulk loader, a test's ledger). On PostgreSQL
the UPDATE trigger runs once per statement and adds the statement's lines grouped by row in key
order, so two posters touching the same rows lock them in the same order and never deadlock;
the second waits for the first to commit (as it already does for the journal's number). Lines
inserted already posted (bulk loads) are added by a row trigger. The invariant
"balances equal the posted lines" (``accounting/invariants.py``) checks them after every story.

Nothing else writes these tables; they are machinery, not something people manage.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models.books import MONEY_PLACES, Account, CostCentre
from tandem.core.bases import CompanyOwned
from tandem.partners.models import Partner

UNITS = 10**MONEY_PLACES  # a balance's debit and credit are whole numbers of 1/UNITS


class _MonthlyBalance(CompanyOwned):
    account = models.ForeignKey(Account, models.CASCADE, related_name="+", verbose_name=_("account"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    debit = models.BigIntegerField(_("debit"), default=0, help_text=_("In 1/10,000 of the company currency."))
    credit = models.BigIntegerField(
        _("credit"), default=0, help_text=_("In 1/10,000 of the company currency.")
    )
    line_count = models.IntegerField(_("lines"), default=0)

    class Meta:
        abstract = True


class AccountBalance(_MonthlyBalance):
    """The posted lines of one account in one month."""

    class Meta:
        verbose_name = _("account balance")
        verbose_name_plural = _("account balances")
        constraints = [
            models.UniqueConstraint(fields=["company", "account", "month"], name="accounting_balance_unique"),
        ]


class PartnerBalance(_MonthlyBalance):
    """The posted lines of one account and partner in one month (lines naming a partner)."""

    partner = models.ForeignKey(Partner, models.CASCADE, related_name="+", verbose_name=_("partner"))

    class Meta:
        verbose_name = _("partner balance")
        verbose_name_plural = _("partner balances")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "account", "partner", "month"], name="accounting_partner_balance_unique"
            ),
        ]


class CostCentreBalance(_MonthlyBalance):
    """The posted lines of one account and cost centre in one month (lines naming one)."""

    cost_centre = models.ForeignKey(
        CostCentre, models.CASCADE, related_name="+", verbose_name=_("cost centre")
    )

    class Meta:
        verbose_name = _("cost centre balance")
        verbose_name_plural = _("cost centre balances")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "cost_centre", "account", "month"],
                name="accounting_centre_balance_unique",
            ),
        ]
