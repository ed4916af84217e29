"""Payments, reconciliation (partial matches of a debit and a credit line), bank statements.

What is paid and what is left are derived: a line's residual is its amount less the
reconciliations that name it; nothing stores "paid" by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models.books import Account, Journal, JournalEntry, JournalLine, money
from tandem.core.bases import CompanyOwned, PostedDocument, Versioned
from tandem.core.models import Currency
from tandem.core.states import Transition
from tandem.partners.models import BankAccount, Partner


class Payment(CompanyOwned, Versioned, PostedDocument):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Incoming")
        OUTBOUND = "outbound", _("Outgoing")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "posted": Transition({"draft"}, "posted", by="posted_by", at="posted_at"),
        "cancelled": Transition({"draft", "posted"}, "cancelled", by="cancelled_by", at="cancelled_at"),
    }
    EVENT_PREFIX = "payment"

    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    partner = models.ForeignKey(
        Partner, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("partner")
    )
    counterpart = models.ForeignKey(
        "accounting.Account",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settles account"),
        help_text=_(
            "The receivable or payable account the payment settles; empty: the partner's receivable "
            "for money in, their payable for money out."
        ),
    )
    partner_bank_account = models.ForeignKey(
        BankAccount,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner's account"),
    )
    journal = models.ForeignKey(Journal, models.PROTECT, related_name="payments", verbose_name=_("journal"))
    number = models.CharField(_("number"), max_length=64, blank=True, help_text=_("Given when posted."))
    date = models.DateField(_("date"))
    amount = money(_("amount"))
    currency = models.ForeignKey(Currency, models.PROTECT, related_name="+", verbose_name=_("currency"))
    amount_company = money(_("amount in company currency"))
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    entry = models.OneToOneField(
        JournalEntry, models.PROTECT, null=True, blank=True, related_name="payment", verbose_name=_("entry")
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["company", "-date", "-id"], name="payment_date_idx"),
            models.Index(fields=["company", "partner", "-date", "-id"], name="payment_partner_date_idx"),
            models.Index(fields=["company", "state", "-date", "-id"], name="payment_state_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="accounting_payment_positive"),
            models.CheckConstraint(
                condition=Q(state="draft") | ~Q(number=""), name="accounting_payment_numbered"
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft payment %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:payment_detail", args=[self.pk])


class Reconciliation(CompanyOwned):
    """A (partial) match: ``amount`` of ``debit_line`` is settled by ``credit_line``.

    Unreconciling deletes the row (recorded as an event) and reverses its exchange entry; a
    reconciliation that wrote off a difference is undone as a whole, its write-off reversed.
    """

    debit_line = models.ForeignKey(
        JournalLine, models.PROTECT, related_name="matched_credits", verbose_name=_("debit line")
    )
    credit_line = models.ForeignKey(
        JournalLine, models.PROTECT, related_name="matched_debits", verbose_name=_("credit line")
    )
    amount = money(_("amount"), help_text=_("In company currency."))
    debit_amount_currency = money(_("amount in the debit line's currency"))
    credit_amount_currency = money(_("amount in the credit line's currency"))
    exchange_entry = models.OneToOneField(
        JournalEntry,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="exchange_of",
        verbose_name=_("exchange difference entry"),
    )
    write_off_entry = models.ForeignKey(
        JournalEntry,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("write-off entry"),
        help_text=_("Set on every match of a reconciliation that wrote off a difference: undone together."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("reconciled"), auto_now_add=True)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        indexes = [models.Index(fields=["company", "-created_at"], name="reconciliation_created_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="accounting_reconciliation_positive"),
            models.CheckConstraint(
                condition=~Q(debit_line=F("credit_line")), name="accounting_reconciliation_two_lines"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debit_line_id} ↔ {self.credit_line_id}: {self.amount}"


class PaymentRun(CompanyOwned):
    """Supplier bills paid together by SEPA credit transfer: the outgoing payments the run
    created (posted and matched with the bills) and the pain.001 file given to the bank."""

    journal = models.ForeignKey(
        Journal, models.PROTECT, related_name="payment_runs", verbose_name=_("bank journal")
    )
    name = models.CharField(_("message ID"), max_length=35)
    date = models.DateField(_("execution date"))
    due_until = models.DateField(_("bills due by"))
    amount = money(_("total"))
    currency = models.ForeignKey(Currency, models.PROTECT, related_name="+", verbose_name=_("currency"))
    payments = models.ManyToManyField(Payment, related_name="payment_runs", verbose_name=_("payments"))
    file_name = models.CharField(_("file"), max_length=100)
    xml = models.TextField(_("pain.001 file"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("payment run")
        verbose_name_plural = _("payment runs")
        indexes = [models.Index(fields=["company", "-date", "-id"], name="payment_run_date_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="accounting_payment_run_name_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="accounting_payment_run_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:payment_run_detail", args=[self.pk])


class BankStatement(CompanyOwned, Versioned):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Typed in")
        CSV = "csv", _("CSV")
        CAMT053 = "camt053", _("CAMT.053")
        MT940 = "mt940", _("MT940")

    journal = models.ForeignKey(Journal, models.PROTECT, related_name="statements", verbose_name=_("journal"))
    name = models.CharField(_("reference"), max_length=64)
    date = models.DateField(_("date"))
    balance_start = money(_("opening balance"))
    balance_end = money(_("closing balance"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        indexes = [models.Index(fields=["company", "journal", "-date", "-id"], name="statement_date_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:statement_detail", args=[self.pk])


class BankStatementLine(CompanyOwned):
    statement = models.ForeignKey(
        BankStatement, models.CASCADE, related_name="lines", verbose_name=_("statement")
    )
    sequence = models.PositiveIntegerField(_("order"), default=0)
    date = models.DateField(_("date"))
    amount = money(_("amount"), help_text=_("Signed: positive for money in, negative for money out."))
    foreign_currency = models.ForeignKey(
        Currency, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("foreign currency")
    )
    amount_currency = money(_("amount in the foreign currency"))
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty's IBAN"), max_length=34, blank=True)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    narration = models.TextField(_("details"), blank=True)
    partner = models.ForeignKey(
        Partner, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("partner")
    )
    counter_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked to account"),
        help_text=_("For a line booked straight to an account (fees, interest) rather than matched."),
    )
    import_id = models.CharField(
        _("bank's transaction ID"), max_length=128, blank=True, help_text=_("Refuses importing a line twice.")
    )
    entry = models.OneToOneField(
        JournalEntry,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="statement_line",
        verbose_name=_("entry"),
    )

    class Meta:
        ordering = ["statement", "sequence", "id"]
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        indexes = [
            models.Index(fields=["company", "date"], name="statement_line_date_idx"),
            models.Index(fields=["company", "amount"], name="statement_line_amount_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "import_id"],
                condition=~Q(import_id=""),
                name="accounting_statement_line_import_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.counterparty_name}"
