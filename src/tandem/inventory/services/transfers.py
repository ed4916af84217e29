"""Receipts, deliveries and internal transfers: draft → waiting → ready → done / cancelled.

A transfer is confirmed when created (it gets its number from ``core.sequences``); one whose
goods come from outside the warehouse (a supplier, a customer returning goods) is ready at
once, one that takes goods from stock waits until :func:`reserve` has promised it everything.
:func:`validate_transfer` writes the ledger (move lines and quants); what was not done goes to
a backorder. :func:`create_return` sends done goods back the way they came.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, IllegalTransition, ValidationFailed
from tandem.core.models import Company, Uom, User
from tandem.core.money import plain
from tandem.core.sequences import next_number
from tandem.core.states import transition
from tandem.inventory.models import (
    OPEN_STATES,
    STOCKED_KINDS,
    Location,
    Lot,
    Move,
    MoveLine,
    Quant,
    Reservation,
    Transfer,
    Warehouse,
)
from tandem.inventory.services import stock, valuation
from tandem.inventory.services.common import (
    NotEnoughStock,
    check_company,
    check_stockable,
    parse_quantity,
    product_quantity,
    retrying,
)
from tandem.inventory.services.warehouses import virtual_location
from tandem.partners.models import Partner

ZERO = Decimal(0)
T = Transfer.Kind
PREFIX: dict[str, str] = {T.RECEIPT: "IN", T.DELIVERY: "OUT", T.INTERNAL: "INT", T.ADJUSTMENT: "ADJ"}
St = Transfer.Step
STEP_PREFIX: dict[str, str] = {St.PICK: "PICK", St.PACK: "PACK", St.QUALITY: "QC", St.STORE: "STORE"}
# Steps that take goods an earlier step brought: they wait for it and report no shortage.
LATER_STEPS = frozenset({St.PACK, St.SHIP, St.QUALITY, St.STORE})


class MoveSpec(NamedTuple):
    """One line asked of a transfer: ``quantity`` of ``product`` in ``uom`` (its own unit if None)."""

    product: Product
    quantity: Any
    uom: Uom | None = None
    expected_date: datetime.date | None = None
    lot: Lot | None = None
    price_unit: Any = None  # unit cost in ``uom``, in the company's currency (valuation)
    returned_move: Move | None = None  # the done move whose goods this one sends back


@dataclass(frozen=True)
class Shortage:
    """What a reservation could not promise: ``quantity`` (in the product's unit) of ``product``
    missing at ``location`` of ``warehouse`` by ``date``, for ``move``. The input of
    ``planning.services.replenish``."""

    product: Product
    warehouse: Warehouse
    location: Location
    quantity: Decimal
    date: datetime.date
    move: Move


def default_warehouse(company: Company) -> Warehouse:
    warehouse = Warehouse.objects.filter(company=company, active=True).order_by("id").first()
    if warehouse is None:
        raise BusinessError(_("Create a warehouse first."))
    return warehouse


# --- creating ------------------------------------------------------------------------------


def _endpoints(
    company: Company, kind: str, warehouse: Warehouse, source: Location | None, dest: Location | None
) -> tuple[Location, Location]:
    if kind == T.RECEIPT:
        return source or virtual_location(company, Location.Kind.SUPPLIER), dest or warehouse.stock_location  # type: ignore[return-value]
    if kind == T.DELIVERY:
        return source or warehouse.stock_location, dest or virtual_location(company, Location.Kind.CUSTOMER)  # type: ignore[return-value]
    if source is None or dest is None:
        raise ValidationFailed(
            {"source_location": [_("Choose where the goods come from and where they go.")]}
        )
    return source, dest


@transaction.atomic
def create_transfer(
    company: Company,
    kind: str,
    lines: Sequence[MoveSpec | tuple[Any, ...]],
    *,
    warehouse: Warehouse | None = None,
    partner: Partner | None = None,
    source_location: Location | None = None,
    dest_location: Location | None = None,
    scheduled_date: datetime.date | None = None,
    origin: str = "",
    notes: str = "",
    actor: User | None = None,
    confirm: bool = True,
    backorder_of: Transfer | None = None,
    return_of: Transfer | None = None,
    step: str = "",
) -> Transfer:
    """A transfer with its moves; confirmed (numbered, waiting or ready) unless ``confirm=False``.

    A confirmed receipt into, or delivery from, a warehouse whose route takes two or three steps
    (``Warehouse.reception_steps`` / ``delivery_steps``) is a chain of transfers, one per step,
    each move linked to the next step's (``Move.next_move``): the first step is returned, and
    :func:`chain` lists them all."""
    if kind not in T.values:
        raise ValidationFailed({"kind": [_("Choose a receipt, a delivery or an internal transfer.")]})
    warehouse = warehouse or default_warehouse(company)
    check_company(company, warehouse, partner, source_location, dest_location)
    if confirm and not step and backorder_of is None and return_of is None:
        route = _route(company, kind, warehouse, source_location, dest_location)
        if len(route) > 1:
            return _create_chain(
                company, route, lines, warehouse=warehouse, partner=partner, scheduled_date=scheduled_date,
                origin=origin, notes=notes, actor=actor,
            )  # fmt: skip
    source, dest = _endpoints(company, kind, warehouse, source_location, dest_location)
    errors: dict[str, list[str]] = {}
    if source.pk == dest.pk:
        errors["dest_location"] = [_("Goods go somewhere else than where they come from.")]
    if Location.Kind.VIEW in (source.kind, dest.kind):
        errors["source_location"] = [_("A view location holds no goods: choose one below it.")]
    specs = [spec if isinstance(spec, MoveSpec) else MoveSpec(*spec) for spec in lines]
    if not specs:
        errors["lines"] = [_("A transfer moves at least one product.")]
    today = timezone.localdate()
    scheduled = scheduled_date or min((s.expected_date for s in specs if s.expected_date), default=today)
    moves: list[Move] = []
    for n, spec in enumerate(specs):
        try:
            moves.append(_move(company, spec, source, dest, scheduled, 10 * (n + 1)))
        except BusinessError as error:
            errors.setdefault(f"lines.{n}", []).append(error.message)
    if errors:
        raise ValidationFailed(errors)
    transfer = Transfer.objects.create(
        company=company, kind=kind, warehouse=warehouse, partner=partner, source_location=source,
        dest_location=dest, scheduled_date=scheduled, origin=(origin or "")[:64], notes=notes,
        created_by=_user(actor), backorder_of=backorder_of, return_of=return_of, step=step,
    )  # fmt: skip
    for move in moves:
        move.transfer = transfer
    Move.objects.bulk_create(moves)
    events.record(
        "transfer.created", transfer, actor, {"kind": kind, "origin": transfer.origin, "moves": len(moves)}
    )
    if confirm:
        confirm_transfer(transfer, actor)
    return transfer


class RouteStep(NamedTuple):
    step: str
    kind: str
    source: Location
    dest: Location


def _route(
    company: Company, kind: str, warehouse: Warehouse, source: Location | None, dest: Location | None
) -> list[RouteStep]:
    """The steps a receipt or delivery takes through ``warehouse`` (one: no chain). A transfer
    given its own location on the warehouse's side goes straight there."""
    if kind == T.DELIVERY and source is None and warehouse.delivery_steps > 1:
        stock, output = warehouse.stock_location, warehouse.output_location
        customer = dest or virtual_location(company, Location.Kind.CUSTOMER)
        if warehouse.delivery_steps == 2:
            return [
                RouteStep(St.PICK, T.INTERNAL, stock, output),  # type: ignore[arg-type]
                RouteStep(St.SHIP, T.DELIVERY, output, customer),  # type: ignore[arg-type]
            ]
        pack = warehouse.pack_location
        return [
            RouteStep(St.PICK, T.INTERNAL, stock, pack),  # type: ignore[arg-type]
            RouteStep(St.PACK, T.INTERNAL, pack, output),  # type: ignore[arg-type]
            RouteStep(St.SHIP, T.DELIVERY, output, customer),  # type: ignore[arg-type]
        ]
    if kind == T.RECEIPT and dest is None and warehouse.reception_steps > 1:
        stock, inbound = warehouse.stock_location, warehouse.input_location
        supplier = source or virtual_location(company, Location.Kind.SUPPLIER)
        if warehouse.reception_steps == 2:
            return [
                RouteStep(St.INPUT, T.RECEIPT, supplier, inbound),  # type: ignore[arg-type]
                RouteStep(St.STORE, T.INTERNAL, inbound, stock),  # type: ignore[arg-type]
            ]
        quality = warehouse.quality_location
        return [
            RouteStep(St.INPUT, T.RECEIPT, supplier, inbound),  # type: ignore[arg-type]
            RouteStep(St.QUALITY, T.INTERNAL, inbound, quality),  # type: ignore[arg-type]
            RouteStep(St.STORE, T.INTERNAL, quality, stock),  # type: ignore[arg-type]
        ]
    return []


def _create_chain(
    company: Company,
    route: Sequence[RouteStep],
    lines: Sequence[MoveSpec | tuple[Any, ...]],
    *,
    warehouse: Warehouse,
    partner: Partner | None,
    scheduled_date: datetime.date | None,
    origin: str,
    notes: str,
    actor: User | None,
    return_of: Transfer | None = None,
) -> Transfer:
    """One transfer per step of ``route``, each move linked to the same line's move of the next
    step; the later steps wait until the goods reach them. A return (``return_of``) is the
    first step's alone, as are its moves' ``returned_move``: the later steps move goods
    within the warehouse."""
    if any(step.source is None or step.dest is None for step in route):
        raise BusinessError(_("This warehouse's route lacks a location: save its settings again."))
    specs = [spec if isinstance(spec, MoveSpec) else MoveSpec(*spec) for spec in lines]
    onward = [spec._replace(returned_move=None) for spec in specs]
    transfers = [
        create_transfer(
            company,
            step.kind,
            specs if n == 0 else onward,
            warehouse=warehouse,
            partner=partner,
            source_location=step.source,
            dest_location=step.dest,
            scheduled_date=scheduled_date,
            origin=origin,
            notes=notes,
            actor=actor,
            step=step.step,
            return_of=return_of if n == 0 else None,
        )
        for n, step in enumerate(route)
    ]
    for earlier, later in itertools.pairwise(transfers):
        following = {m.sequence: m for m in later.moves.all()}
        linked = list(earlier.moves.all())
        for move in linked:
            move.next_move = following[move.sequence]
        Move.objects.bulk_update(linked, ["next_move"])
    return transfers[0]


def chain(transfer: Transfer) -> list[Transfer]:
    """Every transfer of ``transfer``'s multi-step route (with their backorders), earliest step
    first: the transfers whose moves feed it, itself, and those its moves feed."""
    found: dict[int, Transfer] = {transfer.pk: transfer}
    frontier = {transfer.pk}
    while frontier:
        moves = Move.objects.filter(transfer_id__in=frontier)
        linked = Transfer.objects.filter(
            Q(moves__next_move__transfer_id__in=frontier)
            | Q(moves__in=moves.exclude(next_move=None).values("next_move"))
        ).exclude(pk__in=found)
        frontier = set()
        for other in linked.distinct():
            found[other.pk] = other
            frontier.add(other.pk)
    steps: list[str] = [St.INPUT, St.QUALITY, St.PICK, St.PACK, St.STORE, St.SHIP]
    order = {step: n for n, step in enumerate(steps)}
    return sorted(found.values(), key=lambda t: (order.get(t.step, 9), t.pk))


def _earlier(transfer: Transfer) -> list[Transfer]:
    """Open transfers whose moves feed this one's."""
    return list(
        Transfer.objects.filter(moves__next_move__transfer=transfer, state__in=OPEN_STATES).distinct()
    )


def _later(transfer: Transfer) -> list[Transfer]:
    """Open transfers whose moves this one's feed."""
    nexts = Move.objects.filter(transfer=transfer).exclude(next_move=None).values("next_move")
    return list(Transfer.objects.filter(moves__in=nexts, state__in=OPEN_STATES).distinct())


def _user(actor: Any) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _move(
    company: Company,
    spec: MoveSpec,
    source: Location,
    dest: Location,
    scheduled: datetime.date,
    sequence: int,
) -> Move:
    product = spec.product
    if not isinstance(product, Product):
        raise BusinessError(_("Choose a product."))
    check_company(company, product, spec.lot)
    check_stockable(product)
    quantity, unit, asked = product_quantity(product, spec.quantity, spec.uom)
    if spec.lot is not None and spec.lot.product_id != product.pk:
        raise BusinessError(_("This lot is of another product."))
    return Move(
        company=company, product=product, uom=unit, quantity_asked=asked, quantity=quantity,
        lot=spec.lot, source_location=source, dest_location=dest,
        expected_date=spec.expected_date or scheduled, sequence=sequence,
        price_unit=_unit_cost(spec.price_unit, asked, quantity), returned_move=spec.returned_move,
    )  # fmt: skip


def _unit_cost(price: Any, asked: Decimal, quantity: Decimal) -> Decimal | None:
    """A price per unit asked as a cost per unit of the product."""
    if price is None:
        return None
    number = parse_quantity(price)
    if number is None or number < 0:
        raise BusinessError(_("A unit cost is a decimal number of zero or more."))
    return (number * asked / quantity).quantize(Decimal("0.00000001"))


def create_receipt(
    company: Company,
    supplier_partner: Partner | None,
    lines: Sequence[MoveSpec | tuple[Any, ...]],
    *,
    origin: str = "",
    actor: User | None = None,
    warehouse: Warehouse | None = None,
    scheduled_date: datetime.date | None = None,
) -> Transfer:
    """Goods expected from a supplier into ``warehouse``'s stock: confirmed and ready."""
    return create_transfer(
        company, T.RECEIPT, lines, warehouse=warehouse, partner=supplier_partner, origin=origin,
        scheduled_date=scheduled_date, actor=actor,
    )  # fmt: skip


def create_delivery(
    company: Company,
    customer_partner: Partner | None,
    lines: Sequence[MoveSpec | tuple[Any, ...]],
    *,
    origin: str = "",
    actor: User | None = None,
    warehouse: Warehouse | None = None,
    scheduled_date: datetime.date | None = None,
) -> Transfer:
    """Goods to send to a customer from ``warehouse``'s stock: confirmed, waiting for :func:`reserve`."""
    return create_transfer(
        company, T.DELIVERY, lines, warehouse=warehouse, partner=customer_partner, origin=origin,
        scheduled_date=scheduled_date, actor=actor,
    )  # fmt: skip


def create_internal(
    company: Company,
    lines: Sequence[MoveSpec | tuple[Any, ...]],
    *,
    source_location: Location,
    dest_location: Location,
    actor: User | None = None,
    warehouse: Warehouse | None = None,
    origin: str = "",
) -> Transfer:
    """Goods moved between two locations (putting away from Input to a shelf, between sites)."""
    return create_transfer(
        company, T.INTERNAL, lines,
        warehouse=warehouse or source_location.warehouse or dest_location.warehouse,
        source_location=source_location, dest_location=dest_location, origin=origin, actor=actor,
    )  # fmt: skip


@transaction.atomic
def confirm_transfer(transfer: Transfer, actor: User | None = None) -> Transfer:
    code = f"{transfer.warehouse.code}/{STEP_PREFIX.get(transfer.step, PREFIX[transfer.kind])}"
    number = next_number(transfer.company, code)
    transition(transfer, "confirmed", actor, fields={"number": number}, data={"number": number})
    if not _takes_from_stock(transfer):
        transition(transfer, "ready", actor)
    return transfer


def _takes_from_stock(transfer: Transfer) -> bool:
    return bool(transfer.source_location.kind in STOCKED_KINDS)


# --- reserving -----------------------------------------------------------------------------


def reserve(
    transfer_or_moves: Transfer | Iterable[Move], actor: User | None = None, *, allow_expired: bool = False
) -> list[Shortage]:
    """Promise the open moves what their source location holds (FIFO by arrival; FEFO — the
    earliest expiry first — for lots that expire, skipping expired lots unless the move chose
    the lot or ``allow_expired``; or the move's chosen lot); a transfer whose moves are all
    promised becomes ready. Returns what is missing.

    Safe under concurrency (quants are locked; a deadlock is retried, never reported)."""
    return retrying(lambda: _reserve(transfer_or_moves, actor, allow_expired=allow_expired))


def _reserve(
    transfer_or_moves: Transfer | Iterable[Move], actor: User | None, *, allow_expired: bool = False
) -> list[Shortage]:
    if isinstance(transfer_or_moves, Transfer):
        moves = list(
            transfer_or_moves.moves.select_related("product", "source_location").order_by("sequence", "id")
        )
    else:
        moves = list({m.pk: m for m in transfer_or_moves}.values())
    locked = Transfer.objects.select_for_update(of=("self",)).select_related("source_location")
    transfers = {t.pk: t for t in locked.filter(pk__in={m.transfer_id for m in moves})}
    waiting = _waiting_for_earlier(moves)
    held = stock.reservations_by_move(moves)
    below: dict[int, list[int]] = {}  # a source location's stocked subtree, read once
    shortages: list[Shortage] = []
    new_rows: list[Reservation] = []  # the moves' new reservations, written together below
    for move in sorted(moves, key=lambda m: (m.product_id, m.pk)):
        owner = transfers[move.transfer_id]
        if owner.state not in OPEN_STATES or move.source_location.kind not in STOCKED_KINDS:
            continue
        if move.pk in waiting:
            continue
        exact = owner.kind == T.ADJUSTMENT
        need = move.quantity - sum(held[move.pk].values(), ZERO)
        if need > 0 and not exact and move.source_location_id not in below:
            below[move.source_location_id] = stock.subtree_ids(move.source_location)
        got = stock.reserve_move(
            move,
            need,
            exact=exact,
            allow_expired=allow_expired,
            location_ids=[move.source_location_id] if exact else below.get(move.source_location_id),
            held_quants=set(held[move.pk]),
            deferred=new_rows,
        )
        if got < need and owner.step not in LATER_STEPS:  # a later step waits for goods, not stock
            shortages.append(
                Shortage(
                    move.product, owner.warehouse, move.source_location, need - got, move.expected_date, move
                )
            )
    stock.write_reservations(new_rows)
    for owner in transfers.values():
        if owner.state in OPEN_STATES and owner.state != Transfer.State.READY and _fully_reserved(owner):
            transition(owner, "ready", actor)
    if isinstance(transfer_or_moves, Transfer):
        transfer_or_moves.refresh_from_db()
    return shortages


def _waiting_for_earlier(moves: Sequence[Move]) -> set[int]:
    """Ids of the moves of a later step none of whose earlier moves is done yet: nothing has
    reached them, so they reserve nothing (the goods where they start belong to others)."""
    feeders: dict[int, list[str]] = {}
    rows = (
        Move.objects.filter(next_move__in=[m.pk for m in moves])
        .order_by()
        .values_list("next_move_id", "transfer__state")
    )
    for next_id, state in rows:
        feeders.setdefault(next_id, []).append(state)
    return {pk for pk, states in feeders.items() if Transfer.State.DONE not in states}


def _fully_reserved(transfer: Transfer) -> bool:
    if not _takes_from_stock(transfer):
        return True
    moves = list(transfer.moves.order_by())
    held = stock.reserved_by_move(moves)
    return all(held[move.pk] >= move.quantity for move in moves)


@transaction.atomic
def unreserve(transfer: Transfer, actor: User | None = None) -> Transfer:
    """Give back what the transfer was promised; a ready transfer waits again."""
    _locked_open(transfer)
    stock.release(transfer.moves.all())
    if transfer.state == Transfer.State.READY and _takes_from_stock(transfer):
        transition(transfer, "unreserved", actor)
    return transfer


def _locked_open(transfer: Transfer) -> Transfer:
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.state not in OPEN_STATES:
        label = Transfer.State(locked.state).label
        raise IllegalTransition(
            _("This cannot be done now: its state is “%(state)s”.") % {"state": label}, state=locked.state
        )
    return locked


# --- validating ----------------------------------------------------------------------------

LotGiven = str | Lot | Sequence[tuple[Any, ...]]


def validate_transfer(
    transfer: Transfer,
    quantities: Mapping[int, Any] | None = None,
    actor: User | None = None,
    *,
    lots: Mapping[int, LotGiven] | None = None,
    date: datetime.date | None = None,
) -> Transfer:
    """Move the goods: ``quantities`` maps a move's id to the quantity done, in the move's unit
    (all of every move if None; a move left out is not done). What is left goes to a backorder
    (``transfer.backorders``). Tracked products name their lots: ``lots[move_id]`` is a lot, a
    lot number, or ``[(lot or number, quantity[, expiry date]), …]`` (quantities in the
    product's unit); for goods taken from stock the lot defaults to what was reserved.
    ``date`` back-dates the move (today if None; refused on or before the books' lock date)."""
    return retrying(lambda: _validate(transfer, quantities, actor, lots or {}, date=date))


def _validate(
    transfer: Transfer,
    quantities: Mapping[int, Any] | None,
    actor: User | None,
    lots: Mapping[int, LotGiven],
    *,
    date: datetime.date | None = None,
    opening: bool = False,
) -> Transfer:
    locked = _locked_open(transfer)
    moves = list(
        locked.moves.select_related(
            "product__uom", "uom", "source_location", "dest_location", "lot"
        ).order_by("sequence", "id")
    )
    by_id = {m.pk: m for m in moves}
    held = stock.reserved_by_move(moves) if locked.step in LATER_STEPS else {}
    if quantities is None and locked.step in LATER_STEPS:
        done = {m.pk: min(m.quantity, held[m.pk]) for m in moves}
        if not any(done.values()):
            raise ValidationFailed(
                {"quantities": [_("Nothing has reached this step yet: validate the step before it first.")]}
            )
    else:
        done = _done_quantities(moves, quantities)
    unknown = set(lots) - set(by_id)
    if unknown:
        raise ValidationFailed(
            {"lots": [_("These are not moves of this transfer: %(ids)s") % {"ids": sorted(unknown)}]}
        )
    when = _done_at(date)
    checked = valuation.check_date(locked.company_id, timezone.localdate(when))
    errors: dict[str, list[str]] = {}
    lines: list[MoveLine] = []  # the ledger lines of every move, written together below
    # The reservations of every move taken from stock, read and their quants locked at once;
    # the quants' changes written together below (before anything reads them again).
    reservations = _reservations_of(
        [m for m in moves if done[m.pk] > 0 and m.source_location.kind in STOCKED_KINDS]
    )
    changes = stock.QuantChanges()
    for move in sorted(moves, key=lambda m: (m.product_id, m.pk)):
        quantity = done[move.pk]
        if quantity <= 0:
            continue
        try:
            _do_move(
                move,
                quantity,
                lots.get(move.pk),
                when,
                exact=locked.kind == T.ADJUSTMENT,
                lines=lines,
                reserved=reservations.get(move.pk, []),
                changes=changes,
            )
        except NotEnoughStock:
            raise
        except BusinessError as error:
            errors.setdefault(f"moves.{move.pk}", []).append(error.message)
    if errors:
        raise ValidationFailed(errors)
    changes.write()
    stock.delete_reservations(row for rows in reservations.values() for row in rows)
    stock.write_deferred(lines)
    Move.objects.bulk_update([m for m in moves if done[m.pk] > 0], ["quantity_done"])
    valuation.value_transfer(
        locked, [m for m in moves if done[m.pk] > 0], when, actor, opening=opening, date_checked=checked
    )
    backorder = _split_backorder(locked, moves, done, actor, held=held)
    data = {"number": locked.number, "backorder": backorder.number if backorder else ""}
    transition(locked, "done", actor, data=data)
    for later in _later(locked):  # the goods reached the next step: it reserves them
        _reserve(later, actor)
    transfer.refresh_from_db()
    return transfer


def _done_at(date: datetime.date | None) -> datetime.datetime:
    now = stock.now()
    if date is None or date == timezone.localdate(now):
        return now
    if date > timezone.localdate(now):
        raise ValidationFailed({"date": [_("Goods are moved today or on a past day, not later.")]})
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(23, 59)))


