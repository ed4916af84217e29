"""Production planners set production up (work centres, routings, BOMs, check points) and run
the orders; the production role (people on the shop floor) works the work orders and records
quality checks; warehouse staff and accountants read."""

from django.utils.translation import gettext_lazy as _

from tandem.core import roles

PRODUCTION = "production"
ROLES = {PRODUCTION: _("Production")}

_SETUP = ["workcentre", "routing", "bom", "qualitypoint"]
_ORDERS = ["manufacturingorder", "workorder", "qualitycheck", "qualityalert"]
_READ = [f"view_{model}" for model in (*_SETUP, *_ORDERS)]

GRANTS = {
    roles.PRODUCTION_PLANNER: [
        *_READ,
        *(f"{verb}_{model}" for model in (*_SETUP, *_ORDERS) for verb in ("add", "change")),
    ],
    PRODUCTION: [*_READ, "change_workorder", "change_qualitycheck", "add_qualityalert"],
    roles.WAREHOUSE: ["view_manufacturingorder", "view_bom", "view_workcentre", "view_routing"],
    roles.ACCOUNTANT: ["view_manufacturingorder", "view_bom", "view_workcentre", "view_routing"],
    roles.SALES_MANAGER: ["view_manufacturingorder", "view_bom"],
}
