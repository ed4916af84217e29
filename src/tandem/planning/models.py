"""Reorder rules: keep a product's stock in a warehouse between a minimum and a maximum."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.bases import CompanyOwned, Versioned
from tandem.inventory.models import Warehouse

QTY_DIGITS, QTY_PLACES = 18, 4


def _quantity(label: Any, default: int = 0) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        label, max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, default=Decimal(default)
    )  # type: ignore[arg-type]


class ReorderRule(CompanyOwned, Versioned):
    """When the projected stock of ``product`` in ``warehouse`` falls below ``min_quantity``
    plus ``safety_stock``, buy back up to ``max_quantity`` plus ``safety_stock``, in whole
    ``multiple`` s (quantities in the product's unit)."""

    product = models.ForeignKey(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    warehouse = models.ForeignKey(Warehouse, models.CASCADE, related_name="+", verbose_name=_("warehouse"))
    min_quantity = _quantity(_("minimum"))
    max_quantity = _quantity(_("maximum"))
    multiple = _quantity(_("order in multiples of"), 1)
    safety_stock = _quantity(_("safety stock"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["company", "-id"]
        verbose_name = _("reorder rule")
        verbose_name_plural = _("reorder rules")
        indexes = [
            models.Index(fields=["company", "active", "-id"], name="reorder_active_idx"),
            models.Index(fields=["company", "-id"], name="reorder_list_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "product", "warehouse"], name="planning_rule_unique"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0), name="planning_min_not_negative"),
            models.CheckConstraint(
                condition=Q(max_quantity__gte=F("min_quantity")), name="planning_max_above_min"
            ),
            models.CheckConstraint(condition=Q(multiple__gt=0), name="planning_multiple_positive"),
            models.CheckConstraint(condition=Q(safety_stock__gte=0), name="planning_safety_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.warehouse}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("planning:rule_detail", args=[self.pk])
