"""Decimal money and quantity helpers. Floats never touch an amount."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from django.db.models import Case, DecimalField, F, Func, OuterRef, Subquery, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tandem.core.errors import BusinessError
from tandem.core.models import Currency, ExchangeRate, Uom

ZERO = Decimal(0)


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


def converted_in_sql(amount: str, currency: str, on: str | datetime.date, target: Currency) -> Any:
    """SQL for :func:`rate`'s conversion of the row's ``amount`` column, in its ``currency``
    column, into ``target`` on its ``on`` date column (or on one day for every row) — for sums
    and filters over rows in several currencies, so that 100 USD and 100 EUR are never added as
    200. Unrounded; NULL (left out of a sum) where :func:`rate` would find no rate."""
    output: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=10)
    day = OuterRef(on) if isinstance(on, str) else on

    def latest(**pair: Any) -> Subquery:
        rates = ExchangeRate.objects.filter(**pair, date__lte=day).order_by("-date")
        return Subquery(rates.values("rate")[:1], output_field=output)

    direct = latest(base_id=OuterRef(currency), quote_id=target.pk)
    inverse = latest(base_id=target.pk, quote_id=OuterRef(currency))
    return Case(
        When(**{currency: target.pk}, then=F(amount)),
        default=Coalesce(F(amount) * direct, _Quotient(F(amount), inverse, output_field=output)),
        output_field=output,
    )


class _Quotient(Func):
    """``a / b`` in SQL. SQLite divides two integers as integers (whole amounts and rates are
    stored as integers there: 4001 / 4 = 1000), so there the dividend is made real first."""

    arg_joiner = " / "
    template = "(%(expressions)s)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="(1.0 * %(expressions)s)", **extra_context)


def convert_quantity(quantity: Decimal, source: Uom, target: Uom) -> Decimal:
    """Convert between units of one category, rounded to the target unit's rounding."""
    if source.category_id != target.category_id:
        raise IncompatibleUnits(
            _("Cannot convert %(source)s to %(target)s: they measure different things.")
            % {"source": source.name, "target": target.name}
        )
    converted = quantity * source.factor / target.factor
    return (converted / target.rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP) * target.rounding


def plain(number: Decimal | int) -> str:
    """A quantity as a person writes it, for text and event payloads: no trailing zeros and
    never an exponent — 30, 2.5, 0.125 (``str(Decimal("30.0000").normalize())`` is "3E+1" and
    ``str(Decimal("0.0000001"))`` "1E-7"). Exact: no rounding to the context's precision."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def trimmed(number: Decimal) -> Decimal:
    """``number`` without trailing zeros and with no positive exponent (30.0000 → 30, not
    3E+1): a list column's value, which a CSV export writes with ``str``."""
    return Decimal(plain(number))


def read_decimal(
    value: Any, key: str, errors: dict[str, list[str]], *, least: Literal["any", "zero", "above zero"] = "any"
) -> Decimal:
    """The number a service was given, or zero with a message under ``key`` in ``errors``.

    Empty is zero; a float is refused (its binary value is not the decimal the user typed), and
    so are text that is no number, NaN and infinities; ``least`` refuses negatives ("zero") or
    also zero ("above zero").
    """
    if isinstance(value, float):
        errors.setdefault(key, []).append(_("Numbers are decimals, never floating point."))
        return ZERO
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        errors.setdefault(key, []).append(_("Enter a number."))
        return ZERO
    if least == "above zero" and number <= 0:
        errors.setdefault(key, []).append(_("Enter a quantity above zero."))
    elif least == "zero" and number < 0:
        errors.setdefault(key, []).append(_("Enter a number of zero or more."))
    return number
