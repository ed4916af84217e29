"""Quotations and sales orders (a quotation is an order in draft or sent), their lines, the
company's sales rules and its customers' credit limits.

What was delivered, invoiced and paid of an order is never stored here: it is derived from the
done moves of the order's deliveries and from the lines of its invoices (``sales.queries``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice, InvoiceLine, Tax
from tandem.catalog.models import PRICE_DIGITS, PRICE_PLACES, Product
from tandem.core import registry
from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Company, Currency, Uom, User
from tandem.core.querysets import CompanyQuerySet
from tandem.core.states import Transition
from tandem.crm.models import Deal
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner

QTY_DIGITS, QTY_PLACES = 18, 4
MONEY_DIGITS, MONEY_PLACES = 18, 2
APPROVE = "sales.approve_salesorder"  # sales managers: above the credit limit or the discount limit
VIEW_ALL = "sales.view_all_salesorders"
ANALYSIS = "sales.view_sales_analysis"  # revenue, cost and margin over orders (not the warehouse's)


def _money(label: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        label, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal(0)
    )  # type: ignore[arg-type]


class InvoicePolicy(models.TextChoices):
    ORDERED = "ordered", _("Ordered quantities")
    DELIVERED = "delivered", _("Delivered quantities")


class SalesSettings(models.Model):
    """A company's sales rules; a company without a row has the defaults."""

    company = models.OneToOneField(
        Company, models.CASCADE, related_name="sales_settings", verbose_name=_("company")
    )
    discount_limit = models.DecimalField(
        _("salesperson's discount limit %"),
        max_digits=7,
        decimal_places=4,
        default=Decimal(20),
        help_text=_(
            "A salesperson confirms lines discounted up to this; above it, someone whose limit covers it."
        ),
    )
    manager_discount_limit = models.DecimalField(
        _("sales manager's discount limit %"),
        max_digits=7,
        decimal_places=4,
        default=Decimal(100),
        help_text=_("A sales manager confirms lines discounted up to this; above it, an administrator."),
    )
    invoice_policy = models.CharField(
        _("invoice"),
        max_length=16,
        choices=InvoicePolicy.choices,
        default=InvoicePolicy.DELIVERED,
        help_text=_("What goods are invoiced on by default; services are invoiced on ordered quantities."),
    )
    validity_days = models.PositiveSmallIntegerField(_("quotations valid for (days)"), default=30)
    acceptance_confirms = models.BooleanField(
        _("online acceptance confirms the order"),
        default=True,
        help_text=_("Off: a quotation the customer accepted online waits for its salesperson to confirm it."),
    )
    link_days = models.PositiveSmallIntegerField(
        _("customer links valid for (days)"),
        default=30,
        help_text=_("How long the link in a sent quotation's e-mail opens it."),
    )

    objects = CompanyQuerySet.as_manager()  # type: ignore[misc]  # the company's own row only

    class Meta:
        verbose_name = _("sales settings")
        verbose_name_plural = _("sales settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_limit__gte=0, discount_limit__lte=100), name="sales_discount_limit_range"
            ),
            models.CheckConstraint(
                condition=Q(manager_discount_limit__gte=0, manager_discount_limit__lte=100),
                name="sales_manager_discount_limit_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.company)


class CreditLimit(CompanyOwned, Versioned):
    """How much a customer may owe (open balance plus the order being confirmed), in the
    company's currency; above it a sales manager confirms. No row: no limit."""

    partner = models.OneToOneField(Partner, models.CASCADE, related_name="+", verbose_name=_("customer"))
    amount = models.DecimalField(_("credit limit"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)

    class Meta:
        verbose_name = _("credit limit")
        verbose_name_plural = _("credit limits")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="sales_credit_not_negative")]

    def __str__(self) -> str:
        return str(_("Credit limit of %(customer)s") % {"customer": self.partner})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:credit_limit_detail", args=[self.pk])


class ProductInvoicePolicy(CompanyOwned):
    """A product invoiced otherwise than the company's default (``SalesSettings.invoice_policy``):
    on ordered or on delivered quantities. Services are always invoiced on ordered quantities."""

    product = models.OneToOneField(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    invoice_policy = models.CharField(_("invoice"), max_length=16, choices=InvoicePolicy.choices)

    class Meta:
        verbose_name = _("product invoice policy")
        verbose_name_plural = _("product invoice policies")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.invoice_policy}"


