"""Reads on the catalogue: search, and the price of a product for a customer."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from tandem.catalog.models import PriceList, PriceListItem, Product
from tandem.core import search as core_search
from tandem.core.models import Company, Currency
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
    return PriceBook([product], partner, on, currency).price(product, quantity)


class PriceBook:
    """:func:`price_for` of several products for one partner on one day (the lines of an
    order): their price list rows are read in one query, their companies once each."""

    def __init__(
        self,
        products: Iterable[Product],
        partner: Partner | None = None,
        on: datetime.date | None = None,
        currency: Currency | None = None,
    ) -> None:
        self.partner = partner
        self.on = on or timezone.localdate()
        self.currency = currency or (partner.currency if partner and partner.currency_id else None)
        self._companies: dict[int, Company] = {}
        products = list(products)
        wanted = {self._currency_of(product).pk for product in products}
        self._items: dict[int, list[PriceListItem]] = {}
        for item in _items(products, wanted, partner.group_id if partner else None, self.on):
            self._items.setdefault(item.product_id, []).append(item)

    def _company_of(self, product: Product) -> Company:
        company = self._companies.get(product.company_id)
        if company is None:
            company = self._companies[product.company_id] = product.company
        return company

    def _currency_of(self, product: Product) -> Currency:
        return self.currency or self._company_of(product).currency

    def price(self, product: Product, quantity: Decimal = Decimal(1)) -> Price:
        """The price of one of the book's products (:func:`price_for`)."""
        currency = self._currency_of(product)
        candidates = [
            item
            for item in self._items.get(product.pk, [])
            if item.price_list.currency_id == currency.pk and item.min_quantity <= quantity
        ]
        ranked = sorted(
            candidates,
            key=lambda i: (
                i.price_list.customer_group_id is not None,
                i.min_quantity,
                i.valid_from is not None,
                i.pk,
            ),
            reverse=True,
        )
        if ranked:
            item = ranked[0]
            return Price(item.price, currency, item.price_list, item)
        company = self._company_of(product)
        base = (
            convert(product.sales_price, company.currency, currency, self.on)
            if currency.pk != company.currency_id
            else product.sales_price
        )
        return Price(base, currency, None, None)


def _items(
    products: list[Product], currency_ids: set[str], group_id: int | None, on: datetime.date
) -> QuerySet[PriceListItem]:
    groups = Q(price_list__customer_group__isnull=True)
    if group_id is not None:
        groups |= Q(price_list__customer_group_id=group_id)
    return (
        PriceListItem.objects.filter(
            groups,
            product__in=[product.pk for product in products],
            price_list__currency__in=sorted(currency_ids),
            price_list__active=True,
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("price_list")
    )
