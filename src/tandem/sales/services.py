"""Every write of sales: quotations and orders, sending, confirming (credit limit, discount
limit, reservation and delivery through inventory, shortages to planning), cancelling and
invoicing through accounting.

A quotation is an order in draft or sent. ``confirm_order`` checks the customer's credit limit
(its open balance in accounting plus this order) and the company's discount limit: above either,
only a sales manager (``sales.approve_salesorder``) confirms, and the order records who approved.
Confirming creates the delivery of the stocked lines, reserves it (FIFO, under row locks in
inventory: parallel confirmations never promise the same goods twice) and sends what is
missing to ``planning.services.replenish``. What was delivered, invoiced and paid is read from
inventory's moves and accounting's invoices (``sales.queries``), never kept here.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import io
import logging
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image

from tandem.accounting.models import BooksSettings, Invoice, Tax
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.services import invoices as accounting
from tandem.accounting.services import taxes as tax_rules
from tandem.catalog.models import PRICE_PLACES, Product
from tandem.catalog.queries import price_for
from tandem.core import events, sequences
from tandem.core.documents import services as documents
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.messages import Message
from tandem.core.models import Company, Currency, Event, Uom, User
from tandem.core.money import MissingRate, convert, read_decimal, round_money
from tandem.core.notifications import services as notifications
from tandem.core.states import transition
from tandem.core.versioning import update_versioned
from tandem.crm.models import Deal
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer
from tandem.inventory.queries import first_step
from tandem.inventory.services import documents as transfer_documents
from tandem.partners.models import Partner
from tandem.planning import services as planning
from tandem.sales import queries
from tandem.sales.models import (
    APPROVE,
    AcceptanceLink,
    CreditLimit,
    InvoicePolicy,
    MailPreference,
    OrderInvoice,
    QuotationResponse,
    SalesOrder,
    SalesOrderLine,
    SalesSettings,
)
from tandem.sales.queries import promise

log = logging.getLogger(__name__)
ZERO = Decimal(0)
HUNDRED = Decimal(100)
SEQUENCE = "SO"
PRICE_QUANTUM = Decimal(1).scaleb(-PRICE_PLACES)
S = SalesOrder.State
EDITABLE = {S.DRAFT, S.SENT}
ORDER_HEADER = [
    "partner",
    "contact",
    "salesperson",
    "deal",
    "currency",
    "warehouse",
    "order_date",
    "validity_date",
    "promised_date",
    "customer_reference",
    "notes",
]


class OrderNotEditable(BusinessError):
    status = 409
    code = "order-not-editable"


class ApprovalNeeded(BusinessError):
    """Above the credit or discount limit: a sales manager confirms."""

    status = 409
    code = "approval-needed"


def _other_company(obj: Any, company: Company) -> bool:
    return obj is not None and getattr(obj, "company_id", company.pk) != company.pk


def _user(actor: Any) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _may_see(actor: Any, partner: Partner) -> bool:
    if _user(actor) is None:
        return True  # the system (demo, jobs) acts for everyone
    return Partner.objects.visible_to(actor).filter(pk=partner.pk).exists()


# --- settings and credit limits --------------------------------------------------------------


@transaction.atomic
def update_settings(
    company: Company,
    actor: User | None,
    *,
    discount_limit: Any = None,
    invoice_policy: str | None = None,
    validity_days: int | None = None,
    acceptance_confirms: bool | None = None,
    link_days: int | None = None,
) -> SalesSettings:
    errors: dict[str, list[str]] = {}
    row, _created = SalesSettings.objects.select_for_update().get_or_create(company=company)
    changes: dict[str, list[str]] = {}
    if discount_limit is not None:
        limit = read_decimal(discount_limit, "discount_limit", errors, least="zero")
        if limit > HUNDRED:
            errors["discount_limit"] = [_("A discount limit is between 0 and 100 %.")]
        changes["discount_limit"] = [str(row.discount_limit), str(limit)]
        row.discount_limit = limit
    if invoice_policy is not None:
        if invoice_policy not in InvoicePolicy.values:
            errors["invoice_policy"] = [_("Invoice on ordered or on delivered quantities.")]
        changes["invoice_policy"] = [row.invoice_policy, invoice_policy]
        row.invoice_policy = invoice_policy
    if validity_days is not None:
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
    events.record("salessettings.updated", row, actor, {"changes": changes}, company=company)
    return row


@transaction.atomic
def set_credit_limit(
    company: Company, actor: User | None, *, partner: Partner, amount: Any
) -> CreditLimit | None:
    """Set (or, with ``amount`` None or empty, remove) a customer's credit limit."""
    if _other_company(partner, company):
        raise ValidationFailed({"partner": [_("This choice belongs to another company.")]})
    if amount in (None, ""):
        CreditLimit.objects.filter(company=company, partner=partner).delete()
        events.record("creditlimit.changed", partner, actor, {"amount": None})
        return None
    errors: dict[str, list[str]] = {}
    value = read_decimal(amount, "amount", errors, least="zero")
    if errors:
        raise ValidationFailed(errors)
    row, _created = CreditLimit.objects.update_or_create(
        company=company, partner=partner, defaults={"amount": value}
    )
    events.record("creditlimit.changed", partner, actor, {"amount": str(value)})
    return row


