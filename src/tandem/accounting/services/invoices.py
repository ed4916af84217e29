"""Customer invoices and credit notes, supplier bills and refunds: draft → posted → cancelled.

Posting builds one journal entry through the ledger's posting service: a receivable (or
payable) line per instalment due date, an income (or expense) line per invoice line and a
line per tax, in the invoice's currency at the rate of its accounting date (the company
amounts are rounded per line; the partner lines take what balances them). The income or
expense and the receivable or payable accounts go through the invoice's fiscal position's
account mappings (the lines' accounts as they are written, and again when posted, for a draft
whose position changed); tax lines post to their taxes' own accounts, the taxes having gone
through the position's tax mappings, so the VAT report reads each tax's lines where it put them. Cancelling a
posted invoice posts the entry's reversal; a posted invoice never changes. A credit note
is a new draft of the opposite kind that copies the invoice's lines.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.accounting.models import (
    Account,
    BooksSettings,
    CostCentre,
    FiscalPosition,
    Invoice,
    InvoiceLine,
    Journal,
    JournalEntry,
    JournalLine,
    PartnerAccounting,
    ProductAccounting,
    Reconciliation,
    Tax,
)
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.queries.payment_terms import instalments
from tandem.accounting.services import ledger, taxes
from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.bulk import create_with_links
from tandem.core.documents import services as documents
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, Uom, User
from tandem.core.money import read_decimal, round_money
from tandem.core.notifications import services as notifications
from tandem.core.states import transition
from tandem.core.versioning import update_versioned
from tandem.partners.models import Partner

ZERO = Decimal(0)
K = Invoice.Kind
CUSTOMER_KINDS = {K.CUSTOMER_INVOICE, K.CUSTOMER_CREDIT_NOTE}
CREDIT_OF: dict[str, str] = {K.CUSTOMER_INVOICE: K.CUSTOMER_CREDIT_NOTE, K.SUPPLIER_BILL: K.SUPPLIER_REFUND}
REFUNDS = {K.CUSTOMER_CREDIT_NOTE, K.SUPPLIER_REFUND}
HEADER_FIELDS = (
    "partner", "invoice_date", "accounting_date", "currency", "payment_term", "fiscal_position",
    "supplier_reference", "payment_reference", "origin", "notes",
)  # fmt: skip


class InvoiceNotDraft(BusinessError):
    status = 409
    code = "invoice-not-draft"


class InvoiceMatched(BusinessError):
    status = 409
    code = "invoice-matched"


@dataclass
class LineData:
    """One invoice line as a caller gives it; empty ``account``/``taxes`` take the defaults
    (the product's or its category's, then the journal's; taxes mapped by the fiscal position).
    ``id`` names the draft's line it changes, which keeps its identity (what other domains link
    to it, an order's line it bills); a line of the draft not named again is removed."""

    description: str = ""
    quantity: Any = Decimal(1)
    price_unit: Any = ZERO
    discount: Any = ZERO
    product: Product | None = None
    account: Account | None = None
    taxes: Sequence[Tax] | None = None
    uom: Uom | None = None
    cost_centre: CostCentre | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


# --- drafts -------------------------------------------------------------------------------


def _journal_for(company: Company, kind: str) -> Journal:
    journal_kind = Journal.Kind.SALE if kind in CUSTOMER_KINDS else Journal.Kind.PURCHASE
    journal = Journal.objects.filter(company=company, kind=journal_kind, active=True).order_by("code").first()
    if journal is None:
        raise BusinessError(_("Create a sales and a purchase journal first (install a chart of accounts)."))
    return journal


def _product_defaults(company: Company, product: Product | None) -> ProductAccounting | None:
    if product is None:
        return None
    rows = ProductAccounting.objects.filter(company=company)
    return rows.filter(product=product).first() or (
        rows.filter(category_id=product.category_id).first() if product.category_id else None
    )


def _products_defaults(
    company: Company, products: Iterable[Product | None]
) -> dict[int, ProductAccounting | None]:
    """:func:`_product_defaults` of several products (by id), in one query."""
    wanted = {product.pk: product for product in products if product is not None}
    if not wanted:
        return {}
    categories = {product.category_id for product in wanted.values() if product.category_id}
    own: dict[int, ProductAccounting] = {}
    shared: dict[int, ProductAccounting] = {}
    rows = ProductAccounting.objects.filter(company=company).filter(
        Q(product_id__in=list(wanted)) | Q(category_id__in=list(categories))
    )
    for row in rows:  # one row per product and per category at most (one-to-one keys)
        if row.product_id is not None:
            own[row.product_id] = row
        elif row.category_id is not None:
            shared[row.category_id] = row
    return {
        pk: own.get(pk) or (shared.get(product.category_id) if product.category_id else None)
        for pk, product in wanted.items()
    }


def _default_account(
    invoice: Invoice, defaults: ProductAccounting | None, books: BooksSettings
) -> Account | None:
    customer = invoice.kind in CUSTOMER_KINDS
    own = (defaults.income_account if customer else defaults.expense_account) if defaults else None
    return (
        own
        or invoice.journal.default_account
        or (books.income_account if customer else books.expense_account)
    )


def _default_taxes(invoice: Invoice, defaults: ProductAccounting | None) -> list[Tax]:
    if defaults is None:
        return []
    chosen = defaults.sale_taxes.all() if invoice.kind in CUSTOMER_KINDS else defaults.purchase_taxes.all()
    return taxes.map_taxes(invoice.fiscal_position, chosen)


def _check_line(
    invoice: Invoice, n: int, line: InvoiceLine, chosen: Sequence[Tax], errors: dict[str, list[str]]
) -> None:
    key = f"lines.{n}"
    company_id, use = invoice.company_id, Tax.Use.SALE if invoice.kind in CUSTOMER_KINDS else Tax.Use.PURCHASE
    if not line.description.strip():
        errors.setdefault(key, []).append(_("A line needs a description."))
    if line.account_id is None:
        errors.setdefault(key, []).append(_("A line needs an account (set the journal's default account)."))
    mine = [line.account, line.product, line.cost_centre, *chosen]
    if any(obj is not None and obj.company_id != company_id for obj in mine):
        errors.setdefault(key, []).append(_("This line names a record of another company."))
    if any(tax.use != use for tax in chosen):
        errors.setdefault(key, []).append(_("A sales tax goes on sales, a purchase tax on purchases."))
    if not ZERO <= line.discount <= 100:
        errors.setdefault(key, []).append(_("A discount is between 0 and 100 %."))


@dataclass(frozen=True)
class LinesWritten:
    """Which of a draft's lines were changed in place, removed and added (ids)."""

    changed: list[int]
    removed: list[int]
    added: list[int]


def _write_lines(invoice: Invoice, given: Sequence[LineData]) -> LinesWritten:
    """Write the draft's lines as ``given``: a line named by its ``id`` is changed in place,
    the others are added, and the draft's lines not named are removed."""
    errors: dict[str, list[str]] = {}
    if not given:
        errors["lines"] = [_("An invoice has at least one line.")]
    books = ledger_queries.settings_of(invoice.company)
    mapped = taxes.account_map(invoice.fiscal_position_id)
    existing = {line.pk: line for line in invoice.lines.order_by()} if invoice.pk else {}
    named = [data.id for data in given if data.id is not None]
    product_defaults = _products_defaults(invoice.company, (data.product for data in given))
    rows: list[tuple[InvoiceLine, list[Tax]]] = []
    for n, data in enumerate(given):
        key = f"lines.{n}"
        if data.id is not None and (data.id not in existing or named.count(data.id) > 1):
            errors[key] = [_("This is not a line of this invoice, or it is given twice.")]
            continue
        defaults = product_defaults.get(data.product.pk) if data.product is not None else None
        account = data.account or _default_account(invoice, defaults, books)
        line = existing[data.id] if data.id is not None else InvoiceLine(invoice=invoice)
        same_product = line.pk is not None and line.product_id == (data.product.pk if data.product else None)
        line.sequence = 10 * (n + 1)
        line.product = data.product
        line.description = (data.description or (data.product.name if data.product else "")).strip()[:500]
        line.quantity = read_decimal(data.quantity, key, errors)
        line.price_unit = read_decimal(data.price_unit, key, errors)
        line.discount = read_decimal(data.discount, key, errors)
        if account is not None:  # none at all: a new line is refused below, a kept one keeps its own
            line.account = mapped.get(account.pk, account)
        if data.uom is not None or not same_product:  # the form and the API do not show these
            line.uom = data.uom
        if data.cost_centre is not None or not same_product:
            line.cost_centre = data.cost_centre
        chosen = list(data.taxes) if data.taxes is not None else _default_taxes(invoice, defaults)
        _check_line(invoice, n, line, chosen, errors)
        rows.append((line, chosen))
    if errors:
        raise ValidationFailed(errors)
    removed = sorted(existing.keys() - set(named))
    InvoiceLine.objects.filter(pk__in=removed).delete()
    added = [(line, chosen) for line, chosen in rows if line.pk is None]
    for line, chosen in rows:
        if line.pk is not None:  # changed in place
            line.save()
            line.taxes.set(chosen)
    create_with_links(added, "taxes")  # the new lines and their taxes in two statements
    _compute(invoice, books)
    kept = sorted(set(named))
    return LinesWritten(kept, removed, [line.pk for line, _chosen in rows if line.pk not in existing])


def line_taxes(
    invoice: Invoice, books: BooksSettings | None = None
) -> list[tuple[InvoiceLine, taxes.LineTaxes]]:
    """Each line with its taxes computed (``books``: the company's settings, when read already)."""
    books = books or ledger_queries.settings_of(invoice.company)
    round_line = books.tax_rounding == BooksSettings.TaxRounding.PER_LINE
    return [
        (
            line,
            taxes.compute(
                line.price_unit,
                line.quantity,
                line.taxes.all(),
                invoice.currency,
                discount=line.discount,
                round_line=round_line,
            ),
        )
        for line in invoice.lines.select_related("account")
        .prefetch_related("taxes__children")
        .order_by("sequence", "id")
    ]


def _compute(
    invoice: Invoice, books: BooksSettings | None = None
) -> list[tuple[InvoiceLine, taxes.LineTaxes]]:
    """Line and invoice totals from the lines and their taxes, written where they changed;
    the lines with their taxes, for the caller that posts them."""
    computed = line_taxes(invoice, books)
    changed = []
    for line, found in computed:
        amounts = round_money(found.untaxed, invoice.currency), round_money(found.total, invoice.currency)
        if (line.amount_untaxed, line.amount_total) != amounts:
            line.amount_untaxed, line.amount_total = amounts
            changed.append(line)
    if changed:
        InvoiceLine.objects.bulk_update(changed, ["amount_untaxed", "amount_total"])
    untaxed, tax_rows = taxes.totals([found for _line, found in computed], invoice.currency)
    tax = sum((row.amount for row in tax_rows if not row.tax.reverse_charge_account_id), ZERO)
    totals = untaxed, tax, untaxed + tax
    if (invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total) != totals:
        Invoice.objects.filter(pk=invoice.pk).update(
            amount_untaxed=untaxed, amount_tax=tax, amount_total=untaxed + tax
        )
        invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total = totals
    return computed


def _fiscal_position(company: Company, partner: Partner) -> FiscalPosition | None:
    own = PartnerAccounting.objects.filter(company=company, partner=partner).select_related("fiscal_position")
    found = own.first()
    if found is not None and found.fiscal_position is not None:
        return found.fiscal_position
    return taxes.position_for(company, partner.country or company.country, bool(partner.tax_id))


def sale_taxes(company: Company, partner: Partner, products: Iterable[Product]) -> dict[int, list[Tax]]:
    """The taxes a sale of each of ``products`` to ``partner`` carries (by product id): the
    product's (else its category's) sales taxes mapped by the partner's fiscal position — what
    a customer invoice line defaults to. For quotations and orders (``sales``): the products'
    defaults and their taxes are read in two queries whatever their number."""
    products = list(products)
    found = _products_defaults(company, products)
    chosen = list({row.pk: row for row in found.values() if row is not None}.values())
    if not chosen:
        return {product.pk: [] for product in products}
    prefetch_related_objects(chosen, "sale_taxes")
    position = _fiscal_position(company, partner)
    return {
        pk: taxes.map_taxes(position, defaults.sale_taxes.all()) if defaults is not None else []
        for pk, defaults in found.items()
    }


def taxed_total(
    company: Company,
    partner: Partner,
    kind: str,
    lines: Iterable[tuple[Product, Decimal, Decimal]],
    currency: Currency,
) -> Decimal:
    """What an invoice of ``kind`` to or from ``partner`` with ``lines`` (product, quantity, unit
    price) comes to with the taxes its lines would default to — the product's (else its
    category's) taxes of that side, mapped by the partner's fiscal position; self-assessed
    (reverse-charge) taxes are not paid to the partner and do not count. For documents that carry
    no taxes of their own until they are invoiced (purchasing's orders, in the cash forecast)."""
    position = _fiscal_position(company, partner)
    customer = kind in CUSTOMER_KINDS
    total = ZERO
    for product, quantity, price_unit in lines:
        defaults = _product_defaults(company, product)
        chosen = (defaults.sale_taxes if customer else defaults.purchase_taxes).all() if defaults else []
        found = taxes.compute(price_unit, quantity, taxes.map_taxes(position, chosen), currency)
        total += found.total
    return round_money(total, currency)


def _check_header(company: Company, invoice: Invoice) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("partner", "fiscal_position"):
        obj = getattr(invoice, name)
        if obj is not None and obj.company_id != company.pk:
            errors[name] = [_("This choice belongs to another company.")]
    if invoice.payment_term is not None and invoice.payment_term.company_id != company.pk:
        errors["payment_term"] = [_("This choice belongs to another company.")]
    if not invoice.currency.active:
        errors["currency"] = [_("This currency is not in use.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def create_invoice(
    company: Company,
    actor: User | None,
    *,
    kind: str,
    partner: Partner,
    invoice_date: datetime.date,
    lines: Sequence[LineData],
    currency: Currency | None = None,
    **header: Any,
) -> Invoice:
    """A draft invoice (bill, credit note, refund) with its lines and totals computed."""
    if kind not in K.values:
        raise ValidationFailed({"kind": [_("Unknown kind of invoice.")]})
    unknown = set(header) - set(HEADER_FIELDS) - {"journal", "credited_invoice"}
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    header.setdefault("payment_term", partner.payment_term)
    if "fiscal_position" not in header:
        header["fiscal_position"] = _fiscal_position(company, partner)
    invoice = Invoice(
        company=company,
        kind=kind,
        partner=partner,
        invoice_date=invoice_date,
        currency=currency or partner.currency or company.currency,
        journal=header.pop("journal", None) or _journal_for(company, kind),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **header,
    )
    _check_header(company, invoice)
    invoice.save()
    _write_lines(invoice, lines)
    events.record("invoice.created", invoice, actor, {"kind": kind, "total": str(invoice.amount_total)})
    return invoice


def _refuse_unless_draft(invoice: Invoice) -> None:
    if invoice.state != Invoice.State.DRAFT:
        raise InvoiceNotDraft(_("Only a draft can be changed: cancel the invoice or issue a credit note."))


def update_invoice(
    invoice: Invoice,
    actor: User | None,
    changes: Mapping[str, Any],
    *,
    lines: Sequence[LineData] | None = None,
    expected_version: int | None = None,
) -> Invoice:
    """Change a draft's header (and its lines when given); the totals follow."""
    unknown = set(changes) - set(HEADER_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _refuse_unless_draft(locked)
        updated = update_versioned(
            locked,
            actor,
            dict(changes),
            expected_version=expected_version,
            event="invoice.updated",
            check=lambda row: _check_header(row.company, row),
        )
        if lines is not None:
            written = _write_lines(updated, lines)
            events.record("invoice.lines_written", updated, actor, asdict(written))
        else:
            _compute(updated)
    return updated


@transaction.atomic
def delete_draft(invoice: Invoice, actor: User | None) -> None:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _refuse_unless_draft(locked)
    events.record("invoice.deleted", locked, actor, {"kind": locked.kind})
    locked.delete()


# --- posting ------------------------------------------------------------------------------


def _partner_account(invoice: Invoice, books: BooksSettings) -> Account:
    own = PartnerAccounting.objects.filter(company=invoice.company, partner=invoice.partner).first()
    customer = invoice.kind in CUSTOMER_KINDS
    account = (own.receivable_account if customer else own.payable_account) if own else None
    account = account or (books.receivable_account if customer else books.payable_account)
    if account is None:
        raise BusinessError(_("Set the receivable and payable accounts in the accounting settings first."))
    return account


def _line(
    account: Account, company_amount: Decimal, amount: Decimal, invoice: Invoice, **extra: Any
) -> ledger.Line:
    """A line of ``invoice``'s entry: a signed company amount (positive: debit) and the same
    amount, signed, in the invoice's currency."""
    return ledger.Line(
        account,
        debit=max(company_amount, ZERO),
        credit=max(-company_amount, ZERO),
        amount_currency=amount,
        partner=invoice.partner,
        currency=invoice.currency,
        **extra,
    )


def _tax_account(invoice: Invoice, tax: Tax) -> Account:
    account = (tax.refund_account if invoice.kind in REFUNDS else None) or tax.account
    if account is None:
        raise BusinessError(_("The tax %(tax)s has no account to post to.") % {"tax": tax})
    return account


def entry_lines(
    invoice: Invoice,
    rate: Decimal,
    books: BooksSettings | None = None,
    computed: list[tuple[InvoiceLine, taxes.LineTaxes]] | None = None,
) -> list[ledger.Line]:
    """The journal lines of ``invoice`` at ``rate`` (company currency per unit of its own);
    ``books`` and ``computed`` (:func:`line_taxes`) when the caller has them already."""
    company, currency = invoice.company, invoice.currency
    books = books or ledger_queries.settings_of(company)
    sign = 1 if invoice.kind in (K.CUSTOMER_INVOICE, K.SUPPLIER_REFUND) else -1  # the partner's side

    def line(account: Account, amount: Decimal, **extra: Any) -> ledger.Line:
        return _line(account, round_money(amount * rate, company.currency), amount, invoice, **extra)

    computed = computed if computed is not None else line_taxes(invoice, books)
    mapping = taxes.account_map(invoice.fiscal_position_id)  # also a draft whose position changed

    def mapped(account: Account) -> Account:
        return mapping.get(account.pk, account)

    lines = [
        line(
            mapped(row.account),
            -sign * found.untaxed,
            label=row.description[:200],
            taxes=[t.tax for t in found.taxes],
            cost_centre=row.cost_centre,
        )
        for row, found in computed
        if found.untaxed
    ]
    _untaxed, tax_rows = taxes.totals([found for _row, found in computed], currency)
    for row in tax_rows:
        if not row.amount:
            continue
        base = round_money(row.base * rate, company.currency)
        percent = row.tax.amount if row.tax.computation == Tax.Computation.PERCENT else None
        lines.append(
            line(
                _tax_account(invoice, row.tax),
                -sign * row.amount,
                label=row.tax.name,
                tax=row.tax,
                tax_base_amount=base,
                tax_rate=percent,
            )
        )
        if row.tax.reverse_charge_account_id:  # self-assessed: the same tax on the other side
            lines.append(
                line(
                    row.tax.reverse_charge_account,  # type: ignore[arg-type]
                    sign * row.amount,
                    label=row.tax.name,
                    tax=row.tax,
                    tax_base_amount=-base,
                    tax_rate=percent,
                )
            )
    balance = -sum((ln.debit - ln.credit for ln in lines), ZERO)  # what the partner lines carry
    account, total = mapped(_partner_account(invoice, books)), invoice.amount_total
    parts = instalments(invoice.payment_term, invoice.invoice_date, total, currency)
    left = balance
    for n, (due, amount) in enumerate(parts):
        share = (
            left
            if n == len(parts) - 1
            else round_money(balance * amount / total, company.currency)
            if total
            else ZERO
        )
        left -= share
        label = str(invoice.partner)[:200]
        lines.append(_line(account, share, sign * amount, invoice, due_date=due, label=label))
    return lines


def _check_postable(invoice: Invoice, computed: list[tuple[InvoiceLine, taxes.LineTaxes]]) -> None:
    """Refused: a negative total (that is a credit note), or an invoice whose lines all come to
    nothing. A total of zero from lines that net to zero is posted — an invoice of goods paid in
    advance, its deduction of the down payment taking it to zero — so the goods are invoiced and
    the advance is taken back; its receivable line is zero, so there is nothing to pay."""
    if invoice.amount_total < 0:
        raise BusinessError(_("An invoice to post has a total of zero or more: issue a credit note instead."))
    if invoice.amount_total == 0 and not any(found.untaxed for _line, found in computed):
        raise BusinessError(_("This invoice comes to nothing: give its lines an amount before posting it."))


def post_invoice(invoice: Invoice, actor: User | None) -> Invoice:
    """Post a draft: its entry is created and posted (number from the journal's sequence)."""
    with transaction.atomic():
        locked = (
            Invoice.objects.select_for_update(of=("self",))  # not the company, currency, journal, partner
            .select_related("company__currency", "currency", "journal", "partner")  # rate to company's
            .get(pk=invoice.pk)
        )
        _refuse_unless_draft(locked)
        books = ledger_queries.settings_of(locked.company)
        computed = _compute(locked, books)
        _check_postable(locked, computed)
        on = locked.accounting_date or locked.invoice_date
        rate = ledger_queries.rate_of(locked.company, locked.currency, on)
        lines = entry_lines(locked, rate, books, computed)
        entry = ledger.create_entry(
            locked.company,
            actor,
            journal=locked.journal,
            date=on,
            lines=lines,
            reference=locked.supplier_reference or locked.payment_reference or locked.origin,
            origin=JournalEntry.Origin.INVOICE,
        )
        entry = ledger.post_entry(entry, actor)
        due = max(ln.due_date for ln in lines if ln.due_date is not None)
        total_company = abs(sum((ln.debit - ln.credit for ln in lines if ln.due_date is not None), ZERO))
        transition(
            locked,
            "posted",
            actor,
            fields={
                "number": entry.number,
                "entry": entry,
                "rate": rate,
                "due_date": due,
                "accounting_date": on,
                "amount_total_company": total_company,
            },
            data={"number": entry.number, "total": str(locked.amount_total), "currency": locked.currency_id},
        )
    invoice.refresh_from_db()
    return invoice


def _refuse_if_matched(invoice: Invoice) -> None:
    """A paid (or partly paid) invoice is not cancelled: its payments are unmatched first, as
    in Odoo, so no payment is silently left as the partner's credit. The invoice's open items
    are locked first, so a payment being matched at the same moment waits or is seen."""
    items = JournalLine.objects.filter(entry=invoice.entry_id, account__reconcilable=True)
    ids = list(items.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    matched = Reconciliation.objects.filter(debit_line__in=ids) | Reconciliation.objects.filter(
        credit_line__in=ids
    )
    if matched.exists():
        raise InvoiceMatched(
            _("%(invoice)s has payments matched against it: unreconcile them first, then cancel the invoice.")
            % {"invoice": invoice}
        )


def cancel_invoice(invoice: Invoice, actor: User | None, *, date: datetime.date | None = None) -> Invoice:
    """Cancel a posted invoice: its entry is reversed (dated ``date``, by default its own).
    A draft has no number yet: it is deleted instead (:func:`delete_draft`)."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update(of=("self",)).select_related("entry").get(pk=invoice.pk)
        if locked.state != Invoice.State.POSTED or locked.entry is None:
            raise BusinessError(_("Only a posted invoice is cancelled; a draft is deleted."))
        if locked.credit_notes.exclude(state=Invoice.State.CANCELLED).exists():
            raise BusinessError(_("Cancel its credit notes first."))
        _refuse_if_matched(locked)
        reversal = ledger.reverse_entry(
            locked.entry, actor, date=date or locked.entry.date, for_document=True
        )
        transition(locked, "cancelled", actor, data={"reversal": reversal.number})
    invoice.refresh_from_db()
    return invoice


def credit_note(invoice: Invoice, actor: User | None, *, date: datetime.date | None = None) -> Invoice:
    """A draft credit note (or supplier refund) for the whole of a posted invoice or bill."""
    if invoice.kind not in CREDIT_OF or invoice.state != Invoice.State.POSTED:
        raise BusinessError(_("Only a posted invoice or bill can be credited."))
    lines = [
        LineData(
            description=line.description,
            quantity=line.quantity,
            price_unit=line.price_unit,
            discount=line.discount,
            product=line.product,
            account=line.account,
            taxes=list(line.taxes.all()),
            uom=line.uom,
            cost_centre=line.cost_centre,
        )
        for line in invoice.lines.select_related("product", "account", "uom", "cost_centre")
    ]
    with transaction.atomic():
        note = create_invoice(
            invoice.company,
            actor,
            kind=CREDIT_OF[invoice.kind],
            partner=invoice.partner,
            invoice_date=date or timezone.localdate(),
            lines=lines,
            currency=invoice.currency,
            journal=invoice.journal,
            payment_term=None,
            fiscal_position=invoice.fiscal_position,
            credited_invoice=invoice,
            origin=invoice.number,
        )
        events.record("invoice.credited", invoice, actor, {"credit_note": note.pk})
    return note


# --- the printed invoice and sending it -----------------------------------------------------

TITLES: dict[str, Any] = {
    K.CUSTOMER_INVOICE: gettext_lazy("Invoice"),
    K.CUSTOMER_CREDIT_NOTE: gettext_lazy("Credit note"),
    K.SUPPLIER_BILL: gettext_lazy("Supplier bill"),
    K.SUPPLIER_REFUND: gettext_lazy("Supplier refund"),
}


def _address_lines(partner: Partner) -> list[str]:
    addresses = partner.addresses.order_by("-is_default", "id")
    address = addresses.filter(kind="invoice").first() or addresses.first()
    return [address.one_line()] if address is not None else []


def tax_breakdown(
    computed: Sequence[tuple[InvoiceLine, taxes.LineTaxes]], currency: Currency
) -> list[taxes.ShownTotal]:
    """The tax totals of an invoice's lines (:func:`line_taxes`) as it shows and prints them:
    per tax group (its rate), or per tax of no group."""
    _untaxed, rows = taxes.totals([found for _line, found in computed], currency)
    return taxes.shown_totals(rows)


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF, in the partner's language, on the company's letterhead."""
    computed = line_taxes(invoice)
    for line, found in computed:
        line.tax_labels = ", ".join(t.tax.label or t.tax.name for t in found.taxes)  # type: ignore[attr-defined]
    context = {
        "title": TITLES[invoice.kind],
        "invoice": invoice,
        "lines": [line for line, _found in computed],
        "tax_rows": tax_breakdown(computed, invoice.currency),
        "address_lines": _address_lines(invoice.partner),
        "instalments": instalments(
            invoice.payment_term, invoice.invoice_date, invoice.amount_total, invoice.currency
        ),
    }
    return documents.render_pdf(
        "accounting/documents/invoice.html",
        context,
        company=invoice.company,
        language=invoice.partner.language or invoice.company.language,
    )


def pdf_name(invoice: Invoice) -> str:
    return f"{(invoice.number or f'draft-{invoice.pk}').replace('/', '-')}.pdf"


def send_invoice(invoice: Invoice, actor: User | None, *, to: Sequence[str] = ()) -> Invoice:
    """E-mail a posted invoice with its PDF attached (to the partner's address by default);
    the message leaves after commit and the sending shows on the customer's timeline."""
    if invoice.state != Invoice.State.POSTED:
        raise BusinessError(_("Only a posted invoice can be sent."))
    addresses = [a for a in (to or [invoice.partner.email]) if a]
    if not addresses:
        raise ValidationFailed({"to": [_("The partner has no e-mail address: enter one.")]})
    language = invoice.partner.language or invoice.company.language
    with translation.override(language):
        title = str(TITLES[invoice.kind])
        subject = f"{title} {invoice.number} — {invoice.company.name}"
        text = _(
            "Dear customer,\n\nplease find attached %(title)s %(number)s of %(total)s %(currency)s.\n"
        ) % {
            "title": title.lower(),
            "number": invoice.number,
            "total": invoice.amount_total,
            "currency": invoice.currency_id,
        }
    with transaction.atomic():
        notifications.send_email(
            to=addresses,
            subject=subject,
            text=text,
            company=invoice.company,
            partner=invoice.partner,
            actor=actor,
            attachments=[(pdf_name(invoice), invoice_pdf(invoice), "application/pdf")],
        )
        Invoice.objects.filter(pk=invoice.pk).update(sent_at=timezone.now())
        events.record("invoice.sent", invoice, actor, {"to": addresses, "number": invoice.number})
    invoice.refresh_from_db()
    return invoice


def update_draft(
    invoice: Invoice,
    actor: User | None,
    *,
    expected_version: int | None = None,
    lines: Sequence[LineData] | None = None,
    **changes: Any,
) -> Invoice:
    """:func:`update_invoice` with the changes as keywords (the form's and the API's shape)."""
    return update_invoice(invoice, actor, changes, lines=lines, expected_version=expected_version)
