"""What sales adds to the books' cash forecast (``accounting.queries.forecast``, which knows
nothing of sales): confirmed orders not yet invoiced.

An order counts with what its posted invoices have not covered yet — its total (taxes included)
less its posted invoices, its posted credit notes added back; drafts and cancelled invoices do
not count, since only posted ones are open items the forecast reads from the books. The rest is
invoiced on the promised delivery date (else the order date) and expected as the customer's
payment term's instalments fall due from then (``forecast.order_flows``), in company currency
at the order's own rate (``amount_company`` over ``amount_total``). Registered in
``SalesConfig.ready``.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice
from tandem.accounting.queries import forecast
from tandem.core.models import Company
from tandem.sales.models import OrderInvoice, SalesOrder

OPEN_STATES = (SalesOrder.State.CONFIRMED, SalesOrder.State.DONE)


def flows(company: Company, start: datetime.date, end: datetime.date) -> list[forecast.Flow]:
    rows = (
        SalesOrder.objects.filter(company=company, state__in=OPEN_STATES, amount_total__gt=0)
        .filter(Q(promised_date__lte=end) | Q(promised_date__isnull=True, order_date__lte=end))
        .annotate(
            invoiced=forecast.posted_invoiced(
                OrderInvoice.objects.all(), "amount_total", Invoice.Kind.CUSTOMER_CREDIT_NOTE
            )
        )
        .values_list(
            "promised_date",
            "order_date",
            "amount_total",
            "amount_company",
            "invoiced",
            "partner__payment_term",
        )
    )
    return forecast.order_flows(company, rows, outgoing=False)


PROVIDER = forecast.Provider("sales_orders", _("Confirmed sales orders not yet invoiced"), flows)


def register() -> None:
    forecast.register_provider(PROVIDER)
