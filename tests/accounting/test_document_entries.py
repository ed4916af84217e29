"""A document's journal entry is undone through the document, never reversed by hand.

Reversing an invoice's entry from the entry page (or the API) used to book the reversal and
match the receivable away while the invoice still said "posted" and "paid": the invoice's
state and the books disagreed. Now the entry page offers no Reverse on such an entry, the
service refuses it with a clear reason and nothing is written; cancelling the invoice (or the
payment) still reverses its entry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import Invoice, Journal, JournalEntry, Payment
from tandem.accounting.services import invoices, ledger, payments
from tandem.core import roles
from tandem.core.models import Company, Event
from tests.accounting.test_invoice_views import DAY, make_invoice
from tests.kit.api import api_client
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


def _posted_invoice(company: Company, actor: Any) -> Invoice:
    return invoices.post_invoice(make_invoice(company, actor), actor)


def test_an_invoices_entry_is_not_reversed_by_hand_and_nothing_is_written(
    company: Company, make_user: Any
) -> None:
    accountant = make_user("ada", roles.ACCOUNTANT)
    invoice = _posted_invoice(company, accountant)
    entry = invoice.entry
    assert entry is not None
    entries, events = JournalEntry.objects.count(), Event.objects.count()
    with pytest.raises(ledger.EntryOwned, match=invoice.number):
        ledger.reverse_entry(entry, accountant)
    assert (JournalEntry.objects.count(), Event.objects.count()) == (entries, events)

    client = signed_in(accountant)
    page = client.get(reverse("accounting:entry_detail", args=[entry.pk])).content.decode()
    assert reverse("accounting:entry_reverse", args=[entry.pk]) not in page, "a Reverse button on it"
    refused = client.post(
        reverse("accounting:entry_reverse", args=[entry.pk]), {"confirmed": "1"}, follow=True
    )
    assert invoice.number in refused.content.decode()  # the reason, shown on the entry's page
    api = api_client(accountant).post(f"/api/v1/accounting/entries/{entry.pk}/reverse/", {}, format="json")
    assert api.status_code == 409 and invoice.number in api.json()["detail"], api.content
    assert JournalEntry.objects.count() == entries
    invoice.refresh_from_db()
    assert invoice.state == Invoice.State.POSTED

    cancelled = invoices.cancel_invoice(invoice, accountant)  # the document's own way still reverses it
    assert cancelled.state == Invoice.State.CANCELLED
    assert JournalEntry.objects.filter(reversal_of=entry).exists()
    reversal = JournalEntry.objects.get(reversal_of=entry)
    with pytest.raises(ledger.EntryOwned):  # nor is the cancellation's reversal undone by hand
        ledger.reverse_entry(reversal, accountant)


def test_a_payments_entry_is_not_reversed_by_hand(company: Company, make_user: Any) -> None:
    accountant = make_user("ada", roles.ACCOUNTANT)
    invoice = _posted_invoice(company, accountant)
    bank = Journal.objects.get(company=company, code="BNK1")
    payment, _matches = payments.register_payment(
        [invoice], accountant, journal=bank, amount=Decimal("100.00"), date=DAY
    )
    assert isinstance(payment, Payment) and payment.entry is not None
    with pytest.raises(ledger.EntryOwned, match=payment.number):
        ledger.reverse_entry(payment.entry, accountant)


def test_a_manual_entry_is_still_reversed_from_its_page(
    company: Company, make_user: Any, make_entry: Any
) -> None:
    accountant = make_user("ada", roles.ACCOUNTANT)
    entry = ledger.post_entry(make_entry(), accountant)
    client = signed_in(accountant)
    page = client.get(reverse("accounting:entry_detail", args=[entry.pk])).content.decode()
    assert reverse("accounting:entry_reverse", args=[entry.pk]) in page
    done = client.post(reverse("accounting:entry_reverse", args=[entry.pk]), {"confirmed": "1"})
    assert done.status_code == 302
    assert JournalEntry.objects.filter(reversal_of=entry).exists()
