"""Accountants keep the books; administrators hold every permission (core.roles)."""

from tandem.core import roles

_BOOKS = [
    "account", "accountgroup", "journal", "bookssettings", "fiscalyear", "period", "costcentre",
    "journalentry", "journalline", "tax", "taxgroup", "fiscalposition", "fiscalpositiontax",
    "fiscalpositionaccount", "productaccounting", "partneraccounting", "paymenttermline", "invoice",
    "invoiceline", "payment", "reconciliation", "bankstatement", "bankstatementline", "budget",
    "budgetline", "dunninglevel", "dunningletter",
]  # fmt: skip

GRANTS = {
    roles.ACCOUNTANT: [f"{verb}_{model}" for model in _BOOKS for verb in ("view", "add", "change", "delete")],
}
