"""The company's sales settings and its customers' credit limits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import StaleVersion, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.money import plain, read_decimal
from tandem.partners.models import Partner
from tandem.sales.models import CreditLimit, InvoicePolicy, ProductInvoicePolicy, SalesSettings
from tandem.sales.services.common import HUNDRED, _other_company


@transaction.atomic
def update_settings(
    company: Company,
    actor: User | None,
    *,
    discount_limit: Any = None,
    manager_discount_limit: Any = None,
    invoice_policy: str | None = None,
    validity_days: int | None = None,
    acceptance_confirms: bool | None = None,
    link_days: int | None = None,
) -> SalesSettings:
    """Change the company's sales settings (what is not given stays); each change is recorded
    (``salessettings.updated``, before and after). Refused, nothing is written."""
    errors: dict[str, list[str]] = {}
    row, _created = SalesSettings.objects.select_for_update().get_or_create(company=company)
    changes: dict[str, list[str]] = {}
    for name, given in (
        ("discount_limit", discount_limit),
        ("manager_discount_limit", manager_discount_limit),
    ):
        if given is None:
            continue
        limit = read_decimal(given, name, errors, least="zero")
        if limit > HUNDRED:
            errors[name] = [_("A discount limit is between 0 and 100 %.")]
        changes[name] = [plain(getattr(row, name)), plain(limit)]
        setattr(row, name, limit)
    if row.discount_limit > row.manager_discount_limit and not errors:
        errors["manager_discount_limit"] = [
            _("A sales manager's discount limit is at least a salesperson's.")
        ]
    if invoice_policy is not None:
        if invoice_policy not in InvoicePolicy.values:
            errors["invoice_policy"] = [_("Invoice on ordered or on delivered quantities.")]
        changes["invoice_policy"] = [row.invoice_policy, invoice_policy]
        row.invoice_policy = invoice_policy
    if validity_days is not None:
        if (
            not isinstance(validity_days, int)
            or isinstance(validity_days, bool)
            or not 1 <= validity_days <= 365
        ):
            errors["validity_days"] = [_("A quotation is valid for 1 to 365 days.")]
        else:
            changes["validity_days"] = [str(row.validity_days), str(validity_days)]
            row.validity_days = validity_days
    if acceptance_confirms is not None:
        changes["acceptance_confirms"] = [str(row.acceptance_confirms), str(bool(acceptance_confirms))]
        row.acceptance_confirms = bool(acceptance_confirms)
    if link_days is not None:
        if not isinstance(link_days, int) or isinstance(link_days, bool) or not 1 <= link_days <= 365:
            errors["link_days"] = [_("A link works for 1 to 365 days.")]
        else:
            changes["link_days"] = [str(row.link_days), str(link_days)]
            row.link_days = link_days
    if errors:
        raise ValidationFailed(errors)
    row.save()
    changed = {name: pair for name, pair in changes.items() if pair[0] != pair[1]}
    if changed:
        events.record("salessettings.updated", row, actor, {"changes": changed}, company=company)
    return row


@transaction.atomic
def set_credit_limit(
    company: Company,
    actor: User | None,
    *,
    partner: Partner,
    amount: Any,
    expected_version: int | None = None,
) -> CreditLimit | None:
    """Set (or, with ``amount`` None or empty, remove) a customer's credit limit; with
    ``expected_version`` (the API's ``If-Match``) a limit changed meanwhile is refused."""
    if _other_company(partner, company):
        raise ValidationFailed({"partner": [_("This choice belongs to another company.")]})
    current = CreditLimit.objects.select_for_update().filter(company=company, partner=partner).first()
    if current is not None and expected_version is not None and current.version != expected_version:
        raise StaleVersion(_("Someone else changed this record meanwhile. Reload it and try again."))
    if amount in (None, ""):
        CreditLimit.objects.filter(company=company, partner=partner).delete()
        events.record("creditlimit.changed", partner, actor, {"amount": None})
        return None
    errors: dict[str, list[str]] = {}
    value = read_decimal(amount, "amount", errors, least="zero")
    if errors:
        raise ValidationFailed(errors)
    if current is None:
        current = CreditLimit.objects.create(company=company, partner=partner, amount=value)
    else:
        current.amount, current.version = value, current.version + 1
        current.save(update_fields=["amount", "version"])
    events.record("creditlimit.changed", partner, actor, {"amount": str(value)})
    return current


@transaction.atomic
def set_invoice_policy(
    company: Company, actor: User | None, *, product: Product, invoice_policy: str | None
) -> ProductInvoicePolicy | None:
    """Invoice ``product`` on ordered or on delivered quantities whatever the company's default
    (``invoice_policy`` None or empty: the default again). Services are always invoiced on
    ordered quantities. Lines already on quotations keep the policy they were written with."""
    if not isinstance(product, Product) or _other_company(product, company):
        raise ValidationFailed({"product": [_("This choice belongs to another company.")]})
    if invoice_policy in (None, ""):
        ProductInvoicePolicy.objects.filter(company=company, product=product).delete()
        events.record("product.invoice_policy_changed", product, actor, {"invoice_policy": None})
        return None
    if invoice_policy not in InvoicePolicy.values:
        raise ValidationFailed({"invoice_policy": [_("Invoice on ordered or on delivered quantities.")]})
    if product.kind == Product.Kind.SERVICE:
        raise ValidationFailed({"invoice_policy": [_("A service is always invoiced on ordered quantities.")]})
    row, _created = ProductInvoicePolicy.objects.update_or_create(
        company=company, product=product, defaults={"invoice_policy": invoice_policy}
    )
    events.record("product.invoice_policy_changed", product, actor, {"invoice_policy": invoice_policy})
    return row