def _done_quantities(moves: list[Move], quantities: Mapping[int, Any] | None) -> dict[int, Decimal]:
    if quantities is None:
        return {m.pk: m.quantity for m in moves}
    by_id = {m.pk: m for m in moves}
    errors: dict[str, list[str]] = {}
    done: dict[int, Decimal] = {m.pk: ZERO for m in moves}
    for key, value in quantities.items():
        move = by_id.get(int(key))
        if move is None:
            errors.setdefault("quantities", []).append(
                _("Move %(id)s is not a move of this transfer.") % {"id": key}
            )
            continue
        number = parse_quantity(value)
        if number is None or number < 0:
            errors[f"quantities.{key}"] = [_("Enter a quantity of zero or more.")]
            continue
        if number == 0:
            continue
        try:
            done[move.pk], _unit, _asked = product_quantity(move.product, number, move.uom)
        except BusinessError as error:
            errors[f"quantities.{key}"] = [error.message]
    if not errors and not any(done.values()):
        errors["quantities"] = [_("Nothing was done: enter the quantity moved of at least one line.")]
    if errors:
        raise ValidationFailed(errors)
    return done


def _do_move(
    move: Move,
    quantity: Decimal,
    lot_given: LotGiven | None,
    when: datetime.datetime,
    *,
    exact: bool,
    lines: list[MoveLine],
    reserved: list[Reservation],
    changes: stock.QuantChanges,
) -> None:
    """Move the goods of one move: its quants now, or — the quants it takes from, whose locks
    are held — noted in ``changes``; its ledger lines are appended to ``lines`` and its
    ``quantity_done`` set on the instance, for the caller to write with the others'.
    ``reserved``: the move's reservations (read and their quants locked by the caller, which
    deletes them)."""
    if move.source_location.kind in STOCKED_KINDS:
        chosen = _existing_lot(move, lot_given) if lot_given is not None else move.lot
        for quant, part in _take(move, quantity, chosen, exact=exact, mine=reserved, changes=changes):
            stock.write_line(
                move,
                quant.lot,
                quant.location,
                move.dest_location,
                part,
                when,
                source_quant=quant,
                deferred=lines,
                changes=changes,
            )
    else:
        changes.write()  # the destination's quant is read and written now
        for lot, part in _incoming_lots(move, quantity, lot_given):
            stock.write_line(move, lot, move.source_location, move.dest_location, part, when, deferred=lines)
        stock.release([move])
    move.quantity_done = quantity


