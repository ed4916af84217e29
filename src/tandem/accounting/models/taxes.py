"""Taxes, tax groups, fiscal positions, and the accounting defaults of products and partners."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models.books import Account
from tandem.catalog.models import Category, Product
from tandem.core.bases import CompanyOwned, Versioned
from tandem.partners.models import Partner


class TaxGroup(CompanyOwned, Versioned):
    """How taxes are summed on a document's totals (e.g. "VAT 22 %")."""

    name = models.CharField(_("name"), max_length=64)
    sequence = models.PositiveSmallIntegerField(_("order"), default=10)

    class Meta:
        ordering = ["sequence", "name"]
        verbose_name = _("tax group")
        verbose_name_plural = _("tax groups")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="accounting_tax_group_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:tax_group_detail", args=[self.pk])


class Tax(CompanyOwned, Versioned):
    class Use(models.TextChoices):
        SALE = "sale", _("Sales")
        PURCHASE = "purchase", _("Purchases")

    class Computation(models.TextChoices):
        PERCENT = "percent", _("Percentage of the price")
        FIXED = "fixed", _("Fixed amount per unit")
        GROUP = "group", _("Group of taxes")

    class Scope(models.TextChoices):
        ALL = "", _("Goods and services")
        GOODS = "goods", _("Goods")
        SERVICES = "services", _("Services")

    name = models.CharField(_("name"), max_length=64)
    label = models.CharField(_("label on documents"), max_length=64, blank=True)
    use = models.CharField(_("used on"), max_length=16, choices=Use.choices)
    computation = models.CharField(
        _("computation"), max_length=16, choices=Computation.choices, default=Computation.PERCENT
    )
    amount = models.DecimalField(
        _("rate or amount"), max_digits=16, decimal_places=4, default=Decimal(0),
        help_text=_("Percent for a percentage (22 = 22 %), an amount per unit for a fixed tax."),
    )  # fmt: skip
    price_included = models.BooleanField(_("included in the price"), default=False)
    affects_base = models.BooleanField(
        _("affects the base of later taxes"),
        default=False,
        help_text=_("A compound tax: later taxes include it."),
    )
    sequence = models.PositiveSmallIntegerField(_("order"), default=10)
    children = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="parents", verbose_name=_("taxes of the group")
    )
    group = models.ForeignKey(
        TaxGroup, models.PROTECT, null=True, blank=True, related_name="taxes", verbose_name=_("tax group")
    )
    scope = models.CharField(_("applies to"), max_length=16, choices=Scope.choices, blank=True, default="")
    account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tax account"),
        help_text=_("Where the tax of invoices is posted (output VAT on sales, input VAT on purchases)."),
    )
    refund_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tax account on credit notes"),
        help_text=_("Empty: the tax account."),
    )
    reverse_charge_account = models.ForeignKey(
        Account,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reverse-charge account"),
        help_text=_("Set for self-assessed tax: the tax is posted to both accounts, netting to zero."),
    )
    report_box = models.CharField(
        _("VAT return box"), max_length=32, blank=True, help_text=_("Where the VAT return reports this tax.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["use", "sequence", "name"]
        verbose_name = _("tax")
        verbose_name_plural = _("taxes")
        indexes = [models.Index(fields=["company", "use", "sequence"], name="tax_use_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "use", "name"], name="accounting_tax_unique"),
            models.CheckConstraint(
                condition=~Q(computation="percent") | Q(amount__gte=-100, amount__lte=100),
                name="accounting_tax_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:tax_detail", args=[self.pk])


class FiscalPosition(CompanyOwned, Versioned):
    """Replaces taxes and accounts for some partners: EU reverse charge, export at 0 %."""

    class Kind(models.TextChoices):
        DOMESTIC = "domestic", _("Domestic")
        EU_REVERSE_CHARGE = "eu_reverse_charge", _("EU intra-community (reverse charge)")
        EXPORT = "export", _("Export outside the EU")

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    sequence = models.PositiveSmallIntegerField(_("order"), default=10)
    auto_apply = models.BooleanField(
        _("detect automatically"), default=False, help_text=_("Chosen for partners of the countries below.")
    )
    countries = models.CharField(
        _("countries"), max_length=400, blank=True, help_text=_("ISO codes separated by spaces; empty: any.")
    )
    vat_required = models.BooleanField(_("partner must have a VAT ID"), default=False)
    note = models.TextField(_("note on invoices"), blank=True, help_text=_("E.g. the reverse-charge clause."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sequence", "name"]
        verbose_name = _("fiscal position")
        verbose_name_plural = _("fiscal positions")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="accounting_fiscal_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounting:fiscal_position_detail", args=[self.pk])


class FiscalPositionTax(models.Model):
    position = models.ForeignKey(
        FiscalPosition, models.CASCADE, related_name="tax_map", verbose_name=_("fiscal position")
    )
    source = models.ForeignKey(Tax, models.CASCADE, related_name="+", verbose_name=_("tax"))
    target = models.ForeignKey(
        Tax,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replaced by"),
        help_text=_("Empty: the tax is dropped."),
    )

    class Meta:
        verbose_name = _("tax mapping")
        verbose_name_plural = _("tax mappings")
        constraints = [
            models.UniqueConstraint(fields=["position", "source", "target"], name="accounting_fp_tax_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class FiscalPositionAccount(models.Model):
    position = models.ForeignKey(
        FiscalPosition, models.CASCADE, related_name="account_map", verbose_name=_("fiscal position")
    )
    source = models.ForeignKey(Account, models.CASCADE, related_name="+", verbose_name=_("account"))
    target = models.ForeignKey(Account, models.CASCADE, related_name="+", verbose_name=_("replaced by"))

    class Meta:
        verbose_name = _("account mapping")
        verbose_name_plural = _("account mappings")
        constraints = [
            models.UniqueConstraint(fields=["position", "source"], name="accounting_fp_account_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class ProductAccounting(CompanyOwned):
    """Default taxes and income/expense accounts of one product or of a whole category
    (the product's own row first, then its category's, then the company's settings)."""

    product = models.OneToOneField(
        Product, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    category = models.OneToOneField(
        Category, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    sale_taxes = models.ManyToManyField(Tax, blank=True, related_name="+", verbose_name=_("sales taxes"))
    purchase_taxes = models.ManyToManyField(
        Tax, blank=True, related_name="+", verbose_name=_("purchase taxes")
    )
    income_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("income account")
    )
    expense_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("expense account")
    )

    class Meta:
        verbose_name = _("product accounting")
        verbose_name_plural = _("product accounting")
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, category__isnull=True)
                | Q(product__isnull=True, category__isnull=False),
                name="accounting_product_or_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id or ''}{self.category_id or ''}"


class PartnerAccounting(CompanyOwned):
    """A partner's own receivable/payable accounts and fiscal position (empty: the defaults)."""

    partner = models.OneToOneField(Partner, models.CASCADE, related_name="+", verbose_name=_("partner"))
    fiscal_position = models.ForeignKey(
        FiscalPosition,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fiscal position"),
    )
    receivable_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("receivable account")
    )
    payable_account = models.ForeignKey(
        Account, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("payable account")
    )

    class Meta:
        verbose_name = _("partner accounting")
        verbose_name_plural = _("partner accounting")

    def __str__(self) -> str:
        return str(self.partner_id)
