"""The payables day: supplier bills fall due, the accountant makes a payment run, one supplier
has no valid IBAN and the run says so and writes nothing; the IBAN is added, the run pays every
bill through the bank journal, the SEPA file (pain.001) is downloaded for the bank, each bill is
paid and matched, and the aged payables are empty — ending with every ledger invariant."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from tandem.accounting.models import Invoice, Journal, Payment, PaymentRun
from tandem.accounting.queries import payments as payment_queries
from tandem.accounting.queries import reports
from tandem.accounting.services import charts, invoices, ledger
from tandem.accounting.services.invoices import LineData
from tandem.core import invariants, roles
from tandem.core.models import Company, Event, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def test_supplier_bills_due_are_paid_by_a_sepa_payment_run(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner]
) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    charts.install_chart(company, ada, "ifrs", today=DAY)
    bank = Journal.objects.get(company=company, code="BNK1")
    ledger.update_journal(bank, ada, bank_iban="DE89 3704 0044 0532 0130 00", bank_bic="COBADEFFXXX")
    oak = make_partner("Hrast d.o.o.", country="SI", is_supplier=True)
    glue = make_partner("Leim GmbH", country="DE", is_supplier=True)
    hauler = make_partner("Trans sp. z o.o.", country="PL", is_supplier=True)
    add_bank_account(oak, ada, iban="SI56 1910 0000 0123 438")
    add_bank_account(glue, ada, iban="AT61 1904 3002 3457 3201")
    bills = []
    for n, (supplier, amount) in enumerate([(oak, "1240.00"), (glue, "186.40"), (hauler, "320.00")]):
        on = DAY - datetime.timedelta(days=20 - n)
        draft = invoices.create_invoice(
            company, ada, kind="supplier_bill", partner=supplier, invoice_date=on,
            lines=[LineData("Material", Decimal(1), Decimal(amount), taxes=[])],
            supplier_reference=f"R-{n + 1}",
        )  # fmt: skip
        bills.append(invoices.post_invoice(draft, ada))
    later = invoices.post_invoice(
        invoices.create_invoice(
            company, ada, kind="supplier_bill", partner=oak, invoice_date=DAY + datetime.timedelta(days=40),
            lines=[LineData("Next month", Decimal(1), Decimal("99.00"), taxes=[])],
        ),
        ada,
    )  # fmt: skip
    client = signed_in(ada)

    # The run's page lists the bills due by the date, all chosen; the later one is not among them.
    url = reverse("accounting:payment_run_create")
    page = client.get(url, {"due_until": DAY.isoformat()})
    assert page.status_code == 200
    offered = list(page.context["form"].fields["bills"].queryset)
    assert offered == bills and later not in offered
    assert "no valid IBAN" in page.content.decode()  # the hauler's flagged before anyone tries

    # All three: refused, naming the hauler's bill; nothing is paid.
    form = {
        "journal": bank.pk,
        "date": DAY.isoformat(),
        "due_until": DAY.isoformat(),
        "bills": [b.pk for b in bills],
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert f"{bills[2].number}: the supplier {hauler.name} has no valid IBAN" in refused.content.decode()
    assert not Payment.objects.exists() and not PaymentRun.objects.exists()

    # The hauler sends their IBAN; the run pays all three.
    add_bank_account(hauler, ada, iban="PL61 1090 1014 0000 0712 1981 2874")
    made = client.post(url, form)
    assert made.status_code == 302, made.context["form"].errors if made.context else made.status_code
    run = PaymentRun.objects.get()
    assert made["Location"] == run.get_absolute_url()
    assert run.amount == Decimal("1746.40") and run.payments.count() == 3
    assert {p.direction for p in run.payments.all()} == {"outbound"}
    assert "payment_run.created" in Event.objects.values_list("name", flat=True)

    # The file for the bank: a pain.001 credit transfer of the three, from the company's account.
    detail = client.get(run.get_absolute_url()).content.decode()
    file_url = reverse("accounting:payment_run_file", args=[run.pk])
    assert file_url in detail
    download = client.get(file_url)
    assert download["Content-Disposition"] == f'attachment; filename="{run.file_name}"'
    root = ET.fromstring(download.content)
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert Decimal(root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) or "0") == Decimal("1746.40")
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE89370400440532013000"
    creditors = {e.text for e in root.findall(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", NS)}
    assert creditors == {"SI56191000000123438", "AT611904300234573201", "PL61109010140000071219812874"}

    # Each bill is paid and matched; the later one is still open; the aged payables hold only it.
    statuses = payment_queries.statuses(Invoice.objects.filter(pk__in=[b.pk for b in bills]), DAY)
    assert {status for status, _left in statuses.values()} == {"paid"}
    params = reports.Params(company, DAY.replace(day=1), DAY)
    assert not [row for row in reports.aged_payables(params).rows if not row.total]
    aged = client.get(
        reverse("accounting:report", args=["aged-payables"]), {"start": "2026-03-01", "end": DAY.isoformat()}
    )
    assert aged.status_code == 200
    shown = aged.content.decode()
    assert not [name for name in (oak.name, glue.name, hauler.name) if f">{escape(name)}<" in shown]
    assert client.get(reverse("accounting:payment_run_list")).status_code == 200
    assert run.name in client.get(reverse("accounting:payment_run_list")).content.decode()
    assert not invariants.violations()
