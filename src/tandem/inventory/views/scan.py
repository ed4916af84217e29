"""The warehouse worker's screen for one transfer, fit for a phone: a barcode scanner (a
keyboard wedge types the code and Enter into the focused field) picks the line by the
product's barcode or SKU, or the lot by its number, and counts one more; quantities can be
typed too; Validate moves what was counted (the rest goes to a backorder).

No script: each scan posts the form with the quantities so far, and the page comes back with
the matched line counted and the field focused again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.identifiers import InvalidIdentifier, normalize_barcode
from tandem.core.models import User
from tandem.core.money import plain
from tandem.inventory import services
from tandem.inventory.models import OPEN_STATES, Lot, Move, Transfer
from tandem.inventory.services.common import parse_quantity
from tandem.web.generic import ModelView


class Row:
    def __init__(self, move: Move, done: str, lot: str) -> None:
        self.move, self.done, self.lot = move, done, lot

    @property
    def complete(self) -> bool:
        number = parse_quantity(self.done)
        return number is not None and number >= self.move.quantity_asked


class TransferProcessView(ModelView):
    model = Transfer
    action = "change"
    template_name = "inventory/process.html"

    def get_transfer(self, pk: int) -> Transfer:
        transfer = get_object_or_404(self.get_queryset().select_related("warehouse", "partner"), pk=pk)
        return transfer

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        transfer = self.get_transfer(pk)
        if transfer.state not in OPEN_STATES:
            return redirect(transfer.get_absolute_url())
        rows = [Row(m, "", m.lot.name if m.lot else "") for m in self.moves(transfer)]
        return self.page(transfer, rows)

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        transfer = self.get_transfer(pk)
        moves = self.moves(transfer)
        rows = [
            Row(m, request.POST.get(f"done-{m.pk}", "").strip(), request.POST.get(f"lot-{m.pk}", "").strip())
            for m in moves
        ]
        if "validate" in request.POST:
            return self.validate(transfer, rows)
        code = request.POST.get("scan", "").strip()
        if code:
            self.scan(transfer, rows, code)
        return self.page(transfer, rows)

    def actor(self) -> User:
        return cast(User, self.request.user)

    def moves(self, transfer: Transfer) -> list[Move]:
        return list(transfer.moves.select_related("product__uom", "uom", "lot").order_by("sequence", "id"))

    def scan(self, transfer: Transfer, rows: list[Row], code: str) -> None:
        try:
            barcode = normalize_barcode(code)
        except InvalidIdentifier:
            barcode = ""
        row = next(
            (
                r
                for r in rows
                if (barcode and r.move.product.barcode == barcode) or r.move.product.sku == code
            ),
            None,
        )
        if row is None:
            lot = Lot.objects.filter(
                company=transfer.company_id, name=code, product__in=[r.move.product for r in rows]
            ).first()
            row = next((r for r in rows if lot is not None and r.move.product_id == lot.product_id), None)
            if row is not None and lot is not None:
                row.lot = lot.name
        if row is None:
            messages.error(self.request, _("“%(code)s” is on no line of this transfer.") % {"code": code})
            return
        done = parse_quantity(row.done) or Decimal(0)
        row.done = plain(done + 1)
        messages.success(self.request, _("%(product)s: %(done)s of %(asked)s.") % {
            "product": row.move.product.name, "done": row.done, "asked": plain(row.move.quantity_asked),
        })  # fmt: skip

    def validate(self, transfer: Transfer, rows: list[Row]) -> HttpResponseBase:
        quantities: dict[int, Any] = {r.move.pk: r.done for r in rows if r.done not in ("", "0")}
        lots = {
            r.move.pk: r.lot
            for r in rows
            if r.lot and r.move.product.tracking != "none" and r.done not in ("", "0")
        }
        try:
            with transaction.atomic():
                services.validate_transfer(transfer, quantities, self.actor(), lots=lots)
        except ValidationFailed as error:
            for message in [m for found in error.errors.values() for m in found] or [error.message]:
                messages.error(self.request, message)
            return self.page(transfer, rows, status=400)
        except BusinessError as error:
            messages.error(self.request, error.message)
            return self.page(transfer, rows, status=400)
        backorder = transfer.backorders.order_by("-pk").first()
        if backorder is not None:
            messages.success(
                self.request, _("Done; the rest is in backorder %(number)s.") % {"number": backorder.number}
            )
        else:
            messages.success(self.request, _("Done: the goods moved."))
        return redirect(transfer.get_absolute_url())

    def page(self, transfer: Transfer, rows: list[Row], status: int = 200) -> HttpResponse:
        context = {**self.base_context(), "title": str(transfer), "transfer": transfer, "rows": rows}
        return render(self.request, self.template_name, context, status=status)
