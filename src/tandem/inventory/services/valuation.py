"""Perpetual stock valuation: layers and their journal entries, FIFO or moving average.

A company values its stock once it has a chart of accounts. Its settings (method, journal and
accounts) are made on first use from defaults per shipped chart (:data:`CHART_DEFAULTS`),
creating through ``accounting.services`` any account the chart lacks; a product category may
override the method and the accounts (:class:`CategoryValuation`).

Validating a transfer calls :func:`value_transfer` inside its transaction. Each move that
crosses the company's valuation boundary (from a location that holds no stock — a supplier,
a customer, inventory loss, production — into one that does, or back out) writes one
:class:`ValuationLayer`:

* into stock: quantity × unit cost — the move's own (a purchase order's price, an opening
  value), a returned move's cost, or else what the product costs now;
* out of stock: FIFO consumes the oldest layers that remain (``remaining_*``, under row locks);
  moving average takes the product's value ÷ quantity at that moment.

and the transfer gets one posted entry: the stock account against stock input (suppliers),
stock output or the cost of goods sold (customers), work in progress (production: components
consumed are debited to it, goods made credited; :func:`absorb_production_costs` debits it
with the labour and overhead the goods were valued at, so it clears once they are made),
inventory differences (counts, losses) or opening equity (opening stock). Amounts are rounded
to the currency's minor unit on the layer itself, so the layers and the stock accounts agree
to the cent.

Incremental by design: a move is dated by its validation (``done_at``); a back-dated one on or
before the lock date is refused (``accounting.services.check_date_open``), a later one touches
only the layers it consumes — nothing is reposted.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.accounting.models import Account, BooksSettings, Journal
from tandem.accounting.services import ledger
from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, StaleVersion, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.money import plain, read_decimal, round_money
from tandem.core.versioning import update_versioned
from tandem.inventory.models import (
    STOCKED_KINDS,
    CategoryValuation,
    Location,
    Move,
    Transfer,
    ValuationLayer,
    ValuationMethod,
    ValuationSettings,
)
from tandem.inventory.queries import valuation as queries_valuation
from tandem.inventory.queries.valuation import COST_PLACES

ZERO = Decimal(0)
JOURNAL_CODE = "STJ"

# Per shipped chart: role → (code, name, type, subtype); the account is found by code, or made.
CHART_DEFAULTS: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "ifrs": {
        "stock": ("1230", "Goods for resale", "asset", "inventory"),
        "input": ("2260", "Goods received, not invoiced", "liability", "current"),
        "cogs": ("5000", "Cost of goods sold", "expense", "direct_cost"),
        "price_difference": ("5200", "Purchase price differences", "expense", "direct_cost"),
        "loss": ("5300", "Inventory differences", "expense", "direct_cost"),
        "opening": ("3200", "Retained earnings", "equity", "equity"),
        "production": ("1210", "Work in progress", "asset", "inventory"),
        "production_cost": ("5400", "Production costs absorbed", "expense", "direct_cost"),
    },
    "si": {
        "stock": ("6500", "Blago v skladišču", "asset", "inventory"),
        "input": ("2390", "Prejeto blago brez računa", "liability", "current"),
        "cogs": ("7020", "Nabavna vrednost prodanega blaga", "expense", "direct_cost"),
        "price_difference": ("7030", "Odmiki od nabavnih cen", "expense", "direct_cost"),
        "loss": ("7040", "Inventurne razlike", "expense", "direct_cost"),
        "opening": ("9300", "Preneseni čisti dobiček", "equity", "equity"),
        "production": ("6000", "Nedokončana proizvodnja", "asset", "inventory"),
        "production_cost": ("4900", "Prenos stroškov na zaloge", "expense", "direct_cost"),
    },
    "pl": {
        "stock": ("330", "Towary", "asset", "inventory"),
        "input": ("300", "Rozliczenie zakupu", "asset", "current"),
        "cogs": ("731", "Wartość sprzedanych towarów w cenach zakupu", "expense", "direct_cost"),
        "price_difference": ("741", "Odchylenia od cen zakupu", "expense", "direct_cost"),
        "loss": ("742", "Różnice inwentaryzacyjne", "expense", "direct_cost"),
        "opening": ("820", "Rozliczenie wyniku finansowego", "equity", "equity"),
        "production": ("602", "Produkty w toku", "asset", "inventory"),
        "production_cost": ("490", "Rozliczenie kosztów", "expense", "direct_cost"),
    },
    "ru": {
        "stock": ("41", "Товары", "asset", "inventory"),
        "input": ("60.03", "Товары, полученные без счёта", "liability", "current"),
        "cogs": ("90.02", "Себестоимость продаж", "expense", "direct_cost"),
        "price_difference": ("91.03", "Отклонения в стоимости товаров", "expense", "direct_cost"),
        "loss": ("94", "Недостачи и потери от порчи ценностей", "expense", "direct_cost"),
        "opening": ("84", "Нераспределённая прибыль (непокрытый убыток)", "equity", "equity"),
        "production": ("20", "Основное производство", "asset", "inventory"),
        "production_cost": ("40", "Выпуск продукции (работ, услуг)", "expense", "direct_cost"),
    },
}


class NotValued(BusinessError):
    code = "stock-not-valued"


# --- settings -----------------------------------------------------------------------------


SETTINGS_ACCOUNTS = (
    "journal",
    "stock_account",
    "input_account",
    "output_account",
    "cogs_account",
    "price_difference_account",
    "loss_account",
    "opening_account",
    "production_account",
    "production_cost_account",
)


def settings_of(company: Company | int) -> ValuationSettings | None:
    """The company's valuation settings, made on first use; None while it has no chart of
    accounts (its stock is then counted, not valued)."""
    company_id = company if isinstance(company, int) else company.pk
    rows = (
        ValuationSettings.objects.filter(company_id=company_id)
        .select_related(*SETTINGS_ACCOUNTS)  # every valuation reads several: one query, not one each
        .order_by()  # one row per company (unique): no ORDER BY over the accounts' many columns
    )
    found = next(iter(rows), None)
    if found is not None:
        if found.production_account_id is None or found.production_cost_account_id is None:
            _add_production_accounts(found)
        return found
    books = BooksSettings.objects.filter(company_id=company_id).exclude(chart_template="").first()
    if books is None:
        return None
    return _make_settings(Company.objects.get(pk=company_id), books.chart_template)


@transaction.atomic
def _add_production_accounts(settings: ValuationSettings) -> None:
    """Settings made before production went through work in progress get the chart's accounts."""
    chart = BooksSettings.objects.filter(company_id=settings.company_id).values_list(
        "chart_template", flat=True
    )
    defaults = CHART_DEFAULTS.get(chart.first() or "", CHART_DEFAULTS["ifrs"])
    company = Company.objects.get(pk=settings.company_id)
    settings.production_account = settings.production_account or _account(company, *defaults["production"])
    settings.production_cost_account = settings.production_cost_account or _account(
        company, *defaults["production_cost"]
    )
    ValuationSettings.objects.filter(pk=settings.pk).update(
        production_account=settings.production_account,
        production_cost_account=settings.production_cost_account,
    )


