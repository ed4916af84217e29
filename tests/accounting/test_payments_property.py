"""For random invoices, credit notes, payments, partial reconciliations and write-offs in two
currencies: every posted entry balances, the trial balance sums to zero, no item is matched
beyond its amount, and each partner's receivable equals the residuals of its open items
(the registered invariants, checked after every example and by the ``invariants`` fixture)."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.accounting.models import BooksSettings, Invoice, JournalLine, Reconciliation
from tandem.accounting.services import invoices, payments, reconciliation
from tandem.accounting.services.invoices import LineData
from tandem.core import invariants
from tandem.core.errors import BusinessError
from tandem.core.models import Company, Currency, ExchangeRate
from tandem.partners.models import Partner

from .conftest import DAY, journal

pytestmark = pytest.mark.django_db
LATER = DAY + datetime.timedelta(days=40)

invoice_op = st.tuples(st.just("invoice"), st.integers(100, 50_000), st.booleans(), st.integers(0, 1))
pay_op = st.tuples(
    st.just("pay"), st.integers(0, 30), st.sampled_from([25, 50, 100]), st.booleans(), st.integers(0, 60)
)
credit_op = st.tuples(st.just("credit"), st.integers(0, 30))
unmatch_op = st.tuples(st.just("unmatch"), st.integers(0, 60))
operations = st.lists(st.one_of(invoice_op, pay_op, credit_op, unmatch_op), min_size=1, max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_books_stay_consistent_under_random_payments(
    steps: list[tuple[object, ...]], company: Company, books: BooksSettings, eur: Currency,
    make_partner: Callable[..., Partner],
) -> None:  # fmt: skip
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.get_or_create(base=usd, quote=eur, date=DAY, defaults={"rate": Decimal("0.9")})
    ExchangeRate.objects.get_or_create(base=usd, quote=eur, date=LATER, defaults={"rate": Decimal("0.93")})
    if books.write_off_tolerance != Decimal("0.50"):
        books.write_off_tolerance = Decimal("0.50")
        books.save()
    partners = [
        Partner.objects.filter(company=company, name=name).first() or make_partner(name)
        for name in ("Prop One d.o.o.", "Prop Two d.o.o.")
    ]
    posted: list[Invoice] = list(
        Invoice.objects.filter(company=company, state="posted", kind="customer_invoice")
    )
    for step in steps:
        # A refusal (paid already, more than due, beyond the tolerance) writes nothing.
        with contextlib.suppress(BusinessError):
            _apply(step, company, partners, posted, usd)
    assert not invariants.violations(), invariants.describe(invariants.violations())


def _apply(
    step: tuple[object, ...], company: Company, partners: list[Partner], posted: list[Invoice], usd: Currency
) -> None:
    kind = step[0]
    if kind == "invoice":
        _kind, cents, foreign, who = step
        draft = invoices.create_invoice(
            company, None, kind="customer_invoice", partner=partners[int(who)], invoice_date=DAY,  # type: ignore[call-overload]
            currency=usd if foreign else None,
            lines=[LineData("Goods", Decimal(1), Decimal(int(cents)) / 100, taxes=[])],  # type: ignore[call-overload]
        )  # fmt: skip
        posted.append(invoices.post_invoice(draft, None))
    elif kind == "pay" and posted:
        _kind, index, percent, write_off, extra_cents = step
        invoice = posted[int(index) % len(posted)]  # type: ignore[call-overload]
        amount = (invoice.amount_total * int(percent) / 100).quantize(Decimal("0.01"))  # type: ignore[call-overload]
        amount += Decimal(int(extra_cents)) / 100 if percent == 100 else Decimal(0)  # type: ignore[call-overload]
        payments.register_payment(
            [invoice],
            None,
            journal=journal(company, "BNK1"),
            date=LATER,
            amount=amount,
            write_off=bool(write_off),
        )
    elif kind == "credit" and posted:
        invoice = posted[int(step[1]) % len(posted)]  # type: ignore[call-overload]
        note = invoices.post_invoice(invoices.credit_note(invoice, None, date=DAY), None)
        lines = [*payments_lines(invoice), *payments_lines(note)]
        reconciliation.reconcile(lines, None)
    elif kind == "unmatch":
        rows = list(
            Reconciliation.objects.filter(company=company, exchange_entry__isnull=False).order_by("pk")
        )
        rows = rows or list(Reconciliation.objects.filter(company=company).order_by("pk"))
        if rows:
            reconciliation.unreconcile(rows[int(step[1]) % len(rows)], None)  # type: ignore[call-overload]


def payments_lines(invoice: Invoice) -> list[JournalLine]:
    return list(JournalLine.objects.filter(entry=invoice.entry, account__reconcilable=True))