class SalesOrderQuerySet(CompanyQuerySet):
    def visible_to(self, user: User | Any) -> Self:
        """A salesperson sees their own orders and those of the customers they may open; a
        sales manager also the orders of the people they reach (``core.registry.reach``: the
        members of the sales teams they lead); ``view_all_salesorders`` sees every one."""
        rows = super().visible_to(user)
        if not getattr(user, "is_authenticated", False) or user.is_superuser or user.has_perm(VIEW_ALL):
            return rows
        partners = Partner.objects.visible_to(user).filter(pk=OuterRef("partner_id"))
        condition = Q(salesperson=user) | Q(Exists(partners))
        team = registry.reach(user, "salesperson")
        if team is not None:
            condition |= team
        return rows.filter(condition)


class SalesOrder(CompanyOwned, Versioned):
    """A quotation until confirmed, then a sales order.

    draft → sent → confirmed → done, or cancelled (from any but done)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Quotation")
        SENT = "sent", _("Quotation sent")
        CONFIRMED = "confirmed", _("Sales order")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "sent": Transition({"draft", "sent"}, "sent", at="sent_at"),
        "confirmed": Transition({"draft", "sent"}, "confirmed", by="confirmed_by", at="confirmed_at"),
        "done": Transition({"confirmed"}, "done", at="done_at"),
        "cancelled": Transition(
            {"draft", "sent", "confirmed"}, "cancelled", by="cancelled_by", at="cancelled_at"
        ),
    }
    EVENT_PREFIX = "salesorder"

    number = models.CharField(
        _("number"), max_length=64, blank=True, help_text=_("Given when sent or confirmed.")
    )
    partner = models.ForeignKey(Partner, models.PROTECT, related_name="+", verbose_name=_("customer"))
    contact = models.ForeignKey(
        Partner, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact person")
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("salesperson"),
    )  # fmt: skip
    deal = models.ForeignKey(
        Deal, models.SET_NULL, null=True, blank=True, related_name="sales_orders", verbose_name=_("deal")
    )
    currency = models.ForeignKey(Currency, models.PROTECT, related_name="+", verbose_name=_("currency"))
    warehouse = models.ForeignKey(
        Warehouse, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ship from"),
        help_text=_("Empty: the company's first warehouse."),
    )  # fmt: skip
    delivery = models.ForeignKey(
        Transfer, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("delivery"),
        editable=False,
    )  # fmt: skip
    order_date = models.DateField(_("date"))
    validity_date = models.DateField(_("valid until"), null=True, blank=True)
    promised_date = models.DateField(_("promised delivery"), null=True, blank=True)
    customer_reference = models.CharField(_("customer's reference"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    amount_untaxed = _money(_("untaxed"))
    amount_tax = _money(_("taxes"))
    amount_total = _money(_("total"))
    amount_company = _money(_("total in company currency"))
    cost_total = _money(_("cost"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    objects = SalesOrderQuerySet.as_manager()  # type: ignore[misc]  # its own record rules

    class Meta:
        ordering = ["-order_date", "-id"]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        permissions = [
            ("approve_salesorder", _("Can confirm orders above the credit or discount limit")),
            ("view_all_salesorders", _("Can see every salesperson's orders")),
            ("view_sales_analysis", _("Can see the sales analysis and profitability")),
        ]
        indexes = [
            models.Index(fields=["company", "-order_date", "-id"], name="so_date_idx"),
            models.Index(fields=["company", "state", "-order_date", "-id"], name="so_state_date_idx"),
            models.Index(fields=["company", "partner", "-order_date", "-id"], name="so_partner_date_idx"),
            models.Index(fields=["company", "salesperson", "-order_date", "-id"], name="so_person_date_idx"),
            models.Index(fields=["company", "number"], name="so_number_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], condition=~Q(number=""), name="sales_order_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft quotation %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:order_detail", args=[self.pk])

    @property
    def margin(self) -> Decimal:
        return self.amount_untaxed - self.cost_total


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, models.CASCADE, related_name="lines", verbose_name=_("order"))
    sequence = models.PositiveSmallIntegerField(_("order"), default=10)
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=QTY_DIGITS, decimal_places=QTY_PLACES)
    uom = models.ForeignKey(Uom, models.PROTECT, related_name="+", verbose_name=_("unit"))
    price_unit = models.DecimalField(
        _("unit price"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, default=Decimal(0)
    )
    discount = models.DecimalField(_("discount %"), max_digits=7, decimal_places=4, default=Decimal(0))
    taxes = models.ManyToManyField(Tax, blank=True, related_name="+", verbose_name=_("taxes"))
    optional = models.BooleanField(
        _("optional"),
        default=False,
        help_text=_("Offered, not ordered: left out of totals, delivery and invoices."),
    )
    invoice_policy = models.CharField(_("invoice"), max_length=16, choices=InvoicePolicy.choices)
    cost_unit = models.DecimalField(
        _("unit cost"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, default=Decimal(0)
    )
    amount_untaxed = _money(_("untaxed"))
    amount_total = _money(_("total"))

    class Meta:
        ordering = ["order", "sequence", "id"]
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_line_qty_positive"),
            models.CheckConstraint(condition=Q(price_unit__gte=0), name="sales_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=100), name="sales_line_discount_range"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def margin(self) -> Decimal:
        return self.amount_untaxed - (self.cost_unit * self.quantity).quantize(Decimal("0.01"))


class OrderInvoice(models.Model):
    """An invoice made from an order (one invoice may bill several orders of a customer):
    invoiced quantities are read from its lines linked to the order's lines (``OrderInvoiceLine``)."""

    order = models.ForeignKey(SalesOrder, models.CASCADE, related_name="invoices", verbose_name=_("order"))
    invoice = models.ForeignKey(Invoice, models.CASCADE, related_name="+", verbose_name=_("invoice"))

    class Meta:
        verbose_name = _("order invoice")
        verbose_name_plural = _("order invoices")
        constraints = [models.UniqueConstraint(fields=["order", "invoice"], name="sales_order_invoice_once")]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.invoice_id}"


