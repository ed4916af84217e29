"""Supplier prices, purchase requests, purchase orders (RFQ → order) and their approval chain.

What was received and billed of an order is never stored here: it is derived from the stock
moves of the order's receipts and from the lines of its supplier bills (``purchasing.queries``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice
from tandem.catalog.models import PRICE_DIGITS, PRICE_PLACES, Product
from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Company, Currency, Uom
from tandem.core.money import plain
from tandem.core.states import Transition
from tandem.inventory.models import Move, Transfer, Warehouse
from tandem.partners.models import Partner

QTY_DIGITS, QTY_PLACES = 18, 4
MONEY_DIGITS, MONEY_PLACES = 18, 2
VIEW_PRICES = "purchasing.view_purchase_prices"  # what warehouse staff lack unless granted


def _money(label: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        label, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal(0)
    )  # type: ignore[arg-type]


class PurchaseSettings(models.Model):
    """A company's purchasing rules; a company without a row has the defaults."""

    company = models.OneToOneField(
        Company, models.CASCADE, related_name="purchase_settings", verbose_name=_("company")
    )
    receipt_tolerance = models.DecimalField(
        _("over-receipt tolerance %"),
        max_digits=7,
        decimal_places=4,
        default=Decimal(0),
        help_text=_("How much more than ordered may be received, in percent of the ordered quantity."),
    )

    class Meta:
        verbose_name = _("purchase settings")
        verbose_name_plural = _("purchase settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(receipt_tolerance__gte=0, receipt_tolerance__lte=100),
                name="purchasing_tolerance_range",
            )
        ]

    def __str__(self) -> str:
        return str(self.company)


