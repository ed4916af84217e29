"""Purchasers and production planners keep the reorder rules; warehouse staff read them.
Production planners run MRP, keep forecasts and lot sizing, and firm and release planned orders;
purchasers and sales managers read MRP's runs (sales managers also keep the forecasts)."""

from tandem.core import roles

_RULES = ["view_reorderrule", "add_reorderrule", "change_reorderrule"]
_MRP_READ = ["view_mrprun", "view_plannedorder", "view_mrpexception", "view_forecast", "view_productplanning"]
_FORECASTS = ["add_forecast", "change_forecast"]

GRANTS = {
    roles.PURCHASER: [*_RULES, *_MRP_READ],
    roles.PRODUCTION_PLANNER: [
        *_RULES,
        *_MRP_READ,
        *_FORECASTS,
        "add_mrprun",
        "change_plannedorder",
        "add_productplanning",
        "change_productplanning",
    ],
    roles.WAREHOUSE: ["view_reorderrule"],
    roles.SALES_MANAGER: ["view_forecast", *_FORECASTS],
}