class OrderInvoiceLine(models.Model):
    """What an invoice line bills of an order (accounting knows nothing of orders): a quantity of
    one of its lines (``order_line``), a down payment on the order, or down payments deducted
    from a later invoice of it. Quantities and amounts are the invoice line's own; nothing is
    stored twice."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods or services")
        DOWN_PAYMENT = "down_payment", _("Down payment")
        DEDUCTION = "deduction", _("Down payment deducted")

    invoice_line = models.OneToOneField(
        InvoiceLine, models.CASCADE, related_name="+", verbose_name=_("invoice line")
    )
    order = models.ForeignKey(SalesOrder, models.CASCADE, related_name="+", verbose_name=_("order"))
    order_line = models.ForeignKey(
        SalesOrderLine, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("order line")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("order invoice line")
        verbose_name_plural = _("order invoice lines")
        indexes = [models.Index(fields=["order", "kind"], name="sales_invline_order_kind")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} → {self.invoice_line_id}"


class AcceptanceLink(CompanyOwned):
    """The link a sent quotation's e-mail carries: the customer opens the quotation with it,
    without an account, and accepts or declines it once. Sending again replaces it; the
    salesperson may revoke it. Its token is the signed id (``sales.services.link_token``)."""

    order = models.ForeignKey(SalesOrder, models.CASCADE, related_name="links", verbose_name=_("order"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer link")
        verbose_name_plural = _("customer links")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.pk}"


class QuotationResponse(CompanyOwned):
    """What the customer answered through a link: accepted (typed name and drawn signature, a
    PNG) or declined (with a reason), from which address. A link is answered once; an order is
    accepted once."""

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    order = models.ForeignKey(SalesOrder, models.CASCADE, related_name="responses", verbose_name=_("order"))
    link = models.OneToOneField(
        AcceptanceLink, models.CASCADE, related_name="response", verbose_name=_("customer link")
    )
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    signature = models.BinaryField(_("signature"), blank=True, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("answered"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer's answer")
        verbose_name_plural = _("customers' answers")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(answer="accepted"), name="sales_accepted_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.answer}"


class MailPreference(CompanyOwned):
    """Which e-mails about their orders a customer's person (the order's contact, else the
    customer) chose: the confirmation, each shipment with its delivery note, each invoice.
    No row: none (nobody is e-mailed without having chosen so)."""

    partner = models.OneToOneField(Partner, models.CASCADE, related_name="+", verbose_name=_("contact"))
    confirmation = models.BooleanField(_("order confirmations"), default=True)
    shipment = models.BooleanField(_("shipments, with the delivery note"), default=True)
    invoice = models.BooleanField(_("invoices"), default=True)

    class Meta:
        verbose_name = _("order e-mails")
        verbose_name_plural = _("order e-mails")

    def __str__(self) -> str:
        return f"{self.partner_id}"
