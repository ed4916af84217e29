"""Payments: money in from customers and out to suppliers, through a bank or cash journal.

A payment is a draft until it is posted; posting books one entry through the ledger's
posting service (the bank or cash account against the partner's receivable or payable, in
the payment's currency at the rate of its date) and takes the entry's number. A posted
payment is cancelled by reversing its entry, once nothing is matched against it.
:func:`register_payment` is the accountant's "register a payment" on invoices: it creates,
posts and reconciles in one transaction.
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
    Invoice,
    Journal,
    JournalEntry,
    JournalLine,
    PartnerAccounting,
    Payment,
    Reconciliation,
)
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.services import ledger, reconciliation
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, User
from tandem.core.money import round_money
from tandem.core.states import show_moved, transition
from tandem.core.versioning import update_versioned
from tandem.partners.models import BankAccount, Partner

ZERO = Decimal(0)
D = Payment.Direction
CUSTOMER_KINDS = {Invoice.Kind.CUSTOMER_INVOICE, Invoice.Kind.CUSTOMER_CREDIT_NOTE}


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _check(company: Company, payment: Payment) -> None:
    errors: dict[str, list[str]] = {}
    if payment.direction not in D.values:
        errors["direction"] = [_("Choose incoming or outgoing.")]
    journal = payment.journal
    if journal.company_id != company.pk:
        errors["journal"] = [_("This choice belongs to another company.")]
    elif journal.kind not in (Journal.Kind.BANK, Journal.Kind.CASH) or journal.default_account_id is None:
        errors["journal"] = [_("Choose a bank or cash journal with its account.")]
    if payment.partner is not None and payment.partner.company_id != company.pk:
        errors["partner"] = [_("This choice belongs to another company.")]
    settles = payment.counterpart
    if settles is not None and (settles.company_id != company.pk or not settles.reconcilable):
        errors["counterpart"] = [_("Choose a receivable or payable account of this company.")]
    bank = payment.partner_bank_account
    if bank is not None and (payment.partner is None or bank.partner_id != payment.partner.pk):
        errors["partner_bank_account"] = [_("This account is not the partner's.")]
    if not isinstance(payment.amount, Decimal) or not payment.amount.is_finite() or payment.amount <= 0:
        errors["amount"] = [_("Enter an amount greater than zero.")]
    elif round_money(payment.amount, payment.currency) != payment.amount:
        errors["amount"] = [
            _("Use at most %(places)s decimal places.") % {"places": payment.currency.minor_unit}
        ]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def create_payment(
    company: Company,
    actor: User | None,
    *,
    direction: str,
    journal: Journal,
    date: datetime.date,
    amount: Decimal,
    partner: Partner | None = None,
    currency: Currency | None = None,
    reference: str = "",
    partner_bank_account: BankAccount | None = None,
    counterpart: Account | None = None,
) -> Payment:
    """A draft payment; ``amount`` is positive whichever way the money goes. ``counterpart``: the
    receivable or payable account it settles, when not the one its direction says (a customer's
    credit note refunded is money out on the receivable)."""
    payment = Payment(
        company=company,
        direction=direction,
        journal=journal,
        date=date,
        amount=amount,
        partner=partner,
        currency=currency or journal.currency or company.currency,
        reference=reference.strip()[:140],
        partner_bank_account=partner_bank_account,
        counterpart=counterpart,
        created_by=_actor(actor),
    )
    _check(company, payment)
    payment.save()
    events.record(
        "payment.created",
        payment,
        actor,
        {"direction": direction, "amount": str(amount), "currency": payment.currency_id},
    )
    return payment


PAYMENT_FIELDS = (
    "direction", "journal", "date", "amount", "partner", "currency", "reference", "partner_bank_account",
)  # fmt: skip


def update_payment(
    payment: Payment, actor: User | None, *, expected_version: int | None = None, **changes: Any
) -> Payment:
    """Change a draft payment; a posted one is cancelled instead (its entry is reversed)."""
    unknown = set(changes) - set(PAYMENT_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    if isinstance(changes.get("reference"), str):
        changes["reference"] = changes["reference"].strip()[:140]
    if "currency" in changes and changes["currency"] is None:
        journal = changes.get("journal") or payment.journal
        changes["currency"] = journal.currency or payment.company.currency
    with transaction.atomic():
        locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
        if locked.state != Payment.State.DRAFT:
            raise BusinessError(_("Only a draft payment can be changed: cancel a posted one."))
        return update_versioned(
            locked,
            actor,
            changes,
            expected_version=expected_version,
            event="payment.updated",
            check=lambda row: _check(row.company, row),
        )


def counterpart_account(company: Company, partner: Partner | None, direction: str) -> Account:
    """The partner's receivable (money in) or payable (money out) account."""
    books = ledger_queries.settings_of(company)
    own = PartnerAccounting.objects.filter(company=company, partner=partner).first() if partner else None
    if direction == D.INBOUND:
        account = (own.receivable_account if own else None) or books.receivable_account
    else:
        account = (own.payable_account if own else None) or books.payable_account
    if account is None:
        raise BusinessError(_("Set the receivable and payable accounts in the accounting settings first."))
    return account