def _existing_lot(move: Move, given: LotGiven) -> Lot:
    if isinstance(given, Lot):
        lot = given
    elif isinstance(given, str):
        lot = Lot.objects.filter(company=move.company_id, product=move.product, name=given.strip()).first()  # type: ignore[assignment]
        if lot is None:
            raise BusinessError(
                _("There is no lot “%(lot)s” of %(product)s.") % {"lot": given, "product": move.product.name}
            )
    else:
        raise BusinessError(_("Goods taken from stock come from one lot per line."))
    if lot.product_id != move.product_id or lot.company_id != move.company_id:
        raise BusinessError(_("This lot is of another product."))
    return lot


def _reservations_of(moves: Sequence[Move]) -> dict[int, list[Reservation]]:
    """These moves' reservations by move (oldest first), with their quants, in one query; the
    quants locked in a second."""
    if not moves:
        return {}
    rows = list(
        Reservation.objects.filter(move__in=[m.pk for m in moves])
        .select_related("quant__location", "quant__lot")
        .order_by("id")
    )
    stock.lock_quants(r.quant_id for r in rows)
    found: dict[int, list[Reservation]] = {}
    for row in rows:
        found.setdefault(row.move_id, []).append(row)
    return found


def _take(
    move: Move,
    quantity: Decimal,
    lot: Lot | None,
    *,
    exact: bool,
    mine: list[Reservation],
    changes: stock.QuantChanges,
) -> list[tuple[Quant, Decimal]]:
    """The quants ``quantity`` comes from: the move's reservations ``mine`` first (their quants
    locked; all of them given back, in ``changes``), then what is free (FIFO, or FEFO without
    expired lots), then — if the product allows it — its source going negative. The caller
    takes the quantities from the quants returned, in ``changes`` too."""
    for row in mine:
        changes.release(row.quant_id, row.quantity)
    taken: dict[int, Decimal] = {}
    quants: dict[int, Quant] = {}
    left = quantity
    for row in mine:
        if left <= 0 or (lot is not None and row.quant.lot_id != lot.pk):
            continue
        part = min(left, row.quantity)
        taken[row.quant_id] = taken.get(row.quant_id, ZERO) + part
        quants[row.quant_id] = row.quant
        left -= part
    if left > 0:
        changes.write()  # what is free is read below: as the moves before this one left it
        location_ids = [move.source_location_id] if exact else stock.subtree_ids(move.source_location)
        free = stock.locked_quants(
            move.product, location_ids, lot=lot, exclude_location=move.dest_location_id, allow_expired=exact
        )
        for quant in free:
            available = quant.quantity - quant.reserved - taken.get(quant.pk, ZERO)
            part = min(left, available)
            if part <= 0:
                continue
            taken[quant.pk] = taken.get(quant.pk, ZERO) + part
            quants[quant.pk] = quant
            left -= part
            if left <= 0:
                break
    if left > 0:
        if not move.product.allow_negative_stock:
            raise NotEnoughStock(
                _("Not enough %(product)s at %(location)s: %(missing)s %(unit)s missing.")
                % {
                    "product": move.product.name,
                    "location": move.source_location.path,
                    "missing": plain(left),
                    "unit": move.product.uom.code,
                }
            )
        stock.add_to_quant(move.product, move.source_location, lot, ZERO, stock.now())
        negative = Quant.objects.select_for_update().get(
            product=move.product, location=move.source_location, lot=lot
        )
        taken[negative.pk] = taken.get(negative.pk, ZERO) + left
        quants[negative.pk] = negative
    return [(quants[pk], part) for pk, part in sorted(taken.items())]