@transaction.atomic
def _make_settings(company: Company, chart: str) -> ValuationSettings:
    defaults = CHART_DEFAULTS.get(chart, CHART_DEFAULTS["ifrs"])
    accounts = {role: _account(company, *spec) for role, spec in defaults.items()}
    journal = Journal.objects.filter(company=company, code=JOURNAL_CODE).first()
    if journal is None:
        journal = ledger.create_journal(
            company, None, code=JOURNAL_CODE, name=_("Stock valuation"), kind=Journal.Kind.GENERAL
        )
    return ValuationSettings.objects.create(
        company=company,
        journal=journal,
        stock_account=accounts["stock"],
        input_account=accounts["input"],
        cogs_account=accounts["cogs"],
        price_difference_account=accounts["price_difference"],
        loss_account=accounts["loss"],
        opening_account=accounts["opening"],
        production_account=accounts["production"],
        production_cost_account=accounts["production_cost"],
    )


def _account(company: Company, code: str, name: str, kind: str, subtype: str) -> Account:
    found = Account.objects.filter(company=company, code=code).first()
    if found is not None:
        return found
    return ledger.create_account(company, None, code=code, name=name, type=kind, subtype=subtype)


@dataclass(frozen=True)
class Rules:
    """What values one product: its method and accounts (its category's, else the company's)."""

    method: str
    stock: Account
    input: Account
    output: Account
    cogs: Account
    price_difference: Account
    loss: Account
    opening: Account
    production: Account


def rules_for(product: Product, settings: ValuationSettings) -> Rules:
    own = (
        CategoryValuation.objects.filter(category_id=product.category_id).first()
        if product.category_id
        else None
    )

    def pick(name: str) -> Any:
        return (getattr(own, name) if own is not None else None) or getattr(settings, name)

    cogs = pick("cogs_account")
    return Rules(
        method=(own.method if own is not None and own.method else settings.method),
        stock=pick("stock_account"),
        input=pick("input_account"),
        output=pick("output_account") or cogs,
        cogs=cogs,
        price_difference=pick("price_difference_account"),
        loss=settings.loss_account,  # type: ignore[arg-type]
        opening=settings.opening_account,  # type: ignore[arg-type]
        production=settings.production_account,  # type: ignore[arg-type]
    )


def stock_accounts(company: Company | int) -> list[int]:
    """Ids of the accounts stock is valued on (the company's and its categories')."""
    company_id = company if isinstance(company, int) else company.pk
    ids = set(
        ValuationSettings.objects.filter(company_id=company_id).values_list("stock_account_id", flat=True)
    )
    ids |= set(
        CategoryValuation.objects.filter(company_id=company_id, stock_account__isnull=False).values_list(
            "stock_account_id", flat=True
        )
    )
    return sorted(pk for pk in ids if pk is not None)


# --- costs --------------------------------------------------------------------------------


