"""Making goods: work centres and routings, bills of materials, manufacturing orders with their
work orders, production records and scrap, and quality check points, checks and alerts.

A bill of materials (:class:`Bom`) says what one batch of ``quantity`` of a product takes
(:class:`BomLine`: a component, its quantity in a unit of the component's category, a scrap
factor) and what else comes out (:class:`BomByProduct`); a phantom (kit) BOM is never made
on its own: wherever its product is a component, its components take its place. A product may
have several revisions, each valid between two dates. A :class:`Routing` is the operations, in
order, at work centres, with setup and run minutes.

A :class:`ManufacturingOrder` goes draft → confirmed (its components reserved through
inventory, a :class:`WorkOrder` per operation, a :class:`QualityCheck` per check point) → in
progress → done / cancelled. Stock moves only through ``inventory.services``: components go
from stock to the production location, finished goods come back (:class:`Production` records
each, with its value), scrap goes to inventory loss (:class:`Scrap`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Uom
from tandem.core.states import Transition
from tandem.inventory.models import Lot, Move, Transfer, Warehouse

QTY_DIGITS, QTY_PLACES = 18, 4
ZERO = Decimal(0)


def _qty(label: Any, default: Any = ZERO, **kwargs: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        label, max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, default=default, **kwargs
    )


def _money(label: Any, **kwargs: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=20, decimal_places=4, default=ZERO, **kwargs)


def _user(related: str = "+") -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name=related
    )


# --- work centres and routings --------------------------------------------------------------


class WorkCentre(CompanyOwned, Versioned):
    """A place work is done (a saw, a bench, a spray booth): hours it can work a day, what an
    hour costs (labour and overhead), the weekdays it works and the country whose public
    holidays it keeps."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=16)
    capacity_hours = models.DecimalField(
        _("capacity (hours a day)"), max_digits=6, decimal_places=2, default=Decimal(8)
    )
    cost_per_hour = _money(_("cost per hour"))
    working_days = models.CharField(
        _("working days"),
        max_length=7,
        default="12345",
        help_text=_("ISO weekday numbers, Monday 1 to Sunday 7: 12345 is Monday to Friday."),
    )
    holiday_country = models.CharField(
        _("public holidays of"), max_length=2, blank=True, help_text=_("A country code: SI, PL, DE …")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code", "id"]
        verbose_name = _("work centre")
        verbose_name_plural = _("work centres")
        indexes = [models.Index(fields=["company", "code", "id"], name="mfg_centre_code_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="mfg_centre_code_unique"),
            models.CheckConstraint(condition=Q(capacity_hours__gt=0), name="mfg_centre_capacity_positive"),
            models.CheckConstraint(condition=Q(cost_per_hour__gte=0), name="mfg_centre_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("manufacturing:centre_detail", args=[self.pk])


class Routing(CompanyOwned, Versioned):
    """Operations in order that make a product (a BOM names the routing it is made by)."""

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("routing")
        verbose_name_plural = _("routings")
        indexes = [models.Index(fields=["company", "name", "id"], name="mfg_routing_name_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("manufacturing:routing_detail", args=[self.pk])


class Operation(models.Model):
    """One step of a routing: at a work centre, ``setup_minutes`` once per order and
    ``run_minutes`` per unit of the product made."""

    routing = models.ForeignKey(Routing, models.CASCADE, related_name="operations", verbose_name=_("routing"))
    sequence = models.PositiveIntegerField(_("order"), default=10)
    name = models.CharField(_("operation"), max_length=100)
    work_centre = models.ForeignKey(
        WorkCentre, models.PROTECT, related_name="operations", verbose_name=_("work centre")
    )
    setup_minutes = _qty(_("setup (minutes)"))
    run_minutes = _qty(_("run (minutes a unit)"))

    class Meta:
        ordering = ["routing", "sequence", "id"]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        constraints = [
            models.CheckConstraint(
                condition=Q(setup_minutes__gte=0), name="mfg_operation_setup_not_negative"
            ),
            models.CheckConstraint(condition=Q(run_minutes__gte=0), name="mfg_operation_run_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


# --- bills of materials ------------------------------------------------------------------------


class Bom(CompanyOwned, Versioned):
    """What making ``quantity`` of ``product`` takes; valid between two dates (both inclusive,
    open when empty). Of the revisions valid on a day, the highest is used."""

    class Kind(models.TextChoices):
        NORMAL = "normal", _("Manufacture this product")
        PHANTOM = "phantom", _("Kit (phantom): explode into its components")

    reference = models.CharField(_("reference"), max_length=64)
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NORMAL)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    quantity = _qty(_("quantity made"), Decimal(1))
    routing = models.ForeignKey(
        Routing, models.PROTECT, null=True, blank=True, related_name="boms", verbose_name=_("routing")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["reference", "id"]
        verbose_name = _("bill of materials")
        verbose_name_plural = _("bills of materials")
        indexes = [
            models.Index(fields=["company", "reference", "id"], name="mfg_bom_reference_idx"),
            models.Index(fields=["company", "product", "active"], name="mfg_bom_product_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "product", "revision"], name="mfg_bom_revision_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mfg_bom_quantity_positive"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="mfg_bom_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("manufacturing:bom_detail", args=[self.pk])


class BomLine(models.Model):
    """``quantity`` of a component in ``uom`` (a unit of the component's category) per batch of
    the BOM, plus ``scrap_percent`` of it lost on the way."""

    bom = models.ForeignKey(Bom, models.CASCADE, related_name="lines", verbose_name=_("bill of materials"))
    sequence = models.PositiveIntegerField(_("order"), default=10)
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("component"))
    quantity = _qty(_("quantity"))
    uom = models.ForeignKey(Uom, models.PROTECT, related_name="+", verbose_name=_("unit"))
    scrap_percent = models.DecimalField(_("scrap %"), max_digits=7, decimal_places=4, default=ZERO)

    class Meta:
        ordering = ["bom", "sequence", "id"]
        verbose_name = _("component")
        verbose_name_plural = _("components")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mfg_bomline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(scrap_percent__gte=0, scrap_percent__lt=100), name="mfg_bomline_scrap_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class BomByProduct(models.Model):
    """What else a batch yields (offcuts sold as firewood), taking ``cost_share`` % of its cost."""

    bom = models.ForeignKey(
        Bom, models.CASCADE, related_name="byproducts", verbose_name=_("bill of materials")
    )
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("by-product"))
    quantity = _qty(_("quantity"))
    uom = models.ForeignKey(Uom, models.PROTECT, related_name="+", verbose_name=_("unit"))
    cost_share = models.DecimalField(_("share of the cost %"), max_digits=7, decimal_places=4, default=ZERO)

    class Meta:
        ordering = ["bom", "id"]
        verbose_name = _("by-product")
        verbose_name_plural = _("by-products")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mfg_byproduct_quantity_positive"),
            models.CheckConstraint(
                condition=Q(cost_share__gte=0, cost_share__lt=100), name="mfg_byproduct_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


# --- manufacturing orders --------------------------------------------------------------------


class ManufacturingOrder(CompanyOwned, Versioned):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual")
        SALES = "sales", _("Sales order")
        REORDER = "reorder", _("Reorder rule")
        MRP = "mrp", _("MRP")

    TRANSITIONS = {
        "confirmed": Transition({"draft"}, "confirmed", by="confirmed_by", at="confirmed_at"),
        "started": Transition({"confirmed"}, "in_progress", at="started_at"),
        "done": Transition({"in_progress"}, "done", by="done_by", at="done_at"),
        "cancelled": Transition(
            {"draft", "confirmed", "in_progress"}, "cancelled", by="cancelled_by", at="cancelled_at"
        ),
    }
    EVENT_PREFIX = "mo"

    number = models.CharField(_("number"), max_length=64, blank=True, help_text=_("Given when confirmed."))
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = _qty(_("quantity"))
    bom = models.ForeignKey(Bom, models.PROTECT, related_name="orders", verbose_name=_("bill of materials"))
    routing = models.ForeignKey(
        Routing, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("routing")
    )
    warehouse = models.ForeignKey(Warehouse, models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    due_date = models.DateField(_("due date"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    origin = models.CharField(_("source document"), max_length=64, blank=True)
    backorder_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="backorders",
        verbose_name=_("backorder of"),
    )
    components = models.ForeignKey(
        Transfer, models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("components transfer"),
        help_text=_("The open transfer of the components still to consume, reserved in stock."),
    )  # fmt: skip
    demand_move = models.ForeignKey(
        Move, models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("made for"),
        help_text=_("The delivery (or parent order's component) move this order was made to order for."),
    )  # fmt: skip
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True, editable=False)
    planned_finish = models.DateTimeField(_("planned finish"), null=True, blank=True, editable=False)
    lot_name = models.CharField(
        _("lot to produce"), max_length=64, blank=True,
        help_text=_("For a product tracked by lot: the lot the goods go into (empty: the order's number)."),
    )  # fmt: skip
    standard_cost = models.DecimalField(
        _("standard unit cost"), max_digits=24, decimal_places=8, default=ZERO, editable=False
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = _user()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmed_by = _user()
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    done_by = _user()
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    cancelled_by = _user()
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-due_date", "-id"]
        verbose_name = _("manufacturing order")
        verbose_name_plural = _("manufacturing orders")
        indexes = [
            models.Index(fields=["company", "-due_date", "-id"], name="mfg_mo_due_idx"),
            models.Index(fields=["company", "state", "-due_date", "-id"], name="mfg_mo_state_idx"),
            models.Index(fields=["company", "number"], name="mfg_mo_number_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], condition=~Q(number=""), name="mfg_mo_number_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mfg_mo_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft manufacturing order %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("manufacturing:order_detail", args=[self.pk])


class Production(CompanyOwned):
    """One recording of goods made: the components consumed (``consumption``), the goods
    produced (``output``), and their value: components + labour and overhead."""

    order = models.ForeignKey(
        ManufacturingOrder, models.PROTECT, related_name="productions", verbose_name=_("manufacturing order")
    )
    quantity = _qty(_("quantity"))
    lot = models.ForeignKey(
        Lot, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lot")
    )
    consumption = models.ForeignKey(
        Transfer,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("components consumed"),
    )
    output = models.ForeignKey(Transfer, models.PROTECT, related_name="+", verbose_name=_("goods produced"))
    component_value = _money(_("components"))
    labour_value = _money(_("labour and overhead"))
    value = _money(_("value"))
    produced_by = _user()
    produced_at = models.DateTimeField(_("produced"), auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("production")
        verbose_name_plural = _("productions")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="mfg_production_positive")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity}"


class Scrap(CompanyOwned):
    """Goods thrown away, with the reason: moved to inventory loss and valued out of stock."""

    order = models.ForeignKey(
        ManufacturingOrder, models.PROTECT, null=True, blank=True, related_name="scraps",
        verbose_name=_("manufacturing order"),
    )  # fmt: skip
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = _qty(_("quantity"))
    lot = models.ForeignKey(
        Lot, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lot")
    )
    reason = models.CharField(_("reason"), max_length=200)
    transfer = models.ForeignKey(Transfer, models.PROTECT, related_name="+", verbose_name=_("transfer"))
    created_by = _user()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("scrap")
        verbose_name_plural = _("scrap")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="mfg_scrap_positive")]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}: {self.reason}"


class WorkOrder(CompanyOwned):
    """One operation of an order at its work centre; the time worked is its :class:`WorkLog` rows."""

    class State(models.TextChoices):
        PENDING = "pending", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "started": Transition({"pending", "paused"}, "in_progress"),
        "paused": Transition({"in_progress"}, "paused"),
        "done": Transition({"in_progress", "paused"}, "done", by="done_by", at="done_at"),
        "cancelled": Transition({"pending", "in_progress", "paused"}, "cancelled"),
    }
    EVENT_PREFIX = "workorder"

    order = models.ForeignKey(
        ManufacturingOrder, models.CASCADE, related_name="work_orders", verbose_name=_("manufacturing order")
    )
    operation = models.ForeignKey(
        Operation, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("operation")
    )
    sequence = models.PositiveIntegerField(_("order"), default=10)
    name = models.CharField(_("operation"), max_length=100)
    work_centre = models.ForeignKey(
        WorkCentre, models.PROTECT, related_name="+", verbose_name=_("work centre")
    )
    planned_minutes = _qty(_("planned minutes"))
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateTimeField(_("planned finish"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    done_by = _user()
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["order", "sequence", "id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [models.Index(fields=["work_centre", "state"], name="mfg_workorder_centre_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.order})"


class WorkLog(models.Model):
    """A stretch of work on a work order, by one person: from start (or resume) to pause or finish."""

    work_order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="logs", verbose_name=_("work order")
    )
    user = _user()
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["work_order", "started_at", "id"]
        verbose_name = _("time worked")
        verbose_name_plural = _("time worked")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="mfg_worklog_ordered",
            ),
            models.UniqueConstraint(
                fields=["work_order"], condition=Q(ended_at__isnull=True), name="mfg_worklog_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.started_at} – {self.ended_at or ''}"


# --- quality ----------------------------------------------------------------------------------


class QualityPoint(CompanyOwned, Versioned):
    """A check every order of ``product`` (at ``operation``, if given) must pass: pass/fail, or a
    value measured between ``minimum`` and ``maximum``."""

    class Kind(models.TextChoices):
        PASS_FAIL = "pass_fail", _("Pass or fail")
        MEASURE = "measure", _("Measure")

    title = models.CharField(_("title"), max_length=100)
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    operation = models.ForeignKey(
        Operation, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("operation")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PASS_FAIL)
    instructions = models.TextField(_("instructions"), blank=True)
    minimum = models.DecimalField(_("minimum"), max_digits=18, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=18, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("quality check point")
        verbose_name_plural = _("quality check points")
        indexes = [models.Index(fields=["company", "product", "active"], name="mfg_qpoint_product_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pass_fail")
                | (Q(minimum__isnull=False) & Q(maximum__gte=models.F("minimum"))),
                name="mfg_qpoint_tolerance",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("manufacturing:point_detail", args=[self.pk])


class QualityCheck(CompanyOwned):
    class State(models.TextChoices):
        TO_DO = "todo", _("To do")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    TRANSITIONS = {
        "passed": Transition({"todo", "failed"}, "passed", by="checked_by", at="checked_at"),
        "failed": Transition({"todo", "failed"}, "failed", by="checked_by", at="checked_at"),
    }
    EVENT_PREFIX = "qualitycheck"

    order = models.ForeignKey(
        ManufacturingOrder, models.CASCADE, related_name="checks", verbose_name=_("manufacturing order")
    )
    point = models.ForeignKey(
        QualityPoint, models.PROTECT, related_name="checks", verbose_name=_("check point")
    )
    work_order = models.ForeignKey(
        WorkOrder, models.CASCADE, null=True, blank=True, related_name="checks", verbose_name=_("work order")
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.TO_DO)
    measured = models.DecimalField(_("measured"), max_digits=18, decimal_places=4, null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    checked_by = _user()
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")

    def __str__(self) -> str:
        return f"{self.point} ({self.order})"


class QualityAlert(CompanyOwned):
    """A failed check, for the planner to see: the product, the order and the lot affected."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {"closed": Transition({"open"}, "closed", by="closed_by", at="closed_at")}
    EVENT_PREFIX = "qualityalert"

    check_failed = models.ForeignKey(
        QualityCheck, models.CASCADE, related_name="alerts", verbose_name=_("failed check")
    )
    order = models.ForeignKey(
        ManufacturingOrder, models.CASCADE, related_name="alerts", verbose_name=_("manufacturing order")
    )
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    lot = models.ForeignKey(
        Lot, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lot")
    )
    description = models.CharField(_("description"), max_length=300)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    closed_by = _user()
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quality alert")
        verbose_name_plural = _("quality alerts")
        indexes = [models.Index(fields=["company", "state", "-created_at"], name="mfg_qalert_state_idx")]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("manufacturing:alert_detail", args=[self.pk])