def _incoming_lots(move: Move, quantity: Decimal, given: LotGiven | None) -> list[tuple[Lot | None, Decimal]]:
    """Lots of goods coming from outside: none for untracked products, else named (or created)."""
    product = move.product
    if product.tracking == Product.Tracking.NONE:
        return [(None, quantity)]
    if given is None:
        given = move.lot  # type: ignore[assignment]
    if given is None:
        raise BusinessError(
            _("%(product)s is tracked: name the lot or serial number of what arrived.")
            % {"product": product.name}
        )
    if isinstance(given, str | Lot):
        parts: list[tuple[Any, ...]] = [(given, quantity)]
    else:
        parts = [tuple(part) for part in given]
    found: list[tuple[Lot | None, Decimal]] = []
    total = ZERO
    for part in parts:
        name, amount = part[0], parse_quantity(part[1]) if len(part) > 1 else quantity
        expiry = part[2] if len(part) > 2 else None
        if amount is None or amount <= 0:
            raise BusinessError(_("A lot's quantity is more than zero."))
        lot = _incoming_lot(move, name, expiry)
        if product.tracking == Product.Tracking.SERIAL:
            if amount != 1:
                raise BusinessError(_("A serial number is one piece."))
            if Quant.objects.filter(lot=lot, quantity__gt=0, location__kind__in=STOCKED_KINDS).exists():
                raise BusinessError(_("Serial number %(lot)s is already in stock.") % {"lot": lot.name})
        found.append((lot, amount))
        total += amount
    if total != quantity:
        raise BusinessError(
            _("The lots add up to %(total)s, not the %(done)s done.")
            % {"total": plain(total), "done": plain(quantity)}
        )
    return found


