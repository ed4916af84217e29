"""Quants and reservations: the low-level writes every transfer and count goes through.

Quants are locked ``SELECT … FOR UPDATE`` in one order (arrival, then key) so that two writers
of the same product queue instead of deadlocking; whatever still deadlocks is retried by
:func:`tandem.inventory.services.common.retrying`. On SQLite writers are serialised anyway.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, F, Q, QuerySet, Value, When
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.inventory.models import (
    QTY_DIGITS,
    QTY_PLACES,
    STOCKED_KINDS,
    Location,
    Lot,
    Move,
    MoveLine,
    Quant,
    Reservation,
)

ZERO = Decimal(0)


def subtree_ids(location: Location) -> list[int]:
    """The location and every location below it that holds stock."""
    rows = Location.objects.filter(company=location.company_id, kind__in=STOCKED_KINDS).filter(
        Q(pk=location.pk) | Q(path__startswith=f"{location.path}/")
    )
    return list(rows.values_list("pk", flat=True))


def locked_quants(
    product: Product,
    location_ids: Iterable[int],
    *,
    lot: Lot | None = None,
    exclude_location: int | None = None,
    available_only: bool = True,
    allow_expired: bool = False,
) -> list[Quant]:
    """The product's quants in those locations, locked for this transaction, in the order they
    are taken: FIFO (oldest arrival first), or FEFO for a product whose lots expire (the
    earliest expiry first; a lot already expired is left out unless chosen or ``allow_expired``)."""
    rows: QuerySet[Quant] = Quant.objects.filter(product=product, location_id__in=list(location_ids))
    if lot is not None:
        rows = rows.filter(lot=lot)
    if exclude_location is not None:
        rows = rows.exclude(location_id=exclude_location)
    if available_only:
        rows = rows.filter(quantity__gt=F("reserved"))
    order: list[Any] = ["in_date", "id"]
    if uses_fefo(product):
        order = [F("lot__expiry_date").asc(nulls_last=True), *order]
        if lot is None and not allow_expired:
            rows = rows.exclude(lot__expiry_date__lt=timezone.localdate())
    return list(rows.select_for_update(of=("self",)).order_by(*order))


def uses_fefo(product: Product) -> bool:
    """First expired, first out: products tracked by lot whose lots carry an expiry date."""
    return product.tracking == Product.Tracking.LOT and bool(product.use_expiry)


def reserve_move(
    move: Move,
    need: Decimal,
    *,
    exact: bool = False,
    allow_expired: bool = False,
    location_ids: list[int] | None = None,
    held_quants: set[int] | None = None,
    deferred: list[Reservation] | None = None,
) -> Decimal:
    """Reserve up to ``need`` for ``move`` from its source (and below it: ``location_ids`` when
    the caller has them already); what was reserved. ``held_quants``: the quants the move holds
    reservations on, when the caller read them under the move's transfer lock. With
    ``deferred``, a new reservation is appended there unsaved (the quant's ``reserved`` is
    updated now) and the caller writes the list (:func:`write_reservations`) before it reads
    the reservations again."""
    if need <= 0:
        return ZERO
    if location_ids is None:
        location_ids = [move.source_location_id] if exact else subtree_ids(move.source_location)
    got = ZERO
    quants = locked_quants(
        move.product,
        location_ids,
        lot=move.lot,
        exclude_location=move.dest_location_id,
        allow_expired=allow_expired,
    )
    for quant in quants:
        take = min(need - got, quant.quantity - quant.reserved)
        if take <= 0:
            continue
        Quant.objects.filter(pk=quant.pk).update(reserved=F("reserved") + take)
        known_new = held_quants is not None and quant.pk not in held_quants
        if known_new and deferred is not None:
            deferred.append(Reservation(move=move, quant=quant, quantity=take))
        elif known_new or not Reservation.objects.filter(move=move, quant=quant).update(
            quantity=F("quantity") + take
        ):
            Reservation.objects.create(move=move, quant=quant, quantity=take)
        got += take
        if got >= need:
            break
    return got


def write_reservations(rows: list[Reservation]) -> None:
    """Write the reservations :func:`reserve_move` deferred, in one statement."""
    if rows:
        Reservation.objects.bulk_create(rows)


def reserved_for(move: Move) -> Decimal:
    return sum((r.quantity for r in Reservation.objects.filter(move=move)), ZERO)


def reserved_by_move(moves: Iterable[Move]) -> dict[int, Decimal]:
    """What is reserved for each of these moves (by move id; zero for none), in one query."""
    return {pk: sum(held.values(), ZERO) for pk, held in reservations_by_move(moves).items()}


def reservations_by_move(moves: Iterable[Move]) -> dict[int, dict[int, Decimal]]:
    """Each move's reservations: ``{move id: {quant id: quantity}}`` (empty for none), in one query."""
    found: dict[int, dict[int, Decimal]] = {move.pk: {} for move in moves}
    rows = Reservation.objects.filter(move__in=list(found)).values_list("move_id", "quant_id", "quantity")
    for move_id, quant_id, quantity in rows:  # summed here: exact decimals on SQLite too
        found[move_id][quant_id] = found[move_id].get(quant_id, ZERO) + quantity
    return found


