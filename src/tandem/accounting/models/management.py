"""Budgets per account × cost centre × period, and dunning levels with the letters sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models.books import Account, CostCentre, FiscalYear, Period, money
from tandem.accounting.models.invoices import Invoice
from tandem.core.bases import CompanyOwned, Versioned
from tandem.partners.models import Partner


class Budget(CompanyOwned, Versioned):
    class OnExceed(models.TextChoices):
        WARN = "warn", _("Warn")
        BLOCK = "block", _("Refuse the posting")

    name = models.CharField(_("name"), max_length=100)
    fiscal_year = models.ForeignKey(
        FiscalYear, models.PROTECT, related_name="budgets", verbose_name=_("fiscal year")
    )
    on_exceed = models.CharField(
        _("when a posting exceeds it"), max_length=8, choices=OnExceed.choices, default=OnExceed.WARN
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="accounting_budget_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:budget_detail", args=[self.pk])


class BudgetLine(CompanyOwned):
    budget = models.ForeignKey(Budget, models.CASCADE, related_name="lines", verbose_name=_("budget"))
    account = models.ForeignKey(Account, models.PROTECT, related_name="+", verbose_name=_("account"))
    cost_centre = models.ForeignKey(
        CostCentre, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("cost centre")
    )
    period = models.ForeignKey(Period, models.PROTECT, related_name="+", verbose_name=_("period"))
    amount = money(_("amount"), help_text=_("Planned balance (debit positive) in company currency."))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        indexes = [models.Index(fields=["company", "account", "period"], name="budget_line_account_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "account", "cost_centre", "period"], name="accounting_budget_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period_id}: {self.amount}"

    def get_absolute_url(self) -> str:  # a line is shown on its budget's page
        from django.urls import reverse

        return reverse("accounting:budget_detail", args=[self.budget_id])


class DunningLevel(CompanyOwned, Versioned):
    sequence = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=64)
    days_overdue = models.PositiveSmallIntegerField(_("days overdue"))
    fee = money(_("fee"), help_text=_("In company currency; 0 for none."))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("letter"))
    send_email = models.BooleanField(_("send by e-mail"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("dunning level")
        verbose_name_plural = _("dunning levels")
        constraints = [
            models.UniqueConstraint(fields=["company", "sequence"], name="accounting_dunning_level_unique"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="accounting_dunning_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:dunning_level_detail", args=[self.pk])


class DunningLetter(CompanyOwned):
    """One reminder sent to a partner at a level, for the overdue invoices it lists."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter")

    partner = models.ForeignKey(Partner, models.PROTECT, related_name="+", verbose_name=_("partner"))
    level = models.ForeignKey(DunningLevel, models.PROTECT, related_name="letters", verbose_name=_("level"))
    date = models.DateField(_("date"))
    channel = models.CharField(_("sent by"), max_length=8, choices=Channel.choices)
    invoices = models.ManyToManyField(Invoice, related_name="dunning_letters", verbose_name=_("invoices"))
    amount_due = money(_("overdue amount"))
    fee = money(_("fee"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("dunning letter")
        verbose_name_plural = _("dunning letters")
        indexes = [models.Index(fields=["company", "partner", "-date"], name="dunning_partner_date_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.level_id} {self.date}"
