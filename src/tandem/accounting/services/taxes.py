"""Taxes: what a line owes (percent, fixed, price-included or excluded, compound, groups), the
fiscal position that replaces a partner's taxes, the accounts a tax may post to, and the
shipped tax templates.

The documented rule (ARCHITECTURE.md rule 6): each line's taxes are computed in order; a
compound tax (``affects_base``) adds its amount to the base of the taxes after it; taxes
included in the price are taken out of it first, last one first. With the company's
``tax_rounding`` "line" every line's amounts are rounded to the currency and the document
sums them; with "document" the document sums each tax's unrounded amounts and rounds once
per tax (the untaxed total is rounded once too).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.accounting import tax_templates
from tandem.accounting.models import (
    Account,
    FiscalPosition,
    FiscalPositionAccount,
    ProductAccounting,
    Tax,
    TaxGroup,
)
from tandem.accounting.services import fiscal_positions
from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, User
from tandem.core.money import round_money
from tandem.core.versioning import update_versioned

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PLACES = Decimal("0.0001")  # what is kept of an unrounded amount (the schema's money places)
TAX_ACCOUNTS = ("account", "refund_account", "reverse_charge_account")


@dataclass(frozen=True)
class TaxAmount:
    tax: Tax
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class LineTaxes:
    untaxed: Decimal
    taxes: tuple[TaxAmount, ...]

    @property
    def total(self) -> Decimal:
        return self.untaxed + sum((t.amount for t in self.taxes if not t.tax.reverse_charge_account_id), ZERO)


def flatten(taxes: Iterable[Tax]) -> list[Tax]:
    """Groups replaced by their taxes, in the order they are computed."""
    flat: list[Tax] = []
    for tax in sorted(taxes, key=lambda t: (t.sequence, t.pk or 0)):
        if tax.computation == Tax.Computation.GROUP:
            flat.extend(flatten(tax.children.all()))
        else:
            flat.append(tax)
    return flat


def _rate(tax: Tax) -> Decimal:
    return tax.amount / HUNDRED


def _untaxed_of(gross: Decimal, quantity: Decimal, included: Sequence[Tax]) -> Decimal:
    """Take the included taxes out of ``gross``, last one first (a compound tax on its own)."""
    base, pending = gross, ZERO
    for tax in reversed(included):
        if tax.affects_base:
            base, pending = base / (1 + pending), ZERO
        if tax.computation == Tax.Computation.FIXED:
            base -= tax.amount * quantity
        elif tax.affects_base:
            base /= 1 + _rate(tax)
        else:
            pending += _rate(tax)
    return base / (1 + pending)


def compute(
    price_unit: Decimal,
    quantity: Decimal,
    taxes: Iterable[Tax],
    currency: Currency,
    *,
    discount: Decimal = ZERO,
    round_line: bool = True,
) -> LineTaxes:
    """The untaxed amount and each tax of one line (rounded to ``currency`` when ``round_line``)."""
    flat = flatten(taxes)
    gross = price_unit * quantity * (1 - discount / HUNDRED)
    untaxed = _untaxed_of(gross, quantity, [t for t in flat if t.price_included])
    base, found = untaxed, []
    for tax in flat:
        amount = tax.amount * quantity if tax.computation == Tax.Computation.FIXED else base * _rate(tax)
        found.append(TaxAmount(tax, base, amount))
        if tax.affects_base:
            base += amount
    if not round_line:
        return LineTaxes(untaxed.quantize(PLACES), tuple(_kept(t) for t in found))
    rounded = tuple(
        TaxAmount(t.tax, round_money(t.base, currency), round_money(t.amount, currency)) for t in found
    )
    if any(t.price_included for t in flat):  # the printed price stays what it was
        included = sum((t.amount for t in rounded if t.tax.price_included), ZERO)
        return LineTaxes(round_money(gross, currency) - included, rounded)
    return LineTaxes(round_money(untaxed, currency), rounded)


def _kept(found: TaxAmount) -> TaxAmount:
    return TaxAmount(found.tax, found.base.quantize(PLACES), found.amount.quantize(PLACES))


@dataclass(frozen=True)
class TaxTotal:
    tax: Tax
    base: Decimal
    amount: Decimal


def totals(lines: Iterable[LineTaxes], currency: Currency) -> tuple[Decimal, list[TaxTotal]]:
    """The document's untaxed amount and one total per tax, each rounded to ``currency``
    (a sum of rounded amounts with per-line rounding, a rounded sum with per-document)."""
    untaxed, by_tax = ZERO, dict[Tax, tuple[Decimal, Decimal]]()
    for line in lines:
        untaxed += line.untaxed
        for found in line.taxes:
            base, amount = by_tax.get(found.tax, (ZERO, ZERO))
            by_tax[found.tax] = (base + found.base, amount + found.amount)
    rows = [
        TaxTotal(tax, round_money(base, currency), round_money(amount, currency))
        for tax, (base, amount) in by_tax.items()
    ]
    return round_money(untaxed, currency), rows


@dataclass(frozen=True)
class ShownTotal:
    """A line of a document's tax totals: a tax group's taxes added up, or a tax of no group."""

    name: str
    base: Decimal
    amount: Decimal


def shown_totals(rows: Iterable[TaxTotal]) -> list[ShownTotal]:
    """The document's tax totals as it prints them: the taxes of one group (its VAT rate, sales
    and purchase alike) on one line named after the group, in the groups' order; a tax of no
    group on a line of its own, after them."""
    rows = list(rows)
    groups = TaxGroup.objects.in_bulk({row.tax.group_id for row in rows if row.tax.group_id})
    grouped: dict[TaxGroup, tuple[Decimal, Decimal]] = {}
    alone: list[ShownTotal] = []
    for row in rows:
        group = groups.get(row.tax.group_id) if row.tax.group_id else None
        if group is None:
            alone.append(ShownTotal(row.tax.label or row.tax.name, row.base, row.amount))
            continue
        base, amount = grouped.get(group, (ZERO, ZERO))
        grouped[group] = (base + row.base, amount + row.amount)
    ordered = sorted(grouped.items(), key=lambda item: (item[0].sequence, item[0].name))
    return [ShownTotal(group.name, base, amount) for group, (base, amount) in ordered] + alone


# --- fiscal positions ---------------------------------------------------------------------


def map_taxes(position: FiscalPosition | None, taxes: Iterable[Tax]) -> list[Tax]:
    """The partner's taxes under ``position``: each mapped tax replaced (or dropped)."""
    taxes = list(taxes)
    if position is None:
        return taxes
    mapping: dict[int, list[Tax | None]] = {}
    for row in position.tax_map.select_related("target"):
        mapping.setdefault(row.source_id, []).append(row.target)
    mapped: list[Tax] = []
    for tax in taxes:
        for target in mapping.get(tax.pk, [tax]):
            if target is not None and target not in mapped:
                mapped.append(target)
    return mapped


