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
)