# --- quotations: header and lines -----------------------------------------------------------


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
                found = price_for(
                    product, order.partner, quantity or Decimal(1), order.order_date, order.currency
                )
            except MissingRate as exc:
                errors.setdefault(key, []).append(exc.message)
                continue
            price = found.unit_price.quantize(PRICE_QUANTUM)
        else:
            price = read_decimal(data.price_unit, key, errors, least="zero")
        chosen = (
            list(data.taxes)
            if data.taxes is not None
            else accounting.sale_taxes(order.company, order.partner, product)
        )
        if any(tax.company_id != order.company_id or tax.use != Tax.Use.SALE for tax in chosen):
            errors.setdefault(key, []).append(_("Choose sales taxes of this company."))
        line_policy = data.invoice_policy or (
            InvoicePolicy.ORDERED if product.kind == Product.Kind.SERVICE else policy
        )
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
    for line, chosen in rows:
        line.save()
        line.taxes.set(chosen)
    _compute(order)


def _compute(order: SalesOrder) -> None:
    """Line and order totals from the lines and their taxes (rounded as the books round an
    invoice); optional lines have their amounts but stay out of the order's totals."""
    books = ledger_queries.settings_of(order.company)
    round_line = books.tax_rounding == BooksSettings.TaxRounding.PER_LINE
    lines = list(order.lines.prefetch_related("taxes__children").select_related("product"))
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
    deal: Deal, actor: User | None, *, lines: Sequence[OrderLineData], **header: Any
) -> SalesOrder:
    """A quotation for a deal's customer: its contact, salesperson and currency carried over,
    the deal linked (``deal.sales_orders``). The deal names no products; ``lines`` are the
    products of interest the salesperson offers."""
    if deal.state == Deal.State.LOST:
        raise BusinessError(_("The deal was lost: reopen it first."))
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


# --- sending: the PDF in the customer's language ------------------------------------------------


def document_title(order: SalesOrder) -> str:
    return str(_("Sales order") if order.state in queries.CONFIRMED_STATES else _("Quotation"))


def order_pdf(order: SalesOrder) -> bytes:
    language = order.partner.language or order.company.language
    with translation.override(language):
        title = document_title(order)
    address = order.partner.addresses.order_by("-is_default", "id").first()
    context = {
        "title": title,
        "order": order,
        "lines": list(
            order.lines.select_related("product", "uom").prefetch_related("taxes").order_by("sequence", "id")
        ),
        "taxes": queries.tax_totals(order),
        "address_lines": [address.one_line()] if address is not None else [],
    }
    return documents.render_pdf(
        "sales/documents/order.html", context, company=order.company, language=language
    )


def pdf_name(order: SalesOrder) -> str:
    return f"{(order.number or f'quotation-{order.pk}').replace('/', '-')}.pdf"


