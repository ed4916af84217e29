"""Every write on the books, one module per part (ledger, charts, invoices, payments, …)."""