def release(moves: Iterable[Move]) -> None:
    """Give back every reservation of these moves."""
    release_rows(list(Reservation.objects.filter(move__in=list(moves))))


def release_rows(rows: list[Reservation]) -> None:
    """Give back these reservations (the caller read them, in this transaction): their quants
    locked, updated and the reservations deleted in three statements however many there are."""
    if not rows:
        return
    lock_quants({r.quant_id for r in rows})
    changes = QuantChanges()
    for row in rows:
        changes.release(row.quant_id, row.quantity)
    changes.write()
    delete_reservations(rows)


def lock_quants(ids: Iterable[int]) -> None:
    """Lock these quants for this transaction, in one statement (in key order: two writers
    queue instead of deadlocking)."""
    wanted = sorted(set(ids))
    if wanted:
        list(
            Quant.objects.select_for_update(of=("self",))
            .filter(pk__in=wanted)
            .order_by("id")
            .values_list("pk")
        )


def delete_reservations(rows: Iterable[Reservation]) -> None:
    ids = [r.pk for r in rows]
    if ids:
        Reservation.objects.filter(pk__in=ids).delete()


class QuantChanges:
    """What a transfer changes on quants whose row locks this transaction holds: reservations
    given back and quantities added or taken, summed per quant and written in one UPDATE of
    relative amounts (``reserved = reserved - …``, ``quantity = quantity + …``) by
    :meth:`write`. Write before anything reads those quants' quantities again."""

    def __init__(self) -> None:
        self.reserved: dict[int, Decimal] = {}
        self.quantity: dict[int, Decimal] = {}
        self.negative: set[int] = set()  # quants of products that may go negative: flag set, never cleared

    def release(self, quant_id: int, quantity: Decimal) -> None:
        self.reserved[quant_id] = self.reserved.get(quant_id, ZERO) + quantity

    def add(self, quant: Quant, quantity: Decimal, *, negative_ok: bool) -> None:
        self.quantity[quant.pk] = self.quantity.get(quant.pk, ZERO) + quantity
        if negative_ok:
            self.negative.add(quant.pk)

    def write(self) -> None:
        ids = sorted({*self.reserved, *self.quantity})
        if not ids:
            return
        values: dict[str, Any] = {}
        if self.reserved:
            values["reserved"] = F("reserved") - _by_pk(self.reserved)
        if self.quantity:
            values["quantity"] = F("quantity") + _by_pk(self.quantity)
        if self.negative:
            values["negative_allowed"] = Case(
                When(pk__in=sorted(self.negative), then=Value(True)), default=F("negative_allowed")
            )
        Quant.objects.filter(pk__in=ids).update(**values)
        self.reserved, self.quantity, self.negative = {}, {}, set()