def account_map(position_id: int | None) -> dict[int, Account]:
    """The accounts the fiscal position ``position_id`` replaces, by the id of the account
    replaced (one query; none without a position). A replacement is never itself replaced, so
    mapping twice maps once."""
    if position_id is None:
        return {}
    rows = FiscalPositionAccount.objects.filter(position_id=position_id).select_related("target")
    return {row.source_id: row.target for row in rows}


def position_for(company: Company, country: str, has_vat_id: bool) -> FiscalPosition | None:
    """The fiscal position detected for a partner of ``country`` (the first that fits)."""
    for position in FiscalPosition.objects.filter(company=company, active=True, auto_apply=True):
        countries = position.countries.upper().split()
        if (not countries or country.upper() in countries) and (has_vat_id or not position.vat_required):
            return position
    return None


# --- tax accounts and templates -----------------------------------------------------------


def check_tax_accounts(tax: Tax) -> None:
    """A tax posts only to tax accounts of its own company; anything else is refused."""
    errors: dict[str, list[str]] = {}
    for name in TAX_ACCOUNTS:
        account: Account | None = getattr(tax, name)
        if account is None:
            continue
        if account.company_id != tax.company_id:
            errors[name] = [_("This account belongs to another company.")]
        elif account.subtype != Account.Subtype.TAX:
            errors[name] = [
                _("The account %(account)s is not a tax account: taxes post only to tax accounts.")
                % {"account": account}
            ]
    if errors:
        raise ValidationFailed(errors)


