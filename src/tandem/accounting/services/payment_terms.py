"""Payment terms with their instalments: "30 days net", or "30 % now, the balance in 60 days".

A term is written with its lines in one call. Lines are in order; each is a percent of the
total, a fixed amount, or the balance, due ``days`` after the invoice date (then, with
``end_of_month``, at the end of that month). The lines must cover the whole total: either they
end with a balance line (the only one), or they are all percentages adding up to exactly 100 %.
Anything else is refused with a message and nothing is written. A term without lines is due
``days`` after the invoice date (``queries.payment_terms.instalments`` reads them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from tandem.accounting.models import BooksPaymentTerm, PaymentTermLine
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, PaymentTerm, User
from tandem.core.money import plain, read_decimal
from tandem.core.versioning import update_versioned

TERM_FIELDS = ("name", "days")
HUNDRED = Decimal(100)
MAX_DAYS = 3660  # ten years: anything longer is a typing error
V = PaymentTermLine.Value


@dataclass(frozen=True)
class TermLine:
    """One instalment as a caller gives it."""

    value: str = V.BALANCE
    amount: Decimal = Decimal(0)
    days: int = 0
    end_of_month: bool = False


class TermInUse(BusinessError):
    status = 409
    code = "payment-term-in-use"


def _unknown(fields: Iterable[str]) -> None:
    unknown = set(fields) - set(TERM_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})


def _stripped(fields: dict[str, object]) -> dict[str, object]:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}


def check_term(term: PaymentTerm, lines: Sequence[TermLine] | None = None) -> None:
    """Everything a term must be before it is saved (its lines when given)."""
    errors: dict[str, list[str]] = {}
    if not term.name:
        errors["name"] = [_("This field is required.")]
    elif PaymentTerm.objects.filter(company_id=term.company_id, name=term.name).exclude(pk=term.pk).exists():
        errors["name"] = [_("Another payment term already has this name.")]
    if not isinstance(term.days, int) or not 0 <= term.days <= MAX_DAYS:
        errors["days"] = [_("Days are between 0 and %(max)s.") % {"max": MAX_DAYS}]
    if lines is not None:
        errors.update(line_errors(lines))
    if errors:
        raise ValidationFailed(errors)


def line_errors(lines: Sequence[TermLine]) -> dict[str, list[str]]:
    """What is wrong with a term's lines (none: they cover the whole total): a line's own
    faults under ``lines.<n>``, its position as given (0, 1, …), the plan's under ``lines``."""
    errors: dict[str, list[str]] = {}
    for n, line in enumerate(lines):
        if problems := _line_errors(line, last=n == len(lines) - 1):
            errors[f"lines.{n}"] = problems
    if errors or not lines:
        return errors
    percent = sum((line.amount for line in lines if line.value == V.PERCENT), Decimal(0))
    problem = ""
    if lines[-1].value == V.BALANCE:
        if percent >= HUNDRED:
            problem = _("The percentages add up to %(total)s %%: nothing is left for the balance line.") % {
                "total": plain(percent)
            }
    elif any(line.value == V.FIXED for line in lines):
        problem = _("A term with a fixed amount ends with a balance line.")
    elif percent != HUNDRED:
        problem = _(
            "The percentages add up to %(total)s %%: make them 100 %% or end with a balance line."
        ) % {"total": plain(percent)}
    return {"lines": [problem]} if problem else {}


def _line_errors(line: TermLine, *, last: bool) -> list[str]:
    if line.value not in V.values:
        return [_("Choose a percent, a fixed amount or the balance.")]
    problems = []
    if not isinstance(line.days, int) or not 0 <= line.days <= MAX_DAYS:
        problems.append(_("Days are between 0 and %(max)s.") % {"max": MAX_DAYS})
    if line.value == V.PERCENT and not 0 < line.amount <= HUNDRED:
        problems.append(_("A percentage is more than 0 and at most 100."))
    elif line.value == V.FIXED and not line.amount > 0:
        problems.append(_("A fixed amount is more than 0."))
    elif line.value == V.BALANCE and not last:
        problems.append(_("Only the last line takes the balance."))
    return problems


