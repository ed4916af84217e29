"""Reads on the catalogue: search, and the price of a product for a customer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from tandem.catalog.models import PriceList, PriceListItem, Product
from tandem.core import search as core_search
from tandem.core.models import Currency
from tandem.core.money import convert
from tandem.partners.models import Partner


def search(rows: QuerySet[Product], text: str) -> QuerySet[Product]:
    """Any part of the name, SKU, barcode or category (``core.search``)."""
    text = text.strip()
    return core_search.filter_rows(rows, text) if text else rows


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    currency: Currency
    price_list: PriceList | None
    item: PriceListItem | None


def price_for(
    product: Product,
    partner: Partner | None = None,
    quantity: Decimal = Decimal(1),
    on: datetime.date | None = None,
    currency: Currency | None = None,
) -> Price:
    """The unit price of ``product`` for ``partner`` buying ``quantity`` on ``on``.

    The rule, in order: price lists in the wanted currency (the partner's, else the
    company's); a list for the partner's customer group beats a general list; within a
    list the highest quantity break not above ``quantity`` that is valid on the date wins.
    With no matching row, the product's sales price, converted at that day's rate.
    """
    on = on or timezone.localdate()
    currency = (
        currency
        or (partner.currency if partner and partner.currency_id else None)
        or product.company.currency
    )
    group_id = partner.group_id if partner else None
    item = _best_item(product, currency, group_id, quantity, on)
    if item is not None:
        return Price(item.price, currency, item.price_list, item)
    base = (
        convert(product.sales_price, product.company.currency, currency, on)
        if currency.pk != product.company.currency_id
        else product.sales_price
    )
    return Price(base, currency, None, None)


def _best_item(
    product: Product, currency: Currency, group_id: int | None, quantity: Decimal, on: datetime.date
) -> PriceListItem | None:
    groups = Q(price_list__customer_group__isnull=True)
    if group_id is not None:
        groups |= Q(price_list__customer_group_id=group_id)
    items = (
        PriceListItem.objects.filter(
            groups,
            product=product,
            price_list__currency=currency,
            price_list__active=True,
            min_quantity__lte=quantity,
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("price_list")
    )
    ranked = sorted(
        items,
        key=lambda i: (
            i.price_list.customer_group_id is not None,
            i.min_quantity,
            i.valid_from is not None,
            i.pk,
        ),
        reverse=True,
    )
    return ranked[0] if ranked else None
