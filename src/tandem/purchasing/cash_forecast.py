"""What purchasing adds to the books' cash forecast (``accounting.queries.forecast``, which
knows nothing of purchasing): open purchase orders not yet billed, as payments.

An order has no taxes until it is billed, so it counts with what its bill will come to: its
lines with the taxes a bill's lines take by default (the products' purchase taxes, mapped by the
supplier's fiscal position; self-assessed reverse-charge VAT is not paid to the supplier), as
sales orders count with theirs (``accounting.services.invoices.taxed_total``). Its posted bills
(their totals, taxes included; refunds added back) are taken off; drafts and cancelled bills do
not count, since only posted ones are open items the forecast reads from the books. The rest is
billed on the expected date (else the order date) and paid as the supplier's payment term's
instalments fall due from then, in company currency at the order's own rate (``amount_company``
over ``amount_total``). Registered in ``PurchasingConfig.ready``.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice
from tandem.accounting.queries import forecast
from tandem.accounting.services import invoices
from tandem.core.models import Company
from tandem.purchasing.models import OrderBill, PurchaseOrder

OPEN_STATES = (PurchaseOrder.State.CONFIRMED, PurchaseOrder.State.RECEIVED)


def flows(company: Company, start: datetime.date, end: datetime.date) -> list[forecast.Flow]:
    orders = (
        PurchaseOrder.objects.filter(company=company, state__in=OPEN_STATES, amount_total__gt=0)
        .filter(Q(expected_date__lte=end) | Q(expected_date__isnull=True, order_date__lte=end))
        .annotate(
            billed=forecast.posted_invoiced(
                OrderBill.objects.all(), "amount_total", Invoice.Kind.SUPPLIER_REFUND
            )
        )
        .select_related("partner", "currency")
        .prefetch_related("lines__product")
    )
    rows = []
    for order in orders:
        taxed = invoices.taxed_total(
            company,
            order.partner,
            Invoice.Kind.SUPPLIER_BILL,
            [(line.product, line.quantity, line.price_unit) for line in order.lines.all()],
            order.currency,
        )
        in_company = taxed * order.amount_company / order.amount_total
        rows.append(
            (
                order.expected_date,
                order.order_date,
                taxed,
                in_company,
                order.billed,
                order.partner.payment_term_id,
            )
        )
    return forecast.order_flows(company, rows, outgoing=True)


PROVIDER = forecast.Provider("purchase_orders", _("Purchase orders not yet billed"), flows)


def register() -> None:
    forecast.register_provider(PROVIDER)
