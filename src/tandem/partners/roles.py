from tandem.core import roles

_READ = ["view_partner", "view_tag", "view_customergroup", "view_address", "view_bankaccount"]
_WRITE = [
    "add_partner", "change_partner", "add_address", "change_address", "delete_address",
    "add_bankaccount", "change_bankaccount", "delete_bankaccount",
]  # fmt: skip

GRANTS = {
    # A sales manager sees the customers of the teams they lead (``core.registry.reach``), not
    # every one; the CRM's sales director is given ``view_all_partners`` by the CRM.
    roles.SALES_MANAGER: [*_READ, *_WRITE, "add_tag", "change_tag", "add_customergroup"],
    roles.SALESPERSON: [*_READ, *_WRITE],
    roles.PURCHASER: [*_READ, *_WRITE, "view_all_partners"],
    roles.WAREHOUSE: [*_READ, "view_all_partners"],
    roles.PRODUCTION_PLANNER: [*_READ, "view_all_partners"],
    roles.ACCOUNTANT: [*_READ, *_WRITE, "view_all_partners"],
    roles.HR: ["view_partner"],
}