def send_order(
    order: SalesOrder, actor: User | None, *, to: Sequence[str] = (), email: bool = True
) -> SalesOrder:
    """Number the quotation and mark it sent; with an address (given, the contact's or the
    customer's) it goes by e-mail with its PDF, in the customer's language (``email=False``:
    only marked sent, handed over another way). The sending is on the customer's timeline."""
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("partner", "contact", "company")
            .get(pk=order.pk)
        )
        if locked.state not in EDITABLE:
            raise OrderNotEditable(
                _("Only a quotation is sent; this order is “%(state)s”.")
                % {"state": locked.get_state_display()}
            )
        _not_accepted(locked)
        number = _numbered(locked)
        link = _new_link(locked, actor)
        addresses = [
            a for a in (to or [(locked.contact.email if locked.contact else ""), locked.partner.email]) if a
        ][:1]
        if to:
            addresses = [a for a in to if a]
        if not email:
            addresses = []
        if addresses:
            language = locked.partner.language or locked.company.language
            with translation.override(language):
                title = document_title(locked)
                subject = f"{title} {number} — {locked.company.name}"
                text = _(
                    "Hello,\n\nplease find attached our %(title)s %(number)s.\n\n"
                    "You can read it online and accept or decline it here (the link works until %(date)s):\n"
                    "%(url)s\n\nKind regards,\n%(company)s\n"
                ) % {
                    "title": title.lower(),
                    "number": number,
                    "company": locked.company.name,
                    "url": link_url(link),
                    "date": date_format(timezone.localtime(link.expires_at), "DATE_FORMAT"),
                }
            notifications.send_email(
                to=addresses,
                subject=subject,
                text=text,
                company=locked.company,
                partner=locked.partner,
                actor=actor,
                attachments=[(pdf_name(locked), order_pdf(locked), "application/pdf")],
            )
        transition(
            locked,
            "sent",
            actor,
            data={"number": number, "to": addresses, "link": link.pk, "expires": link.expires_at.isoformat()},
        )
    order.refresh_from_db()
    return order


# --- confirming -----------------------------------------------------------------------------------


def approval_reasons(order: SalesOrder) -> list[str]:
    """Why confirming ``order`` needs a sales manager: over the credit limit, a discount above
    the company's limit. Empty: anyone who may confirm does."""
    reasons = []
    found = queries.exposure(order)
    if found.over:
        reasons.append(
            _(
                "The customer's open balance %(balance)s plus this order %(order)s is above "
                "its credit limit %(limit)s."
            )
            % {"balance": found.open_balance, "order": found.order, "limit": found.limit}
        )
    limit = queries.settings_of(order.company).discount_limit
    over = [line for line in order.lines.filter(optional=False) if line.discount > limit]
    if over:
        reasons.append(
            _("A discount above %(limit)s %% (%(lines)s) needs a sales manager.")
            % {"limit": limit.normalize(), "lines": ", ".join(line.description for line in over)}
        )
    return reasons


def confirm_order(order: SalesOrder, actor: User | None) -> SalesOrder:
    """Confirm a quotation: check the credit and discount limits (a sales manager confirms
    above them), number it, create and reserve the delivery, send shortages to planning."""
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        if locked.state not in EDITABLE:
            raise OrderNotEditable(
                _("Only a quotation (draft or sent) is confirmed; this one is “%(state)s”.")
                % {"state": locked.get_state_display()}
            )
        _compute(locked)
        reasons = approval_reasons(locked)
        approver = None
        if reasons:
            user = _user(actor)
            if user is None or not user.has_perm(APPROVE):
                raise ApprovalNeeded(" ".join([*reasons, _("Ask a sales manager to confirm it.")]))
            approver = user
        number = _numbered(locked)
        transition(
            locked,
            "confirmed",
            actor,
            fields={"approved_by": approver, "promised_date": promised_date(locked)},
            data={
                "number": number,
                "total": str(locked.amount_total),
                "currency": locked.currency_id,
                "deal": locked.deal_id,
                "approved_by": approver.pk if approver else None,
                "approval": reasons,
            },
        )
        shortages = _deliver(locked, actor)
        if shortages:
            _replenish(locked, shortages, actor)
        _mail_confirmation(locked, actor)
    order.refresh_from_db()
    return order


def promised_date(order: SalesOrder) -> datetime.date:
    """The date promised on confirmation: the salesperson's, when they gave one (the order is
    flagged late at once if it cannot be kept: ``sales.queries.promise.late``); else the earliest
    the whole order can ship (``sales.queries.promise``, before its own reservation); else the
    order's date."""
    if order.promised_date is not None:
        return order.promised_date
    return promise.order_promise(order).date or order.order_date


def _deliver(order: SalesOrder, actor: User | None) -> list[inventory.Shortage]:
    lines = [
        line
        for line in order.lines.select_related("product", "uom").order_by("sequence", "id")
        if not line.optional and line.product.kind != Product.Kind.SERVICE
    ]
    if not lines:
        return []
    warehouse = order.warehouse or inventory.default_warehouse(order.company)
    when = order.promised_date or order.order_date
    delivery = inventory.create_delivery(
        order.company,
        order.partner,
        [inventory.MoveSpec(line.product, line.quantity, line.uom, when) for line in lines],
        origin=order.number,
        actor=actor,
        warehouse=warehouse,
        scheduled_date=when,
    )
    SalesOrder.objects.filter(pk=order.pk).update(delivery=delivery, warehouse=warehouse)
    order.delivery, order.warehouse = delivery, warehouse
    return inventory.reserve(delivery, actor)