def _incoming_lot(move: Move, given: Any, expiry: datetime.date | None) -> Lot:
    if isinstance(given, Lot):
        if given.product_id != move.product_id or given.company_id != move.company_id:
            raise BusinessError(_("This lot is of another product."))
        return given
    name = str(given or "").strip()
    if not name:
        raise BusinessError(
            _("%(product)s is tracked: name the lot or serial number.") % {"product": move.product.name}
        )
    lot = Lot.objects.filter(company=move.company_id, product=move.product, name=name).first()
    if lot is not None:
        return lot
    if move.product.use_expiry and expiry is None:
        raise BusinessError(
            _("Lot %(lot)s of %(product)s needs an expiry date.")
            % {"lot": name, "product": move.product.name}
        )
    lot = Lot.objects.create(company_id=move.company_id, product=move.product, name=name, expiry_date=expiry)
    events.record("lot.created", lot, None, {"product": move.product.sku, "name": name})
    return lot


def _split_backorder(
    transfer: Transfer,
    moves: list[Move],
    done: Mapping[int, Decimal],
    actor: User | None,
    *,
    held: Mapping[int, Decimal] | None = None,
) -> Transfer | None:
    """Moves not (fully) done go to a new transfer, confirmed and reserved again.

    A later step of a route backorders only what is still to come: what it held and did not
    take, and what its earlier steps still have open; the rest will never reach it."""
    rest = [(m, m.quantity - done[m.pk]) for m in moves if done[m.pk] < m.quantity]
    if transfer.step in LATER_STEPS:
        rest = _still_coming(rest, done, held or {})
    if not rest:
        return None
    backorder = Transfer.objects.create(
        company_id=transfer.company_id, kind=transfer.kind, warehouse=transfer.warehouse,
        partner=transfer.partner, source_location=transfer.source_location,
        dest_location=transfer.dest_location,
        scheduled_date=transfer.scheduled_date, origin=transfer.origin, notes=transfer.notes,
        created_by=_user(actor), backorder_of=transfer, return_of=transfer.return_of,
    )  # fmt: skip
    events.record(
        "transfer.created",
        backorder,
        actor,
        {"kind": transfer.kind, "origin": transfer.origin, "moves": len(rest)},
    )
    for move, left in rest:
        if done[move.pk] == 0:
            Move.objects.filter(pk=move.pk).update(transfer=backorder)
            continue
        asked_left = _asked(move, left)
        split = Move.objects.create(
            company_id=move.company_id, transfer=backorder, sequence=move.sequence, product=move.product,
            uom=move.uom, quantity_asked=asked_left, quantity=left, lot=move.lot,
            source_location=move.source_location, dest_location=move.dest_location,
            expected_date=move.expected_date, returned_move=move.returned_move,
            price_unit=move.price_unit, next_move_id=move.next_move_id,
        )  # fmt: skip
        Move.objects.filter(pk=move.pk).update(
            quantity=done[move.pk], quantity_asked=move.quantity_asked - asked_left
        )
        # earlier steps still under way now feed the backorder's move
        Move.objects.filter(next_move=move, transfer__state__in=OPEN_STATES).exclude(
            transfer_id=transfer.pk
        ).update(next_move=split)
    confirm_transfer(backorder, actor)
    if _takes_from_stock(backorder):
        _reserve(backorder, actor)
    return backorder


