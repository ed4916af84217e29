"""The events planning records."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

STATE = "[from, to]: the state before and after"

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
declare(
    EventType("mrprun.started", _("MRP run started"), {"horizon_days": "days planned ahead"}),
    EventType(
        "mrprun.done",
        _("MRP run done"),
        {
            "state": STATE,
            "products": "products planned",
            "demand_lines": "demand lines read",
            "planned_orders": "planned orders proposed",
            "exceptions": "exception messages",
            "superseded": "proposals of earlier runs superseded",
        },
        webhook=True,
    ),
    EventType("mrprun.failed", _("MRP run failed"), {"state": STATE}),
    EventType("planning.orders_firmed", _("Planned orders firmed"), {"orders": "how many"}),
    EventType("planning.orders_cancelled", _("Planned orders cancelled"), {"orders": "how many"}),
    EventType(
        "planning.orders_released",
        _("Planned orders released"),
        {
            "orders": "how many planned orders",
            "manufacturing_orders": "numbers of the manufacturing orders made of them",
            "requests": "purchase requests made of them",
            "rfqs": "ids of the RFQs they went on",
        },
        webhook=True,
    ),
    EventType(
        "forecast.created",
        _("Forecast added"),
        {
            "product": "the product's SKU",
            "warehouse": "the warehouse's code",
            "month": "YYYY-MM",
            "quantity": "a decimal string",
        },
        webhook=True,
    ),
    EventType("forecast.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "forecast.deleted",
        _("Forecast removed"),
        {"product": "the product's SKU", "warehouse": "the warehouse's code", "month": "YYYY-MM"},
    ),
    EventType(
        "productplanning.created",
        _("Lot sizing set"),
        {
            "product": "the product's SKU",
            "policy": "the lot-sizing policy",
            "lot_quantity": "a decimal string",
        },
    ),
    EventType("productplanning.updated", _("Changed"), {"changes": CHANGES}),
)
