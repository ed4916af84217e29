"""Printed documents: a transfer's slip (picking list, delivery note) and a count sheet."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.core.documents import services as documents
from tandem.inventory.models import Count, MoveLine, Transfer

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


def count_pdf(count: Count) -> bytes:
    """The count sheet to fill by hand: each line's place, product and lot, with room to write."""
    lines = count.lines.select_related("product__uom", "location", "lot")
    context = {"count": count, "lines": list(lines)}
    return documents.render_pdf(
        "inventory/documents/count.html", context, company=count.company, language=count.company.language
    )


def pdf_name(document: Transfer | Count) -> str:
    name = getattr(document, "number", "") or f"{document._meta.model_name}-{document.pk}"
    return f"{name.replace('/', '-')}.pdf"