def _entry_lines(payment: Payment) -> list[ledger.Line]:
    company = payment.company
    sign = 1 if payment.direction == D.INBOUND else -1  # + : money comes in (bank debit)
    amount = sign * payment.amount
    company_amount = ledger_queries.to_company(company, amount, payment.currency, payment.date)
    label = payment.reference or str(payment.partner or "")

    def line(account: Account, signed: Decimal, signed_currency: Decimal) -> ledger.Line:
        return ledger.Line(
            account,
            debit=max(signed, ZERO),
            credit=max(-signed, ZERO),
            partner=payment.partner,
            label=label[:200],
            currency=payment.currency,
            amount_currency=signed_currency,
        )

    bank = payment.journal.default_account
    assert bank is not None  # _check
    counterpart = payment.counterpart or counterpart_account(company, payment.partner, payment.direction)
    return [line(bank, company_amount, amount), line(counterpart, -company_amount, -amount)]


def post_payment(payment: Payment, actor: User | None) -> Payment:
    """Book the payment's entry and post it; the payment takes the entry's number."""
    with transaction.atomic():
        locked = (
            Payment.objects.select_for_update(of=("self",))
            .select_related(  # the company's currency: the amount in it
                "company__currency", "journal__default_account", "currency", "partner", "counterpart"
            )
            .get(pk=payment.pk)
        )
        if locked.state != Payment.State.DRAFT:
            raise BusinessError(_("Only a draft payment can be posted."))
        entry = ledger.create_entry(
            locked.company,
            actor,
            journal=locked.journal,
            date=locked.date,
            lines=_entry_lines(locked),
            reference=locked.reference,
            origin=JournalEntry.Origin.PAYMENT,
        )
        entry = ledger.post_entry(entry, actor)
        amount_company = sum((line.debit for line in entry.lines.all()), ZERO)
        transition(
            locked,
            "posted",
            actor,
            fields={"number": entry.number, "entry": entry, "amount_company": amount_company},
            data={"number": entry.number, "amount": str(locked.amount), "currency": locked.currency_id},
        )
    show_moved(payment, locked)  # no handler of payment.posted writes the payment
    return payment


def cancel_payment(payment: Payment, actor: User | None, *, date: datetime.date | None = None) -> Payment:
    """Reverse a posted payment's entry once nothing is matched against it. A draft has no
    number yet: it is deleted instead (:func:`delete_draft`)."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update(of=("self",)).select_related("entry").get(pk=payment.pk)
        if locked.state == Payment.State.DRAFT:
            raise BusinessError(_("A draft payment is deleted, not cancelled."))
        reversal = None
        if locked.state == Payment.State.POSTED and locked.entry is not None:
            matched = Reconciliation.objects.filter(
                company=locked.company_id, debit_line__entry=locked.entry
            ) | Reconciliation.objects.filter(company=locked.company_id, credit_line__entry=locked.entry)
            if matched.exists():
                raise BusinessError(_("The payment is matched with invoices: unreconcile it first."))
            reversal = ledger.reverse_entry(
                locked.entry, actor, date=date or locked.entry.date, for_document=True
            )
        transition(locked, "cancelled", actor, data={"reversal": reversal.number if reversal else ""})
    payment.refresh_from_db()
    return payment


@transaction.atomic
def delete_draft(payment: Payment, actor: User | None) -> None:
    """Delete a draft payment (nothing was booked); a posted one is cancelled instead."""
    locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    if locked.state != Payment.State.DRAFT:
        raise BusinessError(_("Only a draft payment is deleted: cancel a posted one."))
    events.record(
        "payment.deleted", locked, actor, {"amount": str(locked.amount), "currency": locked.currency_id}
    )
    locked.delete()


def partner_line(payment: Payment) -> JournalLine:
    """The posted payment's line on the partner's receivable or payable account."""
    if payment.entry_id is None:
        raise BusinessError(_("Post the payment first."))
    return JournalLine.objects.get(entry_id=payment.entry_id, account__reconcilable=True)


def _partner_item(payment: Payment) -> reconciliation.OpenItem:
    """The posted payment's :func:`partner_line`, locked with what is left of it (in the
    caller's transaction), to be matched: ``reconcile`` takes it as locked."""
    if payment.entry_id is None:
        raise BusinessError(_("Post the payment first."))
    found = reconciliation.lock_open_items(
        JournalLine.objects.filter(entry_id=payment.entry_id, account__reconcilable=True)
    )
    if len(found) != 1:
        raise JournalLine.MultipleObjectsReturned if found else JournalLine.DoesNotExist
    return found[0]