def _cents(amount: Decimal, company: Company) -> Decimal:
    return round_money(amount, company.currency)


def current_cost(product: Product) -> Decimal:
    """What one unit of the product is worth now (see :func:`queries.valuation.current_costs`)."""
    return queries_valuation.current_cost(product)


def _returned_cost(move: Move) -> Decimal | None:
    """The unit cost the returned move was valued at."""
    if move.returned_move_id is None:
        return None
    totals = ValuationLayer.objects.filter(move_id=move.returned_move_id).aggregate(
        q=Sum("quantity"), v=Sum("value")
    )
    if not totals["q"]:
        return None
    return abs(totals["v"] / totals["q"]).quantize(COST_PLACES, ROUND_HALF_UP)


# --- layers -------------------------------------------------------------------------------


def _direction(move: Move) -> int:
    """+1 into stock, -1 out of it, 0 within it or outside it."""
    source, dest = move.source_location.kind in STOCKED_KINDS, move.dest_location.kind in STOCKED_KINDS
    return int(dest) - int(source)


def _counterpart(move: Move, rules: Rules, *, opening: bool) -> Account:
    other: Location = move.source_location if _direction(move) > 0 else move.dest_location
    if other.kind == Location.Kind.SUPPLIER:
        return rules.input
    if other.kind == Location.Kind.CUSTOMER:
        return rules.output
    if other.kind == Location.Kind.PRODUCTION:
        return rules.production
    return rules.opening if opening else rules.loss


def _in_layer(
    move: Move, company: Company, quantity: Decimal, on: datetime.date, warehouse_id: int
) -> ValuationLayer:
    cost = move.price_unit
    if cost is None:
        cost = _returned_cost(move)
    if cost is None:
        cost = current_cost(move.product)
    value = _cents(quantity * cost, company)
    return ValuationLayer(  # unsaved: value_transfer writes the transfer's layers together
        company=company, product=move.product, kind=ValuationLayer.Kind.IN, move=move,
        warehouse_id=warehouse_id, date=on, quantity=quantity, unit_cost=cost, value=value,
        remaining_quantity=quantity, remaining_value=value,
    )  # fmt: skip


def _fifo_value(
    product: Product,
    company: Company,
    quantity: Decimal,
    layers: list[ValuationLayer] | None = None,
    consumed: dict[int, ValuationLayer] | None = None,
) -> Decimal:
    """Consume ``quantity`` from the product's oldest remaining layers; their value.
    ``layers``: those layers, oldest first, locked and read by the caller (:func:`_fifo_layers`),
    consumed in place and kept in ``consumed`` for the caller to write (:func:`_write_consumed`);
    without them they are read, locked and written here."""
    if layers is None:
        written: dict[int, ValuationLayer] = {}
        value = _fifo_value(product, company, quantity, _fifo_layers([product.pk])[product.pk], written)
        _write_consumed(written)
        return value
    assert consumed is not None
    left, value = quantity, ZERO
    for layer in layers:
        if left <= 0:
            break
        if layer.remaining_quantity <= 0:
            continue  # consumed by an earlier move of this transfer
        take = min(left, layer.remaining_quantity)
        if take == layer.remaining_quantity:
            part = layer.remaining_value
        else:
            part = _cents(layer.remaining_value * take / layer.remaining_quantity, company)
        layer.remaining_quantity -= take
        layer.remaining_value -= part
        consumed[layer.pk] = layer
        value += part
        left -= take
    if left > 0:  # more goes out than the layers hold (negative stock): at the last cost
        value += _cents(left * current_cost(product), company)
    return value


def _fifo_layers(products: Iterable[int]) -> dict[int, list[ValuationLayer]]:
    """The remaining layers of these products, each product's oldest first, locked, in one query."""
    found: dict[int, list[ValuationLayer]] = {pk: [] for pk in sorted(set(products))}
    if found:
        rows = (
            ValuationLayer.objects.select_for_update()
            .filter(product_id__in=list(found), remaining_quantity__gt=0)
            .order_by("product_id", "date", "id")
        )
        for layer in rows:
            found[layer.product_id].append(layer)
    return found


def _write_consumed(consumed: dict[int, ValuationLayer]) -> None:
    """What FIFO consumed of these layers, in one statement."""
    if consumed:
        rows = [consumed[pk] for pk in sorted(consumed)]
        ValuationLayer.objects.bulk_update(rows, ["remaining_quantity", "remaining_value"])


def _average_value(product: Product, company: Company, quantity: Decimal) -> Decimal:
    """Moving average: what ``quantity`` going out is worth — the product's value ÷ quantity —
    and what remains of its in-layers taken down by it (:func:`_consume_held`)."""
    # Lock the product's layers that hold stock, so two deliveries read the same average in turn.
    held_layers = list(
        ValuationLayer.objects.select_for_update()
        .filter(product=product, remaining_quantity__gt=0)
        .order_by("date", "id")
        .only("pk", "remaining_quantity", "remaining_value")
    )
    totals = ValuationLayer.objects.filter(product=product).aggregate(q=Sum("quantity"), v=Sum("value"))
    held, worth = totals["q"] or ZERO, totals["v"] or ZERO
    _consume_held(held_layers, quantity)
    if held > 0 and quantity >= held:
        return worth + _cents((quantity - held) * current_cost(product), company)
    if held > 0:
        return _cents(worth * quantity / held, company)
    return _cents(quantity * current_cost(product), company)


