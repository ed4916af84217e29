"""Every write on the ledger: accounts, journals, fiscal years, periods, the lock date, and
journal entries (create, change while draft, post, reverse) and period-end revaluation.

Posting checks the balance in the company's currency (summed by the database), the lock
date, the period and the fiscal year, takes the journal's gapless number for the year from
``core.sequences`` and marks the lines posted in the same transaction. A posted entry never
changes: :func:`reverse_entry` books its mirror image. On PostgreSQL a deferred constraint
trigger (migration 0002) refuses an unbalanced posted entry at commit whatever wrote it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.accounting.models import (
    Account,
    BankStatementLine,
    BooksSettings,
    CostCentre,
    FiscalYear,
    Invoice,
    Journal,
    JournalEntry,
    JournalLine,
    Payment,
    Period,
    Reconciliation,
    Tax,
)
from tandem.accounting.queries import ledger as queries
from tandem.accounting.queries import payments as payment_queries
from tandem.accounting.services import budgets
from tandem.core import events, sequences
from tandem.core.errors import BusinessError, NotAllowed, ValidationFailed
from tandem.core.identifiers import InvalidIdentifier, normalize_bic, normalize_iban
from tandem.core.messages import Message, counted, ngettext_noop
from tandem.core.models import Company, Currency, Event, User
from tandem.core.models import Sequence as NumberSequence
from tandem.core.money import read_decimal, round_money
from tandem.core.notifications import services as notifications
from tandem.core.security import is_administrator
from tandem.core.states import show_moved, transition
from tandem.core.versioning import update_versioned
from tandem.partners.models import Partner

ZERO = Decimal(0)


class UnbalancedEntry(BusinessError):
    code = "unbalanced-entry"


class LockedDate(BusinessError):
    code = "locked-date"


class EntryPosted(BusinessError):
    status = 409
    code = "entry-posted"


# --- accounts, journals -------------------------------------------------------------------

ACCOUNT_FIELDS = ["code", "name", "type", "subtype", "group", "reconcilable", "currency", "active"]
JOURNAL_FIELDS = ["code", "name", "kind", "default_account", "currency", "bank_iban", "bank_bic", "active"]


def _clean(fields: Mapping[str, Any], allowed: Sequence[str]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise BusinessError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}


def _check_account(company: Company, account: Account, exclude: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if not account.code:
        errors["code"] = [_("This field is required.")]
    if not account.name:
        errors["name"] = [_("This field is required.")]
    if account.type not in Account.Type.values:
        errors["type"] = [_("Choose an account type.")]
    elif account.subtype not in _subtypes(account.type):
        errors["subtype"] = [_("This subtype does not belong to the account's type.")]
    if account.subtype in {Account.Subtype.RECEIVABLE, Account.Subtype.PAYABLE} and not account.reconcilable:
        errors["reconcilable"] = [_("Receivable and payable accounts are always reconcilable.")]
    others = Account.objects.filter(company=company, code=account.code).exclude(pk=exclude)
    if account.code and others.exists():
        errors["code"] = [_("Another account already has this code.")]
    if errors:
        raise ValidationFailed(errors)


def _subtypes(account_type: str) -> tuple[str, ...]:
    from tandem.accounting.models.books import SUBTYPES_OF_TYPE

    return SUBTYPES_OF_TYPE.get(account_type, ())


@transaction.atomic
def create_account(company: Company, actor: User | None, **fields: Any) -> Account:
    data = _clean(fields, ACCOUNT_FIELDS)
    if data.get("subtype") in {Account.Subtype.RECEIVABLE, Account.Subtype.PAYABLE}:
        data["reconcilable"] = True
    account = Account(company=company, **data)
    _check_account(company, account)
    account.save()
    events.record("account.created", account, actor, {"code": account.code, "name": account.name})
    return account


def update_account(
    account: Account, actor: User | None, *, expected_version: int | None = None, **changes: Any
) -> Account:
    data = _clean(changes, ACCOUNT_FIELDS)
    if "type" in data or "subtype" in data or "code" in data:
        _refuse_if_used(account, data)
    with transaction.atomic():
        was_reconcilable = Account.objects.get(pk=account.pk).reconcilable
        updated = update_versioned(
            account,
            actor,
            data,
            expected_version=expected_version,
            event="account.updated",
            check=lambda row: _check_account(account.company, row, exclude=row.pk),
        )
        if updated.reconcilable != was_reconcilable:
            _reopen_items_of(updated)
    return updated


def _reopen_items_of(account: Account) -> None:
    """The account became reconcilable (its posted lines are open items again, less what
    earlier matches took) or stopped being so (none is)."""
    lines = JournalLine.objects.filter(account=account, posted=True)
    if not account.reconcilable:
        lines.filter(open_item=True).update(open_item=False)
        return
    lines.exclude(debit=F("credit"), amount_currency=0).update(open_item=True)
    refresh_open_items(lines.filter(Q(matched_credits__isnull=False) | Q(matched_debits__isnull=False)))


def _opens_an_item() -> ExpressionWrapper:
    """Whether a line being posted is an open item: an amount on a reconcilable account."""
    reconcilable = Exists(Account.objects.filter(pk=OuterRef("account_id"), reconcilable=True))
    return ExpressionWrapper(
        reconcilable & (~Q(debit=F("credit")) | ~Q(amount_currency=0)), output_field=BooleanField()
    )


def refresh_open_items(lines: QuerySet[JournalLine]) -> None:
    """Set ``open_item`` on ``lines`` from their residuals, after matches were made or removed:
    written only where it changes (every write of posted lines runs the balance triggers)."""
    posted = payment_queries.with_residuals(lines.filter(posted=True).distinct())
    rows = posted.values_list("pk", "open_item", "account__reconcilable", "residual", "residual_currency")  # type: ignore[misc]
    changed: dict[bool, list[int]] = {True: [], False: []}
    for pk, flagged, reconcilable, *left in rows:
        still_open = bool(reconcilable and any(left))
        if still_open != flagged:
            changed[still_open].append(pk)
    for flag, ids in changed.items():
        if ids:
            JournalLine.objects.filter(pk__in=ids).update(open_item=flag)


def _refuse_if_used(account: Account, data: Mapping[str, Any]) -> None:
    changed = any(
        data.get(name, getattr(account, name)) != getattr(account, name) for name in ("type", "subtype")
    )
    if changed and JournalLine.objects.filter(account=account, posted=True).exists():
        raise ValidationFailed({"type": [_("The account has posted lines: its type cannot change.")]})


def _sequence_code(journal: Journal) -> str:
    return f"journal-{journal.pk}"


def _sequence_pattern(journal: Journal) -> str:
    return journal.code.replace("{", "").replace("}", "") + "/{year}/{number:05d}"


def _check_journal(company: Company, journal: Journal, exclude: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if not journal.code:
        errors["code"] = [_("This field is required.")]
    if not journal.name:
        errors["name"] = [_("This field is required.")]
    if journal.kind not in Journal.Kind.values:
        errors["kind"] = [_("Choose a kind of journal.")]
    if journal.default_account is not None and journal.default_account.company_id != company.pk:
        errors["default_account"] = [_("This choice belongs to another company.")]
    if Journal.objects.filter(company=company, code=journal.code).exclude(pk=exclude).exists():
        errors["code"] = [_("Another journal already has this code.")]
    for name, normalize in (("bank_iban", normalize_iban), ("bank_bic", normalize_bic)):
        if value := getattr(journal, name):
            try:
                setattr(journal, name, normalize(value))
            except InvalidIdentifier as exc:
                errors[name] = [exc.message]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def create_journal(company: Company, actor: User | None, **fields: Any) -> Journal:
    journal = Journal(company=company, **_clean(fields, JOURNAL_FIELDS))
    _check_journal(company, journal)
    journal.save()
    events.record("journal.created", journal, actor, {"code": journal.code, "kind": journal.kind})
    return journal


def update_journal(
    journal: Journal, actor: User | None, *, expected_version: int | None = None, **changes: Any
) -> Journal:
    data = _clean(changes, JOURNAL_FIELDS)
    with transaction.atomic():
        updated = update_versioned(
            journal,
            actor,
            data,
            expected_version=expected_version,
            event="journal.updated",
            check=lambda row: _check_journal(journal.company, row, exclude=row.pk),
        )
        NumberSequence.objects.filter(company=journal.company, code=_sequence_code(journal)).update(
            pattern=_sequence_pattern(updated)
        )
    return updated


# --- cost centres -------------------------------------------------------------------------

COST_CENTRE_FIELDS = ["code", "name", "parent", "active"]


def _check_cost_centre(centre: CostCentre) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("code", "name"):
        if not getattr(centre, name):
            errors[name] = [_("This field is required.")]
    others = CostCentre.objects.filter(company_id=centre.company_id, code=centre.code).exclude(pk=centre.pk)
    if centre.code and others.exists():
        errors["code"] = [_("Another cost centre already has this code.")]
    parent, seen = centre.parent, {centre.pk}
    if parent is not None and parent.company_id != centre.company_id:
        errors["parent"] = [_("This choice belongs to another company.")]
    while parent is not None and "parent" not in errors:
        if parent.pk in seen:
            errors["parent"] = [_("A cost centre cannot sit under itself.")]
        seen.add(parent.pk)
        parent = parent.parent
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def create_cost_centre(company: Company, actor: User | None, **fields: Any) -> CostCentre:
    centre = CostCentre(company=company, **_clean(fields, COST_CENTRE_FIELDS))
    _check_cost_centre(centre)
    centre.save()
    events.record("cost_centre.created", centre, actor, {"code": centre.code, "name": centre.name})
    return centre


def update_cost_centre(
    centre: CostCentre, actor: User | None, *, expected_version: int | None = None, **changes: Any
) -> CostCentre:
    return update_versioned(
        centre,
        actor,
        _clean(changes, COST_CENTRE_FIELDS),
        expected_version=expected_version,
        event="cost_centre.updated",
        check=_check_cost_centre,
    )


# --- fiscal years, periods, lock date ----------------------------------------------------


@transaction.atomic
def create_fiscal_year(
    company: Company, actor: User | None, start: datetime.date, *, name: str = ""
) -> FiscalYear:
    """A twelve-month fiscal year from ``start`` with one period per month."""
    if not isinstance(start, datetime.date):
        raise ValidationFailed({"start": [_("Enter a valid date.")]})
    if start.day != 1:
        raise ValidationFailed({"start": [_("A fiscal year starts on the first day of a month.")]})
    end = _add_months(start, 12) - datetime.timedelta(days=1)
    if FiscalYear.objects.filter(company=company, start__lte=end, end__gte=start).exists():
        raise ValidationFailed({"start": [_("This fiscal year overlaps another one.")]})
    name = name.strip()[:32] or (
        str(start.year) if start.month == 1 else f"{start.year}/{end.year % 100:02d}"
    )
    year = FiscalYear.objects.create(company=company, name=name, start=start, end=end)
    Period.objects.bulk_create(
        Period(
            company=company,
            fiscal_year=year,
            name=f"{month_start:%Y-%m}",
            start=month_start,
            end=_add_months(month_start, 1) - datetime.timedelta(days=1),
        )
        for month_start in (_add_months(start, n) for n in range(12))
    )
    events.record(
        "fiscal_year.created",
        year,
        actor,
        {"name": year.name, "start": start.isoformat(), "end": end.isoformat()},
    )
    return year


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def close_period(period: Period, actor: User | None) -> Period:
    with transaction.atomic():
        drafts = JournalEntry.objects.filter(
            company=period.company_id, state=JournalEntry.State.DRAFT, date__range=(period.start, period.end)
        )
        if drafts.exists():
            raise BusinessError(_("The period still has draft entries: post or delete them first."))
        transition(period, "closed", actor)
    return period


def reopen_period(period: Period, actor: User | None) -> Period:
    transition(period, "reopened", actor)
    return period


BOOKS_FIELDS = [
    "revalue_at_period_end", "tax_rounding", "write_off_tolerance", "write_off_account",
    "exchange_gain_account", "exchange_loss_account", "exchange_journal", "receivable_account",
    "payable_account", "income_account", "expense_account", "bank_suspense_account", "earnings_account",
    "customer_advances_account",
]  # fmt: skip
# Each default account and the subtypes it may have (empty: any account of the company).
BOOKS_ACCOUNT_SUBTYPES: dict[str, tuple[str, ...]] = {
    "write_off_account": (),
    "exchange_gain_account": ("income", "other_income"),
    "exchange_loss_account": ("expense", "direct_cost"),
    "receivable_account": ("receivable",),
    "payable_account": ("payable",),
    "income_account": ("income", "other_income"),
    "expense_account": ("expense", "direct_cost", "depreciation"),
    "bank_suspense_account": ("current", "bank", "cash"),
    "earnings_account": ("equity", "unaffected_earnings"),
    # a liability of its own, not the payables' or taxes' control accounts: down payments wait there
    "customer_advances_account": ("current", "non_current"),
}


def _check_books(books: BooksSettings) -> None:
    errors: dict[str, list[str]] = {}
    if books.tax_rounding not in BooksSettings.TaxRounding.values:
        errors["tax_rounding"] = [_("Choose how taxes are rounded.")]
    if books.write_off_tolerance is None or books.write_off_tolerance < 0:
        errors["write_off_tolerance"] = [_("The tolerance is zero or more.")]
    for name, subtypes in BOOKS_ACCOUNT_SUBTYPES.items():
        chosen: Account | None = getattr(books, name)
        if chosen is None:
            continue
        if chosen.company_id != books.company_id:
            errors[name] = [_("This choice belongs to another company.")]
        elif subtypes and chosen.subtype not in subtypes:
            errors[name] = [
                _("The account %(account)s is of the wrong kind here (%(subtype)s).")
                % {"account": chosen, "subtype": chosen.get_subtype_display()}
            ]
    if books.exchange_journal is not None and books.exchange_journal.company_id != books.company_id:
        errors["exchange_journal"] = [_("This choice belongs to another company.")]
    if errors:
        raise ValidationFailed(errors)


def update_books_settings(
    books: BooksSettings, actor: User | None, *, expected_version: int | None = None, **changes: Any
) -> BooksSettings:
    """Change the company's accounting settings (the lock date moves only with :func:`move_lock_date`)."""
    return update_versioned(
        books,
        actor,
        _clean(changes, BOOKS_FIELDS),
        expected_version=expected_version,
        event="books.updated",
        check=_check_books,
    )


