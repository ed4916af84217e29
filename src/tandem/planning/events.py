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
