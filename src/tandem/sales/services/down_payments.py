"""Down payments: an invoice for part of a confirmed order before its goods are invoiced, and
their deduction from the order's later invoices.

A down payment is a percentage of the order's total or a fixed amount (taxes included), spread
over the order's taxes in proportion to each tax's base — as Odoo does — one line per set of
taxes, posted to the account of advances from customers that the company's accounting settings
name (``customer_advances_account``, a liability: each shipped chart sets it — IFRS 2050, PL 245,
RU 62.02, SI 2000 — and the company may choose another; none set, a down payment is refused).
An invoice of the order's goods then deducts what of the down payments is not deducted yet, per
set of taxes up to the goods it bills under that set (so each tax's base nets honestly and the
invoice never goes below zero; goods paid in full in advance make an invoice of zero, which
accounting posts): a negative line per account and set of taxes, on the account each down payment
went to, naming the down-payment invoices. What is left once nothing more is to be invoiced (the
rest of the order will not be delivered) is given back to the customer on a credit note
(``credit_down_payments_left``), which deducts it likewise; a credit note made in accounting of
an invoice of the order is tied to it too (``invoicing.invoice_credited``). Nothing is stored but
the link of each such invoice line to its order (``OrderInvoiceLine``): what is left to deduct is
the sum of those lines' amounts on invoices and credit notes that are not cancelled, so a
cancelled down payment is deducted no more.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.accounting.models import Account, BooksSettings, Invoice, JournalEntry, JournalLine, Tax
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.services import invoices as accounting
from tandem.accounting.services import ledger
from tandem.accounting.services import taxes as tax_rules
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, User
from tandem.core.money import plain, read_decimal, round_money
from tandem.sales import queries
from tandem.sales.models import OrderInvoice, OrderInvoiceLine, SalesOrder
from tandem.sales.services.common import HUNDRED, ZERO

K = OrderInvoiceLine.Kind
TaxKey = tuple[int, ...]
Key = tuple[int, TaxKey]  # (account, taxes): where the down payment was posted, and under which taxes
Billed = tuple[Decimal, Decimal, Decimal, Sequence[Tax]]  # quantity, unit price, discount, taxes
P = TypeVar("P")
MOST_HELD_BACK = 100  # cents a deduction may leave to a later one to keep the advance whole


def advances_account(company: Company) -> Account:
    """The company's account of advances from customers, as its accounting settings name it;
    refused when they name none."""
    books = ledger_queries.settings_of(company)
    if books.customer_advances_account_id is None:
        raise BusinessError(
            _(
                "No account of advances from customers is set, so a down payment cannot be invoiced: "
                "choose the customer advances account in the accounting settings "
                "(Accounting settings → Edit → Default accounts)."
            )
        )
    account = books.customer_advances_account
    assert account is not None
    return account


@dataclass(frozen=True)
class Left:
    """What of an order's down payments is not deducted yet, per account and set of taxes, as
    line prices: untaxed, but with the taxes that are included in the price (as an invoice line's
    price is given, so a deduction of this much takes back to the cent what was paid)."""

    amounts: dict[Key, Decimal]
    invoices: list[Invoice]
    untaxed: Decimal = ZERO  # the same, untaxed: what the order's page shows
    nets: dict[Key, Decimal] = field(default_factory=dict)  # untaxed, per account and set of taxes

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def _balances(order: SalesOrder) -> tuple[dict[Key, Decimal], dict[Key, Decimal], list[Invoice]]:
    """Per account and set of taxes, the down payments invoiced on ``order`` less those deducted
    (as line prices, see :class:`Left`, and untaxed), on invoices and credit notes not cancelled
    (a draft counts: what a draft deducts is not deducted twice); and the down-payment invoices.
    Keyed by account too, so a deduction takes back from the account the down payment went to,
    even when the setting has changed since."""
    rows = (
        OrderInvoiceLine.objects.filter(
            order=order,
            kind__in=(K.DOWN_PAYMENT, K.DEDUCTION),
            invoice_line__invoice__kind__in=(
                Invoice.Kind.CUSTOMER_INVOICE,
                Invoice.Kind.CUSTOMER_CREDIT_NOTE,
            ),
        )
        .exclude(invoice_line__invoice__state=Invoice.State.CANCELLED)
        .select_related("invoice_line__invoice")
        .prefetch_related("invoice_line__taxes")
        .order_by("id")
    )
    amounts: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    untaxed: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    invoices: dict[int, Invoice] = {}
    for row in rows:
        line = row.invoice_line
        key = (line.account_id, _key(list(line.taxes.all())))
        sign = -1 if line.invoice.kind == Invoice.Kind.CUSTOMER_CREDIT_NOTE else 1  # the advance given back
        amounts[key] += sign * _priced(line.quantity, line.price_unit, line.discount, order)
        untaxed[key] += sign * line.amount_untaxed
        if row.kind == K.DOWN_PAYMENT:
            invoices[line.invoice_id] = line.invoice
    return dict(amounts), dict(untaxed), list(invoices.values())


def down_payments_left(order: SalesOrder) -> Left:
    """Down payments invoiced on ``order`` less those deducted, per account and set of taxes."""
    amounts, untaxed, invoices = _balances(order)
    left = {key: amount for key, amount in amounts.items() if amount > 0}
    return Left(
        left, invoices, sum((untaxed[key] for key in left), ZERO), {key: untaxed[key] for key in left}
    )


def check_down_payments(order: SalesOrder) -> None:
    """Refused (a draft's hand-changed lines roll back): down payments beyond the order's total,
    or deductions beyond the down payments invoiced."""
    errors: list[str] = []
    invoiced = down_payments_invoiced(order)
    if invoiced > order.amount_total:
        errors.append(
            _("Down payments of %(total)s in all would be more than the order's total, %(order)s.")
            % {"total": invoiced, "order": order.amount_total}
        )
    if any(amount < 0 for amount in _balances(order)[0].values()):
        errors.append(
            _("%(order)s: more is deducted than was invoiced as down payments.") % {"order": order.number}
        )
    if errors:
        raise ValidationFailed({"lines": errors})


def down_payments_invoiced(order: SalesOrder) -> Decimal:
    """The total (taxes included) of the down payments invoiced on ``order`` less those credited,
    not cancelled."""
    rows = OrderInvoiceLine.objects.filter(
        order=order,
        kind=K.DOWN_PAYMENT,
        invoice_line__invoice__kind__in=(Invoice.Kind.CUSTOMER_INVOICE, Invoice.Kind.CUSTOMER_CREDIT_NOTE),
    ).exclude(invoice_line__invoice__state=Invoice.State.CANCELLED)
    return sum(
        (
            -row.invoice_line.amount_total
            if row.invoice_line.invoice.kind == Invoice.Kind.CUSTOMER_CREDIT_NOTE
            else row.invoice_line.amount_total
            for row in rows.select_related("invoice_line__invoice")
        ),
        ZERO,
    )


def _priced(quantity: Decimal, price_unit: Decimal, discount: Decimal, order: SalesOrder) -> Decimal:
    """A line's amount at its price, rounded: untaxed, or taxes included where its taxes are
    included in the price. Down payments are spread and deducted in these terms, so that a
    line of a price-included tax is priced as such (its untaxed amount would be taxed again)."""
    return round_money(quantity * price_unit * (HUNDRED - discount) / HUNDRED, order.currency)


def _key(taxes: Sequence[Tax]) -> TaxKey:
    return tuple(sorted(tax.pk for tax in taxes))


def _total_of(lines: Sequence[tax_rules.LineTaxes], currency: Currency) -> Decimal:
    """What an invoice of ``lines`` comes to, taxes included (a reverse charge is not billed)."""
    untaxed, rows = tax_rules.totals(lines, currency)
    return untaxed + sum((row.amount for row in rows if not row.tax.reverse_charge_account_id), ZERO)


def _fitted(
    prices: dict[P, Decimal],
    taxes_of: Mapping[P, Sequence[Tax]],
    quantity: Decimal,
    fits: Callable[[list[tax_rules.LineTaxes]], bool],
    order: SalesOrder,
    *,
    others: Sequence[tax_rules.LineTaxes] = (),
) -> dict[P, Decimal]:
    """``prices``, one line of ``quantity`` each under its taxes, less a cent off the largest
    until the invoice (``others`` and these lines, taxed as the company's invoices are) ``fits``.
    A spread over sets of taxes is taxed per set, the lines it was spread from one by one: the
    roundings can fall a cent apart, and a down payment must never come to more than the order,
    nor a deduction take an invoice below zero."""
    round_line = ledger_queries.settings_of(order.company).tax_rounding == BooksSettings.TaxRounding.PER_LINE
    found = dict(prices)

    def taxed() -> list[tax_rules.LineTaxes]:
        return [
            *others,
            *(
                tax_rules.compute(price, quantity, taxes_of[key], order.currency, round_line=round_line)
                for key, price in found.items()
            ),
        ]

    while any(price > 0 for price in found.values()) and not fits(taxed()):
        largest = max(found, key=found.__getitem__)
        found[largest] -= order.currency.quantum
    return found


def _net(price: Decimal, taxes: Sequence[Tax], order: SalesOrder, round_line: bool) -> Decimal:
    """The untaxed amount of a line of one at ``price`` under ``taxes``, as an invoice rounds it:
    what such a line puts on the advances account."""
    found = tax_rules.compute(price, Decimal(1), taxes, order.currency, round_line=round_line)
    return round_money(found.untaxed, order.currency)


def _keeping_the_rest_whole(
    part: Decimal, key: Key, left: Left, taxes: Sequence[Tax], order: SalesOrder, round_line: bool
) -> Decimal:
    """``part`` of what is left under ``key``, less the few cents it takes so that the rest,
    deducted later in one line, takes off the advances account exactly what is left on it. Where
    the taxes are included in the price, a line's untaxed amount is rounded from its price: the
    pieces of an advance (50.00 at 22 % included, 40.98 untaxed) may not add up to it (8.20 +
    32.79), and the account would keep a cent. A part that takes all that is left is kept as it
    is, and so is one when the rest was not whole before (an advance deducted before this rule)
    or no part up to a hundred cents smaller keeps it whole."""
    whole = left.amounts[key]
    net = left.nets[key]
    if part >= whole or _net(whole, taxes, order, round_line) != net:
        return part
    quantum = order.currency.quantum
    for tried in (part - quantum * n for n in range(MOST_HELD_BACK)):
        if tried <= 0:
            break
        if _net(tried, taxes, order, round_line) + _net(whole - tried, taxes, order, round_line) == net:
            return tried
    return part


def invoice_down_payment(
    order: SalesOrder,
    actor: User | None,
    *,
    percent: Any = None,
    amount: Any = None,
    invoice_date: datetime.date | None = None,
) -> Invoice:
    """A draft invoice of a down payment on a confirmed order: ``percent`` of its total, or a
    fixed ``amount`` (taxes included), spread over the order's taxes in proportion. Refused,
    nothing written: neither or both given, zero or less, more than the order's total with the
    down payments invoiced before, an order not confirmed."""
    errors: dict[str, list[str]] = {}
    given = [name for name, value in (("percent", percent), ("amount", amount)) if value not in (None, "")]
    if len(given) != 1:
        errors["amount"] = [_("Give either a percentage of the order's total or an amount.")]
    value = ZERO
    if len(given) == 1:
        value = read_decimal(
            percent if given == ["percent"] else amount, given[0], errors, least="above zero"
        )
        if given == ["percent"] and value > HUNDRED:
            errors.setdefault("percent", []).append(_("A percentage is at most 100."))
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        if locked.state != SalesOrder.State.CONFIRMED:
            raise BusinessError(_("A down payment is invoiced on a confirmed order."))
        if errors:
            raise ValidationFailed(errors)
        if locked.amount_total <= 0:
            raise BusinessError(_("This order's total is zero: there is nothing to pay in advance."))
        total = (
            round_money(locked.amount_total * value / HUNDRED, locked.currency)
            if given == ["percent"]
            else value
        )
        before = down_payments_invoiced(locked)
        if total <= 0:
            raise ValidationFailed({given[0]: [_("This down payment rounds to nothing: ask for more.")]})
        if before + total > locked.amount_total:
            raise ValidationFailed(
                {
                    given[0]: [
                        _(
                            "Down payments of %(total)s in all would be more than "
                            "the order's total, %(order)s."
                        )
                        % {"total": before + total, "order": locked.amount_total}
                    ]
                }
            )
        ratio = total / locked.amount_total
        bases: dict[TaxKey, Decimal] = defaultdict(lambda: ZERO)
        taxes_of: dict[TaxKey, list[Tax]] = {}
        for line in locked.lines.filter(optional=False).prefetch_related("taxes").order_by("sequence", "id"):
            key = _key(list(line.taxes.all()))
            bases[key] += _priced(line.quantity, line.price_unit, line.discount, locked)
            taxes_of[key] = list(line.taxes.all())
        account = advances_account(locked.company)
        label = (
            _("Down payment of %(percent)s %% on %(order)s")
            % {"percent": plain(value), "order": locked.number}
            if given == ["percent"]
            else _("Down payment on %(order)s") % {"order": locked.number}
        )
        most = locked.amount_total - before
        prices = _fitted(
            {key: round_money(base * ratio, locked.currency) for key, base in bases.items()},
            taxes_of,
            Decimal(1),
            lambda taxed: _total_of(taxed, locked.currency) <= most,
            locked,
        )
        lines = [
            accounting.LineData(
                description=label, quantity=Decimal(1), price_unit=price, account=account, taxes=taxes_of[key]
            )
            for key, price in prices.items()
            if price > 0
        ]
        invoice = accounting.create_invoice(
            locked.company,
            actor,
            kind=Invoice.Kind.CUSTOMER_INVOICE,
            partner=locked.partner,
            invoice_date=invoice_date or timezone.localdate(),
            lines=lines,
            currency=locked.currency,
            origin=locked.number,
        )
        OrderInvoice.objects.create(order=locked, invoice=invoice)
        OrderInvoiceLine.objects.bulk_create(
            OrderInvoiceLine(invoice_line=line, order=locked, kind=K.DOWN_PAYMENT)
            for line in invoice.lines.all()
        )
        events.record(
            "salesorder.down_payment_invoiced",
            locked,
            actor,
            {"number": locked.number, "invoice": invoice.pk, "total": str(invoice.amount_total)},
        )
    return invoice


def deductions(order: SalesOrder, billed: Sequence[Billed]) -> list[accounting.LineData]:
    """The lines deducting ``order``'s down payments not deducted yet from an invoice of its
    goods, ``billed`` as (quantity, unit price, discount, taxes). Under each set of taxes, what
    is left of the down payments is deducted up to the goods billed under it (as line prices),
    so each tax's base nets as it should and goods paid in full in advance come to zero; never
    more than was paid in advance, and never so much that the invoice, its taxes rounded as the
    company's invoices are, comes to less than zero (a cent left then is deducted later, or
    given back)."""
    if not billed:
        return []
    left = down_payments_left(order)
    if left.total <= 0:
        return []
    books = ledger_queries.settings_of(order.company)
    round_line = books.tax_rounding == BooksSettings.TaxRounding.PER_LINE
    room: dict[TaxKey, Decimal] = defaultdict(lambda: ZERO)
    goods = []
    for quantity, price_unit, discount, chosen in billed:
        room[_key(chosen)] += _priced(quantity, price_unit, discount, order)
        goods.append(
            tax_rules.compute(
                price_unit, quantity, chosen, order.currency, discount=discount, round_line=round_line
            )
        )
    taxes = {
        tax.pk: tax
        for tax in Tax.objects.filter(
            pk__in={pk for _account, key in left.amounts for pk in key}
        ).prefetch_related("children")
    }
    parts: dict[Key, Decimal] = {}
    for (account, key), amount in sorted(left.amounts.items()):
        part = min(amount, room[key])
        if part > 0:
            parts[(account, key)] = part
            room[key] -= part

    taxes_of = {found: [taxes[pk] for pk in found[1]] for found in parts}
    parts = _fitted(
        parts,
        taxes_of,
        Decimal(-1),
        lambda taxed: _total_of(taxed, order.currency) >= 0,
        order,
        others=goods,
    )
    parts = {
        found: _keeping_the_rest_whole(part, found, left, taxes_of[found], order, round_line)
        for found, part in parts.items()
    }
    names = ", ".join(invoice.number or _("draft %(id)s") % {"id": invoice.pk} for invoice in left.invoices)
    accounts = Account.objects.in_bulk({account for account, _key in parts})
    return [
        accounting.LineData(
            description=_("Down payments deducted: %(invoices)s") % {"invoices": names},
            quantity=Decimal(-1),
            price_unit=part,
            account=accounts[account],
            taxes=[taxes[pk] for pk in key],
        )
        for (account, key), part in parts.items()
        if part > 0
    ]


def settle_advances_exchange(
    order: SalesOrder, actor: User | None, day: datetime.date
) -> JournalEntry | None:
    """For an order in a foreign currency, once what its down payments put on an advances
    account is all taken back (deducted, or given back), in the order's currency, the account
    holds no more of it in the company's currency either: the advance went in at the rate of
    its invoice and comes out at the rate of the invoice that deducts it, so a rate that moved
    between them leaves a difference. That difference is the realised exchange gain or loss on
    the advance: one entry, dated ``day``, in the books' exchange journal, takes it off the
    advances account to the exchange gain or loss account — as a payment's realised difference
    is posted (``accounting.services.reconciliation``). The entry names the order in its
    reference, and a later look counts it: asked again, nothing more is posted; an advance
    invoiced and deducted again later is settled again for what it leaves. Nothing to do (None)
    in the company's currency, while some of the advance is still to be deducted, or when the
    account is whole already. Each posted line is valued as the invoice's entry valued it (its
    untaxed amount at the invoice's rate, on the account its fiscal position maps to)."""
    company = order.company
    if order.currency_id == company.currency_id:
        return None
    rows = OrderInvoiceLine.objects.filter(
        order=order,
        kind__in=(K.DOWN_PAYMENT, K.DEDUCTION),
        invoice_line__invoice__kind__in=(Invoice.Kind.CUSTOMER_INVOICE, Invoice.Kind.CUSTOMER_CREDIT_NOTE),
        invoice_line__invoice__state=Invoice.State.POSTED,
    ).values_list("invoice_line_id", "invoice_line__invoice_id")
    lines_of: dict[int, set[int]] = defaultdict(set)
    for line_id, invoice_id in rows:
        lines_of[invoice_id].add(line_id)
    if not lines_of:
        return None
    books = ledger_queries.settings_of(company)
    foreign: dict[int, Decimal] = defaultdict(lambda: ZERO)  # account id → its balance, debit +
    own: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for invoice in Invoice.objects.filter(pk__in=list(lines_of)).select_related("company", "currency"):
        sign = 1 if invoice.kind == Invoice.Kind.CUSTOMER_INVOICE else -1  # as entry_lines signs it
        mapping = tax_rules.account_map(invoice.fiscal_position_id)
        for row, found in accounting.line_taxes(invoice, books):
            if row.pk not in lines_of[invoice.pk] or not found.untaxed:
                continue
            target = mapping.get(row.account_id)
            account = target.pk if target is not None else row.account_id
            amount = -sign * found.untaxed
            foreign[account] += amount
            own[account] += round_money(amount * (invoice.rate or Decimal(1)), company.currency)
    earlier = JournalLine.objects.filter(
        entry__company=company,
        entry__origin=JournalEntry.Origin.EXCHANGE,
        entry__state=JournalEntry.State.POSTED,
        entry__reference=order.number,
        account_id__in=list(foreign),
    ).values_list("account_id", "debit", "credit")
    for account, debit, credit in earlier:
        own[account] += debit - credit
    left = {account: own[account] for account, amount in foreign.items() if amount == 0 and own[account]}
    if not left:
        return None
    journal, gain, loss = ledger.exchange_accounts(books)
    accounts = Account.objects.in_bulk(list(left))
    label = _("Exchange difference on the advances of %(order)s") % {"order": order.number}
    entry_lines: list[ledger.Line] = []
    for account, difference in sorted(left.items()):
        # a debit left (the advance came out at a higher rate than it went in): a loss
        entry_lines += ledger.exchange_lines(
            accounts[account],
            -difference,
            order.currency,
            gain=gain,
            loss=loss,
            partner=order.partner,
            label=label,
        )
    entry = ledger.create_entry(
        company,
        actor,
        journal=journal,
        date=day,
        lines=entry_lines,
        reference=order.number,
        origin=JournalEntry.Origin.EXCHANGE,
    )
    ledger.post_entry(entry, actor)
    events.record(
        "salesorder.advance_exchange_settled",
        order,
        actor,
        {
            "number": order.number,
            "entry": entry.number,
            "gain": str(-sum(left.values(), ZERO)),
            "currency": company.currency_id,
        },
    )
    return entry


def credit_down_payments_left(
    order: SalesOrder, actor: User | None, *, credit_date: datetime.date | None = None
) -> Invoice:
    """A draft credit note giving back to the customer what of the order's down payments is
    left once nothing more of the order is to be invoiced: its goods were not all delivered and
    the rest will not be (a down payment larger than what was finally delivered), or rounding
    over partial invoices left a cent. One line per account and set of taxes, as the down
    payments were invoiced; posted, it takes the advance off the liability and leaves the
    customer a credit to refund or to set against another invoice. Refused, nothing written:
    nothing left, goods still to be delivered or invoiced (their invoice deducts it)."""
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        if locked.state not in (SalesOrder.State.CONFIRMED, SalesOrder.State.DONE):
            raise BusinessError(_("Down payments are given back on a confirmed order."))
        left = down_payments_left(locked)
        if left.total <= 0:
            raise BusinessError(_("No down payment of this order is left to give back."))
        reason = _still_to_invoice(locked)
        if reason:
            raise BusinessError(reason)
        taxes = {
            tax.pk: tax
            for tax in Tax.objects.filter(pk__in={pk for _account, key in left.amounts for pk in key})
        }
        accounts = Account.objects.in_bulk({account for account, _key in left.amounts})
        names = ", ".join(
            invoice.number or _("draft %(id)s") % {"id": invoice.pk} for invoice in left.invoices
        )
        note = accounting.create_invoice(
            locked.company,
            actor,
            kind=Invoice.Kind.CUSTOMER_CREDIT_NOTE,
            partner=locked.partner,
            invoice_date=credit_date or timezone.localdate(),
            lines=[
                accounting.LineData(
                    description=_("Down payments not deducted, given back: %(invoices)s")
                    % {"invoices": names},
                    quantity=Decimal(1),
                    price_unit=amount,
                    account=accounts[account],
                    taxes=[taxes[pk] for pk in key],
                )
                for (account, key), amount in sorted(left.amounts.items())
            ],
            currency=locked.currency,
            origin=locked.number,
        )
        OrderInvoice.objects.create(order=locked, invoice=note)
        OrderInvoiceLine.objects.bulk_create(
            OrderInvoiceLine(invoice_line=line, order=locked, kind=K.DEDUCTION) for line in note.lines.all()
        )
        events.record(
            "salesorder.down_payments_credited",
            locked,
            actor,
            {"number": locked.number, "credit_note": note.pk, "total": str(note.amount_total)},
        )
    return note


def _still_to_invoice(order: SalesOrder, statuses: Sequence[queries.LineStatus] | None = None) -> str:
    """Why the order's down payments are not to be given back yet ("" when they are): goods of
    it still on their way to the customer, or delivered and not invoiced (``statuses``: the
    order's ``line_statuses`` when the caller has them already)."""
    if queries.open_deliveries(order).exists():
        return _(
            "Goods of this order are still to be delivered: their invoice deducts the down payments. "
            "Cancel what will not be delivered first."
        )
    statuses = queries.line_statuses(order) if statuses is None else statuses
    if any(status.to_invoice > 0 for status in statuses):
        return _(
            "Invoice what is left to invoice of this order first: its invoice deducts the down payments."
        )
    return ""


def down_payments_to_give_back(
    order: SalesOrder, statuses: Sequence[queries.LineStatus] | None = None, left: Left | None = None
) -> bool:
    """Whether :func:`credit_down_payments_left` would give something back now (``statuses`` and
    ``left``: the order's line statuses and down payments left when the caller has them)."""
    if order.state not in queries.CONFIRMED_STATES:
        return False
    left = down_payments_left(order) if left is None else left
    return left.total > 0 and not _still_to_invoice(order, statuses)


__all__ = [
    "Left",
    "advances_account",
    "check_down_payments",
    "credit_down_payments_left",
    "deductions",
    "down_payments_invoiced",
    "down_payments_left",
    "down_payments_to_give_back",
    "invoice_down_payment",
]