class ApprovalLevel(CompanyOwned, Versioned):
    """One step of the approval chain: orders from ``min_amount`` (company currency) up need
    ``approver``'s approval. An order passes every level at or below its amount, lowest first
    (purchaser → manager → director)."""

    name = models.CharField(_("name"), max_length=64)
    min_amount = models.DecimalField(
        _("from amount"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        help_text=_("In the company's currency; orders of this amount or more need this approval."),
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("approver")
    )

    class Meta:
        ordering = ["company", "min_amount"]
        verbose_name = _("approval level")
        verbose_name_plural = _("approval levels")
        constraints = [
            models.UniqueConstraint(fields=["company", "min_amount"], name="purchasing_level_unique"),
            models.CheckConstraint(condition=Q(min_amount__gte=0), name="purchasing_level_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ≥ {self.min_amount}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("purchasing:level_detail", args=[self.pk])


class SupplierPrice(CompanyOwned, Versioned):
    """What a supplier asks for a product from ``min_quantity`` on, and how long it takes."""

    partner = models.ForeignKey(Partner, models.PROTECT, related_name="+", verbose_name=_("supplier"))
    product = models.ForeignKey(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    supplier_sku = models.CharField(_("supplier's code"), max_length=64, blank=True)
    price = models.DecimalField(_("unit price"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)
    uom = models.ForeignKey(
        Uom, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("purchase unit"),
        help_text=_(
            "The unit the supplier sells in (a box of 12): the price and the minimum quantity are "
            "per it. Empty: the product's unit."
        ),
    )  # fmt: skip
    currency = models.ForeignKey(Currency, models.PROTECT, related_name="+", verbose_name=_("currency"))
    min_quantity = models.DecimalField(
        _("minimum quantity"), max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, default=Decimal(0)
    )
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["product", "price", "id"]
        verbose_name = _("supplier price")
        verbose_name_plural = _("supplier prices")
        indexes = [
            models.Index(fields=["company", "product", "active"], name="supplierprice_product_idx"),
            models.Index(fields=["company", "partner", "-id"], name="supplierprice_partner_idx"),
            models.Index(fields=["company", "-id"], name="supplierprice_list_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="purchasing_price_not_negative"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0), name="purchasing_min_qty_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="purchasing_price_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.product}: {self.price} {self.currency_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("purchasing:price_detail", args=[self.pk])


class PurchaseOrder(CompanyOwned, Versioned):
    """A request for quotation until confirmed, then a purchase order.

    draft → sent → (to approve) → confirmed → received → billed, or cancelled."""

    class State(models.TextChoices):
        DRAFT = "draft", _("RFQ")
        SENT = "sent", _("RFQ sent")
        TO_APPROVE = "to_approve", _("To approve")
        CONFIRMED = "confirmed", _("Confirmed")
        RECEIVED = "received", _("Received")
        BILLED = "billed", _("Billed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "sent": Transition({"draft", "sent"}, "sent", at="sent_at"),
        "submitted": Transition({"draft", "sent"}, "to_approve", by="submitted_by", at="submitted_at"),
        "rejected": Transition({"to_approve"}, "draft"),
        "confirmed": Transition(
            {"draft", "sent", "to_approve"}, "confirmed", by="confirmed_by", at="confirmed_at"
        ),
        "received": Transition({"confirmed"}, "received", at="received_at"),
        "billed": Transition({"received"}, "billed", at="billed_at"),
        "cancelled": Transition(
            {"draft", "sent", "to_approve", "confirmed"}, "cancelled", by="cancelled_by", at="cancelled_at"
        ),
    }
    EVENT_PREFIX = "purchaseorder"

    number = models.CharField(
        _("number"), max_length=64, blank=True, help_text=_("Given when sent or confirmed.")
    )
    partner = models.ForeignKey(Partner, models.PROTECT, related_name="+", verbose_name=_("supplier"))
    currency = models.ForeignKey(Currency, models.PROTECT, related_name="+", verbose_name=_("currency"))
    warehouse = models.ForeignKey(
        Warehouse,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deliver to"),
        help_text=_("Empty: the company's first warehouse."),
    )
    receipt = models.ForeignKey(
        Transfer,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receipt"),
        editable=False,
    )
    order_date = models.DateField(_("order date"))
    expected_date = models.DateField(_("expected"), null=True, blank=True)
    supplier_reference = models.CharField(_("supplier's reference"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    amount_total = _money(_("total"))
    amount_company = _money(_("total in company currency"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("purchaser"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted for approval"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    billed_at = models.DateTimeField(_("billed"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-order_date", "-id"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        permissions = [("view_purchase_prices", _("Can see purchase prices"))]
        indexes = [
            models.Index(fields=["company", "-order_date", "-id"], name="po_date_idx"),
            models.Index(fields=["company", "state", "-order_date", "-id"], name="po_state_date_idx"),
            models.Index(fields=["company", "partner", "-order_date", "-id"], name="po_partner_date_idx"),
            models.Index(fields=["company", "number"], name="po_number_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], condition=~Q(number=""), name="purchasing_po_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft RFQ %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("purchasing:order_detail", args=[self.pk])


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, models.CASCADE, related_name="lines", verbose_name=_("order"))
    sequence = models.PositiveSmallIntegerField(_("order"), default=10)
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=QTY_DIGITS, decimal_places=QTY_PLACES)
    uom = models.ForeignKey(Uom, models.PROTECT, related_name="+", verbose_name=_("unit"))
    price_unit = models.DecimalField(
        _("unit price"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, default=Decimal(0)
    )
    expected_date = models.DateField(_("expected"), null=True, blank=True)
    amount = _money(_("amount"))

    class Meta:
        ordering = ["order", "sequence", "id"]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchasing_line_qty_positive"),
            models.CheckConstraint(condition=Q(price_unit__gte=0), name="purchasing_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.description


class Approval(models.Model):
    """One level of the chain approved an order: who and when (the event log has it too)."""

    order = models.ForeignKey(
        PurchaseOrder, models.CASCADE, related_name="approvals", verbose_name=_("order")
    )
    level = models.ForeignKey(ApprovalLevel, models.PROTECT, related_name="+", verbose_name=_("level"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("approver")
    )
    approved_at = models.DateTimeField(_("approved"), auto_now_add=True)

    class Meta:
        ordering = ["order", "approved_at", "id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [models.UniqueConstraint(fields=["order", "level"], name="purchasing_approval_once")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.level_id} by {self.approver_id}"


class PurchaseRequest(CompanyOwned):
    """Something to buy (from a reorder rule now, from MRP later), until it is on an RFQ."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ORDERED = "ordered", _("On an RFQ")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "ordered": Transition({"open"}, "ordered"),
        "cancelled": Transition({"open"}, "cancelled"),
        "reopened": Transition({"ordered"}, "open"),
    }
    EVENT_PREFIX = "purchaserequest"

    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = models.DecimalField(_("quantity"), max_digits=QTY_DIGITS, decimal_places=QTY_PLACES)
    uom = models.ForeignKey(Uom, models.PROTECT, related_name="+", verbose_name=_("unit"))
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    order_by = models.DateField(
        _("order by"), null=True, blank=True, editable=False,
        help_text=_("The day to order it to have it when it is needed (planned by MRP)."),
    )  # fmt: skip
    warehouse = models.ForeignKey(
        Warehouse, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("warehouse")
    )
    partner = models.ForeignKey(
        Partner, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("supplier")
    )
    origin = models.CharField(_("source"), max_length=200, blank=True)
    demand_move = models.ForeignKey(
        Move, models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("bought for"),
        help_text=_("The delivery (or manufacturing order's component) move this request is bought for."),
    )  # fmt: skip
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("RFQ line"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase request")
        verbose_name_plural = _("purchase requests")
        indexes = [
            models.Index(fields=["company", "-created_at", "-id"], name="prequest_created_idx"),
            models.Index(fields=["company", "state", "-created_at", "-id"], name="prequest_state_idx"),
            models.Index(fields=["company", "product", "state"], name="prequest_product_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchasing_request_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {plain(self.quantity)}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("purchasing:request_detail", args=[self.pk])


class OrderBill(models.Model):
    """A supplier bill made from an order: billed quantities are read from its lines."""

    order = models.ForeignKey(PurchaseOrder, models.CASCADE, related_name="bills", verbose_name=_("order"))
    invoice = models.OneToOneField(Invoice, models.PROTECT, related_name="+", verbose_name=_("bill"))

    class Meta:
        verbose_name = _("order bill")
        verbose_name_plural = _("order bills")

    def __str__(self) -> str:
        return f"{self.order_id} → {self.invoice_id}"
