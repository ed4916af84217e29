from tandem.core import roles

_READ = ["view_product", "view_category", "view_pricelist", "view_pricelistitem"]
_MANAGE = [
    "add_product", "change_product", "add_category", "change_category",
    "add_pricelist", "change_pricelist", "add_pricelistitem", "change_pricelistitem", "delete_pricelistitem",
]  # fmt: skip

GRANTS = {
    roles.SALES_MANAGER: [*_READ, *_MANAGE],
    roles.SALESPERSON: _READ,
    roles.PURCHASER: [*_READ, "add_product", "change_product"],
    roles.WAREHOUSE: [*_READ, "change_product"],
    roles.PRODUCTION_PLANNER: [*_READ, "add_product", "change_product"],
    roles.ACCOUNTANT: _READ,
}
