"""Accountants keep the books; auditors read them; administrators hold every permission (core.roles).

The auditor is the books' own role: it sees the chart, journals, entries, invoices, payments,
reconciliations, statements, budgets, dunning and every report (``view_journalline``), and
adds, changes, posts or deletes nothing.
"""

from django.utils.translation import gettext_lazy as _

from tandem.core import roles

AUDITOR = "auditor"
ROLES = {AUDITOR: _("Auditor")}

_BOOKS = [
    "account", "accountgroup", "journal", "bookssettings", "fiscalyear", "period", "costcentre",
    "journalentry", "journalline", "tax", "taxgroup", "fiscalposition", "fiscalpositiontax",
    "fiscalpositionaccount", "productaccounting", "partneraccounting", "paymenttermline",
    "bookspaymentterm", "invoice", "invoiceline", "payment", "reconciliation", "bankstatement",
    "bankstatementline", "budget", "budgetline", "dunninglevel", "dunningletter", "paymentrun",
]  # fmt: skip

GRANTS = {
    roles.ACCOUNTANT: [f"{verb}_{model}" for model in _BOOKS for verb in ("view", "add", "change", "delete")],
    AUDITOR: [f"view_{model}" for model in _BOOKS],
}
