"""Receipts of purchase orders, through ``inventory.services`` (the stock-move ledger)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tandem.core.errors import BusinessError
from tandem.core.models import User
from tandem.purchasing.models import PurchaseOrder


def create_receipt(order: PurchaseOrder, actor: User | None) -> Any:
    goods = [line for line in order.lines.select_related("product") if line.product.kind != "service"]
    if not goods:
        return None
    raise BusinessError(_("Receipts need the inventory app."))  # INVENTORY: replaced when it lands


def cancel_receipts(order: PurchaseOrder, actor: User | None) -> None:
    return None  # INVENTORY


def receive_order(order: PurchaseOrder, actor: User | None, *, quantities: dict[int, Any]) -> PurchaseOrder:
    raise BusinessError(_("Receipts need the inventory app."))  # INVENTORY
