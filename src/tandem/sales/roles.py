"""Salespeople quote and sell to their customers; sales managers see their teams' orders (the
platform's reach: the sales teams they lead) and confirm above the credit and discount limits;
the CRM's sales director sees every order; accountants read orders and invoice them; the sales analysis and
profitability are for salespeople (their own), sales managers and accountants; warehouse staff
read what is to be delivered. Administrators hold every permission (core.roles)."""

from tandem.core import roles
from tandem.crm.roles import SALES_DIRECTOR

_ORDERS = ["salesorder", "salesorderline"]
_READ = ["view_salesorder", "view_salesorderline", "view_orderinvoice", "view_orderinvoiceline"]

GRANTS = {
    roles.SALESPERSON: [
        *(f"{verb}_{model}" for model in _ORDERS for verb in ("view", "add", "change")),
        "view_orderinvoice",
        "view_orderinvoiceline",
        "view_creditlimit",
        "view_sales_analysis",
    ],
    roles.SALES_MANAGER: [
        *(f"{verb}_{model}" for model in _ORDERS for verb in ("view", "add", "change")),
        "view_orderinvoice",
        "view_orderinvoiceline",
        "approve_salesorder",
        "view_sales_analysis",
        "view_creditlimit",
        "add_creditlimit",
        "change_creditlimit",
        "view_salessettings",
        "change_salessettings",
    ],
    roles.ACCOUNTANT: [
        *_READ,
        "view_all_salesorders",
        "view_sales_analysis",
        "view_creditlimit",
        "change_creditlimit",
        "add_creditlimit",
    ],
    roles.WAREHOUSE: [*_READ, "view_all_salesorders"],
    SALES_DIRECTOR: ["view_all_salesorders"],
}
