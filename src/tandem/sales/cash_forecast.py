"""What sales adds to the books' cash forecast (``accounting.queries.forecast``, which knows
nothing of sales): confirmed orders not yet invoiced.

An order counts with what its posted invoices have not covered yet — its total (taxes included)
less its posted invoices, its posted credit notes added back; drafts and cancelled invoices do
not count, since only posted ones are open items the forecast reads from the books. The rest is
expected on the promised delivery date (else the order date), in company currency at the
order's own rate (``amount_company`` over ``amount_total``). Registered in ``SalesConfig.ready``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice
from tandem.accounting.queries import forecast
from tandem.core.models import Company
from tandem.core.money import round_money
from tandem.sales.models import OrderInvoice, SalesOrder

ZERO = Decimal(0)
OPEN_STATES = (SalesOrder.State.CONFIRMED, SalesOrder.State.DONE)
AMOUNT: DecimalField = DecimalField(max_digits=18, decimal_places=2)  # type: ignore[type-arg]


def _invoiced() -> Subquery:
    """Per order (``OuterRef("pk")``): its posted invoices' totals, credit notes subtracted."""
    signed = Case(
        When(invoice__kind=Invoice.Kind.CUSTOMER_CREDIT_NOTE, then=-F("invoice__amount_total")),
        default=F("invoice__amount_total"),
        output_field=AMOUNT,
    )
    rows = (
        OrderInvoice.objects.filter(order=OuterRef("pk"), invoice__state=Invoice.State.POSTED)
        .values("order")
        .annotate(total=Sum(signed))
        .values("total")
    )
    return Subquery(rows, output_field=AMOUNT)


def flows(company: Company, start: datetime.date, end: datetime.date) -> list[forecast.Flow]:
    rows = (
        SalesOrder.objects.filter(company=company, state__in=OPEN_STATES, amount_total__gt=0)
        .filter(Q(promised_date__lte=end) | Q(promised_date__isnull=True, order_date__lte=end))
        .annotate(invoiced=Coalesce(_invoiced(), Value(ZERO), output_field=AMOUNT))
        .values_list("promised_date", "order_date", "amount_total", "amount_company", "invoiced")
    )
    found = []
    for promised, ordered, total, in_company, invoiced in rows:
        left = total - invoiced.quantize(Decimal("0.01"))
        if left <= 0:
            continue
        amount = round_money(left * in_company / total, company.currency)
        found.append(forecast.Flow(promised or ordered, amount))
    return found


PROVIDER = forecast.Provider("sales_orders", _("Confirmed sales orders not yet invoiced"), flows)


def register() -> None:
    forecast.register_provider(PROVIDER)
