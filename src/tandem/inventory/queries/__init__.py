"""Reads of stock beyond a filter. ``availability(product, warehouse, until)`` is the entry point
sales and planning use to promise dates (see :class:`Availability`)."""

from tandem.inventory.queries.routes import first_step, route_ids
from tandem.inventory.queries.stock import (
    Availability,
    TimelinePoint,
    availabilities,
    availability,
    history,
    on_hand,
    open_moves,
    product_lines,
    quant_differences,
    reservation_differences,
    stock_by_location,
    warehouse_location_ids,
)
from tandem.inventory.queries.valuation import (
    DifferenceValues,
    count_difference_values,
    counts_difference_values,
    current_costs,
)

__all__ = [
    "Availability",
    "DifferenceValues",
    "TimelinePoint",
    "availabilities",
    "availability",
    "count_difference_values",
    "counts_difference_values",
    "current_costs",
    "first_step",
    "history",
    "on_hand",
    "open_moves",
    "product_lines",
    "quant_differences",
    "reservation_differences",
    "route_ids",
    "stock_by_location",
    "warehouse_location_ids",
]
