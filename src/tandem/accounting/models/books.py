"""The general ledger: settings, chart of accounts, journals, periods, cost centres, entries.

Amounts are Decimal with ``MONEY_PLACES`` places (enough for every currency's minor unit);
services round each amount to its currency. A line's ``debit``/``credit`` are in the company's
currency, ``amount_currency`` (signed: positive on the debit side) in the line's ``currency``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Currency
from tandem.core.states import Transition
from tandem.partners.models import Partner

MONEY_DIGITS, MONEY_PLACES = 20, 4
RATE_DIGITS, RATE_PLACES = 20, 10  # units of company currency per unit of the foreign one


def money(verbose_name: str | object, **kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    kwargs.setdefault("default", Decimal(0))
    return models.DecimalField(
        verbose_name,  # type: ignore[arg-type]
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        **kwargs,  # type: ignore[arg-type]
    )


def _one_of(conditions: Iterable[Q]) -> Q:
    return reduce(operator.or_, conditions)


class AccountGroup(CompanyOwned):
    """A heading of the chart (class, group, synthetic account): accounts whose code starts
    with ``code_prefix``. Reports sum accounts under their groups."""

    code_prefix = models.CharField(_("code prefix"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        ordering = ["code_prefix"]
        verbose_name = _("account group")
        verbose_name_plural = _("account groups")
        constraints = [
            models.UniqueConstraint(fields=["company", "code_prefix"], name="accounting_group_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code_prefix} {self.name}"


# Which subtypes each account type allows (a database constraint enforces it).
SUBTYPES_OF_TYPE: dict[str, tuple[str, ...]] = {
    "asset": (
        "receivable", "bank", "cash", "inventory", "tax", "current", "non_current", "fixed", "prepayment",
    ),
    "liability": ("payable", "tax", "current", "non_current", "credit_card"),
    "equity": ("equity", "unaffected_earnings"),
    "income": ("income", "other_income"),
    "expense": ("expense", "direct_cost", "depreciation"),
}  # fmt: skip


class Account(CompanyOwned, Versioned):
    class Type(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        EQUITY = "equity", _("Equity")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    class Subtype(models.TextChoices):
        RECEIVABLE = "receivable", _("Receivable")
        PAYABLE = "payable", _("Payable")
        BANK = "bank", _("Bank")
        CASH = "cash", _("Cash")
        INVENTORY = "inventory", _("Inventory")
        TAX = "tax", _("Tax")
        CURRENT = "current", _("Current")
        NON_CURRENT = "non_current", _("Non-current")
        FIXED = "fixed", _("Fixed assets")
        PREPAYMENT = "prepayment", _("Prepayments")
        CREDIT_CARD = "credit_card", _("Credit card")
        EQUITY = "equity", _("Equity")
        UNAFFECTED_EARNINGS = "unaffected_earnings", _("Current year earnings")
        INCOME = "income", _("Operating income")
        OTHER_INCOME = "other_income", _("Other income")
        EXPENSE = "expense", _("Operating expense")
        DIRECT_COST = "direct_cost", _("Cost of sales")
        DEPRECIATION = "depreciation", _("Depreciation")

    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    subtype = models.CharField(_("subtype"), max_length=24, choices=Subtype.choices)
    group = models.ForeignKey(
        AccountGroup, models.SET_NULL, null=True, blank=True, related_name="accounts", verbose_name=_("group")
    )
    reconcilable = models.BooleanField(
        _("reconcilable"), default=False, help_text=_("Open items on it are matched with payments.")
    )
    currency = models.ForeignKey(
        Currency,
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("currency"),
        help_text=_("Empty: any currency. Set: every line on it is in this currency."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["company", "type", "code"], name="account_type_code_idx"),
            models.Index(fields=["company", "subtype", "code"], name="account_subtype_code_idx"),
            models.Index(fields=["company", "name"], name="account_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="accounting_account_code_unique"),
            models.CheckConstraint(
                condition=_one_of(Q(type=kind, subtype__in=subs) for kind, subs in SUBTYPES_OF_TYPE.items()),
                name="accounting_account_subtype_of_type",
            ),
            models.CheckConstraint(
                condition=~Q(subtype__in=["receivable", "payable"]) | Q(reconcilable=True),
                name="accounting_account_receivable_reconcilable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:account_detail", args=[self.pk])


class Journal(CompanyOwned, Versioned):
    class Kind(models.TextChoices):
        SALE = "sale", _("Sales")
        PURCHASE = "purchase", _("Purchases")
        BANK = "bank", _("Bank")
        CASH = "cash", _("Cash")
        GENERAL = "general", _("General")
        EXCHANGE = "exchange", _("Exchange differences")

    code = models.CharField(
        _("code"), max_length=8, help_text=_("Short, it starts the numbers of the journal's entries.")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    default_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default account"),
        help_text=_("Sales and purchases: the income or expense account; bank and cash: their account."),
    )
    currency = models.ForeignKey(
        Currency,
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("currency"),
        help_text=_("Empty: the company's currency."),
    )
    bank_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bank_bic = models.CharField(_("BIC"), max_length=11, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        indexes = [models.Index(fields=["company", "kind", "code"], name="journal_kind_code_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="accounting_journal_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:journal_detail", args=[self.pk])


class BooksSettings(CompanyOwned, Versioned):
    """A company's accounting settings (one row per company, created with its chart)."""

    class TaxRounding(models.TextChoices):
        PER_LINE = "line", _("Round each line")
        PER_DOCUMENT = "document", _("Round the document's total per tax")

    chart_template = models.CharField(_("chart of accounts"), max_length=32, blank=True)
    lock_date = models.DateField(
        _("lock date"), null=True, blank=True, help_text=_("Nothing is posted on or before this date.")
    )
    tax_rounding = models.CharField(
        _("tax rounding"), max_length=16, choices=TaxRounding.choices, default=TaxRounding.PER_LINE
    )
    write_off_tolerance = money(
        _("write-off tolerance"),
        help_text=_("A difference up to this amount (company currency) may be written off on reconciling."),
    )
    write_off_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("write-off account")
    )
    exchange_gain_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exchange gain account"),
    )
    exchange_loss_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exchange loss account"),
    )
    exchange_journal = models.ForeignKey(
        Journal, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("exchange journal")
    )
    receivable_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("receivable account")
    )
    payable_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("payable account")
    )
    income_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("income account")
    )
    expense_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("expense account")
    )
    bank_suspense_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bank suspense account"),
        help_text=_("Where an imported bank line waits until it is matched."),
    )
    earnings_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("retained earnings account"),
        help_text=_("Where the result of closed years is carried in the balance sheet."),
    )
    customer_advances_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer advances account"),
        help_text=_("A liability: where down payments invoiced to customers wait until deducted."),
    )
    revalue_at_period_end = models.BooleanField(
        _("revalue foreign currency at each period end"),
        default=False,
        help_text=_(
            "A scheduled job restates the open foreign-currency items at the end of each period "
            "(each month without fiscal periods), once per period, as the revaluation page does."
        ),
    )
    revalued_on = models.DateField(
        _("revalued up to"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The latest date the open foreign-currency items were revalued at."),
    )

    class Meta:
        verbose_name = _("accounting settings")
        verbose_name_plural = _("accounting settings")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="accounting_settings_one_per_company")
        ]

    def __str__(self) -> str:
        return str(_("Accounting settings"))