@transaction.atomic
def move_lock_date(company: Company, actor: User | None, lock_date: datetime.date | None) -> BooksSettings:
    """Only an administrator moves the lock date; nothing dated on or before it is posted."""
    if actor is None or not is_administrator(actor):
        raise NotAllowed(_("Only an administrator may move the lock date."))
    books = BooksSettings.objects.select_for_update().get(pk=queries.settings_of(company).pk)
    if (
        lock_date is not None
        and JournalEntry.objects.filter(
            company=company, state=JournalEntry.State.DRAFT, date__lte=lock_date
        ).exists()
    ):
        raise ValidationFailed(
            {"lock_date": [_("Draft entries are dated on or before it: post or delete them.")]}
        )
    before = books.lock_date
    books.lock_date = lock_date
    books.version += 1
    books.save(update_fields=["lock_date", "version"])
    events.record(
        "books.lock_date_moved",
        books,
        actor,
        {"lock_date": [before.isoformat() if before else None, lock_date.isoformat() if lock_date else None]},
    )
    return books


# --- entries ------------------------------------------------------------------------------


@dataclass
class Line:
    """One line as a caller describes it. ``debit``/``credit`` in the company's currency;
    for a foreign-currency line give ``currency`` and ``amount_currency`` (signed) and leave
    both sides empty to convert at the rate of the entry's date."""

    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    partner: Partner | None = None
    label: str = ""
    currency: Currency | None = None
    amount_currency: Decimal | None = None
    cost_centre: CostCentre | None = None
    due_date: datetime.date | None = None
    tax: Tax | None = None
    tax_base_amount: Decimal = ZERO
    tax_rate: Decimal | None = None  # on a tax line of a percentage: the rate it was computed at
    taxes: Sequence[Tax] = field(default_factory=list)