def _replenish(order: SalesOrder, shortages: list[inventory.Shortage], actor: User | None) -> None:
    planning.replenish(order.company, shortages, actor=actor, origin=order.number)


# --- cancelling -----------------------------------------------------------------------------------


def cancel_order(order: SalesOrder, actor: User | None) -> SalesOrder:
    """Cancel a quotation, or an order: its reservations are released and what has not left is
    cancelled (what was delivered stays delivered). Refused once the order has an invoice that
    is not cancelled."""
    with transaction.atomic():
        locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state == S.CONFIRMED:
            live = Invoice.objects.filter(
                pk__in=OrderInvoice.objects.filter(order=locked).values("invoice")
            ).exclude(state=Invoice.State.CANCELLED)
            if live.exists():
                raise BusinessError(_("This order was invoiced: cancel or credit its invoices first."))
            for transfer in queries.open_deliveries(locked):
                inventory.cancel_transfer(transfer, actor)
        transition(locked, "cancelled", actor, data={"number": locked.number})
    order.refresh_from_db()
    return order


# --- invoicing -------------------------------------------------------------------------------------


def invoice_order(
    order: SalesOrder,
    actor: User | None,
    *,
    invoice_date: datetime.date | None = None,
    quantities: Mapping[int, Any] | None = None,
) -> Invoice:
    """A draft customer invoice (through ``accounting.services.invoices``) for what each line's
    policy allows and is not invoiced yet: ordered quantities, or delivered ones. ``quantities``
    (``{line id: quantity}``) invoices less; more than the policy allows is refused, nothing written."""
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        if locked.state not in queries.CONFIRMED_STATES:
            raise BusinessError(_("Only a confirmed order is invoiced."))
        statuses = {s.line.pk: s for s in queries.line_statuses(locked)}
        wanted: dict[int, Decimal] = {}
        errors: dict[str, list[str]] = {}
        if quantities is None:
            wanted = {pk: s.to_invoice for pk, s in statuses.items() if s.to_invoice > 0}
        else:
            for key, value in quantities.items():
                pk = int(key)
                number = read_decimal(value, f"lines.{key}", errors, least="zero")
                if pk not in statuses:
                    errors[f"lines.{key}"] = [_("This is not a line of this order.")]
                elif number > statuses[pk].to_invoice:
                    errors[f"lines.{key}"] = [
                        _("At most %(left)s of %(product)s can be invoiced now (%(policy)s).")
                        % {
                            "left": f"{statuses[pk].to_invoice.normalize():f}",
                            "product": statuses[pk].line.product,
                            "policy": statuses[pk].line.get_invoice_policy_display(),
                        }
                    ]
                elif number > 0:
                    wanted[pk] = number
        if errors:
            raise ValidationFailed(errors)
        if not wanted:
            raise BusinessError(_("Nothing is left to invoice under the lines' invoicing policy."))
        lines = [
            accounting.LineData(
                description=statuses[pk].line.description,
                quantity=quantity,
                price_unit=statuses[pk].line.price_unit,
                discount=statuses[pk].line.discount,
                product=statuses[pk].line.product,
                uom=statuses[pk].line.uom,
                taxes=list(statuses[pk].line.taxes.all()),
            )
            for pk, quantity in sorted(wanted.items(), key=lambda row: statuses[row[0]].line.sequence)
        ]
        invoice = accounting.create_invoice(
            locked.company,
            actor,
            kind=Invoice.Kind.CUSTOMER_INVOICE,
            partner=locked.partner,
            invoice_date=invoice_date or timezone.localdate(),
            lines=lines,
            currency=locked.currency,
            origin=locked.number,
        )
        OrderInvoice.objects.create(order=locked, invoice=invoice)
        events.record(
            "salesorder.invoiced",
            locked,
            actor,
            {
                "number": locked.number,
                "invoice": invoice.pk,
                "total": str(invoice.amount_total),
                "quantities": {str(pk): str(q) for pk, q in wanted.items()},
            },
        )
        _maybe_done(locked, actor)
    return invoice


