"""Writes on what production is set up with: work centres, routings and their operations, bills
of materials with their components and by-products, quality check points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Uom, User
from tandem.core.money import read_decimal
from tandem.core.versioning import update_versioned
from tandem.manufacturing import queries
from tandem.manufacturing.models import (
    Bom,
    BomByProduct,
    BomLine,
    Operation,
    QualityPoint,
    Routing,
    WorkCentre,
)

ZERO = Decimal(0)
Errors = dict[str, list[str]]

CENTRE_FIELDS = [
    "name",
    "code",
    "capacity_hours",
    "cost_per_hour",
    "working_days",
    "holiday_country",
    "active",
]
ROUTING_FIELDS = ["name", "active"]
BOM_FIELDS = [
    "reference",
    "product",
    "kind",
    "revision",
    "quantity",
    "routing",
    "valid_from",
    "valid_to",
    "active",
]
POINT_FIELDS = [
    "title",
    "product",
    "operation",
    "kind",
    "instructions",
    "minimum",
    "maximum",
    "unit",
    "active",
]


def _number(
    value: Any, key: str, errors: Errors, *, positive: bool = False, below: Decimal | None = None
) -> Decimal:
    """``core.money.read_decimal``, and below ``below`` when given (a percentage under 100)."""
    before = len(errors.get(key, []))
    number = read_decimal(value, key, errors, least="above zero" if positive else "zero")
    if below is not None and len(errors.get(key, [])) == before and number >= below:
        errors.setdefault(key, []).append(_("Enter a number below %(limit)s.") % {"limit": below})
    return number


def _own(company: Company, data: Mapping[str, Any], names: Sequence[str], errors: Errors) -> None:
    for name in names:
        obj = data.get(name)
        if obj is not None and getattr(obj, "company_id", company.pk) != company.pk:
            errors[name] = [_("This choice belongs to another company.")]


def _unknown(fields: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})


# --- work centres ---------------------------------------------------------------------------------


def _normalized_centre(
    company: Company, fields: Mapping[str, Any], current: WorkCentre | None
) -> dict[str, Any]:
    _unknown(fields, CENTRE_FIELDS)
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: Errors = {}
    for name in ("name", "code"):
        if name in data and not data[name]:
            errors[name] = [_("This field is required.")]
    if "capacity_hours" in data:
        data["capacity_hours"] = _number(data["capacity_hours"], "capacity_hours", errors, positive=True)
        if "capacity_hours" not in errors and data["capacity_hours"] > 24:
            errors["capacity_hours"] = [_("A day has 24 hours.")]
    if "cost_per_hour" in data:
        data["cost_per_hour"] = _number(data["cost_per_hour"], "cost_per_hour", errors)
    if "working_days" in data:
        days = "".join(sorted(set(str(data["working_days"] or ""))))
        if not days or any(d not in "1234567" for d in days):
            errors["working_days"] = [_("Name the working days by number, Monday 1 to Sunday 7: 12345.")]
        data["working_days"] = days
    if data.get("holiday_country"):
        data["holiday_country"] = str(data["holiday_country"]).upper()
        if len(data["holiday_country"]) != 2 or not data["holiday_country"].isalpha():
            errors["holiday_country"] = [_("Enter a two-letter country code.")]
    if data.get("code") and "code" not in errors:
        others = WorkCentre.objects.filter(company=company, code=data["code"])
        if current is not None:
            others = others.exclude(pk=current.pk)
        if others.exists():
            errors["code"] = [_("Another work centre has this code.")]
    if errors:
        raise ValidationFailed(errors)
    return data


@transaction.atomic
def create_work_centre(company: Company, actor: User | None, **fields: Any) -> WorkCentre:
    data = _normalized_centre(company, fields, None)
    missing = {n: [_("This field is required.")] for n in ("name", "code") if not data.get(n)}
    if missing:
        raise ValidationFailed(missing)
    centre = WorkCentre.objects.create(company=company, **data)
    events.record(
        "workcentre.created",
        centre,
        actor,
        {
            "code": centre.code,
            "capacity_hours": str(centre.capacity_hours),
            "cost_per_hour": str(centre.cost_per_hour),
        },
    )
    return centre


@transaction.atomic
def update_work_centre(
    centre: WorkCentre, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> WorkCentre:
    data = _normalized_centre(centre.company, fields, centre)
    return update_versioned(
        centre, actor, data, expected_version=expected_version, event="workcentre.updated"
    )


# --- routings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OperationData:
    name: str
    work_centre: WorkCentre
    setup_minutes: Any = 0
    run_minutes: Any = 0


def _operations(company: Company, rows: Sequence[OperationData], errors: Errors) -> list[dict[str, Any]]:
    found = []
    for n, row in enumerate(rows):
        key = f"operations.{n}"
        line: Errors = {}
        name = (row.name or "").strip()
        if not name:
            line.setdefault(key, []).append(_("Name the operation."))
        if not isinstance(row.work_centre, WorkCentre) or row.work_centre.company_id != company.pk:
            line.setdefault(key, []).append(_("Choose a work centre of this company."))
        setup = _number(row.setup_minutes, key, line)
        run = _number(row.run_minutes, key, line)
        errors.update(line)
        found.append(
            {
                "sequence": 10 * (n + 1),
                "name": name,
                "work_centre": row.work_centre,
                "setup_minutes": setup,
                "run_minutes": run,
            }
        )
    return found


def _write_operations(routing: Routing, rows: list[dict[str, Any]]) -> None:
    existing = list(routing.operations.order_by("sequence", "id"))
    for n, row in enumerate(rows):
        if n < len(existing):
            Operation.objects.filter(pk=existing[n].pk).update(**row)
        else:
            Operation.objects.create(routing=routing, **row)
    for extra in existing[len(rows) :]:
        try:
            with transaction.atomic():
                extra.delete()
        except ProtectedError as error:
            raise BusinessError(
                _("The operation “%(name)s” has work orders or check points: keep it.") % {"name": extra.name}
            ) from error


@transaction.atomic
def create_routing(
    company: Company, actor: User | None, *, operations: Sequence[OperationData] = (), **fields: Any
) -> Routing:
    _unknown(fields, ROUTING_FIELDS)
    errors: Errors = {}
    name = str(fields.get("name") or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    rows = _operations(company, operations, errors)
    if not rows and "operations" not in errors:
        errors["operations"] = [_("A routing has at least one operation.")]
    if errors:
        raise ValidationFailed(errors)
    routing = Routing.objects.create(company=company, name=name, active=fields.get("active", True))
    _write_operations(routing, rows)
    events.record("routing.created", routing, actor, {"name": name, "operations": len(rows)})
    return routing


@transaction.atomic
def update_routing(
    routing: Routing,
    actor: User | None,
    *,
    expected_version: int | None = None,
    operations: Sequence[OperationData] | None = None,
    **fields: Any,
) -> Routing:
    _unknown(fields, ROUTING_FIELDS)
    errors: Errors = {}
    if "name" in fields:
        fields["name"] = str(fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = [_("This field is required.")]
    rows = _operations(routing.company, operations, errors) if operations is not None else None
    if rows is not None and not rows and "operations" not in errors:
        errors["operations"] = [_("A routing has at least one operation.")]
    if errors:
        raise ValidationFailed(errors)
    updated = update_versioned(
        routing, actor, fields, expected_version=expected_version, event="routing.updated"
    )
    if rows is not None:
        _write_operations(updated, rows)
    return updated


# --- bills of materials ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LineData:
    """A component: ``quantity`` of ``product`` in ``uom`` (the product's unit if None) per batch."""

    product: Product
    quantity: Any
    uom: Uom | None = None
    scrap_percent: Any = 0


@dataclass(frozen=True)
class ByProductData:
    product: Product
    quantity: Any
    uom: Uom | None = None
    cost_share: Any = 0


def _unit(product: Product, uom: Uom | None, key: str, errors: Errors) -> Uom:
    unit = uom or product.uom
    if unit.category_id != product.uom.category_id:
        errors.setdefault(key, []).append(
            _("%(unit)s cannot measure %(product)s, which is counted in %(target)s.")
            % {"unit": unit.name, "product": product.name, "target": product.uom.name}
        )
    return unit


def _lines(company: Company, rows: Sequence[LineData], errors: Errors) -> list[dict[str, Any]]:
    found = []
    for n, row in enumerate(rows):
        key = f"lines.{n}"
        product = row.product
        if not isinstance(product, Product) or product.company_id != company.pk:
            errors.setdefault(key, []).append(_("Choose a product of this company."))
            continue
        if product.kind == Product.Kind.SERVICE:
            errors.setdefault(key, []).append(
                _("%(product)s is a service: it is not consumed.") % {"product": product.name}
            )
        quantity = _number(row.quantity, key, errors, positive=True)
        scrap = _number(row.scrap_percent, key, errors, below=Decimal(100))
        unit = _unit(product, row.uom, key, errors)
        found.append(
            {
                "sequence": 10 * (n + 1),
                "product": product,
                "quantity": quantity,
                "uom": unit,
                "scrap_percent": scrap,
            }
        )
    return found


def _byproducts(company: Company, rows: Sequence[ByProductData], errors: Errors) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for n, row in enumerate(rows):
        key = f"byproducts.{n}"
        product = row.product
        if not isinstance(product, Product) or product.company_id != company.pk:
            errors.setdefault(key, []).append(_("Choose a product of this company."))
            continue
        quantity = _number(row.quantity, key, errors, positive=True)
        share = _number(row.cost_share, key, errors, below=Decimal(100))
        unit = _unit(product, row.uom, key, errors)
        found.append({"product": product, "quantity": quantity, "uom": unit, "cost_share": share})
    shares: Decimal = sum((row["cost_share"] for row in found), ZERO)
    if shares >= 100:
        errors.setdefault("byproducts", []).append(_("The by-products take less than the whole cost."))
    return found


def _normalized_bom(
    company: Company,
    fields: Mapping[str, Any],
    current: Bom | None,
    lines: Sequence[LineData] | None,
    byproducts: Sequence[ByProductData] | None,
) -> tuple[dict[str, Any], list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    _unknown(fields, BOM_FIELDS)
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: Errors = {}
    _own(company, data, ["product", "routing"], errors)
    if "quantity" in data:
        data["quantity"] = _number(data["quantity"], "quantity", errors, positive=True)
    if "kind" in data and data["kind"] not in Bom.Kind.values:
        errors["kind"] = [_("Choose manufacture or kit.")]
    if "revision" in data:
        try:
            data["revision"] = int(data["revision"] or 1)
            if data["revision"] < 1:
                raise ValueError
        except (TypeError, ValueError):
            errors["revision"] = [_("A revision is a whole number from 1.")]
    product: Product | None = data.get("product", current.product if current else None)
    if product is not None and product.kind == Product.Kind.SERVICE and "product" not in errors:
        errors["product"] = [_("A service is not made from components.")]
    valid_from = data.get("valid_from", current.valid_from if current else None)
    valid_to = data.get("valid_to", current.valid_to if current else None)
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [_("The end of validity is before its start.")]
    line_rows = _lines(company, lines, errors) if lines is not None else None
    if line_rows is not None and not line_rows and not any(k.startswith("lines") for k in errors):
        errors["lines"] = [_("A bill of materials has at least one component.")]
    byproduct_rows = _byproducts(company, byproducts, errors) if byproducts is not None else None
    if product is not None and not errors:
        revision = data.get("revision", current.revision if current else None)
        if revision is None:
            used = (
                Bom.objects.filter(company=company, product=product)
                .order_by("-revision")
                .values_list("revision", flat=True)
                .first()
            )
            data["revision"] = (used or 0) + 1
        else:
            others = Bom.objects.filter(company=company, product=product, revision=revision)
            if current is not None:
                others = others.exclude(pk=current.pk)
            if others.exists():
                errors["revision"] = [_("This product already has a bill of materials of this revision.")]
        components = (
            [row["product"] for row in line_rows]
            if line_rows is not None
            else ([line.product for line in current.lines.select_related("product")] if current else [])
        )
        path = queries.cycle_path(company.pk, product, components, current.pk if current else None)
        if path:
            errors["lines"] = [
                _("%(product)s would contain itself: %(path)s.")
                % {"product": product.name, "path": " → ".join(path)}
            ]
        if byproduct_rows and any(row["product"].pk == product.pk for row in byproduct_rows):
            errors["byproducts"] = [_("The product made is not its own by-product.")]
    if errors:
        raise ValidationFailed(errors)
    if current is None and not data.get("reference") and product is not None:
        data["reference"] = f"{product.sku} r{data.get('revision', 1)}"[:64]
    return data, line_rows, byproduct_rows


def _write_lines(
    bom: Bom, lines: list[dict[str, Any]] | None, byproducts: list[dict[str, Any]] | None
) -> None:
    if lines is not None:
        bom.lines.all().delete()
        BomLine.objects.bulk_create([BomLine(bom=bom, **row) for row in lines])
    if byproducts is not None:
        bom.byproducts.all().delete()
        BomByProduct.objects.bulk_create([BomByProduct(bom=bom, **row) for row in byproducts])


@transaction.atomic
def create_bom(
    company: Company,
    actor: User | None,
    *,
    lines: Sequence[LineData] = (),
    byproducts: Sequence[ByProductData] = (),
    **fields: Any,
) -> Bom:
    """A bill of materials with its components (at least one) and by-products. Refused, with the
    path, when a component contains the product itself (``Chair → Frame → Chair``)."""
    if fields.get("product") is None:
        raise ValidationFailed({"product": [_("This field is required.")]})
    data, line_rows, byproduct_rows = _normalized_bom(company, fields, None, lines, byproducts)
    bom = Bom.objects.create(company=company, **data)
    _write_lines(bom, line_rows, byproduct_rows)
    events.record(
        "bom.created",
        bom,
        actor,
        {
            "product": bom.product.sku,
            "revision": bom.revision,
            "kind": bom.kind,
            "components": len(line_rows or []),
        },
    )
    return bom


@transaction.atomic
def update_bom(
    bom: Bom,
    actor: User | None,
    *,
    expected_version: int | None = None,
    lines: Sequence[LineData] | None = None,
    byproducts: Sequence[ByProductData] | None = None,
    **fields: Any,
) -> Bom:
    """Change a BOM; ``lines`` and ``by-products``, when given, replace the ones it has."""
    data, line_rows, byproduct_rows = _normalized_bom(bom.company, fields, bom, lines, byproducts)
    updated = update_versioned(bom, actor, data, expected_version=expected_version, event="bom.updated")
    _write_lines(updated, line_rows, byproduct_rows)
    return updated


# --- quality check points --------------------------------------------------------------------------


def _normalized_point(
    company: Company, fields: Mapping[str, Any], current: QualityPoint | None
) -> dict[str, Any]:
    _unknown(fields, POINT_FIELDS)
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: Errors = {}
    _own(company, data, ["product"], errors)
    operation = data.get("operation")
    if operation is not None and operation.routing.company_id != company.pk:
        errors["operation"] = [_("This choice belongs to another company.")]
    if "title" in data and not data["title"]:
        errors["title"] = [_("This field is required.")]
    for name in ("minimum", "maximum"):
        if data.get(name) not in (None, ""):
            data[name] = read_decimal(data[name], name, errors)
        elif name in data:
            data[name] = None
    kind = data.get("kind", current.kind if current else QualityPoint.Kind.PASS_FAIL)
    if kind not in QualityPoint.Kind.values:
        errors["kind"] = [_("Choose pass or fail, or a measure.")]
    low = data.get("minimum", current.minimum if current else None)
    high = data.get("maximum", current.maximum if current else None)
    if kind == QualityPoint.Kind.MEASURE and not errors:
        if low is None or high is None:
            errors["minimum"] = [_("A measure needs its minimum and maximum.")]
        elif high < low:
            errors["maximum"] = [_("The maximum is below the minimum.")]
    if errors:
        raise ValidationFailed(errors)
    return data


@transaction.atomic
def create_quality_point(company: Company, actor: User | None, **fields: Any) -> QualityPoint:
    missing = {n: [_("This field is required.")] for n in ("title", "product") if not fields.get(n)}
    if missing:
        raise ValidationFailed(missing)
    data = _normalized_point(company, fields, None)
    point = QualityPoint.objects.create(company=company, **data)
    events.record("qualitypoint.created", point, actor, {"product": point.product.sku, "kind": point.kind})
    return point


@transaction.atomic
def update_quality_point(
    point: QualityPoint, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> QualityPoint:
    data = _normalized_point(point.company, fields, point)
    return update_versioned(
        point, actor, data, expected_version=expected_version, event="qualitypoint.updated"
    )
