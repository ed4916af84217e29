"""Every write on stock, one module per subject (warehouses, transfers, counts, stock, moving in).

The entry points other domains build on — keep these signatures stable:

``create_receipt(company, supplier_partner, lines, *, origin="", actor=None, warehouse=None,
scheduled_date=None) -> Transfer``
    ``lines`` are ``[(product, quantity, unit, expected_date), …]`` (``MoveSpec`` tuples; unit
    and date may be None: the product's unit, the scheduled date). The receipt is confirmed
    (numbered ``<WH>/IN/<year>/<n>``) and ready; ``warehouse`` defaults to the company's first.
``create_delivery(company, customer_partner, lines, *, origin="", actor=None, warehouse=None,
scheduled_date=None) -> Transfer``
    The same towards a customer: confirmed, waiting until :func:`reserve` promised every line.
    A warehouse whose route takes two or three steps (``delivery_steps``: pick → (pack →) ship;
    ``reception_steps``: input → (quality →) store) gets one transfer per step, chained move by
    move (``Move.next_move``); both functions return the first step (the receipt into Input,
    the pick from Stock) and :func:`chain` lists every step. A later step waits until the
    earlier one is validated, then reserves what reached it; validating it without quantities
    takes what reached it. Cancelling a step cancels the earlier open steps that feed nothing
    else and the later ones nothing can reach any more.
``create_internal(company, lines, *, source_location, dest_location, actor=None) -> Transfer``
``reserve(transfer_or_moves, actor=None) -> list[Shortage]``
    Promise open moves what their source holds (FIFO, or the move's lot); a fully promised
    transfer becomes ready. ``Shortage(product, warehouse, location, quantity, date, move)``
    is what is missing, in the product's unit. Concurrency-safe; deadlocks are retried.
``validate_transfer(transfer, quantities=None, actor=None, *, lots=None) -> Transfer``
    ``quantities`` = ``{move_id: done quantity in the move's unit}`` (None: everything). What
    is not done goes to a backorder (``transfer.backorders``), confirmed and reserved. Tracked
    products: ``lots={move_id: lot | "number" | [(lot or number, qty[, expiry]), …]}``.
    Taking more than is available raises ``NotEnoughStock`` unless the product allows negative stock.
``unreserve(transfer, actor=None)``, ``cancel_transfer(transfer, actor=None)``,
``create_return(transfer, actor=None, quantities=None) -> Transfer`` (quantities per move id in
the product's unit; all that is returnable if None). A return of a delivery comes in as the
warehouse receives goods — to Stock, or through Input (and Quality) in a multi-step warehouse;
the route's first step is returned.
``import_opening_stock(company, actor, [OpeningLine(product, location, qty, lot, expiry)])``: one
done adjustment from the inventory-loss location.
``create_count(company, actor, *, location, …) -> Count``, ``record_counted(count, actor,
{line_id: qty})``, ``apply_count(count, actor) -> Count``.
Reads live in :mod:`tandem.inventory.queries` (``availability(product, warehouse, until)``).

Every service raises a ``core.errors.BusinessError`` with a human message and writes nothing
when it refuses.
"""

from tandem.inventory.services.common import NotEnoughStock, WrongUnit
from tandem.inventory.services.counts import (
    add_count_line,
    apply_count,
    cancel_count,
    create_count,
    record_counted,
)
from tandem.inventory.services.moving_in import OpeningLine, import_opening_stock
from tandem.inventory.services.transfers import (
    MoveSpec,
    Shortage,
    cancel_transfer,
    chain,
    confirm_transfer,
    create_delivery,
    create_internal,
    create_receipt,
    create_return,
    create_transfer,
    default_warehouse,
    reserve,
    returnable,
    unreserve,
    validate_transfer,
)
from tandem.inventory.services.warehouses import (
    create_location,
    create_lot,
    create_warehouse,
    ensure_virtual_locations,
    update_location,
    update_warehouse,
    virtual_location,
)

__all__ = [
    "MoveSpec",
    "NotEnoughStock",
    "OpeningLine",
    "Shortage",
    "WrongUnit",
    "add_count_line",
    "apply_count",
    "cancel_count",
    "cancel_transfer",
    "chain",
    "confirm_transfer",
    "create_count",
    "create_delivery",
    "create_internal",
    "create_location",
    "create_lot",
    "create_receipt",
    "create_return",
    "create_transfer",
    "create_warehouse",
    "default_warehouse",
    "ensure_virtual_locations",
    "import_opening_stock",
    "record_counted",
    "reserve",
    "returnable",
    "unreserve",
    "update_location",
    "update_warehouse",
    "validate_transfer",
    "virtual_location",
]
