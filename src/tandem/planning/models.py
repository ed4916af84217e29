"""Reorder rules (keep a product's stock in a warehouse between a minimum and a maximum) and MRP:
lot sizing per product, forecasts, runs with their planned orders and exceptions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.jobs.models import Job
from tandem.core.money import plain
from tandem.core.states import Transition
from tandem.inventory.models import Move, Warehouse
from tandem.manufacturing.models import Bom, ManufacturingOrder
from tandem.partners.models import Partner
from tandem.purchasing.models import PurchaseRequest

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


# --- MRP ----------------------------------------------------------------------------------------


class ProductPlanning(CompanyOwned, Versioned):
    """How MRP sizes the orders it plans for a product: lot-for-lot (exactly the net need), in
    whole multiples of ``lot_quantity``, at least ``lot_quantity``, or the needs of
    ``lot_quantity`` days from the first (days of supply); and the stock it keeps
    as a floor (``safety_stock``, besides any reorder rule's minimum and safety stock)."""

    class Policy(models.TextChoices):
        LOT_FOR_LOT = "lot_for_lot", _("Lot for lot")
        MULTIPLE = "multiple", _("Fixed multiple")
        MINIMUM = "minimum", _("Minimum quantity")
        PERIOD = "period", _("Days of supply")

    product = models.ForeignKey(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    policy = models.CharField(
        _("lot sizing"), max_length=16, choices=Policy.choices, default=Policy.LOT_FOR_LOT
    )
    lot_quantity = _quantity(_("lot quantity"))
    safety_stock = _quantity(_("safety stock"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["company", "-id"]
        verbose_name = _("product planning")
        verbose_name_plural = _("product planning")
        indexes = [models.Index(fields=["company", "-id"], name="productplanning_list_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "product"], name="planning_product_unique"),
            models.CheckConstraint(condition=Q(lot_quantity__gte=0), name="planning_lot_not_negative"),
            models.CheckConstraint(condition=Q(safety_stock__gte=0), name="planning_pp_safety_not_negative"),
        ]

    def __str__(self) -> str:
        return str(self.product)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("planning:lot_detail", args=[self.pk])


class Forecast(CompanyOwned, Versioned):
    """Demand expected for ``product`` in ``warehouse`` in ``month`` (its first day), beyond the
    orders taken: MRP plans the forecast less the sales deliveries of the same month from the same
    warehouse (consumption). The warehouse defaults to the company's first active one."""

    product = models.ForeignKey(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    warehouse = models.ForeignKey(Warehouse, models.CASCADE, related_name="+", verbose_name=_("warehouse"))
    month = models.DateField(_("month"), help_text=_("Any day of the month; the first is kept."))
    quantity = _quantity(_("quantity"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["company", "-month", "-id"]
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        indexes = [
            models.Index(fields=["company", "-month", "-id"], name="forecast_month_idx"),
            models.Index(fields=["company", "-id"], name="forecast_list_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "product", "warehouse", "month"], name="planning_forecast_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="planning_forecast_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("planning:forecast_detail", args=[self.pk])


class MrpRun(CompanyOwned):
    """One MRP run of a company: it plans ``horizon_days`` ahead, in the background job ``job``."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    TRANSITIONS = {
        "done": Transition({"running"}, "done", at="finished_at"),
        "failed": Transition({"running"}, "failed", at="finished_at"),
    }
    EVENT_PREFIX = "mrprun"

    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.RUNNING)
    horizon_days = models.PositiveIntegerField(_("horizon (days)"), default=90)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    job = models.ForeignKey(
        Job, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("job")
    )
    products = models.PositiveIntegerField(_("products planned"), default=0)
    demand_lines = models.PositiveIntegerField(_("demand lines"), default=0)
    planned_orders = models.PositiveIntegerField(_("planned orders"), default=0)
    exceptions = models.PositiveIntegerField(_("exceptions"), default=0)
    milliseconds = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["company", "-id"]
        verbose_name = _("MRP run")
        verbose_name_plural = _("MRP runs")
        indexes = [models.Index(fields=["company", "-id"], name="mrprun_list_idx")]

    def __str__(self) -> str:
        return _("MRP run %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("planning:mrp_detail", args=[self.pk])


class PlannedOrder(CompanyOwned):
    """What MRP proposes: make (a manufacturing order by ``bom``) or buy (from ``partner``)
    ``quantity`` of ``product``, started on ``start_date`` to be there by ``due_date``.
    Proposed → firm (MRP keeps it) → released into a manufacturing order or a purchase request
    (and from there an RFQ), or cancelled; a proposal still proposed when a newer run is done is
    superseded by that run's (the planner reviews only the newest proposals)."""

    class Kind(models.TextChoices):
        MAKE = "make", _("Make")
        BUY = "buy", _("Buy")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        FIRM = "firm", _("Firm")
        RELEASED = "released", _("Released")
        CANCELLED = "cancelled", _("Cancelled")
        SUPERSEDED = "superseded", _("Superseded")

    TRANSITIONS = {
        "firmed": Transition({"proposed"}, "firm", record=False),
        "superseded": Transition({"proposed"}, "superseded", record=False),
        "released": Transition({"proposed", "firm"}, "released", at="released_at", record=False),
        "cancelled": Transition({"proposed", "firm"}, "cancelled", record=False),
    }
    EVENT_PREFIX = "plannedorder"

    run = models.ForeignKey(MrpRun, models.CASCADE, related_name="orders", verbose_name=_("MRP run"))
    product = models.ForeignKey(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    warehouse = models.ForeignKey(Warehouse, models.CASCADE, related_name="+", verbose_name=_("warehouse"))
    kind = models.CharField(_("make or buy"), max_length=4, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("low-level code"), default=0)
    quantity = _quantity(_("quantity"))
    start_date = models.DateField(_("start"))
    due_date = models.DateField(_("due"))
    partner = models.ForeignKey(
        Partner, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("supplier")
    )
    bom = models.ForeignKey(
        Bom, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("bill of materials")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED)
    manufacturing_order = models.ForeignKey(
        ManufacturingOrder,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manufacturing order"),
    )
    purchase_request = models.ForeignKey(
        PurchaseRequest,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("purchase request"),
    )
    demand_move = models.ForeignKey(
        Move, models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("made for"),
    )  # fmt: skip
    # the planned order whose component need it meets (once released, made for its component move)
    parent = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("for planned order"),
    )  # fmt: skip
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        ordering = ["run", "due_date", "id"]
        verbose_name = _("planned order")
        verbose_name_plural = _("planned orders")
        indexes = [
            models.Index(fields=["run", "due_date", "id"], name="plannedorder_run_idx"),
            models.Index(fields=["company", "state", "due_date", "id"], name="plannedorder_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="planning_planned_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {plain(self.quantity)} × {self.product}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("planning:planned_detail", args=[self.pk])


class Peg(CompanyOwned):
    """One demand a supply meets and how much of it gives it (pegging): a move that wants
    the product (``demand_move``: a sale's delivery, a released order's component) or the planned
    order whose component need it meets (``parent``, until that order is released and its component
    move is written here too). The supply is a planned order (``planned_order``: written by the MRP
    run with its planned orders, completed on release; the manufacturing order or purchase request
    it became is made for the same demands, read through ``PlannedOrder.manufacturing_order`` /
    ``purchase_request``) or a manufacturing order made to order (``manufacturing_order``: the
    move that asked for it, written when make to order creates it)."""

    planned_order = models.ForeignKey(
        PlannedOrder,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="pegs",
        verbose_name=_("planned order"),
    )
    manufacturing_order = models.ForeignKey(
        ManufacturingOrder, models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("manufacturing order"),
    )  # fmt: skip
    demand_move = models.ForeignKey(
        Move, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("made for")
    )
    parent = models.ForeignKey(
        PlannedOrder, models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("for planned order"),
    )  # fmt: skip
    quantity = _quantity(_("quantity"))

    class Meta:
        ordering = ["planned_order", "id"]
        verbose_name = _("pegged demand")
        verbose_name_plural = _("pegged demands")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="planning_peg_positive"),
            models.CheckConstraint(
                condition=Q(demand_move__isnull=False) | Q(parent__isnull=False), name="planning_peg_wanted"
            ),
            models.CheckConstraint(
                condition=Q(planned_order__isnull=False) | Q(manufacturing_order__isnull=False),
                name="planning_peg_supply",
            ),
        ]

    def __str__(self) -> str:
        return f"{plain(self.quantity)} → {self.demand_move_id or self.parent_id}"


class MrpException(CompanyOwned):
    """What MRP asks the planner to look at: existing supply to bring forward (reschedule in),
    push back (reschedule out) or cancel, an order — planned, or an existing manufacturing order,
    receipt, request or RFQ — that cannot be there when it is needed (late), a product it can
    neither make nor buy. ``reference`` names the existing document (a manufacturing order,
    purchase order, request or receipt); ``planned_order`` the proposal concerned."""

    class Kind(models.TextChoices):
        LATE = "late", _("Late")
        RESCHEDULE_IN = "resched_in", _("Reschedule in")
        RESCHEDULE_OUT = "resched_out", _("Reschedule out")
        CANCEL = "cancel", _("Cancel")
        NO_SOURCE = "no_source", _("No BOM or supplier")

    run = models.ForeignKey(MrpRun, models.CASCADE, related_name="exception_rows", verbose_name=_("MRP run"))
    product = models.ForeignKey(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    warehouse = models.ForeignKey(Warehouse, models.CASCADE, related_name="+", verbose_name=_("warehouse"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reference = models.CharField(_("document"), max_length=64, blank=True)
    planned_order = models.ForeignKey(
        PlannedOrder, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("planned order")
    )
    quantity = _quantity(_("quantity"))
    due_date = models.DateField(_("due"), null=True, blank=True)
    need_date = models.DateField(_("needed"), null=True, blank=True)

    class Meta:
        ordering = ["run", "id"]
        verbose_name = _("MRP exception")
        verbose_name_plural = _("MRP exceptions")
        indexes = [models.Index(fields=["run", "id"], name="mrpexception_run_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.product}"

    @property
    def message(self) -> str:
        """The sentence shown, in the reader's language (derived from the row, never stored)."""
        values = {
            "doc": self.reference or _("the planned order"),
            "product": self.product,
            "quantity": plain(self.quantity),  # 30, not 3E+1
            "due": self.due_date.isoformat() if self.due_date else "",
            "need": self.need_date.isoformat() if self.need_date else "",
        }
        text = {
            self.Kind.LATE: _(
                "%(doc)s: %(quantity)s × %(product)s needed on %(need)s comes on %(due)s at best."
            ),
            self.Kind.RESCHEDULE_IN: _(
                "%(doc)s: bring %(quantity)s × %(product)s forward from %(due)s to %(need)s."
            ),
            self.Kind.RESCHEDULE_OUT: _(
                "%(doc)s: %(quantity)s × %(product)s due %(due)s is needed only on %(need)s."
            ),
            self.Kind.CANCEL: _("%(doc)s: %(quantity)s × %(product)s due %(due)s is not needed."),
            self.Kind.NO_SOURCE: _(
                "%(quantity)s × %(product)s needed on %(need)s: it has no bill of materials and no supplier."
            ),
        }[self.Kind(self.kind)]
        return text % values
