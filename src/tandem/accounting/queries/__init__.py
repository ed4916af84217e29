"""Reads of the books beyond a filter, one module per part (ledger, reports, payments, …)."""
