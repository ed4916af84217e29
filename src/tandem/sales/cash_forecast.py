"""What sales adds to the books' cash forecast (``accounting.queries.forecast``, which knows
nothing of sales): confirmed orders not yet invoiced.

An order counts with what its posted invoices have not covered yet — its total (taxes included)
less the lines of posted invoices that bill it, those of posted credit notes added back (one
invoice may bill several orders: each is covered by its own lines only; a line that bills no
order counts for the invoice's order when it has only one); drafts and cancelled invoices do
not count, since only posted ones are open items the forecast reads from the books. The rest is
invoiced on the promised delivery date (else the order date) and expected as the customer's
payment term's instalments fall due from then (``forecast.order_flows``), in company currency
at the order's own rate (``amount_company`` over ``amount_total``). Registered in
``SalesConfig.ready``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice, InvoiceLine
from tandem.accounting.queries import forecast
from tandem.core.models import Company
from tandem.sales.models import OrderInvoice, OrderInvoiceLine, SalesOrder

OPEN_STATES = (SalesOrder.State.CONFIRMED, SalesOrder.State.DONE)
ZERO = Decimal(0)


def flows(company: Company, start: datetime.date, end: datetime.date) -> list[forecast.Flow]:
    rows = (
        SalesOrder.objects.filter(company=company, state__in=OPEN_STATES, amount_total__gt=0)
        .filter(Q(promised_date__lte=end) | Q(promised_date__isnull=True, order_date__lte=end))
        .annotate(invoiced=_covered_by_its_lines())
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


def _covered_by_its_lines() -> Coalesce:
    """Per order (``OuterRef("pk")``): the lines of posted invoices that bill it, taxes included,
    credit notes taken off; zero when there are none."""
    order = OuterRef(OuterRef("pk"))
    bills_it = Exists(OrderInvoiceLine.objects.filter(invoice_line=OuterRef("pk"), order=order))
    bills_no_order = ~Exists(OrderInvoiceLine.objects.filter(invoice_line=OuterRef("pk")))
    its_invoice_alone = Exists(
        OrderInvoice.objects.filter(invoice=OuterRef("invoice"), order=order)
    ) & ~Exists(OrderInvoice.objects.filter(invoice=OuterRef("invoice")).exclude(order=order))
    signed = Case(
        When(invoice__kind=Invoice.Kind.CUSTOMER_CREDIT_NOTE, then=-F("amount_total")),
        default=F("amount_total"),
        output_field=forecast.AMOUNT,
    )
    total = (
        InvoiceLine.objects.filter(invoice__state=Invoice.State.POSTED)
        .filter(bills_it | (bills_no_order & its_invoice_alone))
        .order_by()
        .values("invoice__company")
        .annotate(total=Sum(signed))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=forecast.AMOUNT), Value(ZERO), output_field=forecast.AMOUNT)


PROVIDER = forecast.Provider("sales_orders", _("Confirmed sales orders not yet invoiced"), flows)


def register() -> None:
    forecast.register_provider(PROVIDER)