def _out_layer(
    move: Move,
    company: Company,
    rules: Rules,
    quantity: Decimal,
    on: datetime.date,
    warehouse_id: int,
    *,
    fifo: dict[int, list[ValuationLayer]] | None = None,
    consumed: dict[int, ValuationLayer] | None = None,
) -> ValuationLayer:
    """``fifo``: the remaining layers the caller read of some FIFO products (:func:`_fifo_layers`),
    consumed in place and kept in ``consumed``."""
    if rules.method == ValuationMethod.FIFO:
        if fifo is not None and move.product_id in fifo:
            value = _fifo_value(move.product, company, quantity, fifo[move.product_id], consumed)
        else:
            value = _fifo_value(move.product, company, quantity)
    else:
        value = _average_value(move.product, company, quantity)
    return ValuationLayer(  # unsaved, as above
        company=company, product=move.product, kind=ValuationLayer.Kind.OUT, move=move,
        warehouse_id=warehouse_id, date=on, quantity=-quantity,
        unit_cost=(value / quantity).quantize(COST_PLACES, ROUND_HALF_UP), value=-value,
    )  # fmt: skip


def _consume_held(layers: list[ValuationLayer], quantity: Decimal) -> None:
    """Moving average: what remains of the in-layers (``layers``, oldest first) is what is held;
    consume oldest first so the remaining quantities add up to the stock on hand — one UPDATE
    for the layers taken from."""
    left = quantity
    taken = []
    for layer in layers:
        if left <= 0:
            break
        take = min(left, layer.remaining_quantity)
        if take == layer.remaining_quantity:
            layer.remaining_value = ZERO
        layer.remaining_quantity -= take
        taken.append(layer)
        left -= take
    if taken:
        ValuationLayer.objects.bulk_update(taken, ["remaining_quantity", "remaining_value"])


def value_transfer(
    transfer: Transfer,
    moves: Iterable[Move],
    when: datetime.datetime,
    actor: User | None,
    *,
    opening: bool = False,
    date_checked: DateChecked | None = None,
) -> list[ValuationLayer]:
    """Value the done ``moves`` of ``transfer`` (``quantity_done`` each), dated ``when``: their
    layers and one posted entry. Nothing when the company does not value its stock.
    ``date_checked``: what :func:`check_date` answered when the caller ran it on that day in
    this transaction (the settings and the company it read are not read again)."""
    if date_checked is not None and date_checked.company.pk == transfer.company_id:
        settings, company = date_checked.settings, date_checked.company
    else:
        date_checked = None
        found = settings_of(transfer.company_id)
        if found is None:
            return []
        settings = found
        company = Company.objects.select_related("currency").get(pk=transfer.company_id)
    on = timezone.localdate(when)
    crossing = [
        m for m in moves if m.quantity_done > 0 and _direction(m) != 0 and m.product.kind != "service"
    ]
    if not crossing:
        return []
    if date_checked is None:
        ledger.check_date_open(company, on)
    layers: list[ValuationLayer] = []  # written: a product's layers are read when it moves again
    pending: list[ValuationLayer] = []  # not yet: written together, with the entry, at the end
    sides: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)  # (debit acc, credit acc) → amount
    accounts: dict[int, Account] = {}
    ordered = sorted(crossing, key=lambda m: (m.product_id, m.pk))
    rules_of = {move.pk: rules_for(move.product, settings) for move in ordered}
    # The remaining layers of the FIFO products that only go out here, read and locked at once
    # and consumed in memory (a product that also comes in reads its layers per move, below).
    coming = {m.product_id for m in ordered if _direction(m) > 0}
    fifo = _fifo_layers(
        m.product_id
        for m in ordered
        if _direction(m) < 0 and rules_of[m.pk].method == ValuationMethod.FIFO and m.product_id not in coming
    )
    consumed: dict[int, ValuationLayer] = {}
    for move in ordered:
        if any(layer.product_id == move.product_id for layer in pending):
            layers += ValuationLayer.objects.bulk_create(pending)  # the FIFO or average below reads them
            pending = []
        rules = rules_of[move.pk]
        other = _counterpart(move, rules, opening=opening)
        accounts[rules.stock.pk], accounts[other.pk] = rules.stock, other
        if _direction(move) > 0:
            layer = _in_layer(move, company, move.quantity_done, on, transfer.warehouse_id)
            sides[(rules.stock.pk, other.pk)] += layer.value
        else:
            layer = _out_layer(
                move,
                company,
                rules,
                move.quantity_done,
                on,
                transfer.warehouse_id,
                fifo=fifo,
                consumed=consumed,
            )
            sides[(other.pk, rules.stock.pk)] += -layer.value
        pending.append(layer)
    _write_consumed(consumed)
    entry = _post(company, settings, actor, on, sides, accounts, transfer.number or str(transfer))
    if entry is not None and layers:
        ValuationLayer.objects.filter(pk__in=[layer.pk for layer in layers]).update(entry=entry)
    for layer in pending:
        layer.entry = entry
    return layers + ValuationLayer.objects.bulk_create(pending)