def _still_coming(
    rest: list[tuple[Move, Decimal]], done: Mapping[int, Decimal], held: Mapping[int, Decimal]
) -> list[tuple[Move, Decimal]]:
    """Of a later step's moves left undone, what can still reach it; a move's part that cannot
    is dropped (its quantity becomes what was done)."""
    open_feed: dict[int, Decimal] = {}
    rows = Move.objects.filter(
        next_move__in=[m.pk for m, _left in rest], transfer__state__in=OPEN_STATES
    ).values_list("next_move_id", "quantity")
    for next_id, quantity in rows:
        open_feed[next_id] = open_feed.get(next_id, ZERO) + quantity
    kept: list[tuple[Move, Decimal]] = []
    for move, left in rest:
        coming = max(held.get(move.pk, ZERO) - done[move.pk], ZERO) + open_feed.get(move.pk, ZERO)
        part = min(left, coming)
        if part < left and (part > 0 or done[move.pk] > 0):
            dropped = left - part
            asked = move.quantity_asked - _asked(move, dropped)
            Move.objects.filter(pk=move.pk).update(quantity=move.quantity - dropped, quantity_asked=asked)
            move.quantity, move.quantity_asked = move.quantity - dropped, asked
        if part > 0:
            kept.append((move, part))
    return kept


