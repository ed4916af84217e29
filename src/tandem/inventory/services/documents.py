"""Printed documents: a transfer's slip (picking list, delivery note) and a count sheet."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from tandem.core.documents import services as documents
from tandem.inventory.models import Count, CountLine, MoveLine, Transfer
from tandem.inventory.queries.valuation import DifferenceValues

TITLES: dict[str, str] = {
    Transfer.Kind.RECEIPT: _("Receipt"),
    Transfer.Kind.DELIVERY: _("Delivery note"),
    Transfer.Kind.INTERNAL: _("Internal transfer"),
    Transfer.Kind.ADJUSTMENT: _("Stock adjustment"),
}


def transfer_pdf(transfer: Transfer) -> bytes:
    """The transfer's slip, in the partner's language: its lines, lots and quantities."""
    moves = transfer.moves.select_related("product__uom", "uom", "lot").order_by("sequence", "id")
    lines = list(
        MoveLine.objects.filter(move__transfer=transfer)
        .select_related("product__uom", "lot", "source_location", "dest_location")
        .order_by("id")
    )
    language = (transfer.partner.language if transfer.partner else "") or transfer.company.language
    context = {
        "title": str(TITLES[transfer.kind]),
        "transfer": transfer,
        "moves": list(moves),
        "lines": lines,
    }
    return documents.render_pdf(
        "inventory/documents/transfer.html", context, company=transfer.company, language=language
    )


def count_pdf(
    count: Count, lines: Sequence[CountLine] | None = None, values: DifferenceValues | None = None
) -> bytes:
    """The count sheet to fill by hand: each line's place, product and lot, with room to write;
    with ``values`` (for those who may see stock values) each difference and its value."""
    if lines is None:
        lines = list(count.lines.select_related("product__uom", "location", "lot"))
    rows = [(line, values.lines.get(line.pk) if values else None) for line in lines]
    context = {"count": count, "lines": rows, "values": values}
    return documents.render_pdf(
        "inventory/documents/count.html", context, company=count.company, language=count.company.language
    )


def pdf_name(document: Transfer | Count) -> str:
    name = getattr(document, "number", "") or f"{document._meta.model_name}-{document.pk}"
    return f"{name.replace('/', '-')}.pdf"
