"""The books over HTTP, one module per part (ledger, invoices, payments, reports)."""
