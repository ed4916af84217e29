"""Quotations: their header and lines (prices, taxes, costs and totals), created from scratch or
from a deal, changed while they are quotations, numbered, and deleted while never sent."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.accounting.models import BooksSettings, Tax
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.services import invoices as accounting
from tandem.accounting.services import taxes as tax_rules
from tandem.catalog.models import Product
from tandem.catalog.queries import PriceBook
from tandem.core import events, sequences
from tandem.core.bulk import create_with_links
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, Uom, User
from tandem.core.money import MissingRate, convert, read_decimal, round_money
from tandem.core.versioning import update_versioned
from tandem.crm.models import Deal
from tandem.partners.models import Partner
from tandem.sales import queries
from tandem.sales.models import InvoicePolicy, QuotationResponse, SalesOrder, SalesOrderLine
from tandem.sales.services.common import (
    EDITABLE,
    HUNDRED,
    ORDER_HEADER,
    PRICE_QUANTUM,
    SEQUENCE,
    ZERO,
    OrderNotEditable,
    S,
    _may_see,
    _other_company,
    _user,
)


@dataclass
class OrderLineData:
    """One line as a caller gives it: an empty price takes ``catalog.queries.price_for``, empty
    taxes the product's sales taxes under the customer's fiscal position, an empty policy the
    company's (services: ordered quantities)."""

    product: Product
    quantity: Any
    price_unit: Any = None
    discount: Any = ZERO
    description: str = ""
    uom: Uom | None = None
    optional: bool = False
    taxes: Sequence[Tax] | None = None
    invoice_policy: str | None = None


def _cost_in(order: SalesOrder, product: Product) -> Decimal:
    if order.currency_id == order.company.currency_id:
        return product.cost
    try:
        return convert(product.cost, order.company.currency, order.currency, order.order_date).quantize(
            PRICE_QUANTUM
        )
    except MissingRate:
        return ZERO


def _write_lines(order: SalesOrder, given: Sequence[OrderLineData]) -> None:
    errors: dict[str, list[str]] = {}
    if not given:
        errors["lines"] = [_("A quotation has at least one line.")]
    policy = queries.settings_of(order.company).invoice_policy
    # the lines' products are priced, taxed and given their policies in a query or two each
    valid = [
        data
        for data in given
        if isinstance(data.product, Product) and not _other_company(data.product, order.company)
    ]
    prices = PriceBook(
        [data.product for data in valid if data.price_unit in (None, "")],
        order.partner,
        order.order_date,
        order.currency,
    )
    defaults = accounting.sale_taxes(
        order.company, order.partner, [data.product for data in valid if data.taxes is None]
    )
    policies = queries.invoice_policies_of(
        [data.product for data in valid if not data.invoice_policy], policy
    )
    rows: list[tuple[SalesOrderLine, list[Tax]]] = []
    for n, data in enumerate(given):
        key = f"lines.{n}"
        product = data.product
        if not isinstance(product, Product) or _other_company(product, order.company):
            errors.setdefault(key, []).append(_("This line names a record of another company."))
            continue
        quantity = read_decimal(data.quantity, key, errors, least="above zero")
        discount = read_decimal(data.discount, key, errors, least="zero")
        if discount > HUNDRED:
            errors.setdefault(key, []).append(_("A discount is between 0 and 100 %."))
        unit = data.uom or product.uom
        if unit.category_id != product.uom.category_id:
            errors.setdefault(key, []).append(_("This unit cannot measure this product."))
        if data.price_unit in (None, ""):
            try:
                found = prices.price(product, quantity or Decimal(1))
            except MissingRate as exc:
                errors.setdefault(key, []).append(exc.message)
                continue
            price = found.unit_price.quantize(PRICE_QUANTUM)
        else:
            price = read_decimal(data.price_unit, key, errors, least="zero")
        chosen = list(data.taxes) if data.taxes is not None else defaults[product.pk]
        if any(tax.company_id != order.company_id or tax.use != Tax.Use.SALE for tax in chosen):
            errors.setdefault(key, []).append(_("Choose sales taxes of this company."))
        line_policy = data.invoice_policy or policies[product.pk]
        if line_policy not in InvoicePolicy.values:
            errors.setdefault(key, []).append(_("Invoice on ordered or on delivered quantities."))
        line = SalesOrderLine(
            order=order,
            sequence=10 * (n + 1),
            product=product,
            description=(data.description or product.name).strip()[:500],
            quantity=quantity,
            uom=unit,
            price_unit=price,
            discount=discount,
            optional=bool(data.optional),
            invoice_policy=line_policy,
            cost_unit=_cost_in(order, product),
        )
        rows.append((line, chosen))
    if not errors and all(line.optional for line, _t in rows):
        errors["lines"] = [_("At least one line is not optional.")]
    if errors:
        raise ValidationFailed(errors)
    order.lines.all().delete()
    create_with_links(rows, "taxes")
    _compute(order)


