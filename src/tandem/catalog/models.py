"""Products and services, their categories, and price lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Currency, Uom
from tandem.core.text import name_key
from tandem.partners.models import CustomerGroup

PRICE_DIGITS, PRICE_PLACES = 18, 4  # unit prices carry 4 places; documents round to the currency
MEASURE_DIGITS, MEASURE_PLACES = 14, 4  # a unit's weight (kg) and volume (m³)


class Category(CompanyOwned):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("full name"), max_length=500, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        constraints = [
            models.UniqueConstraint(fields=["company", "parent", "name"], name="catalog_category_unique"),
        ]

    def __str__(self) -> str:
        return self.path or self.name


class Product(CompanyOwned, Versioned):
    class Kind(models.TextChoices):
        GOODS = "goods", _("Stockable goods")
        CONSUMABLE = "consumable", _("Consumable")
        SERVICE = "service", _("Service")

    class Tracking(models.TextChoices):
        NONE = "none", _("No tracking")
        LOT = "lot", _("By lot")
        SERIAL = "serial", _("By serial number")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GOODS)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    sku = models.CharField(_("SKU"), max_length=64)
    barcode = models.CharField(_("barcode"), max_length=14, blank=True)
    category = models.ForeignKey(
        Category, models.PROTECT, null=True, blank=True, related_name="products", verbose_name=_("category")
    )
    uom = models.ForeignKey(Uom, models.PROTECT, verbose_name=_("unit of measure"))
    sales_price = models.DecimalField(
        _("sales price"), default=Decimal(0), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES
    )
    cost = models.DecimalField(
        _("cost"), default=Decimal(0), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES
    )
    description = models.TextField(_("description"), blank=True)
    # What the stock of this product asks of the warehouse (read by inventory).
    tracking = models.CharField(_("tracking"), max_length=8, choices=Tracking.choices, default=Tracking.NONE)
    use_expiry = models.BooleanField(_("lots expire"), default=False)
    allow_negative_stock = models.BooleanField(_("stock may go negative"), default=False)
    # Read by planning: a sale of it that stock cannot cover is made for that order.
    make_to_order = models.BooleanField(
        _("make to order"),
        default=False,
        help_text=_("Confirming a sale of it that stock cannot cover creates a manufacturing order for it."),
    )
    # Per unit of the product; landed costs (freight, duty) may be spread by them.
    weight = models.DecimalField(
        _("weight (kg)"), default=Decimal(0), max_digits=MEASURE_DIGITS, decimal_places=MEASURE_PLACES,
        help_text=_("Of one unit of the product, in kilograms."),
    )  # fmt: skip
    volume = models.DecimalField(
        _("volume (m³)"), default=Decimal(0), max_digits=MEASURE_DIGITS, decimal_places=MEASURE_PLACES,
        help_text=_("Of one unit of the product, in cubic metres."),
    )  # fmt: skip
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name_key", "id"]
        indexes = [
            models.Index(fields=["company", "name_key", "id"], name="product_name_idx"),
            models.Index(fields=["company", "sku"], name="product_sku_idx"),
            models.Index(fields=["company", "-created_at", "-id"], name="product_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "sku"], name="catalog_sku_unique"),
            models.UniqueConstraint(
                fields=["company", "barcode"], condition=~models.Q(barcode=""), name="catalog_barcode_unique"
            ),
            models.CheckConstraint(condition=models.Q(sales_price__gte=0), name="catalog_price_not_negative"),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="catalog_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0, volume__gte=0), name="catalog_measures_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.sku}] {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("catalog:detail", args=[self.pk])


class PriceList(CompanyOwned, Versioned):
    """Prices in one currency, for one customer group or (no group) for everyone.

    Its version moves with every price added, so a client that read the list can add a price
    only to the list it read (``If-Match``)."""

    name = models.CharField(_("name"), max_length=100)
    currency = models.ForeignKey(Currency, models.PROTECT, verbose_name=_("currency"))
    customer_group = models.ForeignKey(
        CustomerGroup,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="price_lists",
        verbose_name=_("customer group"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="catalog_pricelist_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency_id})"


class PriceListItem(models.Model):
    """The unit price from ``min_quantity`` up, valid between two dates (both inclusive, open if empty)."""

    price_list = models.ForeignKey(
        PriceList, models.CASCADE, related_name="items", verbose_name=_("price list")
    )
    product = models.ForeignKey(
        Product, models.CASCADE, related_name="price_items", verbose_name=_("product")
    )
    min_quantity = models.DecimalField(
        _("from quantity"), max_digits=18, decimal_places=4, default=Decimal(0)
    )
    price = models.DecimalField(_("unit price"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        indexes = [
            models.Index(fields=["product", "price_list", "min_quantity"], name="pricelist_lookup_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="catalog_item_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(min_quantity__gte=0), name="catalog_item_qty_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_to")),
                name="catalog_item_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ≥ {self.min_quantity}: {self.price}"
