"""What the inventory services share: errors, quantities and units, the deadlock retry."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import OperationalError, transaction
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core.errors import BusinessError, Conflict
from tandem.core.models import Company, Uom
from tandem.core.money import convert_quantity, plain

T = TypeVar("T")
ZERO = Decimal(0)
RETRIES = 8
# PostgreSQL: deadlock_detected, serialization_failure, lock_not_available
RETRYABLE = {"40P01", "40001", "55P03"}


class NotEnoughStock(Conflict):
    code = "not-enough-stock"


class WrongUnit(BusinessError):
    code = "incompatible-units"


def parse_quantity(value: Any) -> Decimal | None:
    """A finite Decimal from a Decimal, int or string; None for floats and garbage."""
    if isinstance(value, float | bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def product_quantity(product: Product, quantity: Any, uom: Uom | None) -> tuple[Decimal, Uom, Decimal]:
    """``(quantity in the product's unit, the unit as given, the quantity as given)``.

    Refuses (``WrongUnit`` / ``BusinessError``) a quantity that is not a positive decimal, a
    unit of another category, or a quantity the product's unit cannot count (½ a piece)."""
    number = parse_quantity(quantity)
    if number is None:
        raise BusinessError(_("Enter the quantity as a decimal number."))
    if number <= 0:
        raise BusinessError(_("A quantity is more than zero."))
    unit = uom or product.uom
    target = product.uom
    if unit.category_id != target.category_id:
        raise WrongUnit(
            _("%(unit)s cannot measure %(product)s, which is counted in %(target)s.")
            % {"unit": unit.name, "product": product.name, "target": target.name}
        )
    if unit.pk == target.pk:
        if number % target.rounding:
            raise BusinessError(
                _("%(product)s is counted in steps of %(step)s %(unit)s.")
                % {"product": product.name, "step": plain(target.rounding), "unit": target.code}
            )
        converted = number
    else:
        converted = convert_quantity(number, unit, target)
    if converted <= 0:
        raise BusinessError(_("A quantity is more than zero."))
    return converted, unit, number


def check_company(company: Company, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "company_id", company.pk) != company.pk:
            raise BusinessError(_("This names a record of another company."))


def check_stockable(product: Product) -> None:
    if product.kind == Product.Kind.SERVICE:
        raise BusinessError(_("%(product)s is a service: it has no stock.") % {"product": product.name})


def _retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE


def retrying(work: Callable[[], T]) -> T:
    """Run ``work`` in a transaction (a savepoint inside a caller's), again after a deadlock.

    Writers lock quants in one order, so deadlocks are rare; when PostgreSQL still picks one of
    two writers as a deadlock victim, its work is rolled back to the savepoint and run again, so
    the error never reaches a person."""
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as error:
            if attempt == RETRIES - 1 or not _retryable(error):
                raise
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
    raise AssertionError("unreachable")