def _asked(move: Move, left: Decimal) -> Decimal:
    """``left`` (product unit) in the move's own unit, proportionally."""
    if move.quantity == 0:
        return left
    return (move.quantity_asked * left / move.quantity).quantize(Decimal("0.0001"))


# --- cancelling and returning ----------------------------------------------------------------


@transaction.atomic
def cancel_transfer(transfer: Transfer, actor: User | None = None) -> Transfer:
    """Cancel a transfer that is not done; what it was promised goes back to stock."""
    if transfer.state == Transfer.State.DONE:
        raise IllegalTransition(
            _("A done transfer is not cancelled: return its goods instead."), state="done"
        )
    stock.release(transfer.moves.all())
    transition(transfer, "cancelled", actor, data={"number": transfer.number})
    _propagate_cancel(transfer, actor)
    return transfer


def _propagate_cancel(transfer: Transfer, actor: User | None) -> None:
    """A route's steps follow a cancelled one: an earlier step whose goods now go to no open
    step is cancelled (the customer's order was cancelled: nothing is picked for it); a later
    step to which nothing can come any more — every move feeding it cancelled, nothing reserved
    — is cancelled too. Goods already moved stay where they are, to be put back by hand."""
    for earlier in _earlier(transfer):
        nexts = Move.objects.filter(transfer=earlier).exclude(next_move=None)
        if not nexts.exclude(next_move__transfer__state=Transfer.State.CANCELLED).exists():
            cancel_transfer(earlier, actor)
    for later in _later(transfer):
        feeders = Move.objects.filter(next_move__transfer=later)
        alive = feeders.exclude(transfer__state=Transfer.State.CANCELLED).exists()
        if not alive and not Reservation.objects.filter(move__transfer=later).exists():
            cancel_transfer(later, actor)


