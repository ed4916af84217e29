"""Every write of purchasing: supplier prices, purchase requests and RFQs, purchase orders
with their approval chain, sending, receiving and billing.

An order is an RFQ while draft or sent; ``confirm_order`` makes it a purchase order, or sends
it to approval when its amount (in the company's currency) reaches a level of the company's
chain. Each level's approver approves in turn (never the order's own purchaser); the last
approval confirms it. Confirming creates the receipt through ``inventory.services``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.catalog.models import Product
from tandem.core import events, sequences
from tandem.core.documents import services as documents
from tandem.core.errors import BusinessError, NotAllowed, ValidationFailed
from tandem.core.messages import Message
from tandem.core.models import Company, Currency, Uom, User
from tandem.core.money import MissingRate, convert, read_decimal, round_money
from tandem.core.notifications import services as notifications
from tandem.core.states import transition
from tandem.core.versioning import update_versioned
from tandem.partners.models import Partner
from tandem.purchasing import queries
from tandem.purchasing.models import (
    Approval,
    ApprovalLevel,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseSettings,
    SupplierPrice,
)

ZERO = Decimal(0)
SEQUENCE = "PO"
EDITABLE = {PurchaseOrder.State.DRAFT, PurchaseOrder.State.SENT}
PRICE_FIELDS = [
    "partner",
    "product",
    "supplier_sku",
    "price",
    "uom",
    "currency",
    "min_quantity",
    "lead_time_days",
    "valid_from",
    "valid_to",
    "active",
]
ORDER_HEADER = [
    "partner",
    "currency",
    "warehouse",
    "order_date",
    "expected_date",
    "supplier_reference",
    "notes",
]


class OrderNotEditable(BusinessError):
    status = 409
    code = "order-not-editable"


def _other_company(obj: Any, company: Company) -> bool:
    return obj is not None and getattr(obj, "company_id", company.pk) != company.pk


# --- supplier prices ------------------------------------------------------------------------


def _normalized_price(
    company: Company, fields: Mapping[str, Any], product: Product | None = None
) -> dict[str, Any]:
    unknown = set(fields) - set(PRICE_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: dict[str, list[str]] = {}
    for name in ("price", "min_quantity"):
        if name in data:
            data[name] = read_decimal(data[name], name, errors, least="zero")
    for name in ("partner", "product"):
        if _other_company(data.get(name), company):
            errors[name] = [_("This choice belongs to another company.")]
    partner: Partner | None = data.get("partner")
    if partner is not None and not partner.is_supplier:
        errors["partner"] = [_("This partner is not marked as a supplier.")]
    unit: Uom | None = data.get("uom")
    measured = data.get("product") or product
    if unit is not None and measured is not None and unit.category_id != measured.uom.category_id:
        errors["uom"] = [
            _("%(unit)s cannot measure %(product)s: choose a unit of its kind (%(own)s).")
            % {"unit": unit.name, "product": measured.name, "own": measured.uom.name}
        ]
    if data.get("valid_from") and data.get("valid_to") and data["valid_from"] > data["valid_to"]:
        errors["valid_to"] = [_("The end date is before the start date.")]
    currency: Currency | None = data.get("currency")
    if currency is not None and not currency.active:
        errors["currency"] = [_("This currency is not in use.")]
    if errors:
        raise ValidationFailed(errors)
    return data


@transaction.atomic
def create_supplier_price(company: Company, actor: User | None, **fields: Any) -> SupplierPrice:
    data = _normalized_price(company, fields)
    missing = {
        name: [_("This field is required.")]
        for name in ("partner", "product", "price")
        if data.get(name) is None
    }
    if missing:
        raise ValidationFailed(missing)
    data.setdefault("currency", data["partner"].currency or company.currency)
    price = SupplierPrice.objects.create(company=company, **data)
    events.record(
        "supplierprice.created",
        price,
        actor,
        {
            "supplier": price.partner_id,
            "product": price.product.sku,
            "price": str(price.price),
            "uom": price.uom.code if price.uom else "",
            "currency": price.currency_id,
            "min_quantity": str(price.min_quantity),
            "lead_time_days": price.lead_time_days,
        },
    )
    return price


@transaction.atomic
def update_supplier_price(
    row: SupplierPrice, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> SupplierPrice:
    data = _normalized_price(row.company, fields, row.product)
    if "product" in data and "uom" not in data and row.uom is not None:
        _normalized_price(
            row.company, {"uom": row.uom}, data["product"]
        )  # the kept unit fits the new product
    return update_versioned(
        row, actor, data, expected_version=expected_version, event="supplierprice.updated"
    )


# --- settings and the approval chain ---------------------------------------------------------


@transaction.atomic
def update_settings(company: Company, actor: User | None, *, receipt_tolerance: Any) -> PurchaseSettings:
    errors: dict[str, list[str]] = {}
    tolerance = read_decimal(receipt_tolerance, "receipt_tolerance", errors, least="zero")
    if tolerance > 100:
        errors["receipt_tolerance"] = [_("A tolerance is between 0 and 100 %.")]
    if errors:
        raise ValidationFailed(errors)
    row, _created = PurchaseSettings.objects.select_for_update().get_or_create(company=company)
    before = row.receipt_tolerance
    row.receipt_tolerance = tolerance
    row.save(update_fields=["receipt_tolerance"])
    events.record(
        "purchasesettings.updated",
        row,
        actor,
        {"changes": {"receipt_tolerance": [str(before), str(tolerance)]}},
        company=company,
    )
    return row


@transaction.atomic
def create_approval_level(
    company: Company, actor: User | None, *, name: str, min_amount: Any, approver: User | None
) -> ApprovalLevel:
    errors: dict[str, list[str]] = {}
    amount = read_decimal(min_amount, "min_amount", errors, least="zero")
    if not str(name).strip():
        errors["name"] = [_("This field is required.")]
    if approver is None or not _works_in(approver, company.pk):
        errors["approver"] = [_("The approver must work in this company.")]
    if ApprovalLevel.objects.filter(company=company, min_amount=amount).exists():
        errors["min_amount"] = [_("Another level starts at this amount.")]
    if errors or approver is None:
        raise ValidationFailed(errors)
    level = ApprovalLevel.objects.create(
        company=company, name=name.strip(), min_amount=amount, approver=approver
    )
    events.record(
        "approvallevel.created",
        level,
        actor,
        {"name": level.name, "min_amount": str(amount), "approver": approver.pk},
    )
    return level


LEVEL_FIELDS = ("name", "min_amount", "approver")


@transaction.atomic
def update_approval_level(
    level: ApprovalLevel, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> ApprovalLevel:
    """Rename a level, move its threshold or give it another approver. Orders already approved
    keep their approvals; orders waiting ask the chain as it is now."""
    unknown = set(fields) - set(LEVEL_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if "name" in fields:
        changes["name"] = str(fields["name"] or "").strip()
        if not changes["name"]:
            errors["name"] = [_("This field is required.")]
    if "min_amount" in fields:
        changes["min_amount"] = read_decimal(fields["min_amount"], "min_amount", errors, least="zero")
        taken = ApprovalLevel.objects.filter(company=level.company_id, min_amount=changes["min_amount"])
        if taken.exclude(pk=level.pk).exists():
            errors["min_amount"] = [_("Another level starts at this amount.")]
    if "approver" in fields:
        approver = fields["approver"]
        if approver is None or not _works_in(approver, level.company_id):
            errors["approver"] = [_("The approver must work in this company.")]
        changes["approver"] = approver
    if errors:
        raise ValidationFailed(errors)
    return update_versioned(
        level, actor, changes, expected_version=expected_version, event="approvallevel.updated"
    )


def _works_in(user: User, company_id: int) -> bool:
    return bool(user.is_active and (user.is_superuser or user.companies.filter(pk=company_id).exists()))


@transaction.atomic
def remove_approval_level(level: ApprovalLevel, actor: User | None) -> None:
    """Take a level out of the chain; refused once it approved an order (the approval names it)."""
    if Approval.objects.filter(level=level).exists():
        raise BusinessError(
            _("This level approved orders and stays in their history: change its amount or approver instead.")
        )
    events.record(
        "approvallevel.removed", level, actor, {"name": level.name, "min_amount": str(level.min_amount)}
    )
    level.delete()


# --- purchase requests and RFQs ---------------------------------------------------------------


@transaction.atomic
def create_request(
    company: Company,
    actor: User | None,
    *,
    product: Product,
    quantity: Any,
    needed_by: datetime.date | None = None,
    partner: Partner | None = None,
    uom: Uom | None = None,
    warehouse: Any = None,
    origin: str = "",
) -> PurchaseRequest:
    errors: dict[str, list[str]] = {}
    amount = read_decimal(quantity, "quantity", errors, least="above zero")
    if _other_company(product, company):
        errors["product"] = [_("This choice belongs to another company.")]
    if _other_company(partner, company):
        errors["partner"] = [_("This choice belongs to another company.")]
    if _other_company(warehouse, company):
        errors["warehouse"] = [_("This choice belongs to another company.")]
    unit = uom or product.uom
    if unit.category_id != product.uom.category_id:
        errors["uom"] = [_("This unit cannot measure this product.")]
    if errors:
        raise ValidationFailed(errors)
    request = PurchaseRequest.objects.create(
        company=company,
        product=product,
        quantity=amount,
        uom=unit,
        needed_by=needed_by,
        partner=partner,
        warehouse=warehouse,
        origin=origin[:200],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    events.record(
        "purchaserequest.created",
        request,
        actor,
        {"product": product.sku, "quantity": str(amount), "origin": request.origin},
    )
    return request


@transaction.atomic
def cancel_request(request: PurchaseRequest, actor: User | None) -> PurchaseRequest:
    transition(request, "cancelled", actor)
    return request


@dataclass
class RfqResult:
    orders: list[PurchaseOrder]
    without_supplier: list[PurchaseRequest]


def create_rfqs(
    company: Company,
    actor: User | None,
    requests: Iterable[PurchaseRequest],
    *,
    on: datetime.date | None = None,
) -> RfqResult:
    """Group open requests into one draft RFQ per supplier (the request's, else the best one),
    adding to the supplier's open draft when there is one. Requests whose product has no
    supplier price are left open and returned."""
    on = on or timezone.localdate()
    with transaction.atomic():
        wanted = list(
            PurchaseRequest.objects.select_for_update(of=("self",))
            .filter(company=company, pk__in=[r.pk for r in requests], state=PurchaseRequest.State.OPEN)
            .select_related("product__uom", "partner", "uom")
            .order_by("needed_by", "id")
        )
        groups: dict[tuple[int, int | None], list[tuple[PurchaseRequest, SupplierPrice | None]]] = (
            defaultdict(list)
        )
        partners: dict[int, Partner] = {}
        lost: list[PurchaseRequest] = []
        for request in wanted:
            needed = queries.in_product_unit(request.quantity, request.uom, request.product)
            if request.partner is not None:
                price = queries.price_from(request.partner, request.product, needed, on)
                partner: Partner | None = request.partner
            else:
                price = queries.best_supplier(
                    company, request.product, needed, on=on, needed_by=request.needed_by
                )
                partner = price.partner if price is not None else None
            if partner is None:
                lost.append(request)
                continue
            partners[partner.pk] = partner
            groups[(partner.pk, request.warehouse_id)].append((request, price))
        orders = [
            _rfq_for(company, actor, partners[pk], rows, on, rows[0][0].warehouse)
            for (pk, _warehouse), rows in groups.items()
        ]
    return RfqResult(orders, lost)


def _rfq_for(
    company: Company,
    actor: User | None,
    partner: Partner,
    rows: list[tuple[PurchaseRequest, SupplierPrice | None]],
    on: datetime.date,
    warehouse: Any = None,
) -> PurchaseOrder:
    currency = (
        next((p.currency for _r, p in rows if p is not None), None) or partner.currency or company.currency
    )
    order = (
        PurchaseOrder.objects.select_for_update()
        .filter(
            company=company,
            partner=partner,
            currency=currency,
            warehouse=warehouse,
            state=PurchaseOrder.State.DRAFT,
        )
        .order_by("id")
        .first()
    )
    if order is None:
        order = PurchaseOrder.objects.create(
            company=company,
            partner=partner,
            currency=currency,
            warehouse=warehouse,
            order_date=on,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        events.record("purchaseorder.created", order, actor, {"total": "0", "currency": currency.pk})
    sequence = (order.lines.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 10
    for request, price in rows:
        lead = price.lead_time_days if price is not None else 0
        expected = request.needed_by or on + datetime.timedelta(days=lead)
        unit, quantity = request.uom, request.quantity
        if price is not None and price.uom is not None and price.uom_id != unit.pk:
            unit = price.uom  # bought in the supplier's unit: whole units, enough to cover the request
            quantity = _covering(
                queries.in_product_unit(quantity, request.uom, request.product), unit, request.product
            )
        unit_price = _price_in(price, currency, on, unit) if price is not None else ZERO
        line = PurchaseOrderLine.objects.create(
            order=order,
            sequence=sequence,
            product=request.product,
            description=request.product.name[:500],
            quantity=quantity,
            uom=unit,
            price_unit=unit_price,
            expected_date=max(expected, on + datetime.timedelta(days=lead)),
        )
        sequence += 10
        transition(request, "ordered", actor, fields={"order_line": line}, data={"order": order.pk})
    _compute(order)
    return order


def _covering(quantity: Decimal, unit: Uom, product: Product) -> Decimal:
    """How many of ``unit`` hold ``quantity`` of the product's unit, rounded up to the unit's
    rounding (100 pieces in boxes of 12: 9 boxes)."""
    exact = quantity * product.uom.factor / unit.factor
    steps = (exact / unit.rounding).to_integral_value(rounding=ROUND_CEILING)
    return (steps * unit.rounding).quantize(Decimal("0.0001"))


def _price_in(
    price: SupplierPrice, currency: Currency, on: datetime.date, unit: Uom | None = None
) -> Decimal:
    """The supplier's price per ``unit`` (its own if None) in ``currency``."""
    amount = queries.price_per(price, unit) if unit is not None else price.price
    if price.currency_id == currency.pk:
        return amount
    return convert(amount, price.currency, currency, on)


# --- orders: drafts ---------------------------------------------------------------------------


@dataclass
class OrderLineData:
    """One line as a caller gives it; an empty price takes the supplier's price for the quantity."""

    product: Product
    quantity: Any
    price_unit: Any = None
    description: str = ""
    uom: Uom | None = None
    expected_date: datetime.date | None = None


def _write_lines(order: PurchaseOrder, given: Sequence[OrderLineData]) -> None:
    errors: dict[str, list[str]] = {}
    if not given:
        errors["lines"] = [_("An order has at least one line.")]
    rows = []
    for n, data in enumerate(given):
        key = f"lines.{n}"
        product = data.product
        quantity = read_decimal(data.quantity, key, errors, least="above zero")
        if _other_company(product, order.company):
            errors.setdefault(key, []).append(_("This line names a record of another company."))
            continue
        unit = data.uom or product.uom
        if unit.category_id != product.uom.category_id:
            errors.setdefault(key, []).append(_("This unit cannot measure this product."))
            continue
        price = None
        needed = queries.in_product_unit(quantity, unit, product)
        found = queries.price_from(order.partner, product, needed, order.order_date)
        lead = found.lead_time_days if found is not None else 0
        if data.price_unit in (None, ""):  # the supplier's price, per the line's unit
            price = _price_in(found, order.currency, order.order_date, unit) if found is not None else ZERO
        else:
            price = read_decimal(data.price_unit, key, errors, least="zero")
        expected = (
            data.expected_date or order.expected_date or order.order_date + datetime.timedelta(days=lead)
        )
        rows.append(
            PurchaseOrderLine(
                order=order,
                sequence=10 * (n + 1),
                product=product,
                description=(data.description or product.name).strip()[:500],
                quantity=quantity,
                uom=unit,
                price_unit=price,
                expected_date=expected,
            )
        )
    if errors:
        raise ValidationFailed(errors)
    order.lines.all().delete()
    PurchaseOrderLine.objects.bulk_create(rows)
    _compute(order)


def _compute(order: PurchaseOrder) -> None:
    lines = list(order.lines.all())
    for line in lines:
        line.amount = round_money(line.quantity * line.price_unit, order.currency)
    PurchaseOrderLine.objects.bulk_update(lines, ["amount"])
    total = sum((line.amount for line in lines), ZERO)
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
    PurchaseOrder.objects.filter(pk=order.pk).update(amount_total=total, amount_company=in_company)
    order.amount_total, order.amount_company = total, in_company


def _check_header(company: Company, order: PurchaseOrder) -> None:
    errors: dict[str, list[str]] = {}
    if _other_company(order.warehouse, company):
        errors["warehouse"] = [_("This choice belongs to another company.")]
    if _other_company(order.partner, company):
        errors["partner"] = [_("This choice belongs to another company.")]
    elif not order.partner.is_supplier:
        errors["partner"] = [_("This partner is not marked as a supplier.")]
    if not order.currency.active:
        errors["currency"] = [_("This currency is not in use.")]
    if order.expected_date and order.expected_date < order.order_date:
        errors["expected_date"] = [_("The expected date is before the order date.")]
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
) -> PurchaseOrder:
    """A draft RFQ with its lines (prices from the supplier's price list where not given)."""
    unknown = set(header) - set(ORDER_HEADER)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    order = PurchaseOrder(
        company=company,
        partner=partner,
        currency=currency or partner.currency or company.currency,
        order_date=order_date or timezone.localdate(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **header,
    )
    _check_header(company, order)
    order.save()
    _write_lines(order, lines)
    events.record(
        "purchaseorder.created",
        order,
        actor,
        {"total": str(order.amount_total), "currency": order.currency_id},
    )
    return order


def _refuse_unless_editable(order: PurchaseOrder) -> None:
    if order.state not in EDITABLE:
        raise OrderNotEditable(_("Only an RFQ (draft or sent) can be changed; cancel the order instead."))


def update_order(
    order: PurchaseOrder,
    actor: User | None,
    *,
    expected_version: int | None = None,
    lines: Sequence[OrderLineData] | None = None,
    **changes: Any,
) -> PurchaseOrder:
    unknown = set(changes) - set(ORDER_HEADER)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    with transaction.atomic():
        locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        _refuse_unless_editable(locked)
        updated = update_versioned(
            locked,
            actor,
            dict(changes),
            expected_version=expected_version,
            event="purchaseorder.updated",
            check=lambda row: _check_header(row.company, row),
        )
        if lines is not None:
            _write_lines(updated, lines)
        else:
            _compute(updated)
    return updated


def _numbered(order: PurchaseOrder) -> str:
    if not order.number:
        order.number = sequences.next_number(order.company, SEQUENCE, order.order_date)
        PurchaseOrder.objects.filter(pk=order.pk).update(number=order.number)
    return order.number


# --- sending: the PDF in the supplier's language, by e-mail, on the supplier's timeline -------


def order_pdf(order: PurchaseOrder) -> bytes:
    language = order.partner.language or order.company.language
    with translation.override(language):
        title = _("Purchase order") if order.state in _CONFIRMED else _("Request for quotation")
    context = {
        "title": title,
        "order": order,
        "lines": list(order.lines.select_related("product", "uom").order_by("sequence", "id")),
        "address_lines": _address_lines(order.partner),
    }
    return documents.render_pdf(
        "purchasing/documents/order.html", context, company=order.company, language=language
    )


_CONFIRMED = {"confirmed", "received", "billed"}


def _address_lines(partner: Partner) -> list[str]:
    address = partner.addresses.order_by("-is_default", "id").first()
    return [address.one_line()] if address is not None else []


def pdf_name(order: PurchaseOrder) -> str:
    return f"{(order.number or f'rfq-{order.pk}').replace('/', '-')}.pdf"


def send_order(order: PurchaseOrder, actor: User | None, *, to: Sequence[str] = ()) -> PurchaseOrder:
    """E-mail the RFQ (or the confirmed order) with its PDF, in the supplier's language; the
    sending is recorded on the order and on the supplier's timeline."""
    if order.state == PurchaseOrder.State.CANCELLED:
        raise BusinessError(_("A cancelled order is not sent."))
    addresses = [a for a in (to or [order.partner.email]) if a]
    if not addresses:
        raise ValidationFailed({"to": [_("The supplier has no e-mail address: enter one.")]})
    with transaction.atomic():
        locked = (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("partner", "company")
            .get(pk=order.pk)
        )
        number = _numbered(locked)
        language = locked.partner.language or locked.company.language
        with translation.override(language):
            title = str(_("Purchase order") if locked.state in _CONFIRMED else _("Request for quotation"))
            subject = f"{title} {number} — {locked.company.name}"
            text = _(
                "Hello,\n\nplease find attached our %(title)s %(number)s.\n\nKind regards,\n%(company)s\n"
            ) % {
                "title": title.lower(),
                "number": number,
                "company": locked.company.name,
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
        if locked.state in EDITABLE:
            transition(locked, "sent", actor, data={"number": number, "to": addresses})
        else:
            PurchaseOrder.objects.filter(pk=locked.pk).update(sent_at=timezone.now())
            events.record(
                "purchaseorder.sent",
                locked,
                actor,
                {"state": [locked.state, locked.state], "number": number, "to": addresses},
            )
    order.refresh_from_db()
    return order


# --- confirming and the approval chain ----------------------------------------------------------


def confirm_order(order: PurchaseOrder, actor: User | None) -> PurchaseOrder:
    """Confirm an RFQ; one whose amount needs approval goes to the first approver instead."""
    with transaction.atomic():
        locked = (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner")
            .get(pk=order.pk)
        )
        if locked.state not in EDITABLE:
            raise OrderNotEditable(
                _("Only an RFQ (draft or sent) is confirmed; this one is “%(state)s”.")
                % {"state": locked.get_state_display()}
            )
        _compute(locked)
        if not locked.lines.exists():
            raise BusinessError(_("An order has at least one line."))
        number = _numbered(locked)
        level = queries.next_level(locked)
        if level is not None:
            transition(
                locked, "submitted", actor, data={"number": number, "next_approver": level.approver_id}
            )
            _ask_approval(locked, level, actor)
        else:
            _confirm(locked, actor)
    order.refresh_from_db()
    return order


def _ask_approval(order: PurchaseOrder, level: ApprovalLevel, actor: User | None) -> None:
    notifications.notify(
        level.approver,
        kind="purchasing.approval",
        title=Message(
            gettext_noop("Purchase order %(number)s waits for your approval"), {"number": order.number}
        ),
        body=Message(
            gettext_noop("%(supplier)s, %(total)s %(currency)s (approval as %(level)s)."),
            {
                "supplier": str(order.partner),
                "total": str(order.amount_total),
                "currency": order.currency_id,
                "level": level.name,
            },
        ),
        link=reverse("purchasing:order_detail", args=[order.pk]),
        company=order.company,
        actor=actor,
    )


def approve_order(order: PurchaseOrder, actor: User) -> PurchaseOrder:
    """The next level of the chain approves; the last approval confirms the order.

    Refused (and nothing written) for anyone but that level's approver, and for the order's
    own purchaser whatever their level: nobody approves their own order above the limit."""
    with transaction.atomic():
        locked = (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner")
            .get(pk=order.pk)
        )
        if locked.state != PurchaseOrder.State.TO_APPROVE:
            raise BusinessError(_("This order is not waiting for approval."))
        level = queries.next_level(locked)
        if level is None:  # the chain changed since it was submitted: nothing left to approve
            _confirm(locked, actor)
            order.refresh_from_db()
            return order
        if actor.pk in {locked.created_by_id, locked.submitted_by_id}:
            raise NotAllowed(_("You cannot approve your own order above the approval limit."))
        if actor.pk != level.approver_id and not actor.is_superuser:
            raise NotAllowed(
                _("This order waits for the approval of %(approver)s (%(level)s).")
                % {"approver": level.approver, "level": level.name}
            )
        Approval.objects.create(order=locked, level=level, approver=actor)
        events.record(
            "purchaseorder.approval_given",
            locked,
            actor,
            {"number": locked.number, "level": level.name, "approver": actor.pk},
        )
        following = queries.next_level(locked)
        if following is not None:
            _ask_approval(locked, following, actor)
        else:
            _confirm(locked, actor)
    order.refresh_from_db()
    return order


def reject_order(order: PurchaseOrder, actor: User, *, reason: str = "") -> PurchaseOrder:
    """An approver sends the order back to its purchaser as a draft; approvals given so far lapse."""
    with transaction.atomic():
        locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        level = queries.next_level(locked) if locked.state == PurchaseOrder.State.TO_APPROVE else None
        if level is not None and actor.pk != level.approver_id and not actor.is_superuser:
            raise NotAllowed(_("Only the approver the order waits for can refuse it."))
        Approval.objects.filter(order=locked).delete()
        transition(locked, "rejected", actor, data={"number": locked.number, "reason": reason[:500]})
        if locked.created_by is not None:
            notifications.notify(
                locked.created_by,
                kind="purchasing.approval",
                title=Message(
                    gettext_noop("Purchase order %(number)s was not approved"), {"number": locked.number}
                ),
                body=reason[:500],
                link=reverse("purchasing:order_detail", args=[locked.pk]),
                company=locked.company,
                actor=actor,
            )
    order.refresh_from_db()
    return order


def _confirm(order: PurchaseOrder, actor: User | None) -> None:
    transition(order, "confirmed", actor, data={"number": order.number, "total": str(order.amount_total)})
    from tandem.purchasing.services import receiving

    receiving.create_receipt(order, actor)


def cancel_order(order: PurchaseOrder, actor: User | None) -> PurchaseOrder:
    """Cancel an RFQ or an order nothing of which was received yet (its receipt is cancelled)."""
    with transaction.atomic():
        locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state == PurchaseOrder.State.CONFIRMED:
            from tandem.purchasing.services import receiving

            receiving.cancel_receipts(locked, actor)
        transition(locked, "cancelled", actor, data={"number": locked.number})
        for request in PurchaseRequest.objects.filter(order_line__order=locked, state="ordered"):
            transition(request, "reopened", actor)
    order.refresh_from_db()
    return order


# --- the supplier bill and the three-way match ---------------------------------------------------


@dataclass
class BillResult:
    invoice: Any  # accounting.Invoice
    warnings: list[str]


def bill_order(
    order: PurchaseOrder,
    actor: User | None,
    *,
    invoice_date: datetime.date | None = None,
    supplier_reference: str = "",
) -> BillResult:
    """A draft supplier bill for what was received and not billed yet, at the ordered prices
    (through ``accounting.services.invoices``), and the three-way match's warnings.

    Services and consumables without a receipt count as received once the order is confirmed.
    The match is computed again from the facts whenever it is shown: a bill the accountant
    changes (another quantity, another price) shows its mismatch on the order."""
    from tandem.accounting.services import invoices
    from tandem.inventory.services import valuation
    from tandem.purchasing.models import OrderBill

    with transaction.atomic():
        locked = (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        if locked.state not in {PurchaseOrder.State.CONFIRMED, PurchaseOrder.State.RECEIVED}:
            raise BusinessError(_("Only a confirmed order is billed."))
        statuses = queries.line_statuses(locked)
        lines = [
            invoices.LineData(
                description=status.line.description,
                quantity=status.to_bill,
                price_unit=status.line.price_unit,
                product=status.line.product,
                uom=status.line.uom,
                account=valuation.input_account_for(status.line.product),  # clears stock input
            )
            for status in statuses
            if status.to_bill > 0
        ]
        if not lines:
            raise BusinessError(_("Nothing received is left to bill."))
        bill = invoices.create_invoice(
            locked.company,
            actor,
            kind="supplier_bill",
            partner=locked.partner,
            invoice_date=invoice_date or timezone.localdate(),
            lines=lines,
            currency=locked.currency,
            origin=locked.number,
            supplier_reference=supplier_reference,
        )
        OrderBill.objects.create(order=locked, invoice=bill)
        after = queries.line_statuses(locked)
        warnings = queries.mismatches(after)
        events.record(
            "purchaseorder.bill_created",
            locked,
            actor,
            {"number": locked.number, "bill": bill.pk, "mismatches": warnings},
        )
        if locked.state == PurchaseOrder.State.RECEIVED and all(s.billed >= s.received for s in after):
            transition(locked, "billed", actor, data={"number": locked.number})
    order.refresh_from_db()
    return BillResult(bill, warnings)


def receive_order(
    order: PurchaseOrder, actor: User | None, *, quantities: Mapping[int, Any]
) -> PurchaseOrder:
    """Take in what arrived, per order line (see ``receiving.receive_order``)."""
    from tandem.purchasing.services import receiving

    return receiving.receive_order(order, actor, quantities=dict(quantities))


@transaction.atomic
def delete_draft(order: PurchaseOrder, actor: User | None) -> None:
    """Delete an RFQ never sent (a sent one has a number the supplier knows: cancel it)."""
    locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    if locked.state != PurchaseOrder.State.DRAFT or locked.number:
        raise OrderNotEditable(_("Only an RFQ never sent is deleted; cancel this one instead."))
    for request in PurchaseRequest.objects.filter(order_line__order=locked):
        transition(request, "reopened", actor)
    events.record("purchaseorder.deleted", locked, actor, {"supplier": locked.partner_id})
    locked.delete()


# --- bulk import (driven by tandem.purchasing.imports) --------------------------------------------

IMPORT_BATCH_SIZE = 2000


@transaction.atomic
def import_supplier_prices(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    """Write supplier-price rows validated by ``tandem.purchasing.imports`` in bulk; an update
    changes the price, currency, lead time, supplier's code and end date of the matched row, and
    its purchase unit when the file has that column (an empty cell: the product's unit)."""
    from tandem.core.bulk import ChangedRows

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    rows = [
        SupplierPrice(
            company=company,
            partner_id=row["partner_id"],
            product_id=row["product_id"],
            price=row["price"],
            uom_id=row.get("uom_id"),
            currency_id=row["currency"] or company.currency_id,
            min_quantity=row["min_quantity"],
            lead_time_days=row["lead_time_days"],
            supplier_sku=row["supplier_sku"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
        )
        for row in creates
    ]
    SupplierPrice.objects.bulk_create(rows, batch_size=IMPORT_BATCH_SIZE)
    counts["created"] = len(rows)
    existing = SupplierPrice.objects.filter(company=company).in_bulk([pk for pk, _row in updates])
    changed = ChangedRows(SupplierPrice, batch_size=IMPORT_BATCH_SIZE)
    for pk, row in updates:
        values = {
            "price": row["price"],
            "lead_time_days": row["lead_time_days"],
            "valid_to": row["valid_to"],
            "supplier_sku": row["supplier_sku"] or existing[pk].supplier_sku,
            **({"currency_id": row["currency"]} if row["currency"] else {}),
            **({"uom_id": row["uom_id"]} if "uom_id" in row else {}),
        }
        if not changed.change(existing[pk], values):
            counts["unchanged"] += 1
    counts["updated"] = changed.write()
    return counts


@transaction.atomic
def import_open_orders(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    """One confirmed order per reference (approved in the old system), its receipt expected."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "lines": 0}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in creates:
        grouped[row["reference"]].append(row)
    partners = Partner.objects.in_bulk({rows[0]["partner_id"] for rows in grouped.values()})
    products = Product.objects.select_related("uom").in_bulk({row["product_id"] for row in creates})
    currencies = Currency.objects.in_bulk({row["currency"] for row in creates if row["currency"]})
    for reference, rows in grouped.items():
        first = rows[0]
        order = create_order(
            company,
            actor,
            partner=partners[first["partner_id"]],
            currency=currencies.get(first["currency"]) if first["currency"] else None,
            order_date=first["order_date"] or timezone.localdate(),
            expected_date=first["expected_date"],
            supplier_reference=reference,
            lines=[
                OrderLineData(
                    product=products[row["product_id"]],
                    quantity=row["quantity"],
                    price_unit=row["price"],
                    expected_date=row["expected_date"],
                )
                for row in rows
            ],
        )
        _numbered(order)
        _confirm(order, actor)
        counts["created"] += 1
        counts["lines"] += len(rows)
    return counts


@dataclass(frozen=True)
class RequestData:
    product: Product
    quantity: Decimal  # in the product's unit
    needed_by: datetime.date | None = None
    warehouse: Any = None
    origin: str = ""
    order_by: datetime.date | None = None  # the day to order it (MRP's planned start)
    partner: Partner | None = None  # the supplier chosen (MRP's); else the best one at RFQ time
    demand_move_id: int | None = None  # the move it is bought for (MRP's peg: a sale's, a component's)


@transaction.atomic
def create_requests(
    company: Company, actor: User | None, rows: Sequence[RequestData]
) -> list[PurchaseRequest]:
    """Many purchase requests at once (a planning run), written in bulk: checked like
    :func:`create_request`, no event per request (the run records its own)."""
    errors: dict[str, list[str]] = {}
    for n, row in enumerate(rows):
        if row.quantity <= 0:
            errors.setdefault(f"rows.{n}", []).append(_("Enter a quantity above zero."))
        if any(_other_company(obj, company) for obj in (row.product, row.warehouse, row.partner)):
            errors.setdefault(f"rows.{n}", []).append(_("This row names a record of another company."))
    if errors:
        raise ValidationFailed(errors)
    creator = actor if actor is not None and actor.is_authenticated else None
    return PurchaseRequest.objects.bulk_create(
        [
            PurchaseRequest(
                company=company,
                product=row.product,
                quantity=row.quantity,
                uom_id=row.product.uom_id,
                needed_by=row.needed_by,
                order_by=row.order_by,
                warehouse=row.warehouse,
                partner=row.partner,
                origin=row.origin[:200],
                demand_move_id=row.demand_move_id,
                created_by=creator,
            )
            for row in rows
        ],
        batch_size=IMPORT_BATCH_SIZE,
    )