def _maybe_done(order: SalesOrder, actor: User | None) -> None:
    """An order fully delivered and invoiced is done (its payment is read from accounting)."""
    if order.state != S.CONFIRMED:
        return
    found = queries.progress(order)
    if found.delivered and found.invoiced:
        transition(order, "done", actor, data={"number": order.number})


def _order_of(transfer: Transfer) -> SalesOrder | None:
    """The order whose delivery began ``transfer``'s route (the pick of a multi-step one)."""
    return SalesOrder.objects.select_for_update().filter(delivery_id=first_step(transfer)).first()


@events.on("transfer.done")
def delivered(event: Event) -> None:
    """A delivery of an order was validated (anywhere): record it on the order (and the
    customer's timeline); an order now fully delivered and invoiced is done."""
    transfer = Transfer.objects.filter(pk=event.subject_id, kind=Transfer.Kind.DELIVERY).first()
    if transfer is None:
        return
    order = _order_of(transfer)
    if order is None or order.state != S.CONFIRMED:
        return
    events.record(
        "salesorder.delivered",
        order,
        event.actor,
        {"number": order.number, "delivery": transfer.pk, "transfer": transfer.number},
    )
    _mail_shipment(order, transfer, event.actor)
    _maybe_done(order, event.actor)


@events.on("invoice.posted")
def invoice_posted(event: Event) -> None:
    """An invoice made from an order was posted: e-mailed to the customer, if they want it."""
    made = (
        OrderInvoice.objects.select_related(
            "order__company", "order__partner", "order__contact", "invoice__partner"
        )
        .filter(invoice_id=event.subject_id)
        .first()
    )
    if made is None:
        return
    order = made.order
    address = _mail_address(order, "invoice")
    if address:
        sent = accounting.send_invoice(made.invoice, event.actor, to=[address])
        language = order.partner.language or order.company.language
        with translation.override(language):
            subject = f"{accounting.TITLES[sent.kind]} {sent.number} — {order.company.name}"
        _log_mail(order, "invoice", address, subject, sent.number, event.actor)


@transaction.atomic
def delete_draft(order: SalesOrder, actor: User | None) -> None:
    """Delete a quotation never sent (a sent one has a number the customer knows: cancel it)."""
    locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
    if locked.state != S.DRAFT or locked.number:
        raise OrderNotEditable(_("Only a quotation never sent is deleted; cancel this one instead."))
    events.record("salesorder.deleted", locked, actor, {"customer": locked.partner_id})
    locked.delete()


# --- the customer's link: opening, accepting, declining, revoking ---------------------------------

LINK_SALT = "tandem.sales.customer-link"
NAME_MAX = 120
REASON_MAX = 2000
SIGNATURE_MAX_BYTES = 64 * 1024  # the drawn PNG, after decoding
SIGNATURE_MAX_PIXELS = (2000, 1000)  # width, height
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL = "data:image/png;base64,"
ANSWERED_KIND = "sales.quotation_answered"
notifications.register_kind(ANSWERED_KIND, gettext_noop("Quotations your customers accepted or declined"))


class LinkInvalid(BusinessError):
    """A token that is not one of ours (mistyped, cut, tampered with)."""

    status = 404
    code = "link-invalid"


class LinkClosed(BusinessError):
    """A link that worked once: expired, revoked, answered, or its quotation no longer open."""

    status = 410
    code = "link-closed"


class LinkAnswered(BusinessError):
    status = 409
    code = "link-answered"


def link_token(link: AcceptanceLink) -> str:
    """The signed token of the customer's link (``django.core.signing``: only we can make one)."""
    return signing.dumps({"l": link.pk}, salt=LINK_SALT)


def link_url(link: AcceptanceLink) -> str:
    return settings.TANDEM_BASE_URL + reverse("sales:customer_quotation", args=[link_token(link)])


def _new_link(order: SalesOrder, actor: User | None) -> AcceptanceLink:
    """A fresh link for a quotation being sent: the earlier ones stop working."""
    now = timezone.now()
    AcceptanceLink.objects.filter(order=order, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=_user(actor)
    )
    days = queries.settings_of(order.company).link_days
    return AcceptanceLink.objects.create(
        company=order.company,
        order=order,
        created_by=_user(actor),
        expires_at=now + datetime.timedelta(days=days),
    )


