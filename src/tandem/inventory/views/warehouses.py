"""Warehouses, locations and lots: lists, cards, forms; the autocomplete sources of inventory forms."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from tandem.catalog.models import Product
from tandem.inventory import services
from tandem.inventory.filters import LocationFilter, LotFilter, WarehouseFilter
from tandem.inventory.forms import LocationForm, LotForm, WarehouseForm
from tandem.inventory.models import Location, Lot, MoveLine, Quant, Warehouse
from tandem.partners.models import Partner
from tandem.web import autocomplete
from tandem.web.display import Column
from tandem.web.generic import ObjectCreateView, ObjectDetailView, ObjectEditView, ObjectListView, SortKey
from tandem.web.tables import Table

PANEL_ROWS = 100

autocomplete.register(
    "inventory.product",
    autocomplete.Source(
        rows=lambda request: (
            Product.objects.visible_to(request.user).filter(active=True).exclude(kind="service")
        ),
        search=lambda rows, text: rows.filter(
            Q(name__icontains=text) | Q(sku__icontains=text) | Q(barcode=text)
        ),
        order=("name_key", "id"),
    ),
)
autocomplete.register(
    "inventory.location",
    autocomplete.Source(
        rows=lambda request: Location.objects.visible_to(request.user).filter(active=True),
        search=lambda rows, text: rows.filter(Q(path__icontains=text) | Q(barcode=text)),
        order=("path", "id"),
    ),
)
autocomplete.register(
    "inventory.partner",
    autocomplete.Source(
        rows=lambda request: Partner.objects.visible_to(request.user).filter(active=True),
        search=lambda rows, text: rows.filter(name__icontains=text),
        order=("name_key", "id"),
    ),
)

QUANT_COLUMNS = [
    Column("product", gettext_lazy("Product"), link=lambda q: q.product.get_absolute_url()),
    Column("location", gettext_lazy("Location"), link=lambda q: q.location.get_absolute_url()),
    Column("lot", gettext_lazy("Lot"), link=lambda q: q.lot.get_absolute_url() if q.lot else None),
    Column("quantity", gettext_lazy("On hand"), numeric=True),
    Column("reserved", gettext_lazy("Reserved"), numeric=True),
    Column("uom", gettext_lazy("Unit"), accessor=lambda q: q.product.uom.code),
]
LINE_COLUMNS = [
    Column("done_at", gettext_lazy("Done")),
    Column(
        "transfer",
        gettext_lazy("Transfer"),
        accessor="move.transfer",
        link=lambda m: m.move.transfer.get_absolute_url(),
    ),
    Column("product", gettext_lazy("Product")),
    Column("lot", gettext_lazy("Lot")),
    Column("source_location", gettext_lazy("From")),
    Column("dest_location", gettext_lazy("To")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True),
]


# --- warehouses ------------------------------------------------------------------------------


class WarehouseListView(ObjectListView):
    model = Warehouse
    filterset_class = WarehouseFilter
    filter_fields = ["active"]
    columns = [
        Column("code", gettext_lazy("Code"), link=True, sort="code"),
        Column("name", gettext_lazy("Name"), link=True),
        Column("stock_location", gettext_lazy("Stock location")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {"code": SortKey("code", gettext_lazy("Code"))}
    default_sort = "code"
    create_url_name = "inventory:warehouse_create"
    create_label = gettext_lazy("New warehouse")
    export_url_name = "inventory:warehouse_export"

    def decorate(self, rows: QuerySet[Warehouse]) -> QuerySet[Warehouse]:
        return rows.select_related("stock_location")


class WarehouseDetailView(ObjectDetailView):
    model = Warehouse
    template_name = "inventory/panels_detail.html"
    edit_url_name = "inventory:warehouse_edit"
    list_url_name = "inventory:warehouse_list"
    fields = [
        "name", "code", "partner", "delivery_steps", "reception_steps", "stock_location", "input_location",
        "output_location", "pack_location", "quality_location", "active",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Warehouse]:
        return (
            super()
            .get_queryset()
            .select_related(
                "partner", "stock_location", "input_location", "output_location", "pack_location",
                "quality_location",
            )
        )  # fmt: skip

    def get_context(self) -> dict[str, Any]:
        warehouse: Warehouse = self.object  # type: ignore[assignment]
        locations = Location.objects.filter(warehouse=warehouse).order_by("path")
        quants = (
            Quant.objects.filter(location__warehouse=warehouse)
            .exclude(quantity=0, reserved=0)
            .select_related("product__uom", "location", "lot")
            .order_by("product__name_key", "location__path", "id")
        )
        return {
            **super().get_context(),
            "tables": [
                Table(
                    LOCATION_COLUMNS,
                    locations[:PANEL_ROWS],
                    caption=gettext_lazy("Locations"),
                    key="locations",
                ),
                Table(QUANT_COLUMNS, quants[:PANEL_ROWS], caption=gettext_lazy("Stock"), key="stock"),
            ],
        }


class WarehouseCreateView(ObjectCreateView):
    model = Warehouse
    form_class = WarehouseForm
    service = services.create_warehouse
    list_url_name = "inventory:warehouse_list"


class WarehouseEditView(ObjectEditView):
    model = Warehouse
    form_class = WarehouseForm
    service = services.update_warehouse


# --- locations -------------------------------------------------------------------------------

LOCATION_COLUMNS = [
    Column("path", gettext_lazy("Location"), link=True, sort="path"),
    Column("kind", gettext_lazy("Kind")),
    Column("warehouse", gettext_lazy("Warehouse")),
    Column("barcode", gettext_lazy("Barcode")),
    Column("active", gettext_lazy("Active")),
]


class LocationListView(ObjectListView):
    model = Location
    filterset_class = LocationFilter
    filter_fields = ["kind", "warehouse", "active"]
    columns = LOCATION_COLUMNS
    sorts = {"path": SortKey("path", gettext_lazy("Location"))}
    default_sort = "path"
    create_url_name = "inventory:location_create"
    create_label = gettext_lazy("New location")
    export_url_name = "inventory:location_export"

    def decorate(self, rows: QuerySet[Location]) -> QuerySet[Location]:
        return rows.select_related("warehouse")


class LocationDetailView(ObjectDetailView):
    model = Location
    template_name = "inventory/panels_detail.html"
    edit_url_name = "inventory:location_edit"
    list_url_name = "inventory:location_list"
    fields = ["path", "kind", "warehouse", "parent", "barcode", "active"]

    def get_queryset(self) -> QuerySet[Location]:
        return super().get_queryset().select_related("warehouse", "parent")

    def get_context(self) -> dict[str, Any]:
        location: Location = self.object  # type: ignore[assignment]
        quants = (
            Quant.objects.filter(location=location)
            .exclude(quantity=0, reserved=0)
            .select_related("product__uom", "location", "lot")
            .order_by("product__name_key", "id")
        )
        children = location.children.order_by("path")
        return {
            **super().get_context(),
            "tables": [
                Table(QUANT_COLUMNS, quants[:PANEL_ROWS], caption=gettext_lazy("Stock"), key="stock"),
                Table(
                    LOCATION_COLUMNS, children[:PANEL_ROWS], caption=gettext_lazy("Below it"), key="children"
                ),
            ],
        }


class LocationCreateView(ObjectCreateView):
    model = Location
    form_class = LocationForm
    service = services.create_location
    list_url_name = "inventory:location_list"


class LocationEditView(ObjectEditView):
    model = Location
    form_class = LocationForm
    service = services.update_location


# --- lots ------------------------------------------------------------------------------------


class LotListView(ObjectListView):
    model = Lot
    filterset_class = LotFilter
    filter_fields = ["product"]
    columns = [
        Column("name", gettext_lazy("Lot or serial number"), link=True, sort="name"),
        Column("product", gettext_lazy("Product")),
        Column("expiry_date", gettext_lazy("Expires"), sort="expiry"),
        Column("created_at", gettext_lazy("Created")),
    ]
    sorts = {
        "name": SortKey("name", gettext_lazy("Lot")),
        "expiry": SortKey("expiry_date", gettext_lazy("Expires")),
    }
    default_sort = "name"
    create_url_name = "inventory:lot_create"
    create_label = gettext_lazy("New lot")
    export_url_name = "inventory:lot_export"

    def decorate(self, rows: QuerySet[Lot]) -> QuerySet[Lot]:
        return rows.select_related("product")


class LotDetailView(ObjectDetailView):
    """A lot with every move it made: where it came from, where it is, who got it."""

    model = Lot
    template_name = "inventory/panels_detail.html"
    list_url_name = "inventory:lot_list"
    fields = ["name", "product", "expiry_date", "created_at"]

    def get_queryset(self) -> QuerySet[Lot]:
        return super().get_queryset().select_related("product")

    def get_context(self) -> dict[str, Any]:
        lot: Lot = self.object  # type: ignore[assignment]
        quants = lot.quants.exclude(quantity=0, reserved=0).select_related("product__uom", "location", "lot")
        lines = (
            MoveLine.objects.filter(lot=lot)
            .select_related("move__transfer", "product", "lot", "source_location", "dest_location")
            .order_by("-done_at", "-id")
        )
        return {
            **super().get_context(),
            "tables": [
                Table(QUANT_COLUMNS, quants[:PANEL_ROWS], caption=gettext_lazy("Where it is"), key="stock"),
                Table(LINE_COLUMNS, lines[:PANEL_ROWS], caption=gettext_lazy("Its moves"), key="moves"),
            ],
        }


class LotCreateView(ObjectCreateView):
    model = Lot
    form_class = LotForm
    service = services.create_lot
    list_url_name = "inventory:lot_list"
