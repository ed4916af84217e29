"""The events the books record. Payload descriptions are for integrators.

Each owner of a part of the books declares its events here, in its own block.
"""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

STATE = "the state before and after, as [from, to]"

# --- the ledger: chart, journals, periods, entries ------------------------------------------
declare(
    EventType(
        "chart.created",
        _("Chart of accounts created"),
        {"template": "the chart template's key", "accounts": "how many accounts it created"},
        webhook=True,
    ),
    EventType(
        "account.created", _("Created"), {"code": "the account's code", "name": "its name"}, webhook=True
    ),
    EventType("account.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "journal.created", _("Created"), {"code": "the journal's code", "kind": "its kind"}, webhook=True
    ),
    EventType("journal.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "books.lock_date_moved",
        _("Lock date moved"),
        {"lock_date": "[before, after] as ISO dates, null when there was none"},
        webhook=True,
    ),
    EventType(
        "cost_centre.created",
        _("Created"),
        {"code": "the cost centre's code", "name": "its name"},
        webhook=True,
    ),
    EventType("cost_centre.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "fiscal_year.created",
        _("Fiscal year created"),
        {"name": "the year's name", "start": "its first day, ISO", "end": "its last day, ISO"},
        webhook=True,
    ),
    EventType("books.updated", _("Accounting settings changed"), {"changes": CHANGES}, webhook=True),
    EventType("period.closed", _("Period closed"), {"state": STATE}, webhook=True),
    EventType("period.reopened", _("Period reopened"), {"state": STATE}, webhook=True),
    EventType(
        "entry.created",
        _("Created"),
        {"journal": "the journal's code", "date": "the entry's date, ISO"},
        webhook=False,
    ),
    EventType("entry.updated", _("Changed"), {"changes": CHANGES}, webhook=False),
    EventType(
        "entry.posted",
        _("Posted"),
        {
            "state": STATE,
            "number": "the number the entry got",
            "total": "the entry's debit total in company currency, a decimal string",
        },
        webhook=True,
    ),
    EventType(
        "entry.reversed",
        _("Reversed"),
        {"reversal": "the reversal entry's number", "date": "the reversal's date, ISO"},
        webhook=True,
    ),
    EventType(
        "books.revalued",
        _("Foreign-currency items revalued"),
        {"date": "the revaluation date, ISO", "entry": "the revaluation entry's number, or empty"},
        webhook=True,
    ),
    EventType(
        "books.revaluation_refused",
        _("Period-end revaluation refused"),
        {
            "date": "the last period end, ISO",
            "dates": "every period end the run would have revalued, ISO, oldest first",
            "reason": "why, as the job was told",
        },
    ),
)

