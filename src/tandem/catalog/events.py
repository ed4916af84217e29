"""The events the catalogue records. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

declare(
    EventType(
        "product.created",
        _("Created"),
        {"sku": "the stock-keeping unit", "name": "the product's name"},
        webhook=True,
    ),
    EventType("product.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "category.created", _("Created"), {"path": "the category with its parents, “A / B”"}, webhook=True
    ),
    EventType("pricelist.created", _("Created"), {"name": "the price list's name"}, webhook=True),
    EventType(
        "pricelist.price_set",
        _("Price set"),
        {
            "product": "the product's SKU",
            "price": "the price, a decimal string",
            "min_quantity": "from this quantity on, a decimal string",
        },
        webhook=True,
    ),
)