def _compute(order: SalesOrder) -> None:
    """Line and order totals from the lines and their taxes (rounded as the books round an
    invoice); optional lines have their amounts but stay out of the order's totals."""
    books = ledger_queries.settings_of(order.company)
    round_line = books.tax_rounding == BooksSettings.TaxRounding.PER_LINE
    lines = list(
        order.lines.prefetch_related("taxes__children").select_related("product").order_by("sequence", "id")
    )
    found_all = []
    cost = ZERO
    for line in lines:
        found = tax_rules.compute(
            line.price_unit, line.quantity, line.taxes.all(), order.currency,
            discount=line.discount, round_line=round_line,
        )  # fmt: skip
        line.amount_untaxed = round_money(found.untaxed, order.currency)
        line.amount_total = round_money(found.total, order.currency)
        if not line.optional:
            found_all.append(found)
            cost += line.cost_unit * line.quantity
    SalesOrderLine.objects.bulk_update(lines, ["amount_untaxed", "amount_total"])
    untaxed, tax_rows = tax_rules.totals(found_all, order.currency)
    tax = sum((row.amount for row in tax_rows if not row.tax.reverse_charge_account_id), ZERO)
    total = untaxed + tax
    company = order.company
    try:
        in_company = (
            total
            if order.currency_id == company.currency_id
            else round_money(
                convert(total, order.currency, company.currency, order.order_date), company.currency
            )
        )
    except MissingRate as exc:
        raise ValidationFailed({"currency": [exc.message]}) from exc
    values = {
        "amount_untaxed": untaxed,
        "amount_tax": tax,
        "amount_total": total,
        "amount_company": in_company,
        "cost_total": round_money(cost, order.currency),
    }
    SalesOrder.objects.filter(pk=order.pk).update(**values)
    for name, value in values.items():
        setattr(order, name, value)