def _post(
    company: Company,
    settings: ValuationSettings,
    actor: User | None,
    on: datetime.date,
    sides: dict[tuple[int, int], Decimal],
    accounts: dict[int, Account],
    reference: str,
) -> Any:
    lines: list[ledger.Line] = []
    for (debit, credit), amount in sorted(sides.items()):
        if amount == 0:
            continue
        if amount < 0:
            debit, credit, amount = credit, debit, -amount
        lines.append(ledger.Line(account=accounts[debit], debit=amount, label=reference))
        lines.append(ledger.Line(account=accounts[credit], credit=amount, label=reference))
    if not lines:
        return None
    entry = ledger.create_entry(
        company, actor, journal=settings.journal, date=on, lines=lines,
        reference=_("Stock valuation %(ref)s") % {"ref": reference},
    )  # fmt: skip
    return ledger.post_entry(entry, actor)


@dataclass(frozen=True)
class DateChecked:
    """What :func:`check_date` read of a company that values its stock, for
    :func:`value_transfer` in the same transaction."""

    settings: ValuationSettings
    company: Company


def check_date(company: Company | int, on: datetime.date) -> DateChecked | None:
    """Refuse a stock move dated on or before the lock date of a company that values stock
    (None: the company does not value its stock)."""
    settings = settings_of(company)
    if settings is None:
        return None
    target = (
        company
        if isinstance(company, Company)
        else Company.objects.select_related("currency").get(pk=company)
    )
    ledger.check_date_open(target, on)
    return DateChecked(settings, target)


# --- landed costs and price differences ---------------------------------------------------


def receipt_unit_costs(moves: Sequence[Move]) -> dict[int, Decimal]:
    """The unit cost each move was valued at (what a bill's price is compared against)."""
    rows = (
        ValuationLayer.objects.filter(move__in=list(moves), kind=ValuationLayer.Kind.IN)
        .values("move_id")
        .annotate(q=Sum("quantity"), v=Sum("value"))
    )
    return {row["move_id"]: row["v"] / row["q"] for row in rows if row["q"]}


def input_account_for(product: Product) -> Account | None:
    """Where a supplier bill of this stocked product goes (stock input), if its stock is valued."""
    settings = settings_of(product.company_id)
    if settings is None or product.kind == Product.Kind.SERVICE:
        return None
    return rules_for(product, settings).input


def book_price_difference(
    company: Company,
    actor: User | None,
    *,
    on: datetime.date,
    differences: Sequence[tuple[Product, Decimal]],
    reference: str,
) -> Any:
    """A bill charged ``amount`` more (or, negative, less) than the goods were received at:
    move it from stock input to the product's price difference account, so that stock input
    is cleared. One posted entry; None when nothing differs."""
    settings = settings_of(company)
    if settings is None:
        return None
    company = Company.objects.select_related("currency").get(pk=company.pk)
    sides: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[int, Account] = {}
    for product, amount in differences:
        rules = rules_for(product, settings)
        accounts[rules.price_difference.pk], accounts[rules.input.pk] = rules.price_difference, rules.input
        sides[(rules.price_difference.pk, rules.input.pk)] += _cents(amount, company)
    return _post(company, settings, actor, on, sides, accounts, reference)


def absorb_production_costs(consumed: Transfer | None, made: Transfer, actor: User | None) -> Any:
    """Goods ``made`` (a validated transfer out of production) from the components ``consumed``
    (one out of stock into production, or None): the goods came in at more than the components
    went out at — the labour and overhead they are valued at. Debit work in progress with that
    difference against the production costs absorbed, so work in progress clears. One posted
    entry; None when nothing is left to absorb or the company does not value its stock."""
    settings = settings_of(made.company_id)
    if settings is None:
        return None
    wip: Account = settings.production_account  # type: ignore[assignment]  # settings_of fills both
    absorbed: Account = settings.production_cost_account  # type: ignore[assignment]
    company = Company.objects.select_related("currency").get(pk=made.company_id)
    transfers = [made.pk] + ([consumed.pk] if consumed is not None else [])
    layers = ValuationLayer.objects.filter(move__transfer__in=transfers)
    left = layers.aggregate(v=Sum("value"))["v"] or ZERO  # made (+) less consumed (−)
    on = timezone.localdate(made.done_at) if made.done_at else timezone.localdate()
    sides = {(wip.pk, absorbed.pk): left}
    return _post(company, settings, actor, on, sides, {wip.pk: wip, absorbed.pk: absorbed}, made.number)


# --- settings: the company's and its categories' -----------------------------------------

