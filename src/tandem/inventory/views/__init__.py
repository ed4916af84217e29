"""Inventory pages, one module per subject: warehouses (and locations, lots), transfers,
counts, the stock (the product's panel, quants, the ledger) and the phone screens."""
