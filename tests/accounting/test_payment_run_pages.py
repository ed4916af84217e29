"""Payment runs from the kit's declared cases (list, page, create through the service, an
auditor looks only, another company's run is not found, exports, pinned query counts), the
"Show the bills" button of the form, and the payment-run API: list, detail, create and the
pain.001 file download, with the same rights and the pinned queries of its list."""

from __future__ import annotations

import datetime
import itertools
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, Invoice, Journal, PaymentRun
from tandem.accounting.services import charts, invoices, ledger, sepa
from tandem.accounting.services.invoices import LineData
from tandem.core import roles
from tandem.core.models import Company, Event, User
from tandem.core.models import Sequence as NumberSequence
from tandem.partners.services import add_bank_account, create_partner
from tests.kit.api import api_client
from tests.kit.query_counts import PinnedQueries
from tests.kit.records import Kit
from tests.kit.views import ViewCases, signed_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
_codes = itertools.count(1)


def _books(company: Company) -> Journal:
    """The company's chart, and its bank journal with the company's IBAN."""
    if not Account.objects.filter(company=company).exists():
        charts.install_chart(company, None, "ifrs", today=DAY)
    bank = Journal.objects.get(company=company, code="BNK1")
    if not bank.bank_iban:
        bank = ledger.update_journal(bank, None, bank_iban="DE89370400440532013000", bank_bic="COBADEFFXXX")
    return bank


