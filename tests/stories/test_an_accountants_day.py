"""An accountant's day: set up the taxes, write a draft invoice on the page, post it, send its
PDF, find a mistake, issue a credit note and post it, then read the VAT report — ending with
every ledger invariant (the ``invariants`` fixture runs them after this story)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.models import Invoice, Tax
from tandem.accounting.services import charts, taxes
from tandem.core import invariants, roles
from tandem.core.models import Company, Event, User
from tandem.core.notifications.models import OutgoingEmail
from tandem.partners.models import Partner
from tests.accounting.reports.conftest import vat_rows
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def test_an_accountant_invoices_posts_credits_and_reads_the_vat_report(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner]
) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    charts.install_chart(company, ada, "pl", today=DAY)
    standard = next(t for t in taxes.install_taxes(company, ada) if t.name == "VAT 23 %")
    customer = make_partner("Meble Nowak sp. z o.o.", country="PL", email="faktury@nowak.example")
    client = signed_in(ada)

    # Morning: a draft on the page, with a line the form takes as typed.
    form = {
        "kind": "customer_invoice", "partner": str(customer.pk), "invoice_date": DAY.isoformat(),
        "payment_reference": "ZAM-77", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Stół dębowy", "lines-0-quantity": "2", "lines-0-price_unit": "1500.00",
        "lines-0-discount": "0", "lines-0-taxes": [str(standard.pk)],
    }  # fmt: skip
    created = client.post(reverse("accounting:invoice_create"), form)
    assert created.status_code == 302, created.content[:2000]
    invoice = Invoice.objects.get(payment_reference="ZAM-77")
    assert (invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total) == (
        Decimal("3000.00"), Decimal("690.00"), Decimal("3690.00"),
    )  # fmt: skip

    # Post it (the page asks first), download the PDF, send it.
    url = lambda name, obj: reverse(f"accounting:invoice_{name}", args=[obj.pk])  # noqa: E731
    assert client.post(url("post", invoice)).status_code == 200  # the question, nothing posted yet
    assert client.post(url("post", invoice), {"confirmed": "1"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.state == "posted" and invoice.number
    assert client.get(url("pdf", invoice)).content.startswith(b"%PDF")
    assert client.post(url("send", invoice)).status_code == 302
    assert OutgoingEmail.objects.get(partner_id=customer.pk).attachments.count() == 1

    # Afternoon: the table was never delivered — a credit note, posted.
    credited = client.post(url("credit", invoice))
    note = invoice.credit_notes.get()
    assert credited["Location"] == note.get_absolute_url()
    assert client.post(url("post", note), {"confirmed": "1"}).status_code == 302
    note.refresh_from_db()
    assert note.state == "posted"

    # March's VAT report holds the invoice; the year's nets it with today's credit note.
    march = vat_rows(company, DAY.replace(day=1), DAY.replace(day=31))[standard.name]
    assert (march.extra["base"], march.balance) == (Decimal("3000.00"), Decimal("690.00"))
    year = vat_rows(company, DAY.replace(month=1, day=1), note.invoice_date)[standard.name]
    assert (year.extra["base"], year.balance) == (Decimal(0), Decimal(0))
    page = client.get(reverse("accounting:vat_report"), {"start": "2026-03-01", "end": "2026-03-31"})
    assert standard.name in page.content.decode()
    timeline = set(Event.objects.filter(partner_id=customer.pk).values_list("name", flat=True))
    assert {"invoice.posted", "invoice.sent", "invoice.credited"} <= timeline
    assert Tax.objects.filter(company=company, account__isnull=True).count() == 0
    assert not invariants.violations()