def _lines(rows: Iterable[TermLine | dict[str, object]]) -> list[TermLine]:
    """The lines as given, each amount read as a decimal (a float or no number is refused under
    ``lines.<n>``, the line's position as given)."""
    given = [row if isinstance(row, TermLine) else TermLine(**row) for row in rows]  # type: ignore[arg-type]
    errors: dict[str, list[str]] = {}
    read = [
        replace(line, amount=read_decimal(line.amount, f"lines.{n}", errors)) for n, line in enumerate(given)
    ]
    if errors:
        raise ValidationFailed(errors)
    return read


def _write_lines(term: PaymentTerm, lines: Sequence[TermLine] | None) -> None:
    if lines is None:
        return
    PaymentTermLine.objects.filter(term=term).delete()
    PaymentTermLine.objects.bulk_create(
        PaymentTermLine(
            term=term,
            sequence=n,
            value=line.value,
            amount=line.amount if line.value != V.BALANCE else Decimal(0),
            days=line.days,
            end_of_month=line.end_of_month,
        )
        for n, line in enumerate(lines, start=1)
    )


def lines_text(term: PaymentTerm) -> list[str]:
    """The term's lines as text for the event log ("30 % +0", "balance +60 eom")."""
    shown = []
    for line in PaymentTermLine.objects.filter(term=term):
        if line.value == V.PERCENT:
            what = f"{plain(line.amount)} %"
        else:
            what = plain(line.amount) if line.value == V.FIXED else "balance"
        shown.append(f"{what} +{line.days}{' eom' if line.end_of_month else ''}")
    return shown


@transaction.atomic
def create_payment_term(
    company: Company,
    actor: User | None,
    *,
    lines: Iterable[TermLine | dict[str, object]] = (),
    **fields: object,
) -> BooksPaymentTerm:
    _unknown(fields)
    rows = _lines(lines)
    term = BooksPaymentTerm(company=company, **_stripped(fields))
    check_term(term, rows)
    term.save()
    _write_lines(term, rows)
    events.record(
        "payment_term.created", term, actor, {"name": term.name, "days": term.days, "lines": lines_text(term)}
    )
    return term


@transaction.atomic
def update_payment_term(
    term: PaymentTerm,
    actor: User | None,
    *,
    expected_version: int | None = None,
    lines: Iterable[TermLine | dict[str, object]] | None = None,
    **changes: object,
) -> BooksPaymentTerm:
    """Change a term and, when given, replace its lines (the version moves once). Posted
    invoices keep their due dates; drafts take the new lines when they are posted."""
    _unknown(changes)
    rows = _lines(lines) if lines is not None else None
    term = term if isinstance(term, BooksPaymentTerm) else BooksPaymentTerm.objects.get(pk=term.pk)
    before = lines_text(term)
    updated = update_versioned(
        term,
        actor,
        _stripped(changes),
        expected_version=expected_version,
        event="payment_term.updated",
        check=lambda row: check_term(row, rows),
    )
    _write_lines(updated, rows)
    if (after := lines_text(updated)) != before:
        events.record("payment_term.updated", updated, actor, {"changes": {"lines": [before, after]}})
    return updated


@transaction.atomic
def delete_payment_term(term: PaymentTerm, actor: User | None) -> None:
    """Remove a term nothing points at (a partner's or a document's term is refused)."""
    events.record("payment_term.deleted", term, actor, {"name": term.name})
    try:
        with transaction.atomic():
            PaymentTerm.objects.filter(pk=term.pk).delete()
    except ProtectedError as used:
        raise TermInUse(_("Partners or documents use this payment term: it cannot be removed.")) from used