SETTINGS_FIELDS = (
    "method", "journal", "stock_account", "input_account", "output_account", "cogs_account",
    "price_difference_account", "loss_account", "opening_account", "production_account",
    "production_cost_account",
)  # fmt: skip
CATEGORY_FIELDS = (
    "method", "stock_account", "input_account", "output_account", "cogs_account", "price_difference_account",
)  # fmt: skip
# What an account of each role may be: (types, subtypes refused) — a stock account is inventory.
_IN_OUT: tuple[set[str], set[str]] = (
    {Account.Type.ASSET.value, Account.Type.LIABILITY.value},
    {"receivable", "payable", "bank", "cash"},
)
ACCOUNT_KINDS: dict[str, tuple[set[str], set[str]]] = {
    "input_account": _IN_OUT,
    "output_account": _IN_OUT,
    "cogs_account": ({Account.Type.EXPENSE}, set()),
    "price_difference_account": ({Account.Type.EXPENSE}, set()),
    "loss_account": ({Account.Type.EXPENSE}, set()),
    "opening_account": ({Account.Type.EQUITY}, set()),
    "production_account": ({Account.Type.ASSET}, {"receivable", "bank", "cash"}),
    "production_cost_account": ({Account.Type.EXPENSE}, set()),
}
# What stock on hand is valued on: neither changes while it is there (its layers came in on
# these terms; the invariant reads the value of stock from the stock accounts).
FIXED_WITH_STOCK = ("method", "stock_account")