def returnable(move: Move) -> Decimal:
    """What of a done move can still be returned (in the product's unit)."""
    returned = Move.objects.filter(returned_move=move).exclude(transfer__state=Transfer.State.CANCELLED)
    return move.quantity_done - sum((m.quantity for m in returned), ZERO)


@transaction.atomic
def create_return(
    transfer: Transfer, actor: User | None = None, quantities: Mapping[int, Any] | None = None
) -> Transfer:
    """Send a done transfer's goods back where they came from (all that is returnable, or
    ``quantities`` in the product's unit per move id), with the same lots: a return of a receipt
    goes to the supplier; one of a delivery comes back from the customer through the
    warehouse's receipt route (:func:`_receive_back`), and the route's first step is returned."""
    if transfer.state != Transfer.State.DONE:
        raise BusinessError(_("Only a done transfer's goods can be returned."))
    if transfer.kind not in {T.RECEIPT, T.DELIVERY}:
        raise BusinessError(
            _("Receipts and deliveries are returned; move goods back with an internal transfer.")
        )
    moves = {m.pk: m for m in transfer.moves.select_related("product__uom")}
    wanted: dict[int, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for pk, move in moves.items():
        left = returnable(move)
        if quantities is None:
            if left > 0:
                wanted[pk] = left
            continue
        if pk not in quantities and str(pk) not in quantities:
            continue
        number = parse_quantity(quantities.get(pk, quantities.get(str(pk))))  # type: ignore[call-overload]
        if number is None or number <= 0:
            errors[f"quantities.{pk}"] = [_("A quantity is more than zero.")]
        elif number > left:
            errors[f"quantities.{pk}"] = [_("At most %(left)s can be returned.") % {"left": plain(left)}]
        else:
            wanted[pk] = number
    if quantities is not None and set(map(int, quantities)) - set(moves):
        errors["quantities"] = [_("These are not moves of this transfer.")]
    if not wanted and not errors:
        errors["quantities"] = [_("Nothing is left to return.")]
    if errors:
        raise ValidationFailed(errors)
    specs: list[tuple[Move, Lot | None, Decimal]] = []
    for pk, amount in wanted.items():
        move = moves[pk]
        left = amount
        for line in move.lines.select_related("lot").order_by("id"):
            if left <= 0:
                break
            part = min(left, line.quantity)
            specs.append((move, line.lot, part))
            left -= part
    if transfer.kind == T.DELIVERY:
        return _receive_back(transfer, specs, actor)
    back = Transfer.objects.create(
        company_id=transfer.company_id, kind=T.DELIVERY, warehouse=transfer.warehouse,
        partner=transfer.partner, source_location=transfer.dest_location,
        dest_location=transfer.source_location, scheduled_date=timezone.localdate(),
        origin=transfer.number, created_by=_user(actor), return_of=transfer,
    )  # fmt: skip
    Move.objects.bulk_create(
        Move(
            company_id=transfer.company_id,
            transfer=back,
            sequence=10 * (n + 1),
            product=move.product,
            uom=move.product.uom,
            quantity_asked=part,
            quantity=part,
            lot=lot,
            source_location=move.dest_location,
            dest_location=move.source_location,
            expected_date=back.scheduled_date,
            returned_move=move,
        )
        for n, (move, lot, part) in enumerate(specs)
    )
    events.record(
        "transfer.created", back, actor, {"kind": T.DELIVERY, "origin": back.origin, "moves": len(specs)}
    )
    confirm_transfer(back, actor)
    if _takes_from_stock(back):
        _reserve(back, actor)
    return back


def _receive_back(
    delivery: Transfer, specs: Sequence[tuple[Move, Lot | None, Decimal]], actor: User | None
) -> Transfer:
    """Goods a customer sends back come in as the warehouse receives goods (as in Odoo, whose
    return of a delivery is a receipt of the warehouse's receipt type, to that type's
    destination): straight to Stock when it receives in one step, else into Input and on through
    Quality to Stock like any receipt — never back to Output or Packing, where the delivery's
    last step took them from and nothing would move them on. The first step is returned."""
    warehouse = delivery.warehouse
    company = delivery.company
    customer = delivery.dest_location
    lines = [
        MoveSpec(move.product, part, move.product.uom, None, lot, None, move) for move, lot, part in specs
    ]
    route = _route(company, T.RECEIPT, warehouse, customer, None)
    if len(route) > 1:
        return _create_chain(
            company, route, lines, warehouse=warehouse, partner=delivery.partner,
            scheduled_date=timezone.localdate(), origin=delivery.number, notes="", actor=actor,
            return_of=delivery,
        )  # fmt: skip
    if warehouse.stock_location is None:
        raise BusinessError(_("This warehouse's route lacks a location: save its settings again."))
    return create_transfer(
        company, T.RECEIPT, lines, warehouse=warehouse, partner=delivery.partner,
        source_location=customer, dest_location=warehouse.stock_location,
        scheduled_date=timezone.localdate(), origin=delivery.number, actor=actor, return_of=delivery,
    )  # fmt: skip
