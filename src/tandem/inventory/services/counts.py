"""Physical counts: a sheet per location with what the books expect, filled with what was
found; applying it posts each difference as a move to or from the inventory-loss location."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, IllegalTransition, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.money import plain
from tandem.core.states import transition
from tandem.inventory.models import STOCKED_KINDS, Count, CountLine, Location, Lot, Move, Quant, Transfer
from tandem.inventory.services import stock, transfers
from tandem.inventory.services.common import check_company, check_stockable, parse_quantity, retrying
from tandem.inventory.services.warehouses import virtual_location

ZERO = Decimal(0)


@transaction.atomic
def create_count(
    company: Company,
    actor: User | None,
    *,
    location: Location,
    name: str = "",
    products: Sequence[Product] | None = None,
    date: datetime.date | None = None,
) -> Count:
    """A count sheet of ``location`` and the locations below it: one line per quant there
    (of ``products`` only, if given), expecting what the quant holds now."""
    check_company(company, location)
    if location.kind not in STOCKED_KINDS and location.kind != Location.Kind.VIEW:
        raise ValidationFailed({"location": [_("Count a location of a warehouse.")]})
    if location.warehouse_id is None:
        raise ValidationFailed({"location": [_("Count a location of a warehouse.")]})
    date = date or timezone.localdate()
    default = _("Count of %(location)s on %(date)s") % {"location": location.path, "date": date.isoformat()}
    count = Count.objects.create(
        company=company, location=location, date=date, created_by=transfers._user(actor),
        name=(name or "").strip() or default,
    )  # fmt: skip
    ids = [location.pk] if location.kind != Location.Kind.VIEW else []
    ids += [pk for pk in stock.subtree_ids(location) if pk not in ids]
    quants = Quant.objects.filter(location_id__in=ids).exclude(quantity=0)
    if products is not None:
        quants = quants.filter(product__in=list(products))
    CountLine.objects.bulk_create(
        CountLine(
            count=count,
            product_id=q.product_id,
            location_id=q.location_id,
            lot_id=q.lot_id,
            expected=q.quantity,
        )
        for q in quants.order_by("location_id", "product_id", "lot_id")
    )
    events.record("count.created", count, actor, {"location": location.path, "lines": count.lines.count()})
    return count


def _draft(count: Count) -> Count:
    locked = Count.objects.select_for_update().get(pk=count.pk)
    if locked.state != Count.State.DRAFT:
        raise IllegalTransition(_("This count is no longer in progress."), state=locked.state)
    return locked


@transaction.atomic
def record_counted(count: Count, actor: User | None, counted: Mapping[int, Any]) -> Count:
    """Write what was found, ``{line id: quantity}`` in the product's unit (empty: not counted)."""
    locked = _draft(count)
    lines = {line.pk: line for line in locked.lines.select_related("product__uom")}
    errors: dict[str, list[str]] = {}
    for key, value in counted.items():
        line = lines.get(int(key))
        if line is None:
            errors["lines"] = [_("Line %(id)s is not on this count sheet.") % {"id": key}]
            continue
        if value in (None, ""):
            line.counted = None
            continue
        number = parse_quantity(value)
        if number is None or number < 0:
            errors[f"lines.{key}"] = [_("Enter a quantity of zero or more.")]
        elif number % line.product.uom.rounding:
            errors[f"lines.{key}"] = [
                _("%(product)s is counted in steps of %(step)s.")
                % {"product": line.product.name, "step": plain(line.product.uom.rounding)}
            ]
        else:
            line.counted = number
    if errors:
        raise ValidationFailed(errors)
    CountLine.objects.bulk_update(list(lines.values()), ["counted"])
    Count.objects.filter(pk=locked.pk).update(version=locked.version + 1)
    count.refresh_from_db()
    return count


