"""Warehouses and their locations, lots, transfers and their moves, the quantity ledger, quants,
reservations and physical counts.

Every movement of goods is a move from one location to another. A :class:`Move` is one line
of a :class:`Transfer` (what is asked: a product, a quantity in the product's unit, a date);
validating the transfer writes the :class:`MoveLine` rows of what was done, per lot and
location — the append-only quantity ledger — and changes the :class:`Quant` rows (product ×
internal location × lot: on hand and reserved) in the same transaction. Quants always equal
the sum of done move lines (an invariant, ``inventory/invariants.py``); a PostgreSQL CHECK
refuses a negative quant unless the product allows negative stock.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Uom
from tandem.core.states import Transition
from tandem.partners.models import Partner

QTY_DIGITS, QTY_PLACES = 18, 4
ZERO = Decimal(0)


def qty_field(verbose_name: str | object, **kwargs: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        verbose_name,  # type: ignore[arg-type]
        max_digits=QTY_DIGITS,
        decimal_places=QTY_PLACES,
        default=ZERO,
        **kwargs,  # type: ignore[arg-type]
    )


class Warehouse(CompanyOwned, Versioned):
    """A site with its own tree of locations: ``<code>`` (a view) with Stock, Input and Output
    (and Packing, Quality when its routes need them).

    ``delivery_steps`` and ``reception_steps`` choose the route goods take: a delivery in one
    step ships from Stock; in two it is picked to Output, then shipped; in three it is picked to
    Packing, packed to Output, then shipped. A receipt in one step arrives in Stock; in two it
    arrives in Input and is stored; in three it arrives in Input, passes Quality, then is
    stored. Each step is a transfer of its own, chained move by move to the next
    (``Move.next_move``)."""

    class DeliverySteps(models.IntegerChoices):
        ONE = 1, _("Ship from stock (1 step)")
        TWO = 2, _("Pick, then ship (2 steps)")
        THREE = 3, _("Pick, pack, then ship (3 steps)")

    class ReceptionSteps(models.IntegerChoices):
        ONE = 1, _("Receive into stock (1 step)")
        TWO = 2, _("Receive into input, then store (2 steps)")
        THREE = 3, _("Receive into input, check quality, then store (3 steps)")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("short code"), max_length=8, help_text=_("Prefixes its locations' names."))
    partner = models.ForeignKey(
        Partner, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("address")
    )
    view_location = models.ForeignKey(
        "Location", models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    stock_location = models.ForeignKey(
        "Location", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("stock location")
    )
    input_location = models.ForeignKey(
        "Location", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("input location")
    )
    output_location = models.ForeignKey(
        "Location", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("output location")
    )
    pack_location = models.ForeignKey(
        "Location", models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("packing location"),
    )  # fmt: skip
    quality_location = models.ForeignKey(
        "Location", models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("quality control location"),
    )  # fmt: skip
    delivery_steps = models.PositiveSmallIntegerField(
        _("outgoing shipments"), choices=DeliverySteps.choices, default=DeliverySteps.ONE
    )
    reception_steps = models.PositiveSmallIntegerField(
        _("incoming shipments"), choices=ReceptionSteps.choices, default=ReceptionSteps.ONE
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code", "id"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="inventory_warehouse_code_unique"),
            models.CheckConstraint(
                condition=Q(delivery_steps__gte=1, delivery_steps__lte=3),
                name="inventory_warehouse_delivery_steps",
            ),
            models.CheckConstraint(
                condition=Q(reception_steps__gte=1, reception_steps__lte=3),
                name="inventory_warehouse_reception_steps",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inventory:warehouse_detail", args=[self.pk])


class Location(CompanyOwned, Versioned):
    """A place goods are (internal: a stock room, a shelf, a bin) or come from and go to
    (virtual: suppliers, customers, production, inventory loss, transit between sites)."""

    class Kind(models.TextChoices):
        VIEW = "view", _("View (groups others, holds nothing)")
        INTERNAL = "internal", _("Internal")
        SUPPLIER = "supplier", _("Suppliers")
        CUSTOMER = "customer", _("Customers")
        PRODUCTION = "production", _("Production")
        LOSS = "inventory", _("Inventory loss")
        TRANSIT = "transit", _("Transit")

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("full name"), max_length=500, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INTERNAL)
    warehouse = models.ForeignKey(
        Warehouse,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="locations",
        verbose_name=_("warehouse"),
    )
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path", "id"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        indexes = [models.Index(fields=["company", "path", "id"], name="inventory_location_path_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "path"], name="inventory_location_path_unique"),
            models.UniqueConstraint(
                fields=["company", "barcode"],
                condition=~Q(barcode=""),
                name="inventory_location_barcode_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.path or self.name

    @property
    def holds_stock(self) -> bool:
        return self.kind in STOCKED_KINDS

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inventory:location_detail", args=[self.pk])


STOCKED_KINDS = frozenset({Location.Kind.INTERNAL, Location.Kind.TRANSIT})


class Lot(CompanyOwned):
    """A lot or a serial number of one product, with its expiry date where the product asks."""

    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    name = models.CharField(_("lot or serial number"), max_length=64)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["product", "name", "id"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.UniqueConstraint(fields=["company", "product", "name"], name="inventory_lot_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inventory:lot_detail", args=[self.pk])


class Transfer(CompanyOwned, Versioned):
    """Moves grouped in one document: a receipt, a delivery, an internal move or an adjustment."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        DELIVERY = "delivery", _("Delivery")
        INTERNAL = "internal", _("Internal transfer")
        ADJUSTMENT = "adjustment", _("Stock adjustment")

    class Step(models.TextChoices):
        NONE = "", _("Single step")
        PICK = "pick", _("Pick")
        PACK = "pack", _("Pack")
        SHIP = "ship", _("Ship")
        INPUT = "input", _("Receive into input")
        QUALITY = "quality", _("Quality control")
        STORE = "store", _("Store")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        WAITING = "waiting", _("Waiting")
        READY = "ready", _("Ready")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "confirmed": Transition({"draft"}, "waiting", by="confirmed_by", at="confirmed_at"),
        "ready": Transition({"waiting", "ready"}, "ready"),
        "unreserved": Transition({"ready"}, "waiting"),
        "done": Transition({"waiting", "ready"}, "done", by="done_by", at="done_at"),
        "cancelled": Transition(
            {"draft", "waiting", "ready"}, "cancelled", by="cancelled_by", at="cancelled_at"
        ),
    }
    EVENT_PREFIX = "transfer"

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    step = models.CharField(
        _("step"), max_length=8, choices=Step.choices, blank=True, default="",
        help_text=_("Which step of a multi-step delivery or receipt this is."),
    )  # fmt: skip
    number = models.CharField(_("number"), max_length=64, blank=True, help_text=_("Given when confirmed."))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    warehouse = models.ForeignKey(
        Warehouse, models.PROTECT, related_name="transfers", verbose_name=_("warehouse")
    )
    partner = models.ForeignKey(
        Partner, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("partner")
    )
    source_location = models.ForeignKey(Location, models.PROTECT, related_name="+", verbose_name=_("from"))
    dest_location = models.ForeignKey(Location, models.PROTECT, related_name="+", verbose_name=_("to"))
    scheduled_date = models.DateField(_("scheduled date"))
    origin = models.CharField(_("source document"), max_length=64, blank=True)
    backorder_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="backorders",
        verbose_name=_("backorder of"),
    )
    return_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="returns", verbose_name=_("return of")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_date", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [
            models.Index(fields=["company", "-scheduled_date", "-id"], name="transfer_date_idx"),
            models.Index(fields=["company", "kind", "-scheduled_date", "-id"], name="transfer_kind_idx"),
            models.Index(fields=["company", "state", "-scheduled_date", "-id"], name="transfer_state_idx"),
            models.Index(fields=["company", "number"], name="transfer_number_idx"),
            models.Index(fields=["company", "origin"], name="transfer_origin_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], condition=~Q(number=""), name="inventory_transfer_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(state="cancelled") | ~Q(number=""),
                name="inventory_transfer_numbered",
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft transfer %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inventory:transfer_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


OPEN_STATES = frozenset({Transfer.State.WAITING, Transfer.State.READY})


class Move(CompanyOwned):
    """One line of a transfer: ``quantity`` of a product (in its unit) to move, as asked in
    ``uom``/``quantity_asked``; ``quantity_done`` is written when the transfer is validated
    (a partial one moves the rest to the backorder). Its state is its transfer's."""

    transfer = models.ForeignKey(Transfer, models.CASCADE, related_name="moves", verbose_name=_("transfer"))
    sequence = models.PositiveIntegerField(_("order"), default=10)
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    uom = models.ForeignKey(Uom, models.PROTECT, related_name="+", verbose_name=_("unit"))
    quantity_asked = qty_field(_("quantity (in its unit)"))
    quantity = qty_field(_("quantity"))
    quantity_done = qty_field(_("done"))
    lot = models.ForeignKey(
        Lot, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("chosen lot")
    )
    source_location = models.ForeignKey(Location, models.PROTECT, related_name="+", verbose_name=_("from"))
    dest_location = models.ForeignKey(Location, models.PROTECT, related_name="+", verbose_name=_("to"))
    expected_date = models.DateField(_("expected date"))
    returned_move = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("return of")
    )
    next_move = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="previous_moves",
        verbose_name=_("next step"),
        help_text=_("The move of the next step of a multi-step route that takes these goods on."),
    )  # fmt: skip
    price_unit = models.DecimalField(
        _("unit cost"), max_digits=24, decimal_places=8, null=True, blank=True,
        help_text=_("Per unit of the product, in the company's currency (a purchase order's price)."),
    )  # fmt: skip

    class Meta:
        ordering = ["transfer", "sequence", "id"]
        verbose_name = _("move")
        verbose_name_plural = _("moves")
        indexes = [
            models.Index(fields=["product", "expected_date"], name="move_product_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_move_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_done__gte=0), name="inventory_move_done_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class MoveLine(CompanyOwned):
    """The quantity ledger: what was moved, per lot, from one location to another.

    Append-only: written when a transfer is validated (or a count applied) and never changed
    or deleted; a correction is a new line the other way."""

    move = models.ForeignKey(Move, models.PROTECT, related_name="lines", verbose_name=_("move"))
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    lot = models.ForeignKey(
        Lot, models.PROTECT, null=True, blank=True, related_name="lines", verbose_name=_("lot")
    )
    source_location = models.ForeignKey(Location, models.PROTECT, related_name="+", verbose_name=_("from"))
    dest_location = models.ForeignKey(Location, models.PROTECT, related_name="+", verbose_name=_("to"))
    quantity = qty_field(_("quantity"))
    done_at = models.DateTimeField(_("done"))

    class Meta:
        ordering = ["-done_at", "-id"]
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        indexes = [
            models.Index(fields=["company", "-done_at", "-id"], name="moveline_date_idx"),
            models.Index(fields=["product", "-done_at", "-id"], name="moveline_product_idx"),
            models.Index(fields=["source_location", "product"], name="moveline_source_idx"),
            models.Index(fields=["dest_location", "product"], name="moveline_dest_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_moveline_positive"),
            models.CheckConstraint(
                condition=~Q(source_location=F("dest_location")), name="inventory_moveline_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.quantity}: {self.source_location_id} → {self.dest_location_id}"


class Quant(CompanyOwned):
    """What one internal location holds of one product (and lot): on hand and reserved."""

    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    location = models.ForeignKey(Location, models.PROTECT, related_name="quants", verbose_name=_("location"))
    lot = models.ForeignKey(
        Lot, models.PROTECT, null=True, blank=True, related_name="quants", verbose_name=_("lot")
    )
    quantity = qty_field(_("on hand"))
    reserved = qty_field(_("reserved"))
    negative_allowed = models.BooleanField(default=False, editable=False)
    in_date = models.DateTimeField(_("arrived"))

    class Meta:
        ordering = ["in_date", "id"]
        verbose_name = _("quant")
        verbose_name_plural = _("quants")
        indexes = [models.Index(fields=["product", "location"], name="quant_product_location_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "location", "lot"],
                condition=Q(lot__isnull=False),
                name="inventory_quant_lot_unique",
            ),
            models.UniqueConstraint(
                fields=["product", "location"], condition=Q(lot__isnull=True), name="inventory_quant_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) | Q(negative_allowed=True), name="inventory_quant_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="inventory_quant_reserved_not_negative"
            ),
            # A product that may go negative may also be promised beyond what is left: a later
            # delivery took stock an earlier reservation counted on.
            models.CheckConstraint(
                condition=Q(reserved=0) | Q(reserved__lte=F("quantity")) | Q(negative_allowed=True),
                name="inventory_quant_reserved_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.location_id}: {self.quantity}"

    @property
    def available(self) -> Decimal:
        return self.quantity - self.reserved


class Reservation(models.Model):
    """Part of a quant promised to one move until its transfer is validated or cancelled."""

    move = models.ForeignKey(Move, models.CASCADE, related_name="reservations", verbose_name=_("move"))
    quant = models.ForeignKey(Quant, models.PROTECT, related_name="reservations", verbose_name=_("quant"))
    quantity = qty_field(_("reserved"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_reservation_positive"),
            models.UniqueConstraint(fields=["move", "quant"], name="inventory_reservation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.move_id} ← {self.quant_id}: {self.quantity}"


class Count(CompanyOwned, Versioned):
    """A physical count of one location (and what it holds below it): a sheet of lines with the
    expected quantities, filled with what was found; applying it posts the differences as
    moves to and from the inventory-loss location."""

    class State(models.TextChoices):
        DRAFT = "draft", _("In progress")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "applied": Transition({"draft"}, "applied", by="applied_by", at="applied_at"),
        "cancelled": Transition({"draft"}, "cancelled"),
    }
    EVENT_PREFIX = "count"

    name = models.CharField(_("name"), max_length=100)
    location = models.ForeignKey(Location, models.PROTECT, related_name="+", verbose_name=_("location"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    date = models.DateField(_("date"))
    transfer = models.ForeignKey(
        Transfer, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("adjustment")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("count")
        verbose_name_plural = _("counts")
        indexes = [models.Index(fields=["company", "-date", "-id"], name="count_date_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inventory:count_detail", args=[self.pk])


class CountLine(models.Model):
    count = models.ForeignKey(Count, models.CASCADE, related_name="lines", verbose_name=_("count"))
    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    location = models.ForeignKey(Location, models.PROTECT, related_name="+", verbose_name=_("location"))
    lot = models.ForeignKey(
        Lot, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lot")
    )
    expected = qty_field(_("expected"))
    counted = models.DecimalField(
        _("counted"), max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, null=True, blank=True
    )

    class Meta:
        ordering = ["location__path", "product__name_key", "id"]
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(counted__isnull=True) | Q(counted__gte=0), name="inventory_countline_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.location_id}: {self.counted}"

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.expected


# --- valuation ------------------------------------------------------------------------------
# Perpetual valuation (``services/valuation.py``): every done move that takes goods into or out
# of the company's stock writes a :class:`ValuationLayer` and, per validated transfer, one
# journal entry through ``accounting.services``. The stock value at a date is the sum of the
# layers dated up to it (``queries.valuation``).


class ValuationMethod(models.TextChoices):
    FIFO = "fifo", _("First in, first out (FIFO)")
    AVERAGE = "average", _("Moving average")


def _account(verbose_name: object, **kwargs: object) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        "accounting.Account",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


class ValuationSettings(CompanyOwned, Versioned):
    """How a company values its stock: the default method and accounts (from its chart of
    accounts, made on first use), which a product category may override. The method and the
    stock account stay while stock valued on them is on hand (``services.valuation``)."""

    method = models.CharField(
        _("valuation method"), max_length=16, choices=ValuationMethod.choices, default=ValuationMethod.FIFO
    )
    journal = models.ForeignKey(
        "accounting.Journal", models.PROTECT, related_name="+", verbose_name=_("stock journal")
    )
    stock_account = _account(_("stock account"))
    input_account = _account(_("stock input (received, not invoiced)"))
    output_account = _account(
        _("stock output (delivered, not invoiced)"),
        help_text=_("Empty: deliveries are booked straight to the cost of goods sold."),
    )
    cogs_account = _account(_("cost of goods sold"))
    price_difference_account = _account(_("price differences"))
    loss_account = _account(_("inventory differences"))
    opening_account = _account(_("opening stock (equity)"))
    production_account = _account(
        _("work in progress (production)"),
        help_text=_("Components consumed and goods made go through it; it clears when the goods are made."),
    )
    production_cost_account = _account(
        _("production costs absorbed"),
        help_text=_("Credited with the labour and overhead that goods made are valued at."),
    )

    class Meta:
        verbose_name = _("valuation settings")
        verbose_name_plural = _("valuation settings")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="inventory_valuation_settings_unique"),
        ]

    def __str__(self) -> str:
        return str(_("Stock valuation settings"))

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inventory:valuation_settings")


class CategoryValuation(CompanyOwned, Versioned):
    """A product category's own valuation method and accounts (empty: the company's)."""

    category = models.OneToOneField(
        "catalog.Category", models.CASCADE, related_name="+", verbose_name=_("category")
    )
    method = models.CharField(
        _("valuation method"), max_length=16, choices=ValuationMethod.choices, blank=True
    )
    stock_account = _account(_("stock account"))
    input_account = _account(_("stock input (received, not invoiced)"))
    output_account = _account(_("stock output (delivered, not invoiced)"))
    cogs_account = _account(_("cost of goods sold"))
    price_difference_account = _account(_("price differences"))

    class Meta:
        ordering = ["category__path", "id"]
        verbose_name = _("category valuation")
        verbose_name_plural = _("category valuations")

    def __str__(self) -> str:
        return str(self.category)

    @property
    def name(self) -> str:
        return str(self.category)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inventory:category_valuation_detail", args=[self.pk])


class ValuationLayer(CompanyOwned):
    """Value that came into stock (``quantity`` > 0: what is left of it in ``remaining_*``, which
    FIFO consumes) or went out of it (< 0), or a change of value alone (landed costs, a
    back-dated move's revaluation: ``quantity`` 0). Append-only but for ``remaining_*``."""

    class Kind(models.TextChoices):
        IN = "in", _("Into stock")
        OUT = "out", _("Out of stock")
        LANDED = "landed", _("Landed cost")

    product = models.ForeignKey(Product, models.PROTECT, related_name="+", verbose_name=_("product"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    move = models.ForeignKey(
        Move, models.PROTECT, null=True, blank=True, related_name="layers", verbose_name=_("move")
    )
    warehouse = models.ForeignKey(
        Warehouse, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("warehouse")
    )
    date = models.DateField(_("date"))
    quantity = qty_field(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=24, decimal_places=8, default=ZERO)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, default=ZERO)
    remaining_quantity = qty_field(_("remaining quantity"))
    remaining_value = models.DecimalField(_("remaining value"), max_digits=20, decimal_places=4, default=ZERO)
    layer_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("adds value to")
    )
    entry = models.ForeignKey(
        "accounting.JournalEntry", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("journal entry"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("valuation layer")
        verbose_name_plural = _("valuation layers")
        indexes = [
            models.Index(fields=["company", "date", "product"], name="layer_company_date_idx"),
            models.Index(fields=["product", "date", "id"], name="layer_product_date_idx"),
            models.Index(
                fields=["product", "date", "id"],
                condition=Q(remaining_quantity__gt=0),
                name="layer_remaining_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.quantity} = {self.value}"


VIEW_VALUES = "inventory.view_valuationlayer"  # who sees stock values (count differences, opening stock)
VALUATION_UNITS = 10**QTY_PLACES  # a ValuationMonth's sums are whole numbers of 1/VALUATION_UNITS


class ValuationMonth(CompanyOwned):
    """The sum of a product's valuation layers dated in one month, so the value of stock at a
    date reads these sums for the months before it and the layers of its own month alone, not
    the whole ledger (``queries.valuation.stock_value``).

    The database keeps them (migration 0007): a trigger on ``inventory_valuationlayer`` adds each
    layer in the transaction that writes it, whatever writes it (the valuation services, a bulk
    load, a test), and takes it back if a layer is changed or deleted. Quantity and value are
    whole numbers of 1/10,000 (the layers' four places): SQLite keeps decimals as binary floating
    point, which would drift when added a million times; integers add exactly on both databases.
    The invariant "each month's valuation sum equals its layers" checks them after every story.
    Nothing else writes this table."""

    product = models.ForeignKey(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    quantity = models.BigIntegerField(_("quantity"), default=0, help_text=_("In 1/10,000 of the unit."))
    value = models.BigIntegerField(_("value"), default=0, help_text=_("In 1/10,000 of the company currency."))

    class Meta:
        ordering = ["month", "product"]
        verbose_name = _("valuation month")
        verbose_name_plural = _("valuation months")
        constraints = [models.UniqueConstraint(fields=["product", "month"], name="valuation_month_unique")]
        indexes = [models.Index(fields=["company", "month", "product"], name="valuation_month_company_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.month:%Y-%m}: {self.quantity} = {self.value}"


class StockMonth(CompanyOwned):
    """What one location gained (or lost, below zero) of one product in one month: the sum of
    the done move lines into it less those out of it, by the month of ``done_at`` in UTC.
    Stock per warehouse at a date reads these sums for the months before it and the lines of its
    own month alone (``queries.valuation.stock_value(..., "warehouse")``).

    Kept by the database like ``ValuationMonth`` (migration 0008: triggers on
    ``inventory_moveline``), in whole 1/10,000 of the unit; per location, not per warehouse,
    so that what a location is (its kind, its warehouse) is read when the sums are, as the lines
    are. The invariant "each month's stock per location equals its move lines" checks them."""

    location = models.ForeignKey(Location, models.CASCADE, related_name="+", verbose_name=_("location"))
    product = models.ForeignKey(Product, models.CASCADE, related_name="+", verbose_name=_("product"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    quantity = models.BigIntegerField(_("quantity"), default=0, help_text=_("In 1/10,000 of the unit."))

    class Meta:
        ordering = ["month", "location", "product"]
        verbose_name = _("stock month")
        verbose_name_plural = _("stock months")
        constraints = [
            models.UniqueConstraint(fields=["location", "product", "month"], name="stock_month_unique")
        ]
        indexes = [models.Index(fields=["company", "month"], name="stock_month_company_idx")]

    def __str__(self) -> str:
        return f"{self.location_id} {self.product_id} {self.month:%Y-%m}: {self.quantity}"


class LandedCost(CompanyOwned, Versioned):
    """Freight, duty, insurance and the like added to a done receipt's goods: cost lines spread
    over the receipt's lines by quantity, value, weight or volume. Validating it revalues the
    goods (``services.valuation.apply_landed_costs``: landed-cost layers on what is still in
    stock, the cost of goods sold for what already left) and posts one entry."""

    class Split(models.TextChoices):
        QUANTITY = "quantity", _("By quantity")
        VALUE = "value", _("By value")
        WEIGHT = "weight", _("By weight")
        VOLUME = "volume", _("By volume")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        "validated": Transition({"draft"}, "done", by="done_by", at="done_at"),
        "cancelled": Transition({"draft"}, "cancelled", by="cancelled_by", at="cancelled_at"),
    }
    EVENT_PREFIX = "landed_cost"

    name = models.CharField(_("number"), max_length=64)
    reference = models.CharField(
        _("reference"), max_length=64, blank=True,
        help_text=_("The carrier's, forwarder's or customs' document."),
    )  # fmt: skip
    receipt = models.ForeignKey(
        Transfer, models.PROTECT, related_name="landed_costs", verbose_name=_("receipt")
    )
    split = models.CharField(_("spread"), max_length=16, choices=Split.choices, default=Split.VALUE)
    date = models.DateField(_("date"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    entry = models.ForeignKey(
        "accounting.JournalEntry", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("journal entry"),
    )  # fmt: skip
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("validated"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("landed cost")
        verbose_name_plural = _("landed costs")
        indexes = [models.Index(fields=["company", "-date", "-id"], name="landedcost_date_idx")]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="inventory_landedcost_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inventory:landed_cost_detail", args=[self.pk])


class LandedCostLine(models.Model):
    """One cost of a landed cost: what it was, how much (company currency), and the account it is
    owed on (the carrier's or customs' payable, stock input …)."""

    landed_cost = models.ForeignKey(
        LandedCost, models.CASCADE, related_name="lines", verbose_name=_("landed cost")
    )
    description = models.CharField(_("description"), max_length=200)
    account = models.ForeignKey(
        "accounting.Account", models.PROTECT, related_name="+", verbose_name=_("account")
    )
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=4)

    class Meta:
        ordering = ["id"]
        verbose_name = _("landed cost line")
        verbose_name_plural = _("landed cost lines")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="inventory_landedcostline_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"
