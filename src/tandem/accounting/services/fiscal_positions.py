"""Fiscal positions: which taxes and accounts a partner's documents take instead of the usual
ones (EU reverse charge, export at 0 %), and when a position is chosen by itself (the partner's
country, whether it must have a VAT ID).

A position is written with its mappings in one call: ``tax_map`` as ``(source, target)`` pairs
(``target`` ``None``: the tax is dropped) and ``account_map`` likewise (a target is required).
Every mapping names taxes and accounts of the position's own company; a tax is replaced by one
used on the same side, an account by one of the same type and never by one that is itself
replaced (invoices map their accounts as drafts and again when posted, which must change
nothing the second time). Anything else is refused with a message per field, a mapping's on
that mapping (``tax_map.<n>``, ``account_map.<n>``: its position as given, from 0), and
nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.accounting.models import Account, FiscalPosition, FiscalPositionAccount, FiscalPositionTax, Tax
from tandem.core import countries, events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.core.versioning import update_versioned

POSITION_FIELDS = (
    "name", "kind", "sequence", "auto_apply", "countries", "vat_required", "note", "active",
)  # fmt: skip


@dataclass(frozen=True)
class TaxMapping:
    source: Tax
    target: Tax | None = None  # None: the tax is dropped


@dataclass(frozen=True)
class AccountMapping:
    source: Account
    target: Account


def _unknown(fields: Iterable[str]) -> None:
    unknown = set(fields) - set(POSITION_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})


def _cleaned(fields: dict[str, object]) -> dict[str, object]:
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    if isinstance(data.get("countries"), str):  # "si, hr" → "SI HR"
        data["countries"] = " ".join(re.split(r"[\s,;]+", str(data["countries"]).upper())).strip()
    return data


def _tax_pairs(rows: Iterable[object]) -> list[TaxMapping]:
    return [row if isinstance(row, TaxMapping) else TaxMapping(*row) for row in rows]  # type: ignore[misc]


def _account_pairs(rows: Iterable[object]) -> list[AccountMapping]:
    return [row if isinstance(row, AccountMapping) else AccountMapping(*row) for row in rows]  # type: ignore[misc]


def check_position(
    position: FiscalPosition,
    tax_map: Sequence[TaxMapping] | None = None,
    account_map: Sequence[AccountMapping] | None = None,
) -> None:
    """Everything a position must be before it is saved (its mappings when given)."""
    errors: dict[str, list[str]] = {}
    if not position.name:
        errors["name"] = [_("This field is required.")]
    elif (
        FiscalPosition.objects.filter(company_id=position.company_id, name=position.name)
        .exclude(pk=position.pk)
        .exists()
    ):
        errors["name"] = [_("Another fiscal position already has this name.")]
    if position.kind not in FiscalPosition.Kind.values:
        errors["kind"] = [_("Choose the kind of fiscal position.")]
    unknown = [code for code in position.countries.split() if code not in countries.codes()]
    if unknown:
        errors["countries"] = [
            _("Not a country code: %(codes)s. Use ISO codes such as SI, DE or PL.")
            % {"codes": ", ".join(unknown)}
        ]
    if tax_map is not None:
        errors.update(_tax_map_errors(position, tax_map))
    if account_map is not None:
        errors.update(_account_map_errors(position, account_map))
    if errors:
        raise ValidationFailed(errors)


def _tax_map_errors(position: FiscalPosition, rows: Sequence[TaxMapping]) -> dict[str, list[str]]:
    """Each faulty mapping's problems under ``tax_map.<n>``, its position as given (0, 1, …)."""
    errors: dict[str, list[str]] = {}
    seen: dict[int, set[int | None]] = {}
    for n, row in enumerate(rows):
        problems = errors.setdefault(f"tax_map.{n}", [])
        chosen = [row.source] + ([row.target] if row.target is not None else [])
        if any(tax.company_id != position.company_id for tax in chosen):
            problems.append(_("A mapping names a tax of another company."))
            continue
        target = row.target
        if target is not None and target.pk == row.source.pk:
            problems.append(_("%(tax)s is mapped to itself.") % {"tax": row.source})
        elif target is not None and target.use != row.source.use:
            problems.append(
                _("%(tax)s is replaced by %(target)s, a tax of the other side (sales and purchases).")
                % {"tax": row.source, "target": target}
            )
        targets = seen.setdefault(row.source.pk, set())
        target_id = target.pk if target is not None else None
        if target_id in targets:
            problems.append(_("%(tax)s is mapped twice to the same tax.") % {"tax": row.source})
        elif targets and (target_id is None or None in targets):
            problems.append(_("%(tax)s is both dropped and replaced.") % {"tax": row.source})
        targets.add(target_id)
    return {key: problems for key, problems in errors.items() if problems}