def register_payment(
    invoices: Sequence[Invoice],
    actor: User | None,
    *,
    journal: Journal,
    date: datetime.date,
    amount: Decimal | None = None,
    write_off: bool = False,
    write_off_label: str = "",
    reference: str = "",
    partner_bank_account: BankAccount | None = None,
) -> tuple[Payment, list[Reconciliation]]:
    """Pay posted invoices of one partner (all customer or all supplier documents): one
    payment of ``amount`` (by default what is left to pay) matched against their open items.

    Paying more than is due is refused, unless ``write_off`` and the difference is within
    the company's write-off tolerance (booked under ``write_off_label``, by default the
    reason); paying less leaves the invoices partially paid.
    """
    if not invoices:
        raise BusinessError(_("Choose the invoices to pay."))
    first = invoices[0]
    if any(i.partner_id != first.partner_id or i.currency_id != first.currency_id for i in invoices):
        raise BusinessError(_("Pay invoices of one partner in one currency at a time."))
    customer = first.kind in CUSTOMER_KINDS
    if any((i.kind in CUSTOMER_KINDS) != customer for i in invoices):
        raise BusinessError(_("Pay customer invoices and supplier bills separately."))
    if any(i.state != Invoice.State.POSTED for i in invoices):
        raise BusinessError(_("Only posted invoices can be paid."))
    with transaction.atomic():
        items = reconciliation.lock_open_items(
            JournalLine.objects.filter(
                entry__invoice__in=[i.pk for i in invoices], account__reconcilable=True, posted=True
            )
        )
        due = sum((item.residual_currency for item in items), ZERO)
        if due == 0:
            raise reconciliation.NothingToMatch(_("These invoices are paid already."))
        company, partner, currency = _parties(first, items[0].line)
        inbound = due > 0
        pay = round_money(abs(due) if amount is None else amount, currency)
        settled = {item.line.account_id: item.line.account for item in items}
        payment = create_payment(
            company,
            actor,
            direction=D.INBOUND if inbound else D.OUTBOUND,
            journal=journal,
            date=date,
            amount=pay,
            partner=partner,
            currency=currency,
            reference=reference or ", ".join(i.number for i in invoices)[:140],
            partner_bank_account=partner_bank_account,
            counterpart=next(iter(settled.values())) if len(settled) == 1 else None,
        )
        post_payment(payment, actor)
        matched = reconciliation.reconcile(
            [*items, _partner_item(payment)],
            actor,
            write_off=write_off,
            write_off_label=write_off_label,
            settle=[item.pk for item in items],
        )
    return payment, matched


def _parties(invoice: Invoice, line: JournalLine) -> tuple[Company, Partner, Currency]:
    """The invoice's company, partner and currency: those of its open item's line where they are
    the same rows (read with the line), else the invoice's own."""
    company = line.company if line.company_id == invoice.company_id else invoice.company
    partner = line.partner if line.partner_id == invoice.partner_id else invoice.partner
    currency = line.currency if line.currency_id == invoice.currency_id else invoice.currency
    assert partner is not None  # an invoice has a partner
    return company, partner, currency


def match_payment(
    invoices: Sequence[Invoice],
    payment: Payment,
    actor: User | None,
    *,
    write_off: bool = False,
    write_off_label: str = "",
) -> list[Reconciliation]:
    """Match what is open of a posted payment against posted invoices of its partner: in
    full, or in part (what is left stays open on the invoices or on the payment)."""
    if payment.state != Payment.State.POSTED:
        raise BusinessError(_("Post the payment first."))
    if not invoices:
        raise BusinessError(_("Choose the invoices to pay."))
    if any(i.partner_id != payment.partner_id or i.company_id != payment.company_id for i in invoices):
        raise BusinessError(_("Match invoices of the payment's partner only."))
    if any(i.state != Invoice.State.POSTED for i in invoices):
        raise BusinessError(_("Only posted invoices can be paid."))
    with transaction.atomic():
        items = reconciliation.lock_open_items(
            JournalLine.objects.filter(
                entry__invoice__in=[i.pk for i in invoices], account__reconcilable=True, posted=True
            )
        )
        if not any(item.residual or item.residual_currency for item in items):
            raise reconciliation.NothingToMatch(_("These invoices are paid already."))
        return reconciliation.reconcile(
            [*items, _partner_item(payment)], actor, write_off=write_off, write_off_label=write_off_label
        )