@transaction.atomic
def add_count_line(
    count: Count, actor: User | None, *, product: Product, location: Location | None = None,
    lot: Lot | None = None, counted: Any = None,
) -> CountLine:  # fmt: skip
    """A line for something found that the sheet did not expect."""
    locked = _draft(count)
    location = location or locked.location
    check_company(locked.company, product, location, lot)
    check_stockable(product)
    if location.pk not in stock.subtree_ids(locked.location) or location.kind not in STOCKED_KINDS:
        raise ValidationFailed({"location": [_("Count a location on this sheet.")]})
    if product.tracking != Product.Tracking.NONE and lot is None:
        raise ValidationFailed(
            {"lot": [_("%(product)s is tracked: name its lot or serial number.") % {"product": product.name}]}
        )
    if lot is not None and lot.product_id != product.pk:
        raise ValidationFailed({"lot": [_("This lot is of another product.")]})
    if locked.lines.filter(product=product, location=location, lot=lot).exists():
        raise ValidationFailed({"product": [_("This product is already on the sheet there.")]})
    number = parse_quantity(counted) if counted not in (None, "") else None
    if counted not in (None, "") and (number is None or number < 0):
        raise ValidationFailed({"counted": [_("Enter a quantity of zero or more.")]})
    quant = Quant.objects.filter(product=product, location=location, lot=lot).first()
    return CountLine.objects.create(
        count=locked, product=product, location=location, lot=lot, expected=quant.quantity if quant else ZERO,
        counted=number,
    )  # fmt: skip


def apply_count(count: Count, actor: User | None = None) -> Count:
    """Post the differences (counted − what the books hold now) as one done adjustment. A line
    whose stock moved since the sheet was made then expects what the books held, so an applied
    sheet's differences are the quantities posted (and its values, ``queries.count_difference_values``,
    what they posted)."""
    return retrying(lambda: _apply(count, actor))


def _apply(count: Count, actor: User | None) -> Count:
    locked = _draft(count)
    loss = virtual_location(locked.company, Location.Kind.LOSS)
    lines = list(locked.lines.select_related("product__uom", "location", "lot").filter(counted__isnull=False))
    specs: list[tuple[CountLine, Decimal]] = []
    stale: list[CountLine] = []
    for line in lines:
        quant = (
            Quant.objects.select_for_update()
            .filter(product=line.product, location=line.location, lot=line.lot)
            .first()
        )
        held = quant.quantity if quant else ZERO
        assert line.counted is not None
        difference = line.counted - held
        if difference:
            specs.append((line, difference))
        if line.expected != held:  # stock moved since the sheet was made: it expects what was adjusted
            line.expected = held
            stale.append(line)
    CountLine.objects.bulk_update(stale, ["expected"])
    transfer = None
    if specs:
        transfer = Transfer.objects.create(
            company=locked.company, kind=Transfer.Kind.ADJUSTMENT,
            warehouse_id=cast(int, locked.location.warehouse_id),
            source_location=loss, dest_location=locked.location, scheduled_date=locked.date,
            origin=locked.name[:64], created_by=transfers._user(actor),
        )  # fmt: skip
        moves = [
            Move(
                company=locked.company,
                transfer=transfer,
                sequence=10 * (n + 1),
                product=line.product,
                uom=line.product.uom,
                quantity_asked=abs(diff),
                quantity=abs(diff),
                lot=line.lot,
                source_location=loss if diff > 0 else line.location,
                dest_location=line.location if diff > 0 else loss,
                expected_date=locked.date,
            )
            for n, (line, diff) in enumerate(specs)
        ]
        Move.objects.bulk_create(moves)
        events.record(
            "transfer.created",
            transfer,
            actor,
            {"kind": transfer.kind, "origin": transfer.origin, "moves": len(moves)},
        )
        transfers.confirm_transfer(transfer, actor)
        lots = {m.pk: m.lot for m in Move.objects.filter(transfer=transfer) if m.lot is not None}
        try:
            transfers._validate(transfer, None, actor, lots)  # type: ignore[arg-type]
        except transfers.NotEnoughStock as error:
            raise BusinessError(
                _(
                    "Part of what was counted missing is promised to other transfers; "
                    "unreserve them first. %(detail)s"
                )
                % {"detail": error.message}
            ) from error
    transition(
        locked,
        "applied",
        actor,
        fields={"transfer": transfer},
        data={"adjustment": transfer.number if transfer else ""},
    )
    count.refresh_from_db()
    return count


@transaction.atomic
def cancel_count(count: Count, actor: User | None = None) -> Count:
    transition(count, "cancelled", actor)
    return count