def _clean(fields: dict[str, Any], allowed: Sequence[str]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise BusinessError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    return fields


def _check_terms(row: ValuationSettings | CategoryValuation, *, company_level: bool) -> None:
    errors: dict[str, list[str]] = {}
    allowed = set(ValuationMethod.values) if company_level else {"", *ValuationMethod.values}
    if row.method not in allowed:
        errors["method"] = [_("Choose FIFO or moving average.")]
    for name in ("stock_account", "production_account", "production_cost_account"):
        if company_level and getattr(row, f"{name}_id", None) is None:
            errors[name] = [_("This field is required.")]
    names = SETTINGS_FIELDS if company_level else CATEGORY_FIELDS
    for name in names:
        if not name.endswith("_account"):
            continue
        chosen: Account | None = getattr(row, name)
        if chosen is None:
            continue
        if chosen.company_id != row.company_id:
            errors[name] = [_("This choice belongs to another company.")]
        elif name == "stock_account":
            if chosen.subtype != Account.Subtype.INVENTORY:
                errors[name] = [_("Stock is valued on an inventory account.")]
        else:
            types, refused = ACCOUNT_KINDS[name]
            if chosen.type not in types or chosen.subtype in refused:
                errors[name] = [
                    _("The account %(account)s is of the wrong kind here (%(subtype)s).")
                    % {"account": chosen, "subtype": chosen.get_subtype_display()}
                ]
    journal = getattr(row, "journal", None)
    if company_level and journal is not None and journal.company_id != row.company_id:
        errors["journal"] = [_("This choice belongs to another company.")]
    if errors:
        raise ValidationFailed(errors)


def _held(layers: Any) -> Decimal:
    """The quantity on hand of the products whose layers ``layers`` are (0 when none holds any)."""
    rows = layers.values("product_id").annotate(q=Sum("quantity")).exclude(q=0).values_list("q", flat=True)
    return sum((abs(q) for q in rows), ZERO)


def _fixed_changes(before: Any, after: Any, fields: Sequence[str]) -> list[str]:
    return [
        name for name in FIXED_WITH_STOCK if name in fields and getattr(before, name) != getattr(after, name)
    ]


def _refuse_with_stock(changed: list[str], held: Decimal, whose: str) -> None:
    if not changed or held == 0:
        return
    labels = {"method": _("valuation method"), "stock_account": _("stock account")}
    raise ValidationFailed(
        {
            name: [
                _(
                    "%(whose)s still hold %(quantity)s units of valued stock: the %(what)s stays "
                    "until that stock is gone (its layers and the stock account's balance are on "
                    "the present terms)."
                )
                % {"whose": whose, "quantity": plain(held), "what": labels[name]}
            ]
            for name in changed
        }
    )


def update_valuation_settings(
    settings: ValuationSettings,
    actor: User | None,
    *,
    expected_version: int | None = None,
    **fields: Any,
) -> ValuationSettings:
    """Change how the company values its stock. The other accounts and the journal change any
    time (what is posted from now on); the method and the stock account are refused while a
    product valued on the company's terms (its category does not set its own) holds stock."""
    changes = _clean(fields, SETTINGS_FIELDS)
    before = ValuationSettings.objects.get(pk=settings.pk)

    def check(row: ValuationSettings) -> None:
        _check_terms(row, company_level=True)
        changed = _fixed_changes(before, row, list(changes))
        if not changed:
            return
        own = CategoryValuation.objects.filter(company_id=row.company_id)
        held = ZERO
        for name in changed:
            overriding = own.exclude(method="") if name == "method" else own.exclude(stock_account=None)
            layers = ValuationLayer.objects.filter(company_id=row.company_id).exclude(
                product__category__in=overriding.values("category_id")
            )
            held = max(held, _held(layers))
        _refuse_with_stock(changed, held, _("Products valued on the company's settings"))

    return update_versioned(
        settings, actor, changes, expected_version=expected_version, event="valuation_settings.updated",
        check=check,
    )  # fmt: skip


def _category_check(category: Any, fields: Sequence[str], before: CategoryValuation | None) -> Any:
    settings = settings_of(category.company_id)

    def effective(row: CategoryValuation | None, name: str) -> Any:
        own = getattr(row, name) if row is not None else None
        return own or (getattr(settings, name) if settings is not None else None)

    def check(row: CategoryValuation) -> None:
        _check_terms(row, company_level=False)
        changed = [
            name
            for name in FIXED_WITH_STOCK
            if name in fields and effective(before, name) != effective(row, name)
        ]
        held = _held(ValuationLayer.objects.filter(product__category=category)) if changed else ZERO
        _refuse_with_stock(changed, held, _("Products of %(category)s") % {"category": category})

    return check


@transaction.atomic
def create_category_valuation(
    company: Company, actor: User | None, *, category: Any, **fields: Any
) -> CategoryValuation:
    """Give a product category its own valuation method and accounts (empty: the company's).
    A category holding valued stock keeps the method and stock account it is valued on."""
    changes = _clean(fields, CATEGORY_FIELDS)
    if category is None:
        raise ValidationFailed({"category": [_("Choose a product category.")]})
    if category.company_id != company.pk:
        raise ValidationFailed({"category": [_("This choice belongs to another company.")]})
    if CategoryValuation.objects.filter(category=category).exists():
        raise ValidationFailed({"category": [_("This category has its valuation settings already.")]})
    row = CategoryValuation(company=company, category=category, **changes)
    row.method = row.method or ""
    _category_check(category, list(changes), None)(row)
    row.save()
    events.record(
        "category_valuation.created", row, actor, {"category": category.name, "fields": sorted(changes)}
    )
    return row


def update_category_valuation(
    row: CategoryValuation, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> CategoryValuation:
    changes = _clean(fields, CATEGORY_FIELDS)
    if "method" in changes and changes["method"] is None:
        changes["method"] = ""
    before = CategoryValuation.objects.get(pk=row.pk)
    return update_versioned(
        row, actor, changes, expected_version=expected_version, event="category_valuation.updated",
        check=_category_check(row.category, list(changes), before),
    )  # fmt: skip


@transaction.atomic
def remove_category_valuation(
    row: CategoryValuation, actor: User | None, *, expected_version: int | None = None
) -> None:
    """Give the category back to the company's terms: refused where that would change the
    method or the stock account of the stock it holds."""
    locked = (
        CategoryValuation.objects.select_for_update(of=("self", "category"))
        .select_related("category")
        .get(pk=row.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(_("Someone else changed this record meanwhile. Reload it and try again."))
    cleared = CategoryValuation(company_id=locked.company_id, category=locked.category)
    _category_check(locked.category, list(FIXED_WITH_STOCK), locked)(cleared)
    events.record("category_valuation.removed", locked, actor, {"category": locked.category.name})
    locked.delete()


def set_category_valuation(category: Any, actor: User | None, **fields: Any) -> CategoryValuation:
    """Create or change ``category``'s own valuation (see :func:`create_category_valuation`)."""
    row = CategoryValuation.objects.filter(category=category).first()
    if row is None:
        return create_category_valuation(category.company, actor, category=category, **fields)
    return update_category_valuation(row, actor, **fields)


SPLITS = ("quantity", "value", "weight", "volume")


@dataclass(frozen=True)
class Cost:
    """One landed cost: ``amount`` (company currency) charged to ``account`` (the carrier's
    payable, stock input, …), described as ``description``."""

    amount: Decimal
    account: Account
    description: str


def split_weights(layers: Sequence[ValuationLayer], split: str) -> list[Decimal]:
    """What each receipt layer weighs in a split: its quantity, its value, or its quantity times
    the product's weight or volume (per unit)."""
    if split == "quantity":
        return [layer.quantity for layer in layers]
    if split == "value":
        return [layer.value for layer in layers]
    return [layer.quantity * getattr(layer.product, split) for layer in layers]


def shares(total: Decimal, weights: Sequence[Decimal], company: Company) -> list[Decimal]:
    """``total`` spread in proportion to ``weights``, each share rounded to the currency's minor
    unit and the last taking what rounding left, so the shares add up to ``total`` exactly."""
    whole = sum(weights, ZERO)
    found: list[Decimal] = []
    given = ZERO
    for n, weight in enumerate(weights):
        share = total - given if n == len(weights) - 1 else _cents(total * weight / whole, company)
        found.append(share)
        given += share
    return found


def receipt_layers(transfer: Transfer, *, lock: bool = False) -> list[ValuationLayer]:
    """The layers a done receipt brought into stock, in order."""
    rows = ValuationLayer.objects.filter(move__transfer=transfer, kind=ValuationLayer.Kind.IN)
    if lock:
        rows = rows.select_for_update()
    return list(rows.select_related("product").order_by("id"))


def check_landed_cost(transfer: Transfer, split: str) -> ValuationSettings:
    """Refuse what cannot take a landed cost: a company that does not value its stock, anything
    but a done receipt, an unknown split, or goods that weigh nothing in the split."""
    settings = settings_of(transfer.company_id)
    if settings is None:
        raise NotValued(_("This company does not value its stock: install a chart of accounts first."))
    if transfer.state != Transfer.State.DONE or transfer.kind != Transfer.Kind.RECEIPT:
        raise ValidationFailed({"receipt": [_("Landed costs are added to a done receipt.")]})
    if split not in SPLITS:
        raise ValidationFailed({"split": [_("Spread landed costs by quantity, value, weight or volume.")]})
    layers = receipt_layers(transfer)
    if not layers or sum(split_weights(layers, split), ZERO) <= 0:
        reasons = {
            "weight": _("The goods of this receipt have no weight: enter their products' weights first."),
            "volume": _("The goods of this receipt have no volume: enter their products' volumes first."),
        }
        raise ValidationFailed(
            {
                "split": [
                    reasons.get(split, _("This receipt brought in nothing to spread a landed cost over."))
                ]
            }
        )
    return settings


def apply_landed_costs(
    transfer: Transfer,
    actor: User | None,
    costs: Sequence[Cost],
    *,
    split: str,
    on: datetime.date,
    reference: str,
) -> Any:
    """Spread ``costs`` over the done receipt's layers by ``split``: what of each layer is still
    in stock gets its share as a landed-cost layer (raising what FIFO will consume, or the
    average), the share of what already left goes to the cost of goods sold. One posted entry,
    returned. Call inside a transaction."""
    settings = check_landed_cost(transfer, split)
    company = Company.objects.select_related("currency").get(pk=transfer.company_id)
    ledger.check_date_open(company, on)
    layers = receipt_layers(transfer, lock=True)
    weights = split_weights(layers, split)
    kept_by_layer: dict[int, Decimal] = defaultdict(lambda: ZERO)
    sides: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[int, Account] = {}
    for cost in costs:
        total = _cents(cost.amount, company)
        if not total.is_finite() or total <= 0:
            raise ValidationFailed({"amount": [_("A landed cost is an amount of more than zero.")]})
        if cost.account.company_id != transfer.company_id:
            raise ValidationFailed({"account": [_("This choice belongs to another company.")]})
        accounts[cost.account.pk] = cost.account
        for layer, share in zip(layers, shares(total, weights, company), strict=True):
            rules = rules_for(layer.product, settings)
            kept = _cents(share * layer.remaining_quantity / layer.quantity, company)
            if kept:
                kept_by_layer[layer.pk] += kept
                accounts[rules.stock.pk] = rules.stock
                sides[(rules.stock.pk, cost.account.pk)] += kept
            if share - kept:
                accounts[rules.cogs.pk] = rules.cogs
                sides[(rules.cogs.pk, cost.account.pk)] += share - kept
    added = []
    for layer in layers:
        kept = kept_by_layer.get(layer.pk, ZERO)
        if not kept:
            continue
        added.append(
            ValuationLayer.objects.create(
                company=company,
                product=layer.product,
                kind=ValuationLayer.Kind.LANDED,
                move=layer.move,
                warehouse_id=layer.warehouse_id,
                date=on,
                value=kept,
                layer_of=layer,
            )
        )
        ValuationLayer.objects.filter(pk=layer.pk).update(remaining_value=layer.remaining_value + kept)
    entry = _post(company, settings, actor, on, sides, accounts, reference[:180])
    if entry is not None and added:
        ValuationLayer.objects.filter(pk__in=[layer.pk for layer in added]).update(entry=entry)
    return entry


@transaction.atomic
def add_landed_cost(
    transfer: Transfer,
    actor: User | None,
    *,
    amount: Any,
    account: Account,
    description: str,
    split: str = "value",
    on: datetime.date | None = None,
) -> Any:
    """Add one landed cost (freight, duty …: ``amount`` in the company's currency, charged to
    ``account``) to a done receipt's goods at once, spread by quantity, value, weight or volume
    (:func:`apply_landed_costs`). A landed-cost document (``services.landed_costs``) gathers
    several and is validated later. One posted entry, returned."""
    errors: dict[str, list[str]] = {}
    total = read_decimal(amount, "amount", errors)
    if errors or total <= 0:
        raise BusinessError(_("A landed cost is an amount of more than zero."))
    entry = apply_landed_costs(
        transfer, actor, [Cost(total, account, description)], split=split, on=on or timezone.localdate(),
        reference=f"{transfer.number} · {description}",
    )  # fmt: skip
    events.record(
        "inventory.landed_cost", transfer, actor,
        {"number": transfer.number, "amount": str(_cents(total, transfer.company)), "split": split,
         "description": description[:200]},
    )  # fmt: skip
    return entry
