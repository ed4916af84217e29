"""What of a product search finds: its name, SKU, barcode and category (see ``tandem.core.search``)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q, QuerySet

from tandem.catalog.models import Product
from tandem.core import search
from tandem.core.text import name_key


def _entries(rows: QuerySet[Product]) -> Iterator[search.Entry]:
    fields = ("pk", "company_id", "name", "sku", "barcode", "category__path")
    for pk, company_id, name, sku, barcode, category in rows.values_list(*fields):
        text = search.document_text(name, sku, category or "", identifiers=[sku, barcode])
        yield search.Entry(pk, company_id, f"[{sku}] {name}", text)


def _short(text: str) -> Q:
    """One or two characters: the start of the name or of the SKU."""
    sku = search.prefix_condition("sku", text.strip()) | search.prefix_condition("sku", text.strip().upper())
    return search.prefix_condition("name_key", name_key(text), code_point_ordered=True) | sku


DOCUMENT = search.SearchDocument(model=Product, entries=_entries, key=name_key, short=_short)
