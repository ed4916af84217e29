"""What of a partner search finds: its name, e-mail, phones, tax and company IDs, reference
and the city of its default invoice address (see ``tandem.core.search``)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, QuerySet, Subquery

from tandem.core import search
from tandem.core.text import name_key
from tandem.partners.models import Address, Partner


def _entries(rows: QuerySet[Partner]) -> Iterator[search.Entry]:
    city = (
        Address.objects.filter(partner=OuterRef("pk"), kind=Address.Kind.INVOICE, is_default=True)
        .order_by()
        .values("city")[:1]
    )
    fields = ("pk", "company_id", "name", "email", "phone", "mobile", "tax_id", "registry_id", "ref", "city")
    for pk, company_id, name, email, phone, mobile, tax_id, registry_id, ref, city_name in rows.annotate(
        city=Subquery(city)
    ).values_list(*fields):
        text = search.document_text(
            name, email, ref, city_name or "", identifiers=[phone, mobile, tax_id, registry_id, ref]
        )
        yield search.Entry(pk, company_id, name, text)


DOCUMENT = search.SearchDocument(model=Partner, entries=_entries, key=name_key, feeds={Address: "partner_id"})