class FiscalYear(CompanyOwned):
    name = models.CharField(_("name"), max_length=32)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        ordering = ["-start"]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        constraints = [
            models.UniqueConstraint(fields=["company", "start"], name="accounting_fiscal_year_unique"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="accounting_fiscal_year_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:fiscal_year_detail", args=[self.pk])


class Period(CompanyOwned):
    """A month (or quarter) of a fiscal year; nothing is posted into a closed one."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        "closed": Transition({"open"}, "closed", by="closed_by", at="closed_at"),
        "reopened": Transition({"closed"}, "open"),
    }
    EVENT_PREFIX = "period"

    fiscal_year = models.ForeignKey(
        FiscalYear, models.CASCADE, related_name="periods", verbose_name=_("fiscal year")
    )
    name = models.CharField(_("name"), max_length=32)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        indexes = [models.Index(fields=["company", "start", "end"], name="period_dates_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "start"], name="accounting_period_unique"),
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="accounting_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class CostCentre(CompanyOwned, Versioned):
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("cost centre")
        verbose_name_plural = _("cost centres")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="accounting_cost_centre_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:cost_centre_detail", args=[self.pk])


class JournalEntry(CompanyOwned, Versioned):
    """A balanced set of lines. Drafts may change; a posted entry never does (reverse it)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")

    class Origin(models.TextChoices):
        MANUAL = "manual", _("Manual")
        OPENING = "opening", _("Opening balances")
        INVOICE = "invoice", _("Invoice")
        PAYMENT = "payment", _("Payment")
        STATEMENT = "statement", _("Bank statement")
        EXCHANGE = "exchange", _("Exchange difference")
        REVALUATION = "revaluation", _("Revaluation")
        REVERSAL = "reversal", _("Reversal")
        STOCK = "stock", _("Stock valuation")

    TRANSITIONS = {"posted": Transition({"draft"}, "posted", by="posted_by", at="posted_at")}
    EVENT_PREFIX = "entry"

    journal = models.ForeignKey(Journal, models.PROTECT, related_name="entries", verbose_name=_("journal"))
    number = models.CharField(_("number"), max_length=64, blank=True, help_text=_("Given when posted."))
    date = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    narration = models.TextField(_("notes"), blank=True)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.MANUAL)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    reversal_of = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reversal of"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            models.Index(fields=["company", "-date", "-id"], name="entry_date_idx"),
            models.Index(fields=["company", "journal", "-date", "-id"], name="entry_journal_date_idx"),
            models.Index(fields=["company", "state", "-date", "-id"], name="entry_state_date_idx"),
            models.Index(fields=["company", "number"], name="entry_number_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "journal", "number"],
                condition=~Q(number=""),
                name="accounting_entry_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | ~Q(number=""), name="accounting_posted_entry_numbered"
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft entry %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:entry_detail", args=[self.pk])


class JournalLine(CompanyOwned):
    """One side of an entry. ``journal``, ``date`` and ``posted`` are copied from the entry
    (written only by the posting service) so that reports over millions of lines read one
    indexed table: every report index starts with the company and holds posted lines only."""

    entry = models.ForeignKey(JournalEntry, models.CASCADE, related_name="lines", verbose_name=_("entry"))
    journal = models.ForeignKey(
        Journal, models.PROTECT, related_name="+", db_index=False, verbose_name=_("journal")
    )  # line_journal_idx
    date = models.DateField(_("date"))
    posted = models.BooleanField(_("posted"), default=False, editable=False)
    # Whether the line is still an open item (posted on a reconcilable account and not fully
    # matched). The residual itself is always worked out from the reconciliations; this copy
    # lets "what is open now" read a small index instead of every receivable and payable line
    # ever posted. Written only by the posting and reconciliation services; an invariant
    # checks it against the residuals.
    open_item = models.BooleanField(_("open item"), default=False, editable=False)
    account = models.ForeignKey(Account, models.PROTECT, related_name="lines", verbose_name=_("account"))
    partner = models.ForeignKey(
        Partner, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("partner")
    )
    label = models.CharField(_("label"), max_length=200, blank=True)
    debit = money(_("debit"))
    credit = money(_("credit"))
    currency = models.ForeignKey(
        Currency, models.PROTECT, related_name="+", db_index=False, verbose_name=_("currency")
    )
    amount_currency = money(
        _("amount in currency"),
        help_text=_("Signed: positive on the debit side, negative on the credit side."),
    )
    cost_centre = models.ForeignKey(
        CostCentre, models.PROTECT, null=True, blank=True, related_name="lines", verbose_name=_("cost centre")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    tax = models.ForeignKey(
        "accounting.Tax",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="tax_lines",
        verbose_name=_("tax"),
        help_text=_("On a tax line: the tax whose amount it is."),
    )
    tax_base_amount = money(
        _("tax base"), help_text=_("On a tax line: the base the tax was computed on (company currency).")
    )
    tax_rate = models.DecimalField(
        _("tax rate"),
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_(
            "On a tax line of a percentage: the rate it was computed at, whatever the tax's rate is now."
        ),
    )
    taxes = models.ManyToManyField(
        "accounting.Tax",
        blank=True,
        related_name="base_lines",
        verbose_name=_("taxes"),
        help_text=_("On a base line: the taxes computed on it."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        indexes = [
            # Reports: trial balance, general ledger, balance sheet, P&L (by account and date).
            models.Index(
                fields=["company", "account", "date"], condition=Q(posted=True), name="line_account_date_idx"
            ),
            # Partner ledger, aged and open items (by partner, account, due date).
            models.Index(
                fields=["company", "partner", "account", "date"],
                condition=Q(posted=True),
                name="line_partner_account_idx",
            ),
            models.Index(
                fields=["company", "account", "due_date"],
                condition=Q(posted=True),
                name="line_account_due_idx",
            ),
            models.Index(
                fields=["company", "cost_centre", "account", "date"],
                condition=Q(posted=True) & Q(cost_centre__isnull=False),
                name="line_cost_centre_idx",
            ),
            models.Index(
                fields=["company", "tax", "date"],
                condition=Q(posted=True) & Q(tax__isnull=False),
                name="line_tax_date_idx",
            ),
            models.Index(
                fields=["company", "journal", "date"], condition=Q(posted=True), name="line_journal_idx"
            ),
            # Reports over a few days (a period's ends beside the monthly balances): every line
            # of the days with what the sums need, read from the index alone.
            models.Index(
                fields=["company", "date", "account", "partner", "debit", "credit"],
                condition=Q(posted=True),
                name="line_date_cover_idx",
            ),
            # What is open now (bank statement suggestions, payment screens), oldest due first.
            models.Index(
                F("company"),
                Coalesce("due_date", "date"),
                F("id"),
                condition=Q(open_item=True),
                name="line_open_item_idx",
            ),
            # Aged balances: the lines due lately or not yet (a payment is due on its date), read
            # from the index alone.
            models.Index(
                F("company"),
                Coalesce("due_date", "date"),
                F("account"),
                F("date"),
                F("partner"),
                F("debit"),
                F("credit"),
                condition=Q(posted=True),
                name="line_due_cover_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gte=0) & Q(credit__gte=0), name="accounting_line_not_negative"
            ),
            models.CheckConstraint(condition=Q(debit=0) | Q(credit=0), name="accounting_line_one_side"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.debit} / {self.credit}"

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit
