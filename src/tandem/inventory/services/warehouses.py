"""Warehouses, their location trees, the company's virtual locations, and lots."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, Conflict, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.versioning import update_versioned
from tandem.inventory.models import Location, Lot, Warehouse

K = Location.Kind
# The company's virtual locations: where goods come from and go to outside its warehouses.
VIRTUAL: dict[str, str] = {
    K.SUPPLIER: "Partners/Suppliers",
    K.CUSTOMER: "Partners/Customers",
    K.PRODUCTION: "Virtual/Production",
    K.LOSS: "Virtual/Inventory loss",
    K.TRANSIT: "Virtual/Transit",
}
WAREHOUSE_FIELDS = ["name", "code", "partner", "delivery_steps", "reception_steps", "active"]
LOCATION_FIELDS = ["name", "parent", "kind", "barcode", "active"]


def virtual_location(company: Company, kind: str) -> Location:
    """The company's location of ``kind`` (suppliers, customers, production, loss, transit)."""
    found = Location.objects.filter(company=company, kind=kind, warehouse=None, parent__isnull=False).first()
    if found is not None:
        return found
    ensure_virtual_locations(company)
    return Location.objects.get(company=company, kind=kind, path=VIRTUAL[kind])


@transaction.atomic
def ensure_virtual_locations(company: Company) -> dict[str, Location]:
    found: dict[str, Location] = {}
    for kind, path in VIRTUAL.items():
        root_name, name = path.split("/")
        root = _get_or_create(company, root_name, None, K.VIEW, None)
        found[kind] = _get_or_create(company, name, root, kind, None)
    return found


def _get_or_create(
    company: Company, name: str, parent: Location | None, kind: str, warehouse: Warehouse | None
) -> Location:
    path = f"{parent.path}/{name}" if parent else name
    existing = Location.objects.filter(company=company, path=path).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Location.objects.create(
                company=company, name=name, parent=parent, path=path, kind=kind, warehouse=warehouse
            )
    except IntegrityError:
        return Location.objects.get(company=company, path=path)


def _check_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({field: [_("This field is required.")]})
    if "/" in name:
        raise ValidationFailed(
            {field: [_("A name cannot contain “/”: it separates a location from its parent.")]}
        )
    return name


@transaction.atomic
def create_warehouse(
    company: Company,
    actor: User | None,
    *,
    name: str,
    code: str,
    partner: Any = None,
    active: bool = True,
    delivery_steps: Any = 1,
    reception_steps: Any = 1,
) -> Warehouse:
    """A warehouse with its view location ``<code>`` and ``Stock``, ``Input``, ``Output`` below it
    (and ``Packing``, ``Quality`` when its routes take three steps)."""
    name = (name or "").strip()
    code = _check_name(code, "code").upper()
    errors: dict[str, list[str]] = {}
    steps = _steps({"delivery_steps": delivery_steps, "reception_steps": reception_steps}, errors)
    if not name:
        errors["name"] = [_("This field is required.")]
    if len(code) > 8:
        errors["code"] = [_("A short code has at most 8 characters.")]
    if partner is not None and partner.company_id != company.pk:
        errors["partner"] = [_("This choice belongs to another company.")]
    if Warehouse.objects.filter(company=company, code=code).exists():
        errors["code"] = [_("Another warehouse already has this code.")]
    if Location.objects.filter(company=company, path=code).exists():
        errors.setdefault("code", []).append(_("A location already has this name."))
    if errors:
        raise ValidationFailed(errors)
    ensure_virtual_locations(company)
    warehouse = Warehouse.objects.create(
        company=company, name=name, code=code, partner=partner, active=active, **steps
    )
    view = _get_or_create(company, code, None, K.VIEW, warehouse)
    stock = _get_or_create(company, "Stock", view, K.INTERNAL, warehouse)
    inbound = _get_or_create(company, "Input", view, K.INTERNAL, warehouse)
    outbound = _get_or_create(company, "Output", view, K.INTERNAL, warehouse)
    Warehouse.objects.filter(pk=warehouse.pk).update(
        view_location=view, stock_location=stock, input_location=inbound, output_location=outbound
    )
    warehouse.refresh_from_db()
    _route_locations(warehouse)
    events.record("warehouse.created", warehouse, actor, {"code": code, "name": name})
    return warehouse


STEP_FIELDS = ("delivery_steps", "reception_steps")


def _steps(fields: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, int]:
    """The route settings among ``fields`` as numbers 1–3 (a message per bad one in ``errors``)."""
    found: dict[str, int] = {}
    for name in STEP_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if number is None and isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if number not in (1, 2, 3):
            errors[name] = [_("Choose one, two or three steps.")]
            continue
        found[name] = number
    return found


def _route_locations(warehouse: Warehouse) -> None:
    """Make the Packing and Quality locations a three-step route passes through, once."""
    view = warehouse.view_location
    changes: dict[str, Location] = {}
    if warehouse.delivery_steps == 3 and warehouse.pack_location_id is None and view is not None:
        changes["pack_location"] = _get_or_create(warehouse.company, "Packing", view, K.INTERNAL, warehouse)
    if warehouse.reception_steps == 3 and warehouse.quality_location_id is None and view is not None:
        changes["quality_location"] = _get_or_create(
            warehouse.company, "Quality", view, K.INTERNAL, warehouse
        )
    if changes:
        Warehouse.objects.filter(pk=warehouse.pk).update(**changes)
        for name, location in changes.items():
            setattr(warehouse, name, location)


@transaction.atomic
def update_warehouse(
    warehouse: Warehouse, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Warehouse:
    unknown = set(fields) - {"name", "partner", "active", *STEP_FIELDS}
    if unknown:
        raise BusinessError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    errors: dict[str, list[str]] = {}
    if "name" in fields and not str(fields["name"]).strip():
        errors["name"] = [_("This field is required.")]
    partner = fields.get("partner")
    if partner is not None and partner.company_id != warehouse.company_id:
        errors["partner"] = [_("This choice belongs to another company.")]
    fields.update(_steps(fields, errors))
    if errors:
        raise ValidationFailed(errors)
    updated = update_versioned(
        warehouse, actor, fields, expected_version=expected_version, event="warehouse.updated"
    )
    # A changed route applies to transfers created from now on; those under way keep theirs.
    _route_locations(updated)
    return updated


@transaction.atomic
def create_location(
    company: Company,
    actor: User | None,
    *,
    name: str,
    parent: Location,
    kind: str = K.INTERNAL,
    barcode: str = "",
    active: bool = True,
) -> Location:
    """A shelf, a bin or a room under ``parent``; it belongs to the parent's warehouse."""
    name = _check_name(name)
    errors: dict[str, list[str]] = {}
    if parent is None:
        errors["parent"] = [_("Choose where the location is.")]
    elif parent.company_id != company.pk:
        errors["parent"] = [_("This choice belongs to another company.")]
    if kind not in {K.INTERNAL, K.VIEW} and (parent is None or parent.warehouse_id is not None):
        errors["kind"] = [_("A warehouse holds internal and view locations only.")]
    barcode = (barcode or "").strip()
    if barcode and Location.objects.filter(company=company, barcode=barcode).exists():
        errors["barcode"] = [_("Another location already has this barcode.")]
    if errors or parent is None:
        raise ValidationFailed(errors)
    path = f"{parent.path}/{name}"
    if Location.objects.filter(company=company, path=path).exists():
        raise Conflict(_("This location already exists."), field="name")
    location = Location.objects.create(
        company=company, name=name, parent=parent, path=path, kind=kind, warehouse_id=parent.warehouse_id,
        barcode=barcode, active=active,
    )  # fmt: skip
    events.record("location.created", location, actor, {"path": path, "kind": kind})
    return location


@transaction.atomic
def update_location(
    location: Location, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Location:
    unknown = set(fields) - {"barcode", "active"}
    if unknown:
        raise BusinessError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    barcode = str(fields.get("barcode", "") or "").strip()
    others = Location.objects.filter(company=location.company_id, barcode=barcode).exclude(pk=location.pk)
    if barcode and others.exists():
        raise ValidationFailed({"barcode": [_("Another location already has this barcode.")]})
    return update_versioned(
        location, actor, fields, expected_version=expected_version, event="location.updated"
    )


@transaction.atomic
def create_lot(
    company: Company,
    actor: User | None,
    *,
    product: Product,
    name: str,
    expiry_date: datetime.date | None = None,
) -> Lot:
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    if product.company_id != company.pk:
        errors["product"] = [_("This choice belongs to another company.")]
    elif product.tracking == Product.Tracking.NONE:
        errors["product"] = [
            _("%(product)s is not tracked by lot or serial number.") % {"product": product.name}
        ]
    if product.use_expiry and expiry_date is None:
        errors["expiry_date"] = [_("%(product)s needs an expiry date.") % {"product": product.name}]
    if name and Lot.objects.filter(company=company, product=product, name=name).exists():
        errors["name"] = [_("This product already has a lot with this number.")]
    if errors:
        raise ValidationFailed(errors)
    lot = Lot.objects.create(company=company, product=product, name=name, expiry_date=expiry_date)
    events.record("lot.created", lot, actor, {"product": product.sku, "name": name})
    return lot
