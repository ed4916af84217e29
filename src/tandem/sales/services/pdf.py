"""The quotation or order as a PDF, in the customer's language."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from tandem.core.documents import services as documents
from tandem.sales import queries
from tandem.sales.models import SalesOrder


def document_title(order: SalesOrder) -> str:
    return str(_("Sales order") if order.state in queries.CONFIRMED_STATES else _("Quotation"))


def order_pdf(order: SalesOrder) -> bytes:
    language = order.partner.language or order.company.language
    with translation.override(language):
        title = document_title(order)
    address = order.partner.addresses.order_by("-is_default", "id").first()
    context = {
        "title": title,
        "order": order,
        "lines": list(
            order.lines.select_related("product", "uom").prefetch_related("taxes").order_by("sequence", "id")
        ),
        "taxes": queries.tax_totals(order),
        "address_lines": [address.one_line()] if address is not None else [],
    }
    return documents.render_pdf(
        "sales/documents/order.html", context, company=order.company, language=language
    )


def pdf_name(order: SalesOrder) -> str:
    return f"{(order.number or f'quotation-{order.pk}').replace('/', '-')}.pdf"
