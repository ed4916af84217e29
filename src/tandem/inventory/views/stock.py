"""Stock: the product page's panel (on hand per warehouse, the chart, the last moves), the
stock card of a product in a warehouse, the stock list (quants) and the ledger (move lines)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.catalog.models import Product
from tandem.inventory import queries
from tandem.inventory.filters import MoveLineFilter, QuantFilter
from tandem.inventory.models import MoveLine, Quant, Warehouse
from tandem.web.display import Column, as_text
from tandem.web.generic import ModelView, ObjectListView, SortKey
from tandem.web.tables import Table

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 180, 28
HISTORY_DAYS = 60
PANEL_LINES = 20


def line_chart(
    points: list[tuple[datetime.date, Decimal]], projected: list[tuple[datetime.date, Decimal]]
) -> dict[str, Any]:
    """Geometry of the stock chart (on hand by day, then the projection as a dashed line); the
    template draws it as inline SVG, so the page loads no script and no chart library."""
    every = points + projected
    if not every:
        return {}
    values = [v for _day, v in every]
    top, bottom = max(max(values), Decimal(0)), min(min(values), Decimal(0))
    span = (top - bottom) or Decimal(1)
    first, last = every[0][0], every[-1][0]
    days = max((last - first).days, 1)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD

    def xy(day: datetime.date, value: Decimal) -> str:
        x = CHART_PAD + inner_w * (day - first).days / days
        y = CHART_PAD + float((top - value) / span) * inner_h
        return f"{x:.1f},{y:.1f}"

    def steps(series: list[tuple[datetime.date, Decimal]]) -> str:
        out: list[str] = []
        for n, (day, value) in enumerate(series):
            if n:
                out.append(xy(day, series[n - 1][1]))
            out.append(xy(day, value))
        return " ".join(out)

    bridge = [points[-1], *projected] if points and projected else projected
    zero = CHART_PAD + float(top / span) * inner_h
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "zero": round(zero, 1),
        "history": steps(points),
        "projected": steps(bridge),
        "top": as_text(top),
        "bottom": as_text(bottom),
        "first": formats.date_format(first, "SHORT_DATE_FORMAT"),
        "last": formats.date_format(last, "SHORT_DATE_FORMAT"),
        "label": _("On hand from %(first)s to %(last)s, then projected")
        % {
            "first": formats.date_format(first, "SHORT_DATE_FORMAT"),
            "last": formats.date_format(last, "SHORT_DATE_FORMAT"),
        },
    }


LINE_COLUMNS = [
    Column("done_at", gettext_lazy("Done")),
    Column(
        "transfer",
        gettext_lazy("Transfer"),
        accessor="move.transfer",
        link=lambda m: m.move.transfer.get_absolute_url(),
    ),
    Column("lot", gettext_lazy("Lot")),
    Column("source_location", gettext_lazy("From")),
    Column("dest_location", gettext_lazy("To")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True),
]
WAREHOUSE_COLUMNS = [
    Column(
        "warehouse", gettext_lazy("Warehouse"), link=lambda r: r["url"], accessor=lambda r: r["warehouse"]
    ),
    Column("on_hand", gettext_lazy("On hand"), numeric=True, accessor=lambda r: r["seen"].on_hand),
    Column("reserved", gettext_lazy("Reserved"), numeric=True, accessor=lambda r: r["seen"].reserved),
    Column("available", gettext_lazy("Available"), numeric=True, accessor=lambda r: r["seen"].available),
    Column("incoming", gettext_lazy("Incoming"), numeric=True, accessor=lambda r: r["seen"].incoming),
    Column("outgoing", gettext_lazy("Outgoing"), numeric=True, accessor=lambda r: r["seen"].outgoing),
    Column("projected", gettext_lazy("Projected"), numeric=True, accessor=lambda r: r["seen"].projected),
]
TIMELINE_COLUMNS = [
    Column("date", gettext_lazy("Date")),
    Column("incoming", gettext_lazy("In"), numeric=True),
    Column("outgoing", gettext_lazy("Out"), numeric=True),
    Column("projected", gettext_lazy("Projected"), numeric=True),
]


def _projection(seen: queries.Availability) -> list[tuple[datetime.date, Decimal]]:
    return [(p.date, p.projected) for p in seen.timeline]


def stock_panel(product: Product, request: HttpRequest) -> SafeString | None:
    """The product page's Stock tab: each warehouse's figures, the chart and the latest moves."""
    if product.kind == Product.Kind.SERVICE:
        return None
    warehouses = list(Warehouse.objects.visible_to(request.user).filter(active=True).order_by("code", "id"))
    if not warehouses:
        return None
    rows = [
        {
            "warehouse": w,
            "seen": queries.availability(product, w),
            "url": reverse("inventory:stock_card", args=[product.pk, w.pk]),
        }
        for w in warehouses
    ]
    projected: dict[datetime.date, Decimal] = {}
    for row in rows:
        for day, delta in _deltas(row["seen"]):
            projected[day] = projected.get(day, Decimal(0)) + delta
    history = queries.history(product, product.company_id, HISTORY_DAYS)
    level, steps = (history[-1][1] if history else Decimal(0)), []
    for day in sorted(projected):
        level += projected[day]
        steps.append((day, level))
    lines = (
        MoveLine.objects.filter(product=product)
        .select_related("move__transfer", "lot", "source_location", "dest_location")
        .order_by("-done_at", "-id")[:PANEL_LINES]
    )
    context = {
        "warehouses": Table(WAREHOUSE_COLUMNS, rows, caption=_("Stock by warehouse"), key="stock"),
        "chart": line_chart(history, steps),
        "lines": Table(LINE_COLUMNS, lines, caption=_("Latest moves"), key="moves", empty=_("No moves yet.")),
        "uom": product.uom.code,
    }
    return render_to_string("inventory/_stock_panel.html", context, request=request)


def _deltas(seen: queries.Availability) -> list[tuple[datetime.date, Decimal]]:
    return [(p.date, p.incoming - p.outgoing) for p in seen.timeline]


class StockCardView(ModelView):
    """One product in one warehouse: the figures, the chart, the projected timeline and the moves."""

    model = Quant

    def get(self, request: HttpRequest, product: int, warehouse: int) -> HttpResponse:
        item = get_object_or_404(Product.objects.visible_to(request.user).select_related("uom"), pk=product)
        site = get_object_or_404(Warehouse.objects.visible_to(request.user), pk=warehouse)
        until = _date(request.GET.get("until"))
        seen = queries.availability(item, site, until)
        history = queries.history(item, item.company_id, HISTORY_DAYS)
        inside = set(queries.warehouse_location_ids(site))
        lines = [
            line for line in queries.product_lines(item, 200)
            if line.source_location_id in inside or line.dest_location_id in inside
        ][:100]  # fmt: skip
        context = {
            **self.base_context(),
            "title": _("Stock of %(product)s in %(warehouse)s") % {"product": item, "warehouse": site.name},
            "product": item,
            "warehouse": site,
            "seen": seen,
            "until": seen.until,
            "chart": line_chart(history, _projection(seen)),
            "timeline": Table(TIMELINE_COLUMNS, seen.timeline, caption=_("Projected"), key="timeline",
                              empty=_("Nothing is expected in or out.")),
            "lines": Table(LINE_COLUMNS, lines, caption=_("Moves"), key="moves", empty=_("No moves yet.")),
            "uom": item.uom.code,
        }  # fmt: skip
        return render(request, "inventory/stock_card.html", context)


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


class QuantListView(ObjectListView):
    """What is where: every quant of the company's warehouses."""

    model = Quant
    title = gettext_lazy("Stock")
    filterset_class = QuantFilter
    filter_fields = ["warehouse", "location"]
    columns = [
        Column(
            "product",
            gettext_lazy("Product"),
            link=lambda q: reverse("catalog:detail", args=[q.product_id]),
            sort="product",
        ),
        Column("location", gettext_lazy("Location"), link=lambda q: q.location.get_absolute_url()),
        Column("lot", gettext_lazy("Lot")),
        Column("quantity", gettext_lazy("On hand"), numeric=True),
        Column("reserved", gettext_lazy("Reserved"), numeric=True),
        Column("unit", gettext_lazy("Unit"), accessor="product.uom.code"),
    ]
    sorts = {"product": SortKey("product__name_key", gettext_lazy("Product"))}
    default_sort = "product"
    export_url_name = "inventory:quant_export"

    def decorate(self, rows: QuerySet[Quant]) -> QuerySet[Quant]:
        return rows.select_related("product__uom", "location", "lot")


class MoveLineListView(ObjectListView):
    """The ledger: every done move line, newest first."""

    model = MoveLine
    title = gettext_lazy("Stock moves")
    filterset_class = MoveLineFilter
    filter_fields = ["product", "location"]
    columns = [
        Column("done_at", gettext_lazy("Done"), sort="done"),
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
    sorts = {"done": SortKey("done_at", gettext_lazy("Done"), descending=True)}
    default_sort = "done"
    export_url_name = "inventory:moveline_export"

    def decorate(self, rows: QuerySet[MoveLine]) -> QuerySet[MoveLine]:
        return rows.select_related("move__transfer", "product", "lot", "source_location", "dest_location")
