"""The events inventory records. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

STATE = "the state before and after, as [from, to]"

declare(
    EventType(
        "warehouse.created",
        _("Created"),
        {"code": "the warehouse's short code", "name": "its name"},
        webhook=True,
    ),
    EventType("warehouse.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "location.created",
        _("Created"),
        {"path": "the location's full name", "kind": "its kind"},
        webhook=True,
    ),
    EventType("location.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "lot.created",
        _("Created"),
        {"product": "the product's SKU", "name": "the lot or serial number"},
        webhook=True,
    ),
    EventType(
        "transfer.created",
        _("Created"),
        {
            "kind": "receipt, delivery, internal or adjustment",
            "origin": "the source document",
            "moves": "how many lines",
        },
        webhook=False,
    ),
    EventType(
        "transfer.confirmed", _("Confirmed"), {"state": STATE, "number": "the number it got"}, webhook=True
    ),
    EventType("transfer.ready", _("Ready"), {"state": STATE}, webhook=True),
    EventType("transfer.unreserved", _("Unreserved"), {"state": STATE}, webhook=True),
    EventType(
        "transfer.done",
        _("Done"),
        {
            "state": STATE,
            "number": "the transfer's number",
            "backorder": "the backorder's number, empty if none",
        },
        webhook=True,
    ),
    EventType(
        "transfer.cancelled",
        _("Cancelled"),
        {"state": STATE, "number": "the transfer's number"},
        webhook=True,
    ),
    EventType(
        "count.created",
        _("Created"),
        {"location": "the counted location", "lines": "how many lines"},
        webhook=False,
    ),
    EventType(
        "count.applied",
        _("Applied"),
        {"state": STATE, "adjustment": "the adjustment's number, empty if none"},
        webhook=True,
    ),
    EventType("count.cancelled", _("Cancelled"), {"state": STATE}, webhook=False),
    EventType(
        "inventory.opening_stock",
        _("Opening stock"),
        {"lines": "how many lines were imported", "adjustment": "the adjustment's number"},
        webhook=False,
    ),
    EventType("valuation_settings.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "category_valuation.created",
        _("Created"),
        {"category": "the product category's name", "fields": "the names of the settings it sets"},
    ),
    EventType("category_valuation.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "category_valuation.removed",
        _("Removed"),
        {"category": "the product category's name, now valued on the company's terms"},
    ),
    EventType(
        "inventory.landed_cost",
        _("Landed cost added"),
        {
            "number": "the receipt's number",
            "amount": "the landed cost, in the company's currency",
            "split": "how it was spread: quantity, value, weight or volume",
            "description": "what it was (freight, duty, …)",
        },
    ),
    EventType(
        "landed_cost.created",
        _("Created"),
        {"name": "the landed cost's number", "receipt": "the receipt's number", "split": "how it is spread"},
    ),
    EventType("landed_cost.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "landed_cost.line_added",
        _("Cost added"),
        {"description": "what the cost is", "amount": "its amount, in the company's currency"},
    ),
    EventType(
        "landed_cost.line_removed",
        _("Cost removed"),
        {"description": "what the cost was", "amount": "its amount, in the company's currency"},
    ),
    EventType(
        "landed_cost.validated",
        _("Validated"),
        {
            "state": STATE,
            "name": "the landed cost's number",
            "receipt": "the receipt's number",
            "amount": "the costs' total, in the company's currency",
            "split": "how it was spread: quantity, value, weight or volume",
        },
        webhook=True,
    ),
    EventType("landed_cost.cancelled", _("Cancelled"), {"state": STATE, "name": "the landed cost's number"}),
)