def _line_row(
    company: Company, entry: JournalEntry, line: Line, n: int, errors: dict[str, list[str]]
) -> JournalLine:
    key = f"lines.{n}"
    debit, credit = read_decimal(line.debit, key, errors), read_decimal(line.credit, key, errors)
    currency = line.currency or company.currency
    mine = (line.account, line.partner, line.cost_centre, line.tax)
    if any(obj is not None and obj.company_id != company.pk for obj in mine):
        errors.setdefault(key, []).append(_("This line names a record of another company."))
    if not line.account.active:
        errors.setdefault(key, []).append(
            _("The account %(account)s is archived.") % {"account": line.account}
        )
    if line.account.currency_id and line.account.currency_id != currency.pk:
        errors.setdefault(key, []).append(
            _("The account %(account)s takes only %(currency)s.")
            % {"account": line.account, "currency": line.account.currency_id}
        )
    if currency.pk != company.currency_id and line.amount_currency is not None and not debit and not credit:
        amount = read_decimal(line.amount_currency, key, errors)
        converted = queries.to_company(company, amount, currency, entry.date)
        debit, credit = max(converted, ZERO), max(-converted, ZERO)
    debit, credit = round_money(debit, company.currency), round_money(credit, company.currency)
    if debit < 0 or credit < 0:
        errors.setdefault(key, []).append(_("Debit and credit cannot be negative."))
    if debit and credit:
        errors.setdefault(key, []).append(_("A line is either a debit or a credit, not both."))
    if currency.pk == company.currency_id:
        amount_currency = debit - credit
    else:
        amount_currency = round_money(read_decimal(line.amount_currency, key, errors), currency)
    return JournalLine(
        company=company,
        entry=entry,
        journal=entry.journal,
        date=entry.date,
        account=line.account,
        partner=line.partner,
        label=line.label[:200],
        debit=debit,
        credit=credit,
        currency=currency,
        amount_currency=amount_currency,
        cost_centre=line.cost_centre,
        due_date=line.due_date,
        tax=line.tax,
        tax_base_amount=read_decimal(line.tax_base_amount, key, errors),
        tax_rate=line.tax_rate,
    )