def _account_map_errors(position: FiscalPosition, rows: Sequence[AccountMapping]) -> dict[str, list[str]]:
    """Each faulty mapping's problems under ``account_map.<n>``, its position as given."""
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for n, row in enumerate(rows):
        problems = errors.setdefault(f"account_map.{n}", [])
        if row.source.company_id != position.company_id or row.target.company_id != position.company_id:
            problems.append(_("A mapping names an account of another company."))
            continue
        if row.source.pk == row.target.pk:
            problems.append(_("%(account)s is mapped to itself.") % {"account": row.source})
        elif row.source.type != row.target.type:
            problems.append(
                _("%(account)s is replaced by %(target)s, an account of another type.")
                % {"account": row.source, "target": row.target}
            )
        if row.source.pk in seen:
            problems.append(_("%(account)s is mapped twice.") % {"account": row.source})
        seen.add(row.source.pk)
    chained = {row.target.pk for row in rows} & seen
    for n, row in enumerate(rows):
        if row.source.pk in chained:
            errors[f"account_map.{n}"].append(
                _("%(account)s is both replaced and a replacement: map each account to its final one.")
                % {"account": row.source}
            )
    return {key: problems for key, problems in errors.items() if problems}


def _write_maps(
    position: FiscalPosition,
    tax_map: Sequence[TaxMapping] | None,
    account_map: Sequence[AccountMapping] | None,
) -> None:
    if tax_map is not None:
        FiscalPositionTax.objects.filter(position=position).delete()
        FiscalPositionTax.objects.bulk_create(
            FiscalPositionTax(position=position, source=row.source, target=row.target) for row in tax_map
        )
    if account_map is not None:
        FiscalPositionAccount.objects.filter(position=position).delete()
        FiscalPositionAccount.objects.bulk_create(
            FiscalPositionAccount(position=position, source=row.source, target=row.target)
            for row in account_map
        )


def mapping_text(position: FiscalPosition) -> dict[str, list[str]]:
    """The position's mappings as text, for the event log ("VAT 22 % → VAT 0 %", "X → —")."""
    taxes = [
        f"{row.source} → {row.target or '—'}"
        for row in position.tax_map.select_related("source", "target").order_by("source__name", "pk")
    ]
    accounts = [
        f"{row.source.code} → {row.target.code}"
        for row in position.account_map.select_related("source", "target").order_by("source__code")
    ]
    return {"tax_map": taxes, "account_map": accounts}


@transaction.atomic
def create_fiscal_position(
    company: Company,
    actor: User | None,
    *,
    tax_map: Iterable[TaxMapping | tuple[Tax, Tax | None]] = (),
    account_map: Iterable[AccountMapping | tuple[Account, Account]] = (),
    **fields: object,
) -> FiscalPosition:
    _unknown(fields)
    taxes, accounts = _tax_pairs(tax_map), _account_pairs(account_map)
    position = FiscalPosition(company=company, **_cleaned(fields))
    check_position(position, taxes, accounts)
    position.save()
    _write_maps(position, taxes, accounts)
    events.record(
        "fiscal_position.created",
        position,
        actor,
        {"name": position.name, "kind": position.kind, **mapping_text(position)},
    )
    return position


@transaction.atomic
def update_fiscal_position(
    position: FiscalPosition,
    actor: User | None,
    *,
    expected_version: int | None = None,
    tax_map: Iterable[TaxMapping | tuple[Tax, Tax | None]] | None = None,
    account_map: Iterable[AccountMapping | tuple[Account, Account]] | None = None,
    **changes: object,
) -> FiscalPosition:
    """Change a position and, when given, replace its mappings (the version moves once).
    Invoices keep the taxes they were drafted with; new drafts take the new mappings."""
    _unknown(changes)
    taxes = _tax_pairs(tax_map) if tax_map is not None else None
    accounts = _account_pairs(account_map) if account_map is not None else None
    before = mapping_text(position)
    updated = update_versioned(
        position,
        actor,
        _cleaned(changes),
        expected_version=expected_version,
        event="fiscal_position.updated",
        check=lambda row: check_position(row, taxes, accounts),
    )
    _write_maps(updated, taxes, accounts)
    after = mapping_text(updated)
    if diff := {key: [before[key], after[key]] for key in after if before[key] != after[key]}:
        events.record("fiscal_position.updated", updated, actor, {"changes": diff})
    return updated
