"""The events planning records."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

declare(
    EventType(
        "reorderrule.created",
        _("Reorder rule added"),
        {
            "product": "the product's SKU",
            "warehouse": "the warehouse's code",
            "min": "a decimal string",
            "max": "a decimal string",
        },
        webhook=True,
    ),
    EventType("reorderrule.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "planning.replenished",
        _("Replenishment run"),
        {"rules": "rules checked", "requests": "purchase requests created", "origin": "what asked for it"},
    ),
)
declare(
    EventType(
        "planning.scheduled",
        _("Released orders scheduled"),
        {
            "orders": "manufacturing orders scheduled",
            "work_orders": "work orders given a planned start and finish",
            "late": "numbers of the orders that finish after their due date",
        },
    ),
    EventType(
        "planning.made_to_order",
        _("Manufacturing order made for the order"),
        {
            "order": "the manufacturing order's number",
            "product": "the SKU of the product made",
            "quantity": "a decimal string",
            "due": "its due date (ISO)",
            "origin": "the sales order (or parent manufacturing order) it is made for",
        },
        webhook=True,
    ),
)
