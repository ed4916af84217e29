"""Decimal money and quantity helpers. Floats never touch an amount."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from tandem.core.errors import BusinessError
from tandem.core.models import Currency, ExchangeRate, Uom


class MissingRate(BusinessError):
    code = "missing-rate"


class IncompatibleUnits(BusinessError):
    code = "incompatible-units"


def round_money(amount: Decimal, currency: Currency) -> Decimal:
    """Round half up to the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD)."""
    return amount.quantize(currency.quantum, rounding=ROUND_HALF_UP)


def rate(base: Currency, quote: Currency, on: datetime.date) -> Decimal:
    """Units of ``quote`` per unit of ``base`` on ``on``: the latest rate not after that day."""
    if base.pk == quote.pk:
        return Decimal(1)
    direct = _latest(base, quote, on)
    if direct is not None:
        return direct
    inverse = _latest(quote, base, on)
    if inverse is not None:
        return Decimal(1) / inverse
    raise MissingRate(
        _("No exchange rate from %(base)s to %(quote)s on or before %(date)s.")
        % {"base": base.code, "quote": quote.code, "date": on.isoformat()}
    )


def _latest(base: Currency, quote: Currency, on: datetime.date) -> Decimal | None:
    return (
        ExchangeRate.objects.filter(base=base, quote=quote, date__lte=on)
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )


def convert(amount: Decimal, source: Currency, target: Currency, on: datetime.date) -> Decimal:
    return round_money(amount * rate(source, target, on), target)


def convert_quantity(quantity: Decimal, source: Uom, target: Uom) -> Decimal:
    """Convert between units of one category, rounded to the target unit's rounding."""
    if source.category_id != target.category_id:
        raise IncompatibleUnits(
            _("Cannot convert %(source)s to %(target)s: they measure different things.")
            % {"source": source.name, "target": target.name}
        )
    converted = quantity * source.factor / target.factor
    return (converted / target.rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP) * target.rounding
