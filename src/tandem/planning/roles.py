"""Purchasers and production planners keep the reorder rules; warehouse staff read them."""

from tandem.core import roles

_RULES = ["view_reorderrule", "add_reorderrule", "change_reorderrule"]

GRANTS = {
    roles.PURCHASER: _RULES,
    roles.PRODUCTION_PLANNER: _RULES,
    roles.WAREHOUSE: ["view_reorderrule"],
}
