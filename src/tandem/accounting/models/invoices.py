"""Customer invoices and credit notes, supplier bills and refunds, and payment-term instalments.

``core.PaymentTerm`` (what partners point at) stays the term's name and simple net days;
a term with instalments lists them here as :class:`PaymentTermLine` rows (e.g. 30 % now,
the balance in 60 days). A term without lines is due ``days`` after the invoice date.
:class:`BooksPaymentTerm` is the same row as the books' settings pages edit it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models.books import (
    RATE_DIGITS,
    RATE_PLACES,
    Account,
    CostCentre,
    Journal,
    JournalEntry,
    money,
)
from tandem.accounting.models.taxes import FiscalPosition, Tax
from tandem.catalog.models import PRICE_DIGITS, PRICE_PLACES, Product
from tandem.core.bases import CompanyOwned, PostedDocument, Versioned
from tandem.core.models import Currency, PaymentTerm, Uom
from tandem.core.querysets import CompanyQuerySet
from tandem.core.states import Transition
from tandem.partners.models import Partner


class BooksPaymentTerm(PaymentTerm):
    """``core.PaymentTerm`` as the books manage it: read under the company's record rule and
    guarded by the books' permissions (accountants edit, auditors read), with its instalments
    (:class:`PaymentTermLine`) on its own settings pages."""

    objects = CompanyQuerySet.as_manager()  # type: ignore[misc]  # the company's terms only

    class Meta:
        proxy = True
        verbose_name = _("payment term")
        verbose_name_plural = _("payment terms")

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:payment_term_detail", args=[self.pk])


class PaymentTermLine(models.Model):
    class Value(models.TextChoices):
        PERCENT = "percent", _("Percent of the total")
        FIXED = "fixed", _("Fixed amount")
        BALANCE = "balance", _("The balance")

    term = models.ForeignKey(
        PaymentTerm, models.CASCADE, related_name="lines", verbose_name=_("payment term")
    )
    sequence = models.PositiveSmallIntegerField(_("order"), default=10)
    value = models.CharField(_("amount"), max_length=8, choices=Value.choices, default=Value.BALANCE)
    amount = models.DecimalField(_("percent or amount"), max_digits=16, decimal_places=4, default=Decimal(0))
    days = models.PositiveSmallIntegerField(_("days after the invoice date"), default=0)
    end_of_month = models.BooleanField(_("then to the end of the month"), default=False)

    class Meta:
        ordering = ["term", "sequence", "id"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="accounting_term_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.term_id}: {self.value} {self.amount} +{self.days}"


class Invoice(CompanyOwned, Versioned, PostedDocument):
    class Kind(models.TextChoices):
        CUSTOMER_INVOICE = "customer_invoice", _("Customer invoice")
        CUSTOMER_CREDIT_NOTE = "customer_credit_note", _("Customer credit note")
        SUPPLIER_BILL = "supplier_bill", _("Supplier bill")
        SUPPLIER_REFUND = "supplier_refund", _("Supplier refund")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "posted": Transition({"draft"}, "posted", by="posted_by", at="posted_at"),
        "cancelled": Transition({"draft", "posted"}, "cancelled", by="cancelled_by", at="cancelled_at"),
    }
    EVENT_PREFIX = "invoice"

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    partner = models.ForeignKey(Partner, models.PROTECT, related_name="+", verbose_name=_("partner"))
    journal = models.ForeignKey(Journal, models.PROTECT, related_name="invoices", verbose_name=_("journal"))
    number = models.CharField(_("number"), max_length=64, blank=True, help_text=_("Given when posted."))
    supplier_reference = models.CharField(_("supplier's number"), max_length=64, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    origin = models.CharField(_("source document"), max_length=64, blank=True)
    invoice_date = models.DateField(_("invoice date"))
    accounting_date = models.DateField(
        _("accounting date"), null=True, blank=True, help_text=_("Empty: the invoice date.")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, help_text=_("The last instalment's."))
    currency = models.ForeignKey(Currency, models.PROTECT, related_name="+", verbose_name=_("currency"))
    rate = models.DecimalField(
        _("exchange rate"), max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, default=Decimal(1),
        help_text=_("Company currency per unit of the invoice's, fixed when posted."),
    )  # fmt: skip
    payment_term = models.ForeignKey(
        PaymentTerm, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("payment terms")
    )
    fiscal_position = models.ForeignKey(
        FiscalPosition,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fiscal position"),
    )
    credited_invoice = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credit note of"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    entry = models.OneToOneField(
        JournalEntry, models.PROTECT, null=True, blank=True, related_name="invoice", verbose_name=_("entry")
    )
    notes = models.TextField(_("notes"), blank=True)
    amount_untaxed = money(_("untaxed amount"))
    amount_tax = money(_("tax"))
    amount_total = money(_("total"))
    amount_total_company = money(_("total in company currency"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-invoice_date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["company", "kind", "-invoice_date", "-id"], name="invoice_kind_date_idx"),
            models.Index(
                fields=["company", "kind", "state", "-invoice_date", "-id"], name="invoice_state_date_idx"
            ),
            models.Index(
                fields=["company", "partner", "-invoice_date", "-id"], name="invoice_partner_date_idx"
            ),
            models.Index(fields=["company", "kind", "due_date"], name="invoice_due_idx"),
            models.Index(fields=["company", "number"], name="invoice_number_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "journal", "number"],
                condition=~Q(number=""),
                name="accounting_invoice_number_unique",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="accounting_invoice_rate_positive"),
            models.CheckConstraint(
                condition=Q(state="draft") | ~Q(number=""), name="accounting_invoice_numbered"
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:invoice_detail", args=[self.pk])


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, models.CASCADE, related_name="lines", verbose_name=_("invoice"))
    sequence = models.PositiveSmallIntegerField(_("order"), default=10)
    product = models.ForeignKey(
        Product, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4, default=Decimal(1))
    uom = models.ForeignKey(
        Uom, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    price_unit = models.DecimalField(
        _("unit price"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, default=Decimal(0)
    )
    discount = models.DecimalField(_("discount %"), max_digits=7, decimal_places=4, default=Decimal(0))
    account = models.ForeignKey(Account, models.PROTECT, related_name="+", verbose_name=_("account"))
    taxes = models.ManyToManyField(Tax, blank=True, related_name="+", verbose_name=_("taxes"))
    cost_centre = models.ForeignKey(
        CostCentre, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("cost centre")
    )
    amount_untaxed = money(_("amount"))
    amount_total = money(_("amount with taxes"))

    class Meta:
        ordering = ["invoice", "sequence", "id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=100), name="accounting_invoice_line_discount_range"
            ),
        ]

    def __str__(self) -> str:
        return self.description