def _write_lines(company: Company, entry: JournalEntry, lines: Sequence[Line]) -> None:
    errors: dict[str, list[str]] = {}
    rows = [_line_row(company, entry, line, n, errors) for n, line in enumerate(lines)]
    if len(rows) < 2:
        errors.setdefault("lines", []).append(_("An entry has at least two lines."))
    if errors:
        raise ValidationFailed(errors)
    _check_balanced(company, sum((r.debit for r in rows), ZERO), sum((r.credit for r in rows), ZERO))
    created = JournalLine.objects.bulk_create(rows)
    for row, line in zip(created, lines, strict=True):
        if line.taxes:
            row.taxes.set(line.taxes)


def _check_balanced(company: Company, debit: Decimal, credit: Decimal) -> None:
    if debit != credit:
        raise UnbalancedEntry(
            _("The entry does not balance: debit %(debit)s, credit %(credit)s %(currency)s.")
            % {"debit": debit, "credit": credit, "currency": company.currency_id}
        )
    if not debit:
        raise UnbalancedEntry(_("The entry has no amount."))


def _check_journal_of(company: Company, journal: Journal) -> None:
    if journal.company_id != company.pk:
        raise ValidationFailed({"journal": [_("This choice belongs to another company.")]})
    if not journal.active:
        raise ValidationFailed({"journal": [_("This journal is archived.")]})