TAX_FIELDS = (
    "name", "label", "use", "computation", "amount", "price_included", "affects_base", "sequence",
    "scope", "group", "children", "account", "refund_account", "reverse_charge_account", "report_box",
    "active",
)  # fmt: skip
TAX_GROUP_FIELDS = ("name", "sequence")


def _unknown(fields: Iterable[str], allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})


def _stripped(fields: dict[str, object]) -> dict[str, object]:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}


def check_tax(tax: Tax, children: Iterable[Tax] | None = None) -> None:
    """Everything a tax must be before it is saved: named, one name per use, a known
    computation with a rate in range, its group, taxes and accounts of its own company."""
    errors: dict[str, list[str]] = {}
    if not tax.name:
        errors["name"] = [_("This field is required.")]
    elif (
        Tax.objects.filter(company_id=tax.company_id, use=tax.use, name=tax.name).exclude(pk=tax.pk).exists()
    ):
        errors["name"] = [_("Another tax of this use already has this name.")]
    if tax.use not in Tax.Use.values:
        errors["use"] = [_("Choose whether the tax is used on sales or purchases.")]
    if tax.computation not in Tax.Computation.values:
        errors["computation"] = [_("Choose how the tax is computed.")]
    elif tax.computation == Tax.Computation.PERCENT and not (-HUNDRED <= tax.amount <= HUNDRED):
        errors["amount"] = [_("A percentage is between -100 and 100.")]
    if tax.scope not in Tax.Scope.values:
        errors["scope"] = [_("Choose what the tax applies to.")]
    if tax.group is not None and tax.group.company_id != tax.company_id:
        errors["group"] = [_("This choice belongs to another company.")]
    for child in children or ():
        if child.company_id != tax.company_id:
            errors["children"] = [_("This choice belongs to another company.")]
        elif child.pk == tax.pk or child.computation == Tax.Computation.GROUP:
            errors["children"] = [_("A group holds plain taxes, neither itself nor another group.")]
        elif child.use != tax.use:
            errors["children"] = [_("The taxes of a group are used on the same side as the group.")]
    if children and tax.computation != Tax.Computation.GROUP:
        errors["children"] = [_("Only a group of taxes holds other taxes.")]
    if errors:
        raise ValidationFailed(errors)
    check_tax_accounts(tax)


@transaction.atomic
def create_tax(company: Company, actor: User | None, **fields: object) -> Tax:
    _unknown(fields, TAX_FIELDS)
    data = _stripped(fields)
    children = list(data.pop("children", None) or ())  # type: ignore[call-overload]
    tax = Tax(company=company, **data)
    check_tax(tax, children)
    tax.save()
    if children:
        tax.children.set(children)
    events.record("tax.created", tax, actor, {"name": tax.name, "use": tax.use, "amount": str(tax.amount)})
    return tax


def update_tax(
    tax: Tax, actor: User | None, *, expected_version: int | None = None, **changes: object
) -> Tax:
    """Change a tax. Invoices posted with it keep their amounts: their lines hold what was posted."""
    _unknown(changes, TAX_FIELDS)
    data = _stripped(changes)

    def check(row: Tax) -> None:
        given = data.get("children")
        check_tax(row, list(given) if given is not None else list(row.children.all()))  # type: ignore[call-overload]

    return update_versioned(
        tax, actor, data, expected_version=expected_version, event="tax.updated", check=check
    )


