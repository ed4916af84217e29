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
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice
from tandem.accounting.queries import forecast
from tandem.core.models import Company
from tandem.core.money import round_money
from tandem.purchasing.models import OrderBill, PurchaseOrder

ZERO = Decimal(0)
OPEN_STATES = (PurchaseOrder.State.CONFIRMED, PurchaseOrder.State.RECEIVED)
AMOUNT: DecimalField = DecimalField(max_digits=18, decimal_places=2)  # type: ignore[type-arg]


def _billed() -> Subquery:
    """Per order (``OuterRef("pk")``): its posted bills' untaxed amounts, refunds subtracted."""
    signed = Case(
        When(invoice__kind=Invoice.Kind.SUPPLIER_REFUND, then=-F("invoice__amount_untaxed")),
        default=F("invoice__amount_untaxed"),
        output_field=AMOUNT,
    )
    rows = (
        OrderBill.objects.filter(order=OuterRef("pk"), invoice__state=Invoice.State.POSTED)
        .values("order")
        .annotate(total=Sum(signed))
        .values("total")
    )
    return Subquery(rows, output_field=AMOUNT)


def flows(company: Company, start: datetime.date, end: datetime.date) -> list[forecast.Flow]:
    rows = (
        PurchaseOrder.objects.filter(company=company, state__in=OPEN_STATES, amount_total__gt=0)
        .filter(Q(expected_date__lte=end) | Q(expected_date__isnull=True, order_date__lte=end))
        .annotate(billed=Coalesce(_billed(), Value(ZERO), output_field=AMOUNT))
        .values_list("expected_date", "order_date", "amount_total", "amount_company", "billed")
    )
    found = []
    for expected, ordered, total, in_company, billed in rows:
        left = total - billed.quantize(Decimal("0.01"))
        if left <= 0:
            continue
        amount = round_money(left * in_company / total, company.currency)
        found.append(forecast.Flow(expected or ordered, -amount))
    return found


PROVIDER = forecast.Provider("purchase_orders", _("Purchase orders not yet billed"), flows)


def register() -> None:
    forecast.register_provider(PROVIDER)