# --- taxes and invoices (acct-invoices) -----------------------------------------------------
INVOICE_TOTAL = "the invoice's total in its currency, a decimal string"
declare(
    EventType(
        "tax.created",
        _("Created"),
        {"name": "the tax's name", "use": "sale or purchase", "amount": "its rate"},
    ),
    EventType("tax.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType("tax_group.created", _("Created"), {"name": "the tax group's name"}),
    EventType("tax_group.updated", _("Changed"), {"changes": CHANGES}),
    EventType("tax_group.deleted", _("Deleted"), {"name": "the tax group's name"}),
    EventType(
        "fiscal_position.created",
        _("Created"),
        {
            "name": "the fiscal position's name",
            "kind": "domestic, eu_reverse_charge or export",
            "tax_map": "its tax mappings as text (source → target, — when dropped)",
            "account_map": "its account mappings as text (source code → target code)",
        },
        webhook=True,
    ),
    EventType("fiscal_position.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "payment_term.created",
        _("Created"),
        {
            "name": "the payment term's name",
            "days": "net days when it has no lines",
            "lines": "its instalments as text, in order (e.g. '30 % +0', 'balance +60 eom')",
        },
        webhook=True,
    ),
    EventType("payment_term.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType("payment_term.deleted", _("Deleted"), {"name": "the payment term's name"}, webhook=True),
    EventType(
        "product.accounting_set",
        _("Accounting defaults changed"),
        {"changes": "sales and purchase taxes (names), income and expense accounts (codes): [before, after]"},
        webhook=True,
    ),
    EventType(
        "taxes.installed",
        _("Tax template installed"),
        {"country": "the template's country (ISO code)", "taxes": "how many taxes it created"},
        webhook=True,
    ),
    EventType(
        "invoice.created",
        _("Created"),
        {"kind": "customer_invoice, supplier_bill, …", "total": INVOICE_TOTAL},
    ),
    EventType("invoice.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "invoice.lines_written",
        _("Lines changed"),
        {
            "changed": "ids of the draft's lines changed in place",
            "removed": "ids of its lines removed",
            "added": "ids of the lines added",
        },
    ),
    EventType("invoice.deleted", _("Draft deleted"), {"kind": "the draft's kind"}),
    EventType(
        "invoice.posted",
        _("Posted"),
        {
            "state": STATE,
            "number": "the number it got",
            "total": INVOICE_TOTAL,
            "currency": "its currency code",
        },
        webhook=True,
    ),
    EventType(
        "invoice.cancelled",
        _("Cancelled"),
        {"state": STATE, "reversal": "the reversal entry's number (empty for a draft)"},
        webhook=True,
    ),
    EventType(
        "invoice.credited", _("Credit note issued"), {"credit_note": "the credit note's id"}, webhook=True
    ),
    EventType(
        "invoice.sent",
        _("Sent by e-mail"),
        {"to": "the addresses it was sent to", "number": "the invoice's number"},
        webhook=True,
    ),
)

# --- payments and reconciliation ----------------------------------------------------------
declare(
    EventType(
        "payment.created",
        _("Payment registered"),
        {"direction": "inbound or outbound", "amount": "the amount", "currency": "its currency code"},
        webhook=True,
    ),
    EventType("payment.updated", _("Changed"), {"changes": CHANGES}, webhook=False),
    EventType(
        "payment.deleted",
        _("Draft deleted"),
        {"amount": "the draft's amount", "currency": "its currency code"},
        webhook=False,
    ),
    EventType(
        "payment.posted",
        _("Posted"),
        {"state": STATE, "number": "the payment's number", "amount": "the amount", "currency": "its code"},
        webhook=True,
    ),
    EventType(
        "payment.cancelled",
        _("Cancelled"),
        {"state": STATE, "reversal": "the reversal entry's number (empty for a draft)"},
        webhook=True,
    ),
    EventType(
        "reconciliation.created",
        _("Matched"),
        {
            "debit_line": "the debit item's line id",
            "credit_line": "the credit item's line id",
            "amount": "the amount matched, in company currency",
            "exchange_entry": "the number of the realised exchange difference's entry, if any",
        },
        webhook=True,
    ),
    EventType(
        "reconciliation.removed",
        _("Match removed"),
        {
            "debit_line": "the debit item's line id",
            "credit_line": "the credit item's line id",
            "amount": "the amount that was matched",
        },
        webhook=True,
    ),
)

# --- payment runs: supplier bills paid by SEPA credit transfer -----------------------------
declare(
    EventType(
        "payment_run.created",
        _("Payment run made"),
        {
            "name": "the run's message ID (the pain.001 file's)",
            "bills": "the numbers of the bills it paid",
            "payments": "the numbers of the outgoing payments it created",
            "amount": "the total, a decimal string",
            "currency": "its currency code (EUR)",
            "execution_date": "when the bank is to pay, ISO",
        },
        webhook=True,
    ),
)

# --- reports: budgets and dunning ----------------------------------------------------------
declare(
    EventType("budget.created", _("Budget created"), {"name": "the budget's name"}, webhook=True),
    EventType(
        "budget.line_set",
        _("Budget amount set"),
        {
            "account": "the account's code",
            "cost_centre": "the cost centre's code or empty",
            "period": "the period's name",
            "amount": "the planned balance, a decimal string",
        },
        webhook=False,
    ),
    EventType("budget.updated", _("Changed"), {"changes": CHANGES}, webhook=False),
    EventType(
        "budget.line_removed",
        _("Budget amount removed"),
        {
            "account": "the account's code",
            "cost_centre": "the cost centre's code or empty",
            "period": "the period's name",
        },
        webhook=False,
    ),
    EventType(
        "budget.exceeded",
        _("Budget exceeded"),
        {
            "budget": "the budget's name",
            "account": "the account's code",
            "cost_centre": "its code or empty",
            "period": "the period's name",
            "budget_amount": "the planned balance",
            "actual": "the balance with this entry",
        },
        webhook=True,
    ),
    EventType(
        "dunning_level.created",
        _("Dunning level created"),
        {"name": "the level's name", "sequence": "its number"},
        webhook=False,
    ),
    EventType("dunning_level.updated", _("Changed"), {"changes": CHANGES}, webhook=False),
    EventType(
        "dunning.sent",
        _("Payment reminder sent"),
        {
            "level": "the dunning level's name",
            "channel": "email or letter",
            "amount_due": "the overdue amount, a decimal string",
            "fee": "the fee charged, a decimal string",
            "letter_id": "the dunning letter's id",
        },
        webhook=True,
    ),
)

# --- bank statements (acct-bank) -----------------------------------------------------------
declare(
    EventType(
        "bank_statement.imported",
        _("Bank statement imported"),
        {
            "name": "the statement's reference",
            "journal": "the bank journal's code",
            "source": "camt053, mt940 or csv",
            "lines": "how many transactions it holds",
            "balance_start": "the opening balance, a decimal string",
            "balance_end": "the closing balance, a decimal string",
        },
        webhook=True,
    ),
    EventType(
        "bank_statement.deleted",
        _("Bank statement removed"),
        {"name": "the statement's reference", "journal": "the bank journal's code", "lines": "its lines"},
        webhook=True,
    ),
    EventType(
        "bank_statement_line.matched",
        _("Bank transaction reconciled"),
        {
            "entry": "the number of the entry booked for it",
            "items": "the ids of the open items' journal lines it settled",
            "amounts": "what it settled of each, decimal strings in the statement's currency",
            "on_account": "what was left as a payment on account, a decimal string",
        },
        webhook=True,
    ),
    EventType(
        "bank_statement_line.written_off",
        _("Bank transaction reconciled with a write-off"),
        {
            "entry": "the number of the entry booked for it",
            "items": "the ids of the open items' journal lines it settled in full",
            "amounts": "what was open of each, decimal strings in the statement's currency",
            "write_off": "the difference written off, a decimal string in the statement's currency: "
            "positive when the line paid less than was open",
            "account": "the code of the account the difference went to",
        },
        webhook=True,
    ),
    EventType(
        "bank_statement_line.booked",
        _("Bank transaction booked to an account"),
        {"entry": "the number of the entry booked for it", "account": "the account's code"},
        webhook=True,
    ),
    EventType(
        "bank_statement_line.undone",
        _("Bank transaction reconciliation undone"),
        {"entry": "the entry that was reversed", "reversal": "the reversal entry's number"},
        webhook=True,
    ),
)