def _bill(company: Company, total: str = "100.00") -> Invoice:
    supplier = create_partner(
        company,
        None,
        name=f"Hrast {next(_codes)} d.o.o.",
        country="SI",
        is_supplier=True,
        allow_duplicate=True,
    )
    add_bank_account(supplier, None, iban="SI56191000000123438")
    draft = invoices.create_invoice(
        company, None, kind="supplier_bill", partner=supplier, invoice_date=DAY,
        lines=[LineData("Boards", Decimal(1), Decimal(total), taxes=[])],
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


def make_run(company: Company, actor: User | None, **fields: Any) -> PaymentRun:
    """A run of one bill. ``name`` names the run's bank journal: the message ID is the service's
    (it is the file's MsgId), so a hostile text reaches a run's export through its journal."""
    journal = _books(company)
    if "name" in fields:
        n = next(_codes)
        journal = ledger.create_journal(
            company, actor, code=f"BK{n}", name=fields.pop("name"), kind="bank",
            default_account=journal.default_account, bank_iban="DE89370400440532013000",
        )  # fmt: skip
    # Message IDs are numbered per company and year, so both companies' first run would be
    # SEPA-2026-00001: each company's pattern names it, as a company may set its own.
    NumberSequence.objects.get_or_create(
        company=company,
        code=sepa.RUN_SEQUENCE,
        defaults={"pattern": f"SEPA-{company.code.upper()}-{{year}}-{{number:05d}}", "reset_yearly": True},
    )
    on = DAY + datetime.timedelta(days=1)
    return sepa.create_run(company, actor, journal=journal, date=on, bills=[_bill(company)], **fields)


class TestPaymentRunPages(ViewCases):
    model = PaymentRun
    namespace = "accounting"
    url_prefix = "payment_run_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    editable = False  # a run is made once: its message ID and payments are in the bank's file
    create_data: dict[str, Any] = {"date": DAY.isoformat(), "due_until": DAY.isoformat()}
    edit_changes: dict[str, Any] = {}
    bad_input = [({"date": "soon"}, "date"), ({"bills": ""}, "bills")]

    def create_form(self, kit: Kit) -> dict[str, Any]:
        bank = _books(kit.company)
        return {**self.create_data, "journal": str(bank.pk), "bills": [str(_bill(kit.company).pk)]}

    def make(self, company: Company, actor: User | None, **fields: Any) -> PaymentRun:
        return make_run(company, actor, **fields)

    def name_of(self, obj: Any) -> str:
        return str(obj.name)

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_export_has_no_live_formula(self, kit: Kit, fmt: str) -> None:
        super().test_export_has_no_live_formula(kit, fmt)


def test_show_the_bills_lists_the_bills_due_by_another_date(company: Company, make_user: Any) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    _books(company)
    due = _bill(company)
    url = reverse("accounting:payment_run_create")
    client = signed_in(ada)
    page = client.get(url, {"due_until": (DAY - datetime.timedelta(days=1)).isoformat()})
    text = page.content.decode()
    assert "Show the bills" in text and 'method="get"' in text  # the button the form's text names
    assert due not in page.context["form"].fields["bills"].queryset
    later = client.get(url, {"due_until": DAY.isoformat()})
    assert due in later.context["form"].fields["bills"].queryset
    assert f'value="{DAY.isoformat()}"' in later.content.decode()  # carried to the run it makes


# --- the API ------------------------------------------------------------------------------


def test_the_api_lists_reads_creates_and_downloads_runs(
    company: Company, other_company: Company, make_user: Any, pinned_queries: PinnedQueries
) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    client = api_client(ada)
    bank = _books(company)
    bills = [_bill(company, "120.00"), _bill(company, "80.50")]
    created = client.post(
        "/api/v1/accounting/payment-runs/",
        {"journal": bank.pk, "date": DAY.isoformat(), "bills": [b.pk for b in bills]},
        format="json",
    )
    assert created.status_code == 201, created.content
    run = PaymentRun.objects.get(pk=created.json()["id"])
    assert created["Location"].endswith(f"/api/v1/accounting/payment-runs/{run.pk}/")
    assert run.amount == Decimal("200.50") and len(created.json()["payments"]) == 2
    assert Event.objects.filter(name="payment_run.created").count() == 1

    detail = client.get(f"/api/v1/accounting/payment-runs/{run.pk}/").json()
    assert detail["name"] == run.name and Decimal(detail["amount"]) == Decimal("200.50")
    download = client.get(f"/api/v1/accounting/payment-runs/{run.pk}/file/")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/xml")
    assert download["Content-Disposition"] == f'attachment; filename="{run.file_name}"'
    root = ET.fromstring(download.content)
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"

    listed = client.get("/api/v1/accounting/payment-runs/").json()["results"]
    assert [row["id"] for row in listed] == [run.pk]
    make_run(company, ada)
    make_run(company, ada)
    pinned_queries.check(
        "api:/api/v1/accounting/payment-runs/",
        lambda: client.get("/api/v1/accounting/payment-runs/"),
        grow=lambda: [make_run(company, ada) for _ in range(2)],
    )


def test_the_api_refuses_bad_runs_and_what_a_role_may_not_do(
    company: Company, other_company: Company, make_user: Any
) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    bank = _books(company)
    bill = _bill(company)
    client = api_client(ada)
    url = "/api/v1/accounting/payment-runs/"
    before = (PaymentRun.objects.count(), Event.objects.count())
    no_bills = client.post(url, {"journal": bank.pk, "date": DAY.isoformat(), "bills": []}, format="json")
    assert no_bills.status_code == 400 and "bills" in no_bills.content.decode()
    bad_date = client.post(url, {"journal": bank.pk, "date": "soon", "bills": [bill.pk]}, format="json")
    assert bad_date.status_code == 400 and "date" in bad_date.content.decode()
    twice = client.post(
        url, {"journal": bank.pk, "date": DAY.isoformat(), "bills": [bill.pk, bill.pk]}, format="json"
    )
    assert twice.status_code == 400
    assert (PaymentRun.objects.count(), Event.objects.count()) == before

    run = make_run(company, ada)
    auditor = api_client(make_user("aud", book_roles.AUDITOR))
    assert auditor.get(f"{url}{run.pk}/file/").status_code == 200
    refused = auditor.post(
        url, {"journal": bank.pk, "date": DAY.isoformat(), "bills": [bill.pk]}, format="json"
    )
    assert refused.status_code == 403
    sam = api_client(make_user("sam", roles.SALESPERSON))
    assert sam.get(url).status_code == 403 and sam.get(f"{url}{run.pk}/file/").status_code == 403
    otto = api_client(make_user("otto", roles.ACCOUNTANT, company=other_company))
    assert otto.get(f"{url}{run.pk}/").status_code == 404
    assert otto.get(f"{url}{run.pk}/file/").status_code == 404
    assert run.pk not in [row["id"] for row in otto.get(url).json()["results"]]
    foreign_bill = otto.post(
        url, {"journal": bank.pk, "date": DAY.isoformat(), "bills": [bill.pk]}, format="json"
    )
    assert foreign_bill.status_code == 400
    assert PaymentRun.objects.count() == 1
