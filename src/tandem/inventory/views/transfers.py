"""Transfers: list, card (its moves, reserved and done), form with lines, the actions (check
availability, validate, unreserve, cancel, return)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tandem.core.models import Company, User
from tandem.core.money import plain
from tandem.inventory import services
from tandem.inventory.filters import TransferFilter
from tandem.inventory.forms import TransferForm
from tandem.inventory.models import OPEN_STATES, LandedCost, Move, MoveLine, Transfer
from tandem.inventory.services import documents
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.generic import ModelView, ObjectCreateView, ObjectDetailView, ObjectListView, SortKey
from tandem.web.tables import Table

K, S = Transfer.Kind, Transfer.State


def _latest_return(transfer: Transfer) -> str:
    back = transfer.returns.order_by("-pk").first()
    return str((back or transfer).get_absolute_url())


def _reserve(request: Any, transfer: Transfer) -> None:
    services.reserve(transfer, request.user)


class TransferActions(ActionView):
    model = Transfer
    url_name = "inventory:transfer_{name}"
    actions = [
        Action(
            "reserve",
            gettext_lazy("Check availability"),
            _reserve,
            done=gettext_lazy("Reserved what the stock holds."),
            available=lambda t, user: t.state == S.WAITING,
            style="primary",
        ),
        Action(
            "validate",
            gettext_lazy("Validate"),
            lambda request, t: services.validate_transfer(t, actor=request.user),
            done=gettext_lazy("Done: the goods moved."),
            confirm=gettext_lazy(
                "Validate everything as planned? The goods move now; this cannot be undone."
            ),
            available=lambda t, user: t.state in OPEN_STATES,
            style="success",
        ),
        Action(
            "unreserve",
            gettext_lazy("Unreserve"),
            lambda request, t: services.unreserve(t, request.user),
            done=gettext_lazy("What was reserved is free again."),
            available=lambda t, user: t.state == S.READY and t.kind in (K.DELIVERY, K.INTERNAL),
        ),
        Action(
            "return",
            gettext_lazy("Return"),
            lambda request, t: services.create_return(t, request.user),
            done=gettext_lazy("A return was created."),
            available=lambda t, user: t.state == S.DONE and t.kind in (K.RECEIPT, K.DELIVERY),
            next_url=_latest_return,
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, t: services.cancel_transfer(t, request.user),
            done=gettext_lazy("Cancelled."),
            confirm=gettext_lazy("Cancel this transfer? What it reserved goes back to stock."),
            available=lambda t, user: t.state in (S.DRAFT, *OPEN_STATES),
            style="outline-danger",
        ),
    ]


class TransferListView(ObjectListView):
    model = Transfer
    filterset_class = TransferFilter
    filter_fields = ["kind", "state", "warehouse"]
    search_placeholder = gettext_lazy("Number or source document")
    columns = [
        Column("number", gettext_lazy("Number"), link=True),
        Column("kind", gettext_lazy("Kind")),
        Column("partner", gettext_lazy("Partner")),
        Column("origin", gettext_lazy("Source document")),
        Column("scheduled_date", gettext_lazy("Scheduled"), sort="date"),
        Column("state", gettext_lazy("State")),
        Column("warehouse", gettext_lazy("Warehouse"), accessor="warehouse.code"),
    ]
    sorts = {"date": SortKey("scheduled_date", gettext_lazy("Scheduled"), descending=True)}
    default_sort = "date"
    create_url_name = "inventory:transfer_create"
    create_label = gettext_lazy("New transfer")
    export_url_name = "inventory:transfer_export"

    def decorate(self, rows: QuerySet[Transfer]) -> QuerySet[Transfer]:
        return rows.select_related("partner", "warehouse")


MOVE_COLUMNS = [
    Column("product", gettext_lazy("Product"), link=lambda m: m.product.get_absolute_url()),
    Column("lot", gettext_lazy("Lot")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True),
    Column("reserved", gettext_lazy("Reserved"), numeric=True, accessor=lambda m: m.reserved or None),
    Column("quantity_done", gettext_lazy("Done"), numeric=True),
    Column("uom", gettext_lazy("Unit"), accessor=lambda m: m.product.uom.code),
    Column("asked", gettext_lazy("As asked"), accessor=lambda m: f"{plain(m.quantity_asked)} {m.uom.code}"),
    Column("expected_date", gettext_lazy("Expected")),
]
DONE_COLUMNS = [
    Column("product", gettext_lazy("Product")),
    Column("lot", gettext_lazy("Lot"), link=lambda line: line.lot.get_absolute_url() if line.lot else None),
    Column("source_location", gettext_lazy("From")),
    Column("dest_location", gettext_lazy("To")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True),
]


class TransferDetailView(ObjectDetailView):
    model = Transfer
    template_name = "inventory/transfer_detail.html"
    action_view = TransferActions
    list_url_name = "inventory:transfer_list"
    fields = [
        "kind", "step", "number", "state", "warehouse", "partner", "source_location", "dest_location",
        "scheduled_date", "origin", "backorder_of", "return_of", "done_at", "notes",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Transfer]:
        return (
            super()
            .get_queryset()
            .select_related(
                "warehouse", "partner", "source_location", "dest_location", "backorder_of", "return_of"
            )
        )

    def get_context(self) -> dict[str, Any]:
        transfer: Transfer = self.object  # type: ignore[assignment]
        moves = list(
            transfer.moves.select_related("product__uom", "uom", "lot")
            .annotate(reserved=Sum("reservations__quantity"))
            .order_by("sequence", "id")
        )
        lines = MoveLine.objects.filter(move__transfer=transfer).select_related(
            "product", "lot", "source_location", "dest_location"
        )
        tables = [Table(MOVE_COLUMNS, moves, caption=gettext_lazy("Moves"), key="moves")]
        if transfer.state == S.DONE:
            tables.append(
                Table(DONE_COLUMNS, lines.order_by("id"), caption=gettext_lazy("What moved"), key="done")
            )
        related = [*transfer.backorders.all(), *transfer.returns.all()]
        route = services.chain(transfer) if transfer.step else []
        return {
            **super().get_context(),
            "tables": tables,
            "related": related,
            "route": route if len(route) > 1 else [],
            "process_url": reverse("inventory:transfer_process", args=[transfer.pk])
            if transfer.state in OPEN_STATES and self.can("change")
            else None,
            "slip_url": reverse("inventory:transfer_pdf", args=[transfer.pk]),
            "landed_cost_url": (
                f"{reverse('inventory:landed_cost_create')}?receipt={transfer.pk}"
                if transfer.kind == K.RECEIPT and transfer.state == S.DONE and self.can("add", LandedCost)
                else None
            ),
        }


def create_transfer(company: Company, actor: User, *, kind: str, lines: list[Any], **fields: Any) -> Model:
    """The form's service: a transfer of ``kind`` with its lines (see ``services.create_transfer``)."""
    fields = {name: value for name, value in fields.items() if value not in (None, "")}
    return services.create_transfer(company, kind, lines, actor=actor, **fields)


class TransferCreateView(ObjectCreateView):
    model = Transfer
    form_class = TransferForm
    form_template = "inventory/_transfer_form.html"
    list_url_name = "inventory:transfer_list"
    service = create_transfer
    title = gettext_lazy("New transfer")

    def get_initial(self) -> dict[str, Any]:
        return {"kind": K.RECEIPT, "scheduled_date": timezone.localdate()}


def open_moves_of(transfer: Transfer) -> list[Move]:
    return list(transfer.moves.select_related("product__uom", "uom", "lot").order_by("sequence", "id"))


class TransferPdfView(ModelView):
    model = Transfer

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        transfer = get_object_or_404(self.get_queryset().select_related("partner", "company"), pk=pk)
        response = HttpResponse(documents.transfer_pdf(transfer), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{documents.pdf_name(transfer)}"'
        return response