def read_link(token: Any) -> AcceptanceLink:
    """The link ``token`` names, while it still opens its quotation; otherwise the refusal says
    why (``LinkInvalid``: not ours; ``LinkClosed``: expired or revoked). Reads only."""
    try:
        data = signing.loads(str(token)[:512], salt=LINK_SALT)
        pk = int(data["l"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid(
            _("This link is not valid: check that it was copied whole, or ask for a new one.")
        ) from None
    link = (
        AcceptanceLink.objects.select_related(
            "company", "order__company", "order__partner", "order__currency", "order__salesperson"
        )
        .filter(pk=pk)
        .first()
    )
    if link is None:
        raise LinkInvalid(_("This link is not valid: check that it was copied whole, or ask for a new one."))
    company = link.order.company.name
    if link.revoked_at is not None:
        raise LinkClosed(
            _("This link was withdrawn by %(company)s: ask them for a new one.") % {"company": company}
        )
    if link.expires_at <= timezone.now():
        raise LinkClosed(
            _("This link expired on %(date)s: ask %(company)s for a new one.")
            % {"date": date_format(timezone.localtime(link.expires_at), "DATE_FORMAT"), "company": company}
        )
    if link.order.state == S.CANCELLED:
        raise LinkClosed(_("This quotation was cancelled by %(company)s.") % {"company": company})
    return link


def _answerable(link: AcceptanceLink, order: SalesOrder, version: Any) -> None:
    """Refuse an answer the quotation can no longer take (nothing is written)."""
    if order.state in queries.CONFIRMED_STATES:
        raise LinkAnswered(_("This quotation is already confirmed."))
    if order.state == S.CANCELLED:
        raise LinkClosed(_("This quotation was cancelled."))
    if QuotationResponse.objects.filter(link=link).exists():
        raise LinkAnswered(_("This quotation was already answered through this link."))
    if QuotationResponse.objects.filter(order=order, answer=QuotationResponse.Answer.ACCEPTED).exists():
        raise LinkAnswered(_("This quotation was already accepted."))
    if queries.expired(order):
        raise LinkClosed(
            _("This quotation was valid until %(date)s: ask for a new one.")
            % {"date": date_format(order.validity_date or order.order_date, "DATE_FORMAT")}
        )
    if version not in (None, "") and str(version) != str(order.version):
        raise LinkAnswered(_("The quotation was changed while you read it: read it again, then answer."))


def _plain_text(
    value: Any, key: str, limit: int, errors: dict[str, list[str]], *, lines: bool = False
) -> str:
    """Text as a person types it: no markup, no control characters, at most ``limit`` long."""
    if not isinstance(value, str):
        return ""
    text = (
        "\n".join(" ".join(row.split()) for row in value.splitlines()).strip()
        if lines
        else " ".join(value.split())
    )
    if len(text) > limit:
        errors[key] = [_("At most %(n)d characters.") % {"n": limit}]
    elif (
        "<" in text
        or ">" in text
        or any(unicodedata.category(ch).startswith("C") for ch in text if ch != "\n")
    ):
        errors[key] = [_("Use plain text, without “<” or “>”.")]
    return text


def signature_png(value: Any, errors: dict[str, list[str]]) -> bytes:
    """The drawn signature (the canvas's ``data:image/png;base64,…``) as a clean PNG: decoded,
    bounded in bytes and pixels, read and written again by Pillow (nothing but the picture is
    kept), and not blank."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors["signature"] = [_("Draw your signature in the box.")]
        return b""
    unreadable = _("The signature is not a picture we can read: draw it again.")
    if len(text) > len(DATA_URL) + (SIGNATURE_MAX_BYTES * 4) // 3 + 4:
        errors["signature"] = [_("The signature is too large: draw it again, smaller.")]
        return b""
    if not text.startswith(DATA_URL):
        errors["signature"] = [unreadable]
        return b""
    try:
        data = base64.b64decode(text[len(DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        errors["signature"] = [unreadable]
        return b""
    if not data.startswith(PNG_MAGIC):
        errors["signature"] = [unreadable]
        return b""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if not (0 < width <= SIGNATURE_MAX_PIXELS[0] and 0 < height <= SIGNATURE_MAX_PIXELS[1]):
                errors["signature"] = [_("The signature is too large: draw it again, smaller.")]
                return b""
            image.verify()
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            picture = image.convert("RGBA")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        errors["signature"] = [unreadable]
        return b""
    if picture.getchannel("A").getbbox() is None:
        errors["signature"] = [_("Draw your signature in the box.")]
        return b""
    clean = io.BytesIO()
    picture.save(clean, format="PNG", optimize=True)
    if clean.tell() > SIGNATURE_MAX_BYTES:
        errors["signature"] = [_("The signature is too large: draw it again, smaller.")]
        return b""
    return clean.getvalue()


def _address(ip: Any) -> str | None:
    try:
        validate_ipv46_address(ip)
    except ValidationError:
        return None
    return str(ip)


def _tell_salesperson(order: SalesOrder, title: Message, body: Message) -> None:
    if order.salesperson is not None:
        notifications.notify(
            order.salesperson,
            kind=ANSWERED_KIND,
            title=title,
            body=body,
            link=order.get_absolute_url(),
            company=order.company,
        )


def _locked_for_answer(token: Any, version: Any) -> tuple[AcceptanceLink, SalesOrder]:
    link = read_link(token)
    order = (
        SalesOrder.objects.select_for_update(of=("self",))
        .select_related("company", "partner", "salesperson", "currency")
        .get(pk=link.order_id)
    )
    _answerable(link, order, version)
    return link, order


def accept_quotation(
    token: Any, *, name: Any, signature: Any, ip: Any = None, version: Any = None
) -> QuotationResponse:
    """The customer accepts the quotation their link opens, with their typed name and drawn
    signature. Recorded (with the address it came from) on the customer's timeline; the
    salesperson is told. Per the company's setting the order is confirmed at once, unless it
    needs a sales manager (credit or discount limit) or cannot be confirmed now: then it waits
    for its salesperson. Two acceptances at once confirm once (the order's row lock); refused,
    nothing is written."""
    errors: dict[str, list[str]] = {}
    signer = _plain_text(name, "name", NAME_MAX, errors)
    if not signer and "name" not in errors:
        errors["name"] = [_("Type your name.")]
    picture = signature_png(signature, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        link, order = _locked_for_answer(token, version)
        response = QuotationResponse.objects.create(
            company=order.company,
            order=order,
            link=link,
            answer=QuotationResponse.Answer.ACCEPTED,
            name=signer,
            signature=picture,
            ip=_address(ip),
        )
        events.record(
            "salesorder.accepted",
            order,
            None,
            {
                "number": order.number,
                "name": signer,
                "address": response.ip or "",
                "signature": hashlib.sha256(picture).hexdigest(),
                "response": response.pk,
            },
        )
        waiting = ""
        if not queries.settings_of(order.company).acceptance_confirms:
            waiting = gettext_noop("The company's settings leave the confirmation to you.")
        elif approval_reasons(order):
            waiting = gettext_noop("It needs a sales manager to confirm it (credit or discount limit).")
        else:
            try:
                with transaction.atomic():
                    confirm_order(order, None)
            except BusinessError as refused:
                log.warning("sales: accepted order %s not confirmed: %s", order.pk, refused.message)
                waiting = gettext_noop("It could not be confirmed at once: open it to confirm it.")
        params = {"number": order.number, "customer": str(order.partner), "name": signer}
        _tell_salesperson(
            order,
            Message(gettext_noop("%(customer)s accepted quotation %(number)s"), params),
            Message(waiting or gettext_noop("Signed by %(name)s; the order is confirmed."), params),
        )
    order.refresh_from_db()
    return response


def decline_quotation(
    token: Any, *, reason: Any, name: Any = "", ip: Any = None, version: Any = None
) -> QuotationResponse:
    """The customer declines the quotation their link opens, saying why. The quotation stays
    sent for its salesperson to revise (and send again) or cancel; the link is used up."""
    errors: dict[str, list[str]] = {}
    text = _plain_text(reason, "reason", REASON_MAX, errors, lines=True)
    if not text and "reason" not in errors:
        errors["reason"] = [_("Tell us why, so that we can do better.")]
    signer = _plain_text(name, "name", NAME_MAX, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        link, order = _locked_for_answer(token, version)
        response = QuotationResponse.objects.create(
            company=order.company,
            order=order,
            link=link,
            answer=QuotationResponse.Answer.DECLINED,
            name=signer,
            reason=text,
            ip=_address(ip),
        )
        events.record(
            "salesorder.declined",
            order,
            None,
            {
                "number": order.number,
                "name": signer,
                "address": response.ip or "",
                "text": text,
                "response": response.pk,
            },
        )
        params = {"number": order.number, "customer": str(order.partner), "reason": text[:500]}
        _tell_salesperson(
            order,
            Message(gettext_noop("%(customer)s declined quotation %(number)s"), params),
            Message(gettext_noop("Their reason: %(reason)s"), params),
        )
    return response


def revoke_links(order: SalesOrder, actor: User | None) -> int:
    """Stop the quotation's customer links at once (sent to the wrong address, say)."""
    with transaction.atomic():
        locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
        count = AcceptanceLink.objects.filter(
            order=locked, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).update(revoked_at=timezone.now(), revoked_by=_user(actor))
        if not count:
            raise BusinessError(_("This quotation has no link that works."))
        events.record("salesorder.link_revoked", locked, actor, {"number": locked.number, "links": count})
    return count


# --- telling the customer: confirmation, shipment, invoice ------------------------------------------


@transaction.atomic
def set_mail_preference(
    company: Company, actor: User | None, *, partner: Partner, confirmation: Any, shipment: Any, invoice: Any
) -> MailPreference:
    """Which order e-mails ``partner`` (a customer or one of its people) gets."""
    if _other_company(partner, company) or not _may_see(actor, partner):
        raise ValidationFailed({"partner": [_("This choice belongs to another company.")]})
    values = {"confirmation": bool(confirmation), "shipment": bool(shipment), "invoice": bool(invoice)}
    row, _created = MailPreference.objects.update_or_create(company=company, partner=partner, defaults=values)
    events.record("mailpreference.changed", partner, actor, values)
    return row


def _mail_address(order: SalesOrder, kind: str) -> str:
    """Where an order e-mail of ``kind`` goes: to the order's contact person, or the customer,
    when the preference (the contact's, else the customer's) asks for it; "" when it does not
    (nobody is e-mailed without having chosen so) or there is no address."""
    people = [p for p in (order.contact, order.partner) if p is not None]
    chosen = next((row for row in map(queries.mail_preference, people) if row is not None), None)
    if chosen is None or not getattr(chosen, kind):
        return ""
    return next((p.email for p in people if p.email), "")


def _log_mail(
    order: SalesOrder, kind: str, address: str, subject: str, document: str, actor: User | None
) -> None:
    events.record(
        "salesorder.customer_mailed",
        order,
        actor,
        {"number": order.number, "kind": kind, "to": [address], "subject": subject, "document": document},
    )


def _mail_confirmation(order: SalesOrder, actor: User | None) -> None:
    address = _mail_address(order, "confirmation")
    if not address:
        return
    language = order.partner.language or order.company.language
    with translation.override(language):
        subject = _("Order confirmation %(number)s — %(company)s") % {
            "number": order.number,
            "company": order.company.name,
        }
        text = _(
            "Hello,\n\nthank you for your order %(number)s of %(total)s %(currency)s: we confirm it. "
            "We expect to deliver it on %(date)s.\n\nKind regards,\n%(company)s\n"
        ) % {
            "number": order.number,
            "total": order.amount_total,
            "currency": order.currency_id,
            "date": date_format(order.promised_date or order.order_date, "DATE_FORMAT"),
            "company": order.company.name,
        }
    notifications.send_email(
        to=[address],
        subject=subject,
        text=text,
        company=order.company,
        partner=order.partner,
        actor=_user(actor),
        attachments=[(pdf_name(order), order_pdf(order), "application/pdf")],
    )
    _log_mail(order, "confirmation", address, subject, order.number, actor)


def _mail_shipment(order: SalesOrder, transfer: Transfer, actor: User | None) -> None:
    address = _mail_address(order, "shipment")
    if not address:
        return
    language = order.partner.language or order.company.language
    with translation.override(language):
        subject = _("Your order %(number)s has shipped — %(company)s") % {
            "number": order.number,
            "company": order.company.name,
        }
        text = _(
            "Hello,\n\nyour order %(number)s has left our warehouse; its delivery note %(transfer)s "
            "is attached.\n\nKind regards,\n%(company)s\n"
        ) % {"number": order.number, "transfer": transfer.number, "company": order.company.name}
    note = transfer_documents.transfer_pdf(transfer)
    notifications.send_email(
        to=[address],
        subject=subject,
        text=text,
        company=order.company,
        partner=order.partner,
        actor=_user(actor),
        attachments=[(transfer_documents.pdf_name(transfer), note, "application/pdf")],
    )
    _log_mail(order, "shipment", address, subject, transfer.number, actor)
