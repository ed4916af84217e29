"""Landed-cost documents: freight, duty, insurance … added to a done receipt's goods.

draft (its cost lines added and removed) → done / cancelled. :func:`validate_landed_cost`
spreads the lines over the receipt's lines by quantity, value, weight or volume and revalues the
goods through ``services.valuation.apply_landed_costs`` (landed-cost layers on what is still in
stock, the cost of goods sold for what already left; one posted entry), so the value of stock
keeps equal to the stock accounts' balance.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.accounting.models import Account
from tandem.core import events
from tandem.core.errors import BusinessError, IllegalTransition, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.money import read_decimal
from tandem.core.sequences import next_number
from tandem.core.states import transition
from tandem.core.versioning import update_versioned
from tandem.inventory.models import LandedCost, LandedCostLine, Transfer
from tandem.inventory.services import valuation

SEQUENCE = "LC"
FIELDS = ("reference", "split", "date", "notes")
MAX_AMOUNT = Decimal(10) ** 15


def _line_errors(
    company_id: int, description: Any, account: Any, amount: Any, prefix: str = ""
) -> tuple[dict[str, list[str]], Decimal | None]:
    errors: dict[str, list[str]] = {}
    if not str(description or "").strip():
        errors[f"{prefix}description"] = [_("Say what the cost is (freight, duty …).")]
    if not isinstance(account, Account):
        errors[f"{prefix}account"] = [_("Choose the account the cost is owed on.")]
    elif account.company_id != company_id:
        errors[f"{prefix}account"] = [_("This choice belongs to another company.")]
    key = f"{prefix}amount"
    number = read_decimal(amount, key, errors)
    if key not in errors and number <= 0:
        errors[key] = [_("A landed cost is an amount of more than zero.")]
    elif key not in errors and (number >= MAX_AMOUNT or number != number.quantize(Decimal("0.0001"))):
        errors[key] = [_("Use at most four decimal places.")]
    return errors, (None if key in errors else number)


def _check_receipt(company: Company, receipt: Any, split: str) -> dict[str, list[str]]:
    if not isinstance(receipt, Transfer):
        return {"receipt": [_("Choose a done receipt.")]}
    if receipt.company_id != company.pk:
        return {"receipt": [_("This choice belongs to another company.")]}
    try:
        valuation.check_landed_cost(receipt, split)
    except ValidationFailed as error:
        return dict(error.errors)
    return {}


@transaction.atomic
def create_landed_cost(
    company: Company,
    actor: User | None,
    *,
    receipt: Transfer | None,
    split: str = LandedCost.Split.VALUE,
    date: datetime.date | None = None,
    reference: str = "",
    notes: str = "",
    lines: Sequence[Mapping[str, Any]] = (),
) -> LandedCost:
    """A draft landed cost on a done receipt (with its cost lines, if given); numbered now."""
    errors = _check_receipt(company, receipt, split)
    date = date or timezone.localdate()
    cleaned: list[tuple[str, Account, Decimal]] = []
    for n, line in enumerate(lines):
        found, amount = _line_errors(
            company.pk, line.get("description"), line.get("account"), line.get("amount"), f"lines.{n}."
        )
        errors.update(found)
        if not found and amount is not None:
            cleaned.append((str(line["description"]).strip()[:200], line["account"], amount))
    if errors:
        raise ValidationFailed(errors)
    assert receipt is not None
    row = LandedCost.objects.create(
        company=company, name=next_number(company, SEQUENCE, date), receipt=receipt, split=split, date=date,
        reference=(reference or "").strip()[:64], notes=notes or "", created_by=_user(actor),
    )  # fmt: skip
    LandedCostLine.objects.bulk_create(
        LandedCostLine(landed_cost=row, description=d, account=a, amount=m) for d, a, m in cleaned
    )
    events.record(
        "landed_cost.created", row, actor, {"name": row.name, "receipt": receipt.number, "split": split}
    )
    return row


def _user(actor: Any) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _draft(row: LandedCost) -> LandedCost:
    locked = (
        LandedCost.objects.select_for_update(of=("self", "receipt")).select_related("receipt").get(pk=row.pk)
    )
    if locked.state != LandedCost.State.DRAFT:
        label = LandedCost.State(locked.state).label
        raise IllegalTransition(
            _("This cannot be done now: its state is “%(state)s”.") % {"state": label}, state=locked.state
        )
    return locked


def update_landed_cost(
    row: LandedCost, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> LandedCost:
    """Change a draft's reference, split, date or notes."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise BusinessError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})

    def check(locked: LandedCost) -> None:
        if LandedCost.objects.filter(pk=locked.pk).values_list("state", flat=True).get() != "draft":
            raise IllegalTransition(_("Only a draft landed cost is changed."), state=locked.state)
        errors = _check_receipt(locked.company, locked.receipt, locked.split)
        if locked.date is None:
            errors["date"] = [_("This field is required.")]
        if errors:
            raise ValidationFailed(errors)

    return update_versioned(
        row, actor, fields, expected_version=expected_version, event="landed_cost.updated", check=check
    )


@transaction.atomic
def add_cost_line(
    row: LandedCost, actor: User | None, *, description: str, account: Account | None, amount: Any
) -> LandedCostLine:
    """Add a cost to a draft (freight 120.00 on the carrier's payable, …)."""
    locked = _draft(row)
    errors, number = _line_errors(locked.company_id, description, account, amount)
    if errors or account is None or number is None:
        raise ValidationFailed(errors)
    line = LandedCostLine.objects.create(
        landed_cost=locked, description=str(description).strip()[:200], account=account, amount=number
    )
    LandedCost.objects.filter(pk=locked.pk).update(version=locked.version + 1)
    events.record(
        "landed_cost.line_added", locked, actor, {"description": line.description, "amount": str(line.amount)}
    )
    return line


@transaction.atomic
def remove_cost_line(line: LandedCostLine, actor: User | None) -> LandedCost:
    locked = _draft(line.landed_cost)
    events.record(
        "landed_cost.line_removed",
        locked,
        actor,
        {"description": line.description, "amount": str(line.amount)},
    )
    line.delete()
    LandedCost.objects.filter(pk=locked.pk).update(version=locked.version + 1)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def validate_landed_cost(row: LandedCost, actor: User | None) -> LandedCost:
    """Spread the costs over the receipt's goods and post them (one entry); the document is done."""
    locked = _draft(row)
    lines = list(locked.lines.select_related("account"))
    if not lines:
        raise ValidationFailed({"lines": [_("Add at least one cost first.")]})
    costs = [valuation.Cost(line.amount, line.account, line.description) for line in lines]
    entry = valuation.apply_landed_costs(
        locked.receipt, actor, costs, split=locked.split, on=locked.date,
        reference=f"{locked.name} · {locked.receipt.number}",
    )  # fmt: skip
    total = sum((line.amount for line in lines), Decimal(0))
    transition(
        locked, "validated", actor, fields={"entry": entry},
        data={
            "name": locked.name, "receipt": locked.receipt.number, "amount": str(total),
            "split": locked.split,
        },
    )  # fmt: skip
    row.refresh_from_db()
    return row


@transaction.atomic
def cancel_landed_cost(row: LandedCost, actor: User | None) -> LandedCost:
    """Drop a draft; a validated landed cost stays (its entry is posted)."""
    transition(row, "cancelled", actor, data={"name": row.name})
    return row
