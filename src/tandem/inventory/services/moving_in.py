"""Moving in: opening stock, posted as one adjustment from the inventory-loss location."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, User
from tandem.inventory.models import STOCKED_KINDS, Location, Lot, Move, Transfer
from tandem.inventory.services import transfers
from tandem.inventory.services.common import check_stockable, product_quantity
from tandem.inventory.services.warehouses import virtual_location


@dataclass(frozen=True)
class OpeningLine:
    product: Product
    location: Location
    quantity: Any
    lot: str = ""
    expiry_date: datetime.date | None = None
    unit_cost: Any = None  # per unit of the product, in the company's currency


@transaction.atomic
def import_opening_stock(
    company: Company, actor: User | None, lines: Sequence[OpeningLine], *, date: datetime.date | None = None
) -> Transfer:
    """Put what the warehouses hold on the first day into the books: one done adjustment per
    warehouse would split the story, so it is one per call (its lines may name several
    locations of one warehouse). Every line is checked first; a bad line writes nothing."""
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Name at least one product and its quantity.")]
    warehouses = {line.location.warehouse_id for line in lines}
    if len(warehouses) > 1:
        errors["lines"] = [_("Opening stock goes into one warehouse at a time.")]
    loss = virtual_location(company, Location.Kind.LOSS)
    moves: list[tuple[Move, str, datetime.date | None]] = []
    today = date or timezone.localdate()
    for n, line in enumerate(lines):
        key = f"lines.{n}"
        try:
            if line.product.company_id != company.pk or line.location.company_id != company.pk:
                raise ValidationFailed({key: [_("This names a record of another company.")]})
            if line.location.kind not in STOCKED_KINDS or line.location.warehouse_id is None:
                raise ValidationFailed({key: [_("Opening stock goes into a warehouse's location.")]})
            check_stockable(line.product)
            quantity, unit, asked = product_quantity(line.product, line.quantity, None)
            if line.product.tracking != Product.Tracking.NONE and not line.lot.strip():
                raise ValidationFailed(
                    {key: [_("%(product)s is tracked: name its lot.") % {"product": line.product.name}]}
                )
        except ValidationFailed as error:
            errors.update(error.errors)
            continue
        except BusinessError as error:  # the quantity's and the product's checks
            errors.setdefault(key, []).append(error.message)
            continue
        move = Move(
            company=company, product=line.product, uom=unit, quantity_asked=asked, quantity=quantity,
            source_location=loss, dest_location=line.location, expected_date=today, sequence=10 * (n + 1),
            price_unit=transfers._unit_cost(line.unit_cost, asked, quantity),
        )  # fmt: skip
        moves.append((move, line.lot.strip(), line.expiry_date))
    if errors:
        raise ValidationFailed(errors)
    location = lines[0].location
    transfer = Transfer.objects.create(
        company=company,
        kind=Transfer.Kind.ADJUSTMENT,
        warehouse_id=cast(int, location.warehouse_id),
        source_location=loss,
        dest_location=location,
        scheduled_date=today,
        origin=_("Opening stock")[:64],
        created_by=transfers._user(actor),
    )
    for move, _lot, _expiry in moves:
        move.transfer = transfer
    Move.objects.bulk_create([m for m, _lot, _expiry in moves])
    events.record(
        "transfer.created",
        transfer,
        actor,
        {"kind": transfer.kind, "origin": transfer.origin, "moves": len(moves)},
    )
    transfers.confirm_transfer(transfer, actor)
    lots: dict[int, Any] = {}
    for move, lot, expiry in moves:
        if lot:
            found = Lot.objects.filter(company=company, product=move.product, name=lot).first()
            lots[move.pk] = found or [(lot, move.quantity, expiry)]
    transfers._validate(transfer, None, actor, lots, date=date, opening=True)
    events.record(
        "inventory.opening_stock", transfer, actor, {"lines": len(moves), "adjustment": transfer.number}
    )
    transfer.refresh_from_db()
    return transfer
