"""Reads of the books beyond a filter, one module per part (ledger, reports, payments, …)."""

# What other domains read (sales' credit limit, the partner card): under record rules.
from tandem.accounting.queries.payments import open_balance, overdue

__all__ = ["open_balance", "overdue"]