def _check_group(group: TaxGroup) -> None:
    if not group.name:
        raise ValidationFailed({"name": [_("This field is required.")]})
    others = TaxGroup.objects.filter(company_id=group.company_id, name=group.name).exclude(pk=group.pk)
    if others.exists():
        raise ValidationFailed({"name": [_("Another tax group already has this name.")]})


@transaction.atomic
def create_tax_group(company: Company, actor: User | None, **fields: object) -> TaxGroup:
    _unknown(fields, TAX_GROUP_FIELDS)
    group = TaxGroup(company=company, **_stripped(fields))
    _check_group(group)
    group.save()
    events.record("tax_group.created", group, actor, {"name": group.name})
    return group


class GroupInUse(BusinessError):
    status = 409
    code = "tax-group-in-use"


@transaction.atomic
def delete_tax_group(group: TaxGroup, actor: User | None) -> None:
    """Remove a group no tax belongs to (a used one is refused: move its taxes first)."""
    if Tax.objects.filter(group=group).exists():
        raise GroupInUse(_("Taxes belong to this group: move them to another group first."))
    events.record("tax_group.deleted", group, actor, {"name": group.name})
    group.delete()


def update_tax_group(
    group: TaxGroup, actor: User | None, *, expected_version: int | None = None, **changes: object
) -> TaxGroup:
    _unknown(changes, TAX_GROUP_FIELDS)
    return update_versioned(
        group,
        actor,
        _stripped(changes),
        expected_version=expected_version,
        event="tax_group.updated",
        check=_check_group,
    )


def _tax_account(company: Company, code: str, use: str) -> Account | None:
    """The template's account by code, else the chart's first tax account on the right side
    (a liability for tax charged on sales, an asset for tax paid on purchases)."""
    rows = Account.objects.filter(company=company, subtype=Account.Subtype.TAX, active=True)
    side = Account.Type.LIABILITY if use == Tax.Use.SALE else Account.Type.ASSET
    return rows.filter(code=code).first() or rows.filter(type=side).order_by("code").first()


@transaction.atomic
def install_taxes(company: Company, actor: User | None, country: str | None = None) -> list[Tax]:
    """Create the shipped taxes and fiscal positions of ``country`` (the company's by default),
    each through :func:`create_tax` and ``fiscal_positions.create_fiscal_position``, so a
    template is held to every check a tax typed by hand is; a row they refuse is named in the
    error and nothing of the template is written."""
    country = (country or company.country).upper()
    template = tax_templates.TEMPLATES.get(country)
    if template is None:
        raise BusinessError(_("No tax template for the country %(country)s.") % {"country": country})
    if Tax.objects.filter(company=company).exists():
        raise BusinessError(_("This company has taxes already."))
    made: dict[str, Tax] = {}
    for n, row in enumerate(template.taxes):
        fields: dict[str, object] = {
            "name": row.name,
            "label": row.label or row.name,
            "use": row.use,
            "computation": row.computation,
            "amount": Decimal(row.amount),
            "price_included": row.price_included,
            "sequence": 10 + n,
            "account": _tax_account(company, row.account, row.use),
            "report_box": row.box,
        }
        if row.reverse_charge:
            fields["reverse_charge_account"] = _tax_account(company, row.reverse_charge, Tax.Use.SALE)
        with _template_row(row.name):
            made[row.key] = create_tax(company, actor, **fields)
    tax_templates.group_taxes(  # the taxes of one rate total on one line of a document
        template,
        company.pk,
        Tax,
        TaxGroup,
        taxes=made.values(),
        make_group=lambda name, sequence: create_tax_group(company, actor, name=name, sequence=sequence),
    )
    for n, position in enumerate(template.positions):
        with _template_row(position.name):
            _install_position(company, actor, position, made, sequence=10 + n)
    events.record("taxes.installed", None, actor, {"country": country, "taxes": len(made)}, company=company)
    return list(made.values())