@transaction.atomic
def create_entry(
    company: Company,
    actor: User | None,
    *,
    journal: Journal,
    date: datetime.date,
    lines: Sequence[Line],
    reference: str = "",
    narration: str = "",
    origin: str = JournalEntry.Origin.MANUAL,
) -> JournalEntry:
    """A draft entry; it must balance already (a draft is a proposal, not a scratchpad)."""
    entry = _new_entry(company, journal, date, reference, narration, origin, actor)
    _write_lines(company, entry, lines)
    events.record("entry.created", entry, actor, {"journal": journal.code, "date": date.isoformat()})
    return entry


def _new_entry(
    company: Company,
    journal: Journal,
    date: datetime.date,
    reference: str,
    narration: str,
    origin: str,
    actor: User | None,
) -> JournalEntry:
    _check_journal_of(company, journal)
    return JournalEntry.objects.create(
        company=company,
        journal=journal,
        date=date,
        reference=reference.strip()[:200],
        narration=narration,
        origin=origin,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


@transaction.atomic
def start_entry(
    company: Company,
    actor: User | None,
    *,
    journal: Journal,
    date: datetime.date,
    reference: str = "",
    narration: str = "",
    origin: str = JournalEntry.Origin.MANUAL,
) -> JournalEntry:
    """An empty draft to be filled in parts by :func:`add_lines`: the opening entry an import
    writes batch by batch, whose lines balance only once the whole file is in. Posting it
    (:func:`post_entry`) checks the balance of the whole, as for any entry."""
    entry = _new_entry(company, journal, date, reference, narration, origin, actor)
    events.record("entry.created", entry, actor, {"journal": journal.code, "date": date.isoformat()})
    return entry


def add_lines(entry: JournalEntry, actor: User | None, lines: Sequence[Line]) -> int:
    """Add lines to a draft begun with :func:`start_entry`, each checked as :func:`create_entry`
    checks them (the company's own records, active accounts, an account's currency, one side,
    nothing negative; a foreign amount without company amounts converted at the entry's date).
    All the lines or none; the balance is checked when the entry is posted."""
    with transaction.atomic():
        locked = (
            JournalEntry.objects.select_for_update(of=("self",))
            .select_related("company__currency", "journal")
            .get(pk=entry.pk)
        )
        _refuse_posted(locked)
        errors: dict[str, list[str]] = {}
        rows = [_line_row(locked.company, locked, line, n, errors) for n, line in enumerate(lines)]
        if errors:
            raise ValidationFailed(errors)
        created = JournalLine.objects.bulk_create(rows)
        for row, line in zip(created, lines, strict=True):
            if line.taxes:
                row.taxes.set(line.taxes)
    return len(created)


def update_entry(
    entry: JournalEntry,
    actor: User | None,
    *,
    lines: Sequence[Line] | None = None,
    expected_version: int | None = None,
    **changes: Any,
) -> JournalEntry:
    """Change a draft (its header, and its lines when given). A posted entry never changes."""
    data = _clean(changes, ["journal", "date", "reference", "narration"])
    with transaction.atomic():
        locked = JournalEntry.objects.select_for_update().get(pk=entry.pk)
        _refuse_posted(locked)
        if "journal" in data:
            _check_journal_of(locked.company, data["journal"])
        updated = update_versioned(
            locked, actor, data, expected_version=expected_version, event="entry.updated"
        )
        if lines is not None:
            updated.lines.all().delete()
            _write_lines(updated.company, updated, lines)
        else:
            updated.lines.update(journal=updated.journal, date=updated.date)
    return updated


def _refuse_posted(entry: JournalEntry) -> None:
    if entry.state != JournalEntry.State.DRAFT:
        raise EntryPosted(_("A posted entry cannot be changed: reverse it instead."))


@transaction.atomic
def delete_entry(entry: JournalEntry, actor: User | None) -> None:
    locked = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    _refuse_posted(locked)
    locked.delete()


def check_date_open(company: Company, on: datetime.date) -> None:
    """Refuse a posting dated on or before the lock date, in a closed period, or outside
    every fiscal year (when the company keeps fiscal years)."""
    lock = queries.settings_of(company).lock_date
    if lock is not None and on <= lock:
        raise LockedDate(
            _("The books are locked up to %(lock)s: nothing can be posted on %(date)s.")
            % {"lock": lock.isoformat(), "date": on.isoformat()},
            field="date",
        )
    if Period.objects.filter(company=company, start__lte=on, end__gte=on, state=Period.State.CLOSED).exists():
        raise LockedDate(_("The period of %(date)s is closed.") % {"date": on.isoformat()}, field="date")
    years = FiscalYear.objects.filter(company=company).aggregate(
        kept=Count("id"), covering=Count("id", filter=Q(start__lte=on, end__gte=on))
    )  # one query: does the company keep fiscal years, and does one cover the day
    if years["kept"] and not years["covering"]:
        raise LockedDate(_("No fiscal year covers %(date)s.") % {"date": on.isoformat()}, field="date")


def post_entry(entry: JournalEntry, actor: User | None) -> JournalEntry:
    """Check and post a draft: balance, dates, then the journal's next number for the year."""
    with transaction.atomic():
        locked = (
            JournalEntry.objects.select_for_update(of=("self", "company", "journal"))  # not the currency
            .select_related("company__currency", "journal")
            .get(pk=entry.pk)
        )
        _refuse_posted(locked)
        company = locked.company
        debit, credit = queries.totals(locked.lines.all())
        _check_balanced(company, debit, credit)
        check_date_open(company, locked.date)
        budgets.check_posting(locked, actor)  # a blocking budget refuses; a warning is recorded
        locked.lines.update(posted=True, journal=locked.journal, date=locked.date, open_item=_opens_an_item())
        number = sequences.next_number(
            company,
            _sequence_code(locked.journal),
            on=locked.date,
            defaults={"pattern": _sequence_pattern(locked.journal), "reset_yearly": True},
        )
        transition(
            locked,
            "posted",
            actor,
            fields={"number": number},
            data={"number": number, "total": str(round_money(debit, company.currency))},
        )
    # the caller's instance shows the posted entry (no handler of entry.posted writes the entry)
    show_moved(entry, locked)
    return entry


# Entries another record owns: they are undone through that record's own service
# (cancelling the invoice or payment, undoing the statement line, unreconciling), which
# reverses the entry and keeps the record's state in step with the books.
DOCUMENT_ORIGINS = frozenset(
    {
        JournalEntry.Origin.INVOICE,
        JournalEntry.Origin.PAYMENT,
        JournalEntry.Origin.STATEMENT,
        JournalEntry.Origin.EXCHANGE,
        JournalEntry.Origin.REVALUATION,
        JournalEntry.Origin.STOCK,
    }
)


class EntryOwned(BusinessError):
    status = 409
    code = "entry-owned"


def owner_of(entry: JournalEntry) -> str | None:
    """Why ``entry`` may not be reversed by hand: the record that owns it, or None for a free entry."""
    invoice = Invoice.objects.filter(entry=entry).only("number", "kind").first()
    if invoice is not None:
        return _("It is the entry of %(document)s %(number)s: cancel it or issue a credit note instead.") % {
            "document": invoice.get_kind_display().lower(),
            "number": invoice.number,
        }
    payment = Payment.objects.filter(entry=entry).only("number").first()
    if payment is not None:
        return _("It is the entry of payment %(number)s: cancel the payment instead.") % {
            "number": payment.number
        }
    if BankStatementLine.objects.filter(entry=entry).exists():
        return _("It books a bank statement line: undo the line on its statement instead.")
    if Reconciliation.objects.filter(Q(write_off_entry=entry) | Q(exchange_entry=entry)).exists():
        return _(
            "It belongs to a reconciliation (a write-off or an exchange difference): unreconcile instead."
        )
    if entry.origin in DOCUMENT_ORIGINS:
        return _("It was booked by %(origin)s and is undone there, not by hand.") % {
            "origin": entry.get_origin_display().lower()
        }
    if entry.reversal_of_id is not None:
        original = JournalEntry.objects.get(pk=entry.reversal_of_id)
        if owner_of(original) is not None:
            return _("It reverses a document's entry; the document's own service decides it.")
    return None


def reverse_entry(
    entry: JournalEntry,
    actor: User | None,
    *,
    date: datetime.date | None = None,
    reference: str = "",
    for_document: bool = False,
) -> JournalEntry:
    """Post the mirror image of a posted entry (debits become credits), linked to it.

    What is still open of the entry's receivable, payable and other reconcilable lines is
    matched against its mirror in the reversal, so a reversed document leaves no open item
    behind (open balances, aged reports and dunning stop showing it).

    An entry that an invoice, a payment, a statement line or a reconciliation owns is refused
    (:class:`EntryOwned`, nothing written) unless ``for_document``: only that record's own
    service (cancel, undo, unreconcile) reverses it, so its state follows the books."""
    from tandem.accounting.services import reconciliation  # it books through this module

    with transaction.atomic():
        locked = (
            JournalEntry.objects.select_for_update(of=("self",))
            .select_related("company", "journal")
            .get(pk=entry.pk)
        )
        if locked.state != JournalEntry.State.POSTED:
            raise BusinessError(_("Only a posted entry can be reversed; a draft can simply be changed."))
        if JournalEntry.objects.filter(reversal_of=locked).exists():
            raise BusinessError(_("This entry has been reversed already."))
        if not for_document:
            owner = owner_of(locked)
            if owner is not None:
                raise EntryOwned(_("This entry cannot be reversed by hand. %(why)s") % {"why": owner})
        on = date or locked.date
        reversal = JournalEntry.objects.create(
            company=locked.company,
            journal=locked.journal,
            date=on,
            reference=(reference or _("Reversal of %(number)s") % {"number": locked.number})[:200],
            origin=JournalEntry.Origin.REVERSAL,
            reversal_of=locked,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        JournalLine.objects.bulk_create(_mirrored(locked.lines.all(), reversal))
        post_entry(reversal, actor)
        reconciliation.match_reversal(locked, reversal, actor)
        events.record("entry.reversed", locked, actor, {"reversal": reversal.number, "date": on.isoformat()})
    return reversal


def _mirrored(lines: Iterable[JournalLine], reversal: JournalEntry) -> list[JournalLine]:
    return [
        JournalLine(
            company_id=line.company_id,
            entry=reversal,
            journal=reversal.journal,
            date=reversal.date,
            account_id=line.account_id,
            partner_id=line.partner_id,
            label=line.label,
            debit=line.credit,
            credit=line.debit,
            currency_id=line.currency_id,
            amount_currency=-line.amount_currency,
            cost_centre_id=line.cost_centre_id,
            due_date=line.due_date,
            tax_id=line.tax_id,
            tax_base_amount=-line.tax_base_amount,
            tax_rate=line.tax_rate,
        )
        for line in lines
    ]


# --- exchange differences ------------------------------------------------------------------


def exchange_accounts(books: BooksSettings) -> tuple[Journal, Account, Account]:
    """The exchange journal and the gain and loss accounts every exchange difference (realised
    on a settlement or an advance, unrealised at a revaluation) is posted with."""
    journal, gain, loss = books.exchange_journal, books.exchange_gain_account, books.exchange_loss_account
    if journal is None or gain is None or loss is None:
        raise BusinessError(
            Message(gettext_noop("Set the exchange journal and the exchange gain and loss accounts first."))
        )
    return journal, gain, loss


def exchange_lines(
    account: Account,
    gained: Decimal,
    currency: Currency,
    *,
    gain: Account,
    loss: Account,
    partner: Partner | None,
    label: str,
) -> list[Line]:
    """The two lines that restate what ``account`` holds in ``currency`` by ``gained`` in the
    company's currency — its amount in ``currency`` unchanged — against the exchange gain
    account (``gained`` > 0: the account is worth more) or the loss account."""
    return [
        Line(
            account,
            debit=max(gained, ZERO),
            credit=max(-gained, ZERO),
            partner=partner,
            label=label,
            currency=currency,
            amount_currency=ZERO,
        ),
        Line(
            gain if gained > 0 else loss,
            debit=max(-gained, ZERO),
            credit=max(gained, ZERO),
            partner=partner,
            label=label,
        ),
    ]


# --- period-end revaluation ---------------------------------------------------------------


def revalue(company: Company, actor: User | None, on: datetime.date) -> JournalEntry | None:
    """Restate open foreign-currency items (receivables, payables, bank and cash in another
    currency) at the rate of ``on``: one entry on ``on`` against the unrealised exchange gain
    or loss accounts, reversed the next day so that settlements still realise against the
    original rates. None when nothing moved."""
    books = queries.settings_of(company)
    journal, gain, loss = exchange_accounts(books)
    with transaction.atomic():
        lines = _revaluation_lines(company, on, gain, loss)
        BooksSettings.objects.filter(pk=books.pk).filter(
            Q(revalued_on__isnull=True) | Q(revalued_on__lt=on)
        ).update(revalued_on=on)  # not a change of the settings: no new version
        if not lines:
            events.record("books.revalued", books, actor, {"date": on.isoformat(), "entry": ""})
            return None
        entry = create_entry(
            company,
            actor,
            journal=journal,
            date=on,
            lines=lines,
            reference=_("Revaluation at %(date)s") % {"date": on.isoformat()},
            origin=JournalEntry.Origin.REVALUATION,
        )
        post_entry(entry, actor)
        reverse_entry(entry, actor, date=on + datetime.timedelta(days=1), for_document=True)
        events.record("books.revalued", books, actor, {"date": on.isoformat(), "entry": entry.number})
    return entry


class PeriodEnd(NamedTuple):
    """What the scheduled revaluation did for one company: the period end it looked at and
    ``outcome`` — "posted" (an entry), "nothing" (no open foreign item moved), "done" (revalued
    at or after that date already) or "locked" (the date is locked or in a closed period)."""

    date: datetime.date
    outcome: str
    entry: JournalEntry | None = None


def revalue_period_ends(company: Company, actor: User | None, today: datetime.date) -> list[PeriodEnd]:
    """The period-end revaluation a scheduled job runs for a company that asked for it
    (``BooksSettings.revalue_at_period_end``): :func:`revalue` at the end of the last period
    that ended before ``today`` and, when runs were missed, at each period end since the last
    revaluation first, oldest first — each at its own date, each its own entry reversed the
    next day. Once per period: not again when the books were revalued at that date or later
    (by this job or by hand), and never into a locked date or a closed period (that end is
    left out, "locked"). The company's settings row is locked first, so two runs at once
    revalue once. Raises :class:`BusinessError` when the exchange journal or accounts are not
    set, posting nothing."""
    queries.settings_of(company)  # a company without a chart yet gets its (empty) settings row
    with transaction.atomic():
        books = BooksSettings.objects.select_for_update().get(company=company)
        ends = queries.period_ends_between(company, books.revalued_on, today)
        done: list[PeriodEnd] = []
        for on in ends:
            if books.revalued_on is not None and books.revalued_on >= on:
                done.append(PeriodEnd(on, "done"))
                continue
            try:
                check_date_open(company, on)
            except LockedDate:
                done.append(PeriodEnd(on, "locked"))
                continue
            entry = revalue(company, actor, on)
            done.append(PeriodEnd(on, "posted" if entry is not None else "nothing", entry))
    return done


REVALUATION_REFUSED_KIND = "accounting.revaluation_refused"
notifications.register_kind(
    REVALUATION_REFUSED_KIND, gettext_noop("Period-end revaluations the books could not post")
)


def tell_revaluation_refused(company: Company, today: datetime.date, error: BusinessError) -> bool:
    """Tell the company's accountants and administrators that the period-end revaluation was
    refused, and why, with a link to the accounting settings — in one notification naming every
    period end the run would have revalued (the missed ones before the last, oldest first), once
    per last period end (the ``books.revaluation_refused`` event remembers it). False when told
    already."""
    with transaction.atomic():
        books = BooksSettings.objects.select_for_update().get(company=company)
        ends = queries.period_ends_between(company, books.revalued_on, today)
        on, dates = ends[-1], ", ".join(end.isoformat() for end in ends)
        if Event.objects.filter(
            name="books.revaluation_refused", company=company, data__date=on.isoformat()
        ).exists():
            return False
        events.record(
            "books.revaluation_refused",
            books,
            None,
            {"date": on.isoformat(), "dates": [end.isoformat() for end in ends], "reason": error.message},
        )
        notifications.notify(
            queries.revaluation_recipients(company),
            kind=REVALUATION_REFUSED_KIND,
            title=counted(
                ngettext_noop(
                    "The revaluation at %(dates)s was not posted",
                    "The revaluations at %(dates)s were not posted",
                ),
                {"dates": dates, "count": len(ends)},
                "count",
            ),
            body=Message(
                gettext_noop(
                    "%(reason)s The open foreign-currency items of %(company)s are revalued at each "
                    "period end once the accounting settings name them."
                ),
                {"reason": error.stored, "company": company.name},
            ),
            link=reverse("accounting:books_settings"),
            company=company,
        )
    return True


def _revaluation_lines(company: Company, on: datetime.date, gain: Account, loss: Account) -> list[Line]:
    rows = queries.open_foreign_balances(company, on)
    accounts = Account.objects.in_bulk({row["account"] for row in rows})
    partners = Partner.objects.in_bulk({row["partner"] for row in rows if row["partner"]})
    currencies = Currency.objects.in_bulk({row["currency"] for row in rows})
    lines: list[Line] = []
    for row in rows:
        currency = currencies[row["currency"]]
        target = queries.to_company(company, row["amount_currency"], currency, on)
        difference = target - (row["debit"] - row["credit"])
        if not difference:
            continue
        lines += exchange_lines(
            accounts[row["account"]],
            difference,
            currency,
            gain=gain,
            loss=loss,
            partner=partners.get(row["partner"]),
            label=_("Revaluation of %(currency)s") % {"currency": currency.code},
        )
    return lines
