"""What purchasing adds to the books' cash forecast (``accounting.queries.forecast``, which
knows nothing of purchasing): open purchase orders not yet billed, as payments.

An order (confirmed or received) counts with what its posted supplier bills have not covered
yet: its total less the untaxed amounts of its posted bills, refunds added back (an order has no
taxes until it is billed, so the two compare untaxed). Drafts and cancelled bills do not count,
since only posted ones are open items the forecast reads from the books. The rest is paid on the
expected date (else the order date), in company currency at the order's own rate
(``amount_company`` over ``amount_total``). Registered in ``PurchasingConfig.ready``.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice
from tandem.accounting.queries import forecast
from tandem.core.models import Company
from tandem.purchasing.models import OrderBill, PurchaseOrder

OPEN_STATES = (PurchaseOrder.State.CONFIRMED, PurchaseOrder.State.RECEIVED)


def flows(company: Company, start: datetime.date, end: datetime.date) -> list[forecast.Flow]:
    rows = (
        PurchaseOrder.objects.filter(company=company, state__in=OPEN_STATES, amount_total__gt=0)
        .filter(Q(expected_date__lte=end) | Q(expected_date__isnull=True, order_date__lte=end))
        .annotate(
            billed=forecast.posted_invoiced(
                OrderBill.objects.all(), "amount_untaxed", Invoice.Kind.SUPPLIER_REFUND
            )
        )
        .values_list("expected_date", "order_date", "amount_total", "amount_company", "billed")
    )
    return forecast.order_flows(company, rows, outgoing=True)


PROVIDER = forecast.Provider("purchase_orders", _("Purchase orders not yet billed"), flows)


def register() -> None:
    forecast.register_provider(PROVIDER)
