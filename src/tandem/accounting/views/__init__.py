"""The books' pages, one module per part (ledger, invoices, payments, reports)."""
