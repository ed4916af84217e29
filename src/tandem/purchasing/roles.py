"""Purchasers buy; warehouse staff see what is ordered and expected, not what it costs;
accountants read orders and bill them. Administrators hold every permission (core.roles)."""

from tandem.core import roles

_ORDERS = ["purchaseorder", "purchaseorderline", "purchaserequest", "supplierprice"]
_READ_ORDERS = ["view_purchaseorder", "view_purchaseorderline", "view_purchaserequest"]

GRANTS = {
    roles.PURCHASER: [
        *(f"{verb}_{model}" for model in _ORDERS for verb in ("view", "add", "change")),
        "view_approvallevel",
        "view_approval",
        "view_orderbill",
        "view_purchase_prices",
    ],
    roles.WAREHOUSE: [*_READ_ORDERS],
    roles.SALES_MANAGER: [*_READ_ORDERS, "view_approval", "view_purchase_prices"],  # may approve as manager
    roles.ACCOUNTANT: [*_READ_ORDERS, "view_supplierprice", "view_orderbill", "view_purchase_prices"],
    roles.PRODUCTION_PLANNER: [
        *_READ_ORDERS,
        "add_purchaserequest",
        "view_supplierprice",
        "view_purchase_prices",
    ],
}
