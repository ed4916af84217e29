"""Bank statements: import one (a parsed CAMT.053 or MT940 file, or CSV rows through the
import machinery), then reconcile its lines — each action one service, in one transaction:

* :func:`match_line` books the line's entry in the statement's bank journal (the bank
  account against each open item's receivable or payable account) and matches each
  counterpart with its item. Without amounts the line settles the items oldest due first
  (less than is due leaves the last one partly paid); with amounts it is split across them.
  What is left of the line stays as the partner's open credit (a payment on account).
* :func:`match_with_write_off` settles open items in full with a line that pays them but for
  a small difference (a bank fee, rounding), booking the difference to a chosen account
  within the company's write-off tolerance.
* :func:`book_line` books it straight to an account (bank charges, interest).
* :func:`undo_line` removes the matches and reverses the entry, so the line waits again.

A line is locked while it is reconciled, so two people confirming the same line at once
book it once; the open items are locked by :mod:`.reconciliation` as always.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.accounting.models import (
    Account,
    BankStatement,
    BankStatementLine,
    Journal,
    JournalEntry,
    JournalLine,
    Reconciliation,
)
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.queries import statements as queries
from tandem.accounting.services import ledger, payments, reconciliation
from tandem.accounting.services.statement_files import (
    ParsedStatement,
    StatementFileError,
    compact_iban,
    parse_statement,
    read_upload,
)
from tandem.core import events
from tandem.core.errors import BusinessError, Conflict, ValidationFailed
from tandem.core.models import Company, Currency, User
from tandem.core.money import round_money
from tandem.partners.models import BankAccount, Partner

ZERO = Decimal(0)


class AlreadyImported(Conflict):
    code = "already-imported"


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


# --- importing -----------------------------------------------------------------------------


def bank_journals(company: Company) -> list[Journal]:
    return list(
        Journal.objects.filter(company=company, kind=Journal.Kind.BANK, active=True)
        .select_related("currency", "default_account")
        .order_by("code")
    )


def _check_journal(company: Company, journal: Journal) -> None:
    if journal.company_id != company.pk:
        raise ValidationFailed({"journal": [_("This choice belongs to another company.")]})
    if journal.kind != Journal.Kind.BANK or not journal.active or journal.default_account_id is None:
        raise ValidationFailed({"journal": [_("Choose an active bank journal with its bank account.")]})


def journal_for(company: Company, iban: str, journal: Journal | None = None) -> Journal:
    """The bank journal a statement of account ``iban`` goes to: the one given (which must be
    that account's, when the journal names an IBAN), else the journal with that IBAN, else the
    company's only bank journal."""
    iban = compact_iban(iban)
    if journal is not None:
        _check_journal(company, journal)
        own = compact_iban(journal.bank_iban)
        if iban and own and iban != own:
            raise ValidationFailed(
                {
                    "journal": [
                        _("The statement is of account %(iban)s, but the journal %(journal)s is of %(own)s.")
                        % {"iban": iban, "journal": journal, "own": own}
                    ]
                }
            )
        return journal
    journals = bank_journals(company)
    by_iban = [j for j in journals if iban and compact_iban(j.bank_iban) == iban]
    if len(by_iban) == 1:
        return by_iban[0]
    if len(journals) == 1:
        return journals[0]
    if not journals:
        raise ValidationFailed({"journal": [_("Create a bank journal with its bank account first.")]})
    raise ValidationFailed(
        {
            "journal": [
                _("Choose the bank journal: no single journal has the account %(iban)s.") % {"iban": iban}
            ]
        }
    )


def _partners_by_iban(company: Company, ibans: set[str]) -> dict[str, int]:
    """``{IBAN: partner id}`` for IBANs that belong to exactly one partner of the company."""
    found: dict[str, set[int]] = {}
    rows = BankAccount.objects.filter(partner__company=company, iban__in=ibans).values_list(
        "iban", "partner_id"
    )
    for iban, partner in rows:
        found.setdefault(compact_iban(iban), set()).add(partner)
    return {iban: next(iter(ids)) for iban, ids in found.items() if len(ids) == 1}


def _refuse_imported(company: Company, import_ids: Sequence[str]) -> None:
    wanted = [i for i in import_ids if i]
    if len(set(wanted)) != len(wanted):
        raise StatementFileError(_("The file names one bank transaction twice: it was not imported."))
    taken = list(
        BankStatementLine.objects.filter(company=company, import_id__in=wanted)
        .select_related("statement")
        .order_by("statement__date", "pk")[:1000]
    )
    if not taken:
        return
    statements = sorted({line.statement.name for line in taken})
    raise AlreadyImported(
        _(
            "%(count)s transactions of this file were imported already (statement %(statements)s): "
            "nothing was imported."
        )
        % {"count": len(taken), "statements": ", ".join(statements[:3])},
        field="file",
    )


def _check_currency(company: Company, journal: Journal, code: str) -> Currency:
    currency = journal.currency or company.currency
    if code and code != currency.pk:
        raise ValidationFailed(
            {
                "journal": [
                    _("The statement is in %(code)s, but the journal %(journal)s keeps %(currency)s.")
                    % {"code": code, "journal": journal, "currency": currency.pk}
                ]
            }
        )
    return currency


@transaction.atomic
def import_statement(
    company: Company,
    actor: User | None,
    parsed: ParsedStatement,
    *,
    journal: Journal | None = None,
    file_name: str = "",
) -> BankStatement:
    """Keep a parsed statement and its lines, unreconciled; the line's partner is set when
    its counterparty's IBAN is one partner's. All or nothing."""
    target = journal_for(company, parsed.account_iban, journal)
    currency = _check_currency(company, target, parsed.currency)
    _refuse_imported(company, [line.import_id for line in parsed.lines])
    if parsed.balance_start + parsed.total != parsed.balance_end:
        raise StatementFileError(_("The statement does not add up: nothing was imported."))
    statement = BankStatement.objects.create(
        company=company,
        journal=target,
        name=parsed.name[:64],
        date=parsed.date,
        balance_start=round_money(parsed.balance_start, currency),
        balance_end=round_money(parsed.balance_end, currency),
        source=parsed.format,
        file_name=file_name[:255],
        created_by=_actor(actor),
    )
    partners = _partners_by_iban(company, {line.counterparty_iban for line in parsed.lines} - {""})
    BankStatementLine.objects.bulk_create(
        BankStatementLine(
            company=company,
            statement=statement,
            sequence=n,
            date=line.date,
            amount=round_money(line.amount, currency),
            counterparty_name=line.counterparty_name[:200],
            counterparty_iban=line.counterparty_iban[:34],
            reference=line.reference[:200],
            narration=line.narration,
            import_id=line.import_id[:128],
            partner_id=partners.get(line.counterparty_iban),
        )
        for n, line in enumerate(parsed.lines, start=1)
    )
    _imported(statement, actor, len(parsed.lines))
    return statement


def upload_statement(
    company: Company, actor: User | None, *, upload: Any, journal: Journal | None = None
) -> BankStatement:
    """Read an uploaded CAMT.053 or MT940 file and import it (see :func:`import_statement`)."""
    parsed = parse_statement(read_upload(upload))
    name = str(getattr(upload, "name", "") or "")
    return import_statement(company, actor, parsed, journal=journal, file_name=name.rsplit("/", 1)[-1])


def _imported(statement: BankStatement, actor: User | None, count: int) -> None:
    events.record(
        "bank_statement.imported",
        statement,
        actor,
        {
            "name": statement.name,
            "journal": statement.journal.code,
            "source": statement.source,
            "lines": count,
            "balance_start": str(statement.balance_start),
            "balance_end": str(statement.balance_end),
        },
    )


def import_lines(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    """The CSV import's bulk writer (``accounting.statement_lines``): rows become lines of the
    statement they name on their journal, created when new (its opening balance the closing
    balance of the journal's last statement); each statement's closing balance is its opening
    balance plus its lines. An existing transaction id never gets here (the spec refuses it)."""
    if updates:
        raise BusinessError(_("Bank transactions are never changed by an import."))
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for row in creates:
        groups.setdefault((row["journal_id"], row["statement"]), []).append(row)
    made = 0
    with transaction.atomic():
        _refuse_imported(company, [row.get("import_id", "") for row in creates])
        for (journal_id, name), rows in groups.items():
            journal = Journal.objects.select_related("currency", "company").get(
                pk=journal_id, company=company
            )
            statement = BankStatement.objects.filter(company=company, journal=journal, name=name).first()
            new = statement is None
            if statement is None:
                statement = BankStatement.objects.create(
                    company=company,
                    journal=journal,
                    name=name,
                    date=max(r["date"] for r in rows),
                    balance_start=queries.previous_balance(journal),
                    source=BankStatement.Source.CSV,
                    created_by=_actor(actor),
                )
            elif statement.source != BankStatement.Source.CSV:
                raise BusinessError(_("The statement %(name)s was not imported from CSV.") % {"name": name})
            first = statement.lines.count()
            partners = _partners_by_iban(company, {r.get("counterparty_iban", "") for r in rows} - {""})
            BankStatementLine.objects.bulk_create(
                BankStatementLine(
                    company=company,
                    statement=statement,
                    sequence=first + n,
                    date=row["date"],
                    amount=row["amount"],
                    counterparty_name=row.get("counterparty_name", "")[:200],
                    counterparty_iban=row.get("counterparty_iban", "")[:34],
                    reference=row.get("reference", "")[:200],
                    narration=row.get("narration", ""),
                    import_id=row.get("import_id", "")[:128],
                    partner_id=partners.get(row.get("counterparty_iban", "")),
                )
                for n, row in enumerate(rows, start=1)
            )
            amounts = BankStatementLine.objects.filter(statement=statement).values_list("amount", flat=True)
            total = sum(amounts, ZERO)
            latest = max([statement.date, *(r["date"] for r in rows)])
            BankStatement.objects.filter(pk=statement.pk).update(
                balance_end=statement.balance_start + total, date=latest
            )
            if new:
                statement.refresh_from_db()
                _imported(statement, actor, len(rows))
            made += len(rows)
    return {"created": made, "updated": 0, "statements": len(groups)}


@transaction.atomic
def delete_statement(statement: BankStatement, actor: User | None) -> None:
    """Remove an imported statement, while none of its lines is reconciled."""
    locked = BankStatement.objects.select_for_update().get(pk=statement.pk)
    if locked.lines.filter(entry__isnull=False).exists():
        raise BusinessError(_("Lines of this statement are reconciled: undo them first."))
    events.record(
        "bank_statement.deleted",
        locked,
        actor,
        {"name": locked.name, "journal": locked.journal.code, "lines": locked.lines.count()},
    )
    locked.lines.all().delete()
    locked.delete()


# --- reconciling lines ---------------------------------------------------------------------


def _lock_line(line: BankStatementLine) -> BankStatementLine:
    locked = (
        BankStatementLine.objects.select_for_update(of=("self",))
        .select_related("statement__journal__default_account", "statement__journal__currency", "company")
        .filter(pk=line.pk)
        .first()
    )
    if locked is None:
        raise Conflict(_("This bank line has been removed."))
    if locked.entry_id is not None:
        raise Conflict(_("This bank line is reconciled already."))
    if not locked.amount:
        raise BusinessError(_("A line of zero needs no reconciling."))
    return locked


def _bank_line(
    line: BankStatementLine, currency: Currency, company_amount: Decimal, **extra: Any
) -> ledger.Line:
    account = line.statement.journal.default_account
    assert account is not None  # bank journals are checked on import
    return ledger.Line(
        account,
        debit=max(company_amount, ZERO),
        credit=max(-company_amount, ZERO),
        currency=currency,
        amount_currency=line.amount,
        label=_label(line),
        **extra,
    )


def _label(line: BankStatementLine) -> str:
    return " · ".join(p for p in (line.counterparty_name, line.reference or line.narration) if p)[:200]


def _post(line: BankStatementLine, actor: User | None, lines: list[ledger.Line]) -> JournalEntry:
    entry = ledger.create_entry(
        line.company,
        actor,
        journal=line.statement.journal,
        date=line.date,
        lines=lines,
        reference=(line.reference or line.statement.name)[:200],
        narration=line.narration,
        origin=JournalEntry.Origin.STATEMENT,
    )
    return ledger.post_entry(entry, actor)


def _company_amounts(
    company: Company, currency: Currency, on: datetime.date, parts: Sequence[Decimal]
) -> list[Decimal]:
    """Each part (signed, in ``currency``) in company currency; the parts' company amounts add
    up to the whole's (the last takes the rounding)."""
    whole = ledger_queries.to_company(company, sum(parts, ZERO), currency, on)
    found = [ledger_queries.to_company(company, part, currency, on) for part in parts]
    if found:
        found[-1] += whole - sum(found, ZERO)
    return found


def _allocate(
    line: BankStatementLine,
    items: list[reconciliation.OpenItem],
    amounts: Sequence[Decimal | None],
    currency: Currency,
) -> list[Decimal]:
    """What of the line (positive, in the statement's currency) goes to each item."""
    paid, left = abs(line.amount), abs(line.amount)
    taken: list[Decimal] = []
    for item, wanted in zip(items, amounts, strict=True):
        open_amount = queries.open_amount(item.line, currency, line.company, line.date)
        if wanted is None:
            take = min(left, open_amount)
        else:
            if not wanted.is_finite() or wanted <= 0 or round_money(wanted, currency) != wanted:
                raise ValidationFailed(
                    {"amount": [_("Enter amounts greater than zero, in the currency's units.")]}
                )
            if wanted > open_amount:
                raise reconciliation.Overpaid(
                    _("%(amount)s is more than is left of %(item)s (%(left)s).")
                    % {"amount": wanted, "item": _item_name(item.line), "left": open_amount}
                )
            take = wanted
        if take <= 0:
            raise reconciliation.NothingToMatch(
                _("The line is used up before %(item)s.") % {"item": _item_name(item.line)}
            )
        taken.append(take)
        left -= take
    if sum(taken, ZERO) > paid:
        raise reconciliation.Overpaid(
            _("The amounts add up to %(total)s, more than the line's %(paid)s.")
            % {"total": sum(taken, ZERO), "paid": paid}
        )
    return taken


def _item_name(item: JournalLine) -> str:
    invoice = getattr(item.entry, "invoice", None)
    return str(invoice.number if invoice is not None else item.entry.number)


def _lock_items(line: BankStatementLine, ids: Sequence[int]) -> list[reconciliation.OpenItem]:
    if not ids:
        raise reconciliation.NothingToMatch(_("Choose the open items this line pays."))
    if len(set(ids)) != len(ids):
        raise ValidationFailed({"items": [_("Each open item once.")]})
    found = {
        item.pk: item
        for item in reconciliation.lock_open_items(
            JournalLine.objects.filter(company=line.company_id, pk__in=ids).select_related("entry")
        )
    }
    incoming = line.amount > 0
    items = []
    for pk in ids:
        item = found.get(pk)
        if item is None:
            raise ValidationFailed({"items": [_("An open item chosen does not exist (any more).")]})
        if not item.line.posted or not item.line.account.reconcilable:
            raise ValidationFailed({"items": [_("Only posted items on receivable or payable accounts.")]})
        if not item.residual and not item.residual_currency:
            raise Conflict(_("%(item)s is paid already.") % {"item": _item_name(item.line)})
        if (item.residual > 0) != incoming:
            raise ValidationFailed(
                {
                    "items": [
                        _(
                            "Money in pays what is owed to you, money out what you owe: %(item)s is on "
                            "the other side."
                        )
                        % {"item": _item_name(item.line)}
                    ]
                }
            )
        items.append(item)
    return items


def match_line(
    line: BankStatementLine,
    actor: User | None,
    *,
    items: Sequence[int],
    amounts: Sequence[Decimal | None] | None = None,
) -> BankStatementLine:
    """Reconcile a bank line with open items (ids of their journal lines): one entry, one match
    per item. ``amounts`` (per item, in the statement's currency) split the line; without them
    it settles the items in the order given. A rest stays on the partner as a payment on account."""
    with transaction.atomic():
        locked = _lock_line(line)
        company = locked.company
        currency = queries.statement_currency(locked.statement)
        chosen = _lock_items(locked, list(items))
        taken = _allocate(
            locked, chosen, list(amounts) if amounts is not None else [None] * len(chosen), currency
        )
        sign = 1 if locked.amount > 0 else -1
        rest = abs(locked.amount) - sum(taken, ZERO)
        partners = {item.line.partner_id for item in chosen}
        parts = [-sign * take for take in taken]
        if rest:
            if len(partners) != 1 or None in partners:
                raise ValidationFailed(
                    {
                        "amount": [
                            _("The amounts must add up to the line's %(paid)s.")
                            % {"paid": abs(locked.amount)}
                        ]
                    }
                )
            parts.append(-sign * rest)
        company_parts = _company_amounts(company, currency, locked.date, parts)
        partner = chosen[0].line.partner if len(partners) == 1 else None
        lines = [_bank_line(locked, currency, -sum(company_parts, ZERO), partner=partner)]
        for item, part, company_part in zip(chosen, parts, company_parts, strict=False):
            lines.append(
                _counterpart(locked, item.line.account, item.line.partner, currency, part, company_part)
            )
        if rest:
            direction = payments.D.INBOUND if sign > 0 else payments.D.OUTBOUND
            account = payments.counterpart_account(company, partner, direction)
            lines.append(_counterpart(locked, account, partner, currency, parts[-1], company_parts[-1]))
        entry = _post_matched(locked, actor, chosen, lines, partner)
        events.record(
            "bank_statement_line.matched",
            locked,
            actor,
            {
                "entry": entry.number,
                "items": [item.pk for item in chosen],
                "amounts": [str(take) for take in taken],
                "on_account": str(rest),
            },
        )
    line.refresh_from_db()
    return line


def _post_matched(
    locked: BankStatementLine,
    actor: User | None,
    chosen: Sequence[reconciliation.OpenItem],
    lines: list[ledger.Line],
    partner: Partner | None,
) -> JournalEntry:
    """Post the line's entry (the bank line first, then one counterpart per chosen item in
    their order, then anything else) and match each item with its counterpart."""
    entry = _post(locked, actor, lines)
    counterparts = list(
        JournalLine.objects.filter(entry=entry)
        .exclude(account=locked.statement.journal.default_account_id)
        .order_by("pk")[: len(chosen)]
    )
    for item, counterpart in zip(chosen, counterparts, strict=True):
        reconciliation.reconcile([item.line, counterpart], actor)
    locked.entry = entry
    locked.counter_account = None
    if partner is not None:
        locked.partner = partner
    locked.save(update_fields=["entry", "counter_account", "partner"])
    return entry


def _counterpart(
    line: BankStatementLine,
    account: Account,
    partner: Partner | None,
    currency: Currency,
    amount: Decimal,
    company_amount: Decimal,
) -> ledger.Line:
    return ledger.Line(
        account,
        debit=max(company_amount, ZERO),
        credit=max(-company_amount, ZERO),
        partner=partner,
        currency=currency,
        amount_currency=amount,
        label=_label(line),
    )


def confirm_top(line: BankStatementLine, actor: User | None) -> BankStatementLine:
    """Confirm the best suggestion of a line (the screen's one key)."""
    found = queries.suggest([line]).get(line.pk)
    top = found.top if found is not None else None
    if top is None:
        raise reconciliation.NothingToMatch(_("There is no suggestion for this line: split it or book it."))
    return match_line(line, actor, items=[top.item.pk])


MAX_LABEL = 200


def _write_off_account(company: Company, journal: Journal, account: Account | None) -> Account:
    if account is None:
        raise ValidationFailed({"account": [_("Choose the account the difference is written off to.")]})
    if account.company_id != company.pk:
        raise ValidationFailed({"account": [_("This choice belongs to another company.")]})
    if not account.active:
        raise ValidationFailed({"account": [_("This account is archived.")]})
    if account.pk == journal.default_account_id:
        raise ValidationFailed(
            {"account": [_("That is the bank account itself: choose where the difference goes.")]}
        )
    if account.reconcilable:
        raise ValidationFailed(
            {
                "account": [
                    _(
                        "A difference is written off to an expense or income account (bank fees, "
                        "rounding), not to a receivable or payable."
                    )
                ]
            }
        )
    return account


def _settling(
    company: Company, item: reconciliation.OpenItem, part: Decimal, currency: Currency, on: datetime.date
) -> Decimal:
    """The company amount of the counterpart that settles ``item`` in full: an item in company
    currency exactly what is open of it (never a cent off by converting), a foreign one ``part``
    at the rate of the day (its exchange difference is realised on matching)."""
    if item.line.currency_id == company.currency_id and item.residual:
        return -item.residual
    return ledger_queries.to_company(company, part, currency, on)


def match_with_write_off(
    line: BankStatementLine,
    actor: User | None,
    *,
    items: Sequence[int],
    account: Account | None,
    label: str = "",
) -> BankStatementLine:
    """Reconcile a bank line with open items it pays in full but for a small difference (a
    bank fee, rounding, a customer paying 99.50 of 100), booking the difference to ``account``.

    One entry in the statement's bank journal: the bank line, each item's whole open amount
    against its receivable or payable, and the difference (what the items leave open less the
    line, either way) on ``account`` with ``label``; each item is matched with its counterpart,
    so the invoices are paid. Refused, with nothing written, without an account, when the line
    pays the items exactly, or when the difference in company currency is more than the
    company's write-off tolerance. Undone like any match (:func:`undo_line`)."""
    text = " ".join(label.split())
    if len(text) > MAX_LABEL:
        raise ValidationFailed({"label": [_("Keep the label to %(n)s characters.") % {"n": MAX_LABEL}]})
    with transaction.atomic():
        locked = _lock_line(line)
        company = locked.company
        journal = locked.statement.journal
        target = _write_off_account(company, journal, account)
        currency = queries.statement_currency(locked.statement)
        chosen = _lock_items(locked, list(items))
        sign = 1 if locked.amount > 0 else -1
        owed = [queries.open_amount(item.line, currency, company, locked.date) for item in chosen]
        difference = sum(owed, ZERO) - abs(locked.amount)  # > 0: paid less than is open
        if not difference:
            raise reconciliation.NothingToMatch(
                _("The line pays these items exactly: there is nothing to write off, match it instead.")
            )
        (bank,) = _company_amounts(company, currency, locked.date, [locked.amount])
        item_parts = [
            _settling(company, item, -sign * take, currency, locked.date)
            for item, take in zip(chosen, owed, strict=True)
        ]
        written = -bank - sum(item_parts, ZERO)  # the write-off's company amount, signed (debit > 0)
        books = ledger_queries.settings_of(company)
        if abs(written) > books.write_off_tolerance:
            raise reconciliation.Overpaid(
                _(
                    "The difference of %(amount)s %(currency)s is more than the write-off tolerance of "
                    "%(tolerance)s %(currency)s: match the line as a part payment, or split it."
                )
                % {
                    "amount": round_money(abs(written), company.currency),
                    "currency": company.currency_id,
                    "tolerance": round_money(books.write_off_tolerance, company.currency),
                }
            )
        partners = {item.line.partner_id for item in chosen}
        partner = chosen[0].line.partner if len(partners) == 1 else None
        lines = [_bank_line(locked, currency, bank, partner=partner)]
        lines += [
            _counterpart(locked, item.line.account, item.line.partner, currency, -sign * take, part)
            for item, take, part in zip(chosen, owed, item_parts, strict=True)
        ]
        if written:  # a foreign difference that rounds to nothing in company currency books nothing
            lines.append(
                ledger.Line(
                    target,
                    debit=max(written, ZERO),
                    credit=max(-written, ZERO),
                    partner=partner,
                    currency=currency,
                    amount_currency=sign * difference,
                    label=(text or _("Write-off"))[:MAX_LABEL],
                )
            )
        entry = _post_matched(locked, actor, chosen, lines, partner)
        events.record(
            "bank_statement_line.written_off",
            locked,
            actor,
            {
                "entry": entry.number,
                "items": [item.pk for item in chosen],
                "amounts": [str(round_money(take, currency)) for take in owed],
                "write_off": str(round_money(sign * difference, currency)),
                "account": target.code,
            },
        )
    line.refresh_from_db()
    return line


def book_line(
    line: BankStatementLine,
    actor: User | None,
    *,
    account: Account,
    label: str = "",
    partner: Partner | None = None,
) -> BankStatementLine:
    """Book a bank line straight to an account: bank charges, interest, a transfer."""
    with transaction.atomic():
        locked = _lock_line(line)
        company = locked.company
        journal = locked.statement.journal
        errors: dict[str, list[str]] = {}
        if account.company_id != company.pk:
            errors["account"] = [_("This choice belongs to another company.")]
        elif not account.active:
            errors["account"] = [_("This account is archived.")]
        elif account.pk == journal.default_account_id:
            errors["account"] = [
                _("That is the bank account itself: choose where the money went or came from.")
            ]
        elif account.reconcilable and partner is None:
            errors["account"] = [_("Match receivables and payables with their open items instead.")]
        if partner is not None and partner.company_id != company.pk:
            errors["partner"] = [_("This choice belongs to another company.")]
        if errors:
            raise ValidationFailed(errors)
        currency = queries.statement_currency(locked.statement)
        (company_amount,) = _company_amounts(company, currency, locked.date, [locked.amount])
        text = (label.strip() or _label(locked))[:200]
        entry = _post(
            locked,
            actor,
            [
                _bank_line(locked, currency, company_amount, partner=partner),
                ledger.Line(
                    account,
                    debit=max(-company_amount, ZERO),
                    credit=max(company_amount, ZERO),
                    partner=partner,
                    currency=currency,
                    amount_currency=-locked.amount,
                    label=text,
                ),
            ],
        )
        locked.entry, locked.counter_account = entry, account
        if partner is not None:
            locked.partner = partner
        locked.save(update_fields=["entry", "counter_account", "partner"])
        events.record(
            "bank_statement_line.booked", locked, actor, {"entry": entry.number, "account": account.code}
        )
    line.refresh_from_db()
    return line


def undo_line(
    line: BankStatementLine, actor: User | None, *, date: datetime.date | None = None
) -> BankStatementLine:
    """Take a reconciled line back: its matches are removed, its entry reversed (on its own
    date unless ``date``), and the line waits to be reconciled again."""
    with transaction.atomic():
        locked = (
            BankStatementLine.objects.select_for_update(of=("self",))
            .select_related("entry")
            .filter(pk=line.pk)
            .first()
        )
        if locked is None or locked.entry is None:
            raise Conflict(_("This bank line is not reconciled: there is nothing to undo."))
        entry = locked.entry
        matches = Reconciliation.objects.filter(debit_line__entry=entry) | Reconciliation.objects.filter(
            credit_line__entry=entry
        )
        for row in list(matches.order_by("pk")):
            if Reconciliation.objects.filter(pk=row.pk).exists():  # an exchange match goes with its own
                reconciliation.unreconcile(row, actor)
        reversal = ledger.reverse_entry(
            entry, actor, date=date, for_document=True
        )  # it matches the counterparts' mirrors
        locked.entry = None
        locked.counter_account = None
        locked.save(update_fields=["entry", "counter_account"])
        events.record(
            "bank_statement_line.undone", locked, actor, {"entry": entry.number, "reversal": reversal.number}
        )
    line.refresh_from_db()
    return line