@contextmanager
def _template_row(name: str) -> Iterator[None]:
    """A template row refused by a service: the same errors, the row named in the message."""
    try:
        yield
    except ValidationFailed as refused:
        message = _("The tax template's row “%(name)s” is refused: %(reason)s") % {
            "name": name,
            "reason": refused.message,
        }
        raise ValidationFailed(refused.errors, message) from refused


def _install_position(
    company: Company,
    actor: User | None,
    row: tax_templates.PositionRow,
    made: dict[str, Tax],
    *,
    sequence: int,
) -> None:
    fiscal_positions.create_fiscal_position(
        company,
        actor,
        name=row.name,
        kind=row.kind,
        sequence=sequence,
        auto_apply=True,
        countries=" ".join(row.countries),
        vat_required=row.vat_required,
        note=row.note,
        tax_map=[(made[source], made.get(target) if target else None) for source, target in row.taxes],
    )


# --- a product's accounting defaults --------------------------------------------------------

INCOME_SUBTYPES = ("income", "other_income")
EXPENSE_SUBTYPES = ("expense", "direct_cost", "depreciation")


@transaction.atomic
def set_product_accounting(
    product: Product,
    actor: User | None,
    *,
    sale_taxes: Iterable[Tax] = (),
    purchase_taxes: Iterable[Tax] = (),
    income_account: Account | None = None,
    expense_account: Account | None = None,
) -> ProductAccounting:
    """The taxes and accounts an invoice line of ``product`` takes by default (the catalogue
    knows nothing of them: this row is the books' own, one per product)."""
    sale, purchase = list(sale_taxes), list(purchase_taxes)
    errors: dict[str, list[str]] = {}
    for name, chosen, use in (
        ("sale_taxes", sale, Tax.Use.SALE),
        ("purchase_taxes", purchase, Tax.Use.PURCHASE),
    ):
        if any(t.company_id != product.company_id for t in chosen):
            errors[name] = [_("This choice belongs to another company.")]
        elif any(t.use != use for t in chosen):
            errors[name] = [
                _("Sales taxes are taxes used on sales.")
                if use == Tax.Use.SALE
                else _("Purchase taxes are taxes used on purchases.")
            ]
    for name, account, subtypes in (
        ("income_account", income_account, INCOME_SUBTYPES),
        ("expense_account", expense_account, EXPENSE_SUBTYPES),
    ):
        if account is None:
            continue
        if account.company_id != product.company_id:
            errors[name] = [_("This choice belongs to another company.")]
        elif account.subtype not in subtypes:
            errors[name] = [
                _("The account %(account)s is of the wrong kind here (%(subtype)s).")
                % {"account": account, "subtype": account.get_subtype_display()}
            ]
    if errors:
        raise ValidationFailed(errors)
    row, _created = ProductAccounting.objects.select_for_update().get_or_create(
        product=product, defaults={"company_id": product.company_id}
    )
    before = _product_state(row)
    row.income_account, row.expense_account = income_account, expense_account
    row.save(update_fields=["income_account", "expense_account"])
    row.sale_taxes.set(sale)
    row.purchase_taxes.set(purchase)
    after = _product_state(row)
    if after != before:
        events.record(
            "product.accounting_set",
            product,
            actor,
            {"changes": {key: [before[key], after[key]] for key in after if before[key] != after[key]}},
            company=product.company,
        )
    return row


def _product_state(row: ProductAccounting) -> dict[str, object]:
    return {
        "sale_taxes": sorted(t.name for t in row.sale_taxes.all()),
        "purchase_taxes": sorted(t.name for t in row.purchase_taxes.all()),
        "income_account": row.income_account.code if row.income_account else None,
        "expense_account": row.expense_account.code if row.expense_account else None,
    }