def _check_header(company: Company, order: SalesOrder, actor: Any) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("partner", "contact", "deal", "warehouse"):
        if _other_company(getattr(order, name), company):
            errors[name] = [_("This choice belongs to another company.")]
    if "partner" not in errors:
        if not _may_see(actor, order.partner):
            errors["partner"] = [_("You may not sell to this customer: it is another salesperson's.")]
        elif not order.partner.active:
            errors["partner"] = [_("This customer is archived.")]
    contact = order.contact
    if (
        contact is not None
        and "contact" not in errors
        and order.partner_id not in {contact.pk, contact.organisation_id}
    ):
        errors["contact"] = [_("The contact person is not one of this customer's people.")]
    deal = order.deal
    if deal is not None and "deal" not in errors:
        if deal.partner_id != order.partner_id:
            errors["deal"] = [_("The deal is with another customer.")]
        elif deal.state == Deal.State.LOST:
            errors["deal"] = [_("The deal was lost: reopen it first.")]
    salesperson = order.salesperson
    if salesperson is not None and not (
        salesperson.is_superuser or salesperson.companies.filter(pk=company.pk).exists()
    ):
        errors["salesperson"] = [_("The salesperson must work in this company.")]
    if not order.currency.active:
        errors["currency"] = [_("This currency is not in use.")]
    if order.validity_date and order.validity_date < order.order_date:
        errors["validity_date"] = [_("The quotation would expire before its date.")]
    if order.promised_date and order.promised_date < order.order_date:
        errors["promised_date"] = [_("The promised date is before the order's date.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def create_order(
    company: Company,
    actor: User | None,
    *,
    partner: Partner,
    lines: Sequence[OrderLineData],
    currency: Currency | None = None,
    order_date: datetime.date | None = None,
    **header: Any,
) -> SalesOrder:
    """A draft quotation with its lines (prices, taxes and costs filled in where not given)."""
    unknown = set(header) - set(ORDER_HEADER)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    if not isinstance(partner, Partner):
        raise ValidationFailed({"partner": [_("This field is required.")]})
    day = order_date or timezone.localdate()
    header.setdefault("salesperson", partner.owner or _user(actor))
    if header.get("validity_date") is None:
        days = queries.settings_of(company).validity_days
        header["validity_date"] = day + datetime.timedelta(days=days)
    order = SalesOrder(
        company=company,
        partner=partner,
        currency=currency or partner.currency or company.currency,
        order_date=day,
        created_by=_user(actor),
        **header,
    )
    _check_header(company, order, actor)
    order.save()
    _write_lines(order, lines)
    events.record(
        "salesorder.created",
        order,
        actor,
        {"total": str(order.amount_total), "currency": order.currency_id, "deal": order.deal_id},
    )
    return order


def create_from_deal(
    deal: Deal, actor: User | None, *, lines: Sequence[OrderLineData] | None = None, **header: Any
) -> SalesOrder:
    """A quotation for a deal's customer: its contact, salesperson and currency carried over,
    the deal linked (``deal.sales_orders``). Without ``lines``, the deal's products of interest
    become its lines, each priced by ``catalog.queries.price_for`` and taxed under the
    customer's fiscal position (``create_order`` fills both in)."""
    if deal.state == Deal.State.LOST:
        raise BusinessError(_("The deal was lost: reopen it first."))
    if lines is None:
        lines = [
            OrderLineData(product=row.product, quantity=row.quantity)
            for row in deal.products_of_interest.select_related("product__uom").order_by("id")
        ]
    header.setdefault("contact", deal.contact)
    header.setdefault("salesperson", deal.owner)
    header.setdefault("currency", deal.currency)
    return create_order(deal.company, actor, partner=deal.partner, lines=lines, deal=deal, **header)


def update_order(
    order: SalesOrder,
    actor: User | None,
    *,
    expected_version: int | None = None,
    lines: Sequence[OrderLineData] | None = None,
    **changes: Any,
) -> SalesOrder:
    unknown = set(changes) - set(ORDER_HEADER)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    with transaction.atomic():
        locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state not in EDITABLE:
            raise OrderNotEditable(
                _("Only a quotation (draft or sent) can be changed; cancel the order instead.")
            )
        _not_accepted(locked)
        updated = update_versioned(
            locked,
            actor,
            dict(changes),
            expected_version=expected_version,
            event="salesorder.updated",
            check=lambda row: _check_header(row.company, row, actor),
        )
        if lines is not None:
            _write_lines(updated, lines)
        else:
            _compute(updated)
    return updated


def _not_accepted(order: SalesOrder) -> None:
    if QuotationResponse.objects.filter(order=order, answer=QuotationResponse.Answer.ACCEPTED).exists():
        raise OrderNotEditable(_("The customer accepted this quotation: confirm it or cancel it."))


def _numbered(order: SalesOrder) -> str:
    if not order.number:
        order.number = sequences.next_number(order.company, SEQUENCE, order.order_date)
        SalesOrder.objects.filter(pk=order.pk).update(number=order.number)
    return order.number


@transaction.atomic
def delete_draft(order: SalesOrder, actor: User | None) -> None:
    """Delete a quotation never sent (a sent one has a number the customer knows: cancel it)."""
    locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
    if locked.state != S.DRAFT or locked.number:
        raise OrderNotEditable(_("Only a quotation never sent is deleted; cancel this one instead."))
    events.record("salesorder.deleted", locked, actor, {"customer": locked.partner_id})
    locked.delete()
