from tandem.accounting.roles import AUDITOR
from tandem.core import roles

_READ = [
    "view_warehouse", "view_location", "view_lot", "view_transfer", "view_move", "view_moveline",
    "view_quant", "view_count", "view_countline",
]  # fmt: skip
_OPERATE = ["add_transfer", "change_transfer", "add_lot", "add_count", "change_count"]
_MANAGE = ["add_warehouse", "change_warehouse", "add_location", "change_location"]

GRANTS = {
    roles.WAREHOUSE: [*_READ, *_OPERATE, *_MANAGE],
    roles.PURCHASER: [*_READ, "add_transfer", "change_transfer"],
    roles.SALES_MANAGER: [*_READ, "add_transfer", "change_transfer"],
    roles.SALESPERSON: ["view_warehouse", "view_quant", "view_transfer", "view_move"],
    roles.PRODUCTION_PLANNER: [*_READ, "add_transfer", "change_transfer"],
    roles.ACCOUNTANT: [
        *_READ,
        "view_valuationlayer",
        "view_valuationsettings",
        "change_valuationsettings",
        "view_categoryvaluation",
        "add_categoryvaluation",
        "change_categoryvaluation",
        "delete_categoryvaluation",
        "view_landedcost",
        "add_landedcost",
        "change_landedcost",
    ],
    AUDITOR: ["view_valuationlayer", "view_valuationsettings", "view_categoryvaluation", "view_landedcost"],
}