def _by_pk(amounts: dict[int, Decimal]) -> Any:
    output: DecimalField[Decimal, Decimal] = DecimalField(max_digits=QTY_DIGITS, decimal_places=QTY_PLACES)
    whens = [When(pk=pk, then=Value(amount, output_field=output)) for pk, amount in sorted(amounts.items())]
    return Case(*whens, default=Value(ZERO, output_field=output), output_field=output)


@dataclass
class Taken:
    quant: Quant
    quantity: Decimal
    reserved: Decimal  # of which this much was this move's reservation


def add_to_quant(
    product: Product,
    location: Location,
    lot: Lot | None,
    quantity: Decimal,
    when: datetime.datetime,
    *,
    locked: Quant | None = None,
    changes: QuantChanges | None = None,
) -> None:
    """Add (or, negative, remove) on-hand quantity at a stocked location; ``locked`` is that
    quant when the caller holds its lock already (taking goods out of it), and ``changes``
    where to note the change for the caller to write with others (else it is written now)."""
    if location.kind not in STOCKED_KINDS:
        return
    negative_ok = product.allow_negative_stock
    if locked is not None:
        if (locked.product_id, locked.location_id, locked.lot_id) != (
            product.pk,
            location.pk,
            lot and lot.pk,
        ):
            raise ValueError("the locked quant is not of this product, location and lot")
        if changes is not None:
            changes.add(locked, quantity, negative_ok=negative_ok)
            return
        flag = {"negative_allowed": True} if negative_ok else {}  # as below: set, never cleared
        Quant.objects.filter(pk=locked.pk).update(quantity=F("quantity") + quantity, **flag)
        return
    for _attempt in range(2):
        rows = Quant.objects.filter(product=product, location=location, lot=lot)
        quant = rows.select_for_update().first()
        if quant is not None:
            Quant.objects.filter(pk=quant.pk).update(
                quantity=F("quantity") + quantity, negative_allowed=quant.negative_allowed or negative_ok
            )
            return
        try:
            with transaction.atomic():
                Quant.objects.create(
                    company_id=location.company_id, product=product, location=location, lot=lot,
                    quantity=quantity, negative_allowed=negative_ok, in_date=when,
                )  # fmt: skip
                return
        except IntegrityError:
            continue  # created meanwhile by another writer: lock it and add
    raise IntegrityError("quant could not be created or locked")


def write_line(
    move: Move,
    lot: Lot | None,
    source: Location,
    dest: Location,
    quantity: Decimal,
    when: datetime.datetime,
    *,
    source_quant: Quant | None = None,
    deferred: list[MoveLine] | None = None,
    changes: QuantChanges | None = None,
) -> MoveLine:
    """The ledger line and both quants, in the caller's transaction (``source_quant``: the
    source's quant, already locked by the caller). With ``deferred``, the line is appended
    there unsaved and the caller writes the list (:func:`write_deferred`) before it commits;
    the quants are updated now, but for the locked source's with ``changes``: noted there for
    the caller to write (:meth:`QuantChanges.write`)."""
    line = MoveLine(
        company_id=move.company_id, move=move, product=move.product, lot=lot, source_location=source,
        dest_location=dest, quantity=quantity, done_at=when,
    )  # fmt: skip
    if deferred is None:
        line.save(force_insert=True)
    else:
        deferred.append(line)
    add_to_quant(move.product, source, lot, -quantity, when, locked=source_quant, changes=changes)
    add_to_quant(move.product, dest, lot, quantity, when)
    return line


def write_deferred(lines: list[MoveLine]) -> list[MoveLine]:
    """Write the ledger lines :func:`write_line` deferred, in one statement."""
    return MoveLine.objects.bulk_create(lines) if lines else []


def now() -> datetime.datetime:
    return timezone.now()
