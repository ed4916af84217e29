"""“Customers who bought this also bought”: from the company's confirmed orders, the other
products bought by the customers who bought the given ones, ranked by how many such customers
bought each (then by how often it was ordered). One SQL aggregate; nothing is stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from tandem.catalog.models import Product
from tandem.core.models import Company
from tandem.sales.models import SalesOrder, SalesOrderLine

SOLD = ("confirmed", "done")
LIMIT = 5


@dataclass(frozen=True)
class Suggestion:
    product: Product
    customers: int


def also_bought(company: Company, products: Iterable[int], *, limit: int = LIMIT) -> list[Suggestion]:
    """At most ``limit`` products, none of ``products``, with the number of customers who
    bought one of ``products`` and them too; active products only."""
    given = {pk for pk in products if pk}
    if not given:
        return []
    return _ranked(company, given, limit)


def for_customer(company: Company, partner: int, *, limit: int = LIMIT) -> list[Suggestion]:
    """What the customers who bought what ``partner`` bought also bought, and ``partner`` not yet."""
    return _ranked(company, _bought_by(company, partner), limit)


def _ranked(company: Company, given: Any, limit: int) -> list[Suggestion]:
    buyers = SalesOrder.objects.filter(
        company=company, state__in=SOLD, lines__product__in=given, lines__optional=False
    ).values("partner_id")
    rows = (
        SalesOrderLine.objects.filter(
            order__company=company,
            order__state__in=SOLD,
            order__partner_id__in=buyers,
            optional=False,
            product__active=True,
        )
        .exclude(product_id__in=given)
        .values("product_id")
        .annotate(customers=Count("order__partner_id", distinct=True), lines=Count("id"))
        .order_by("-customers", "-lines", "product_id")[:limit]
    )
    found = list(rows)
    named = Product.objects.in_bulk([row["product_id"] for row in found])
    return [Suggestion(named[row["product_id"]], row["customers"]) for row in found]


def _bought_by(company: Company, partner: int) -> QuerySet[Any]:
    """The products ``partner`` bought on confirmed orders (a subquery)."""
    return SalesOrderLine.objects.filter(
        order__company=company, order__state__in=SOLD, order__partner_id=partner, optional=False
    ).values("product_id")
