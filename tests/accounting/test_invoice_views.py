"""Invoice pages and API from the kit's declared cases, plus the PDF and the VAT report."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, Invoice, Tax
from tandem.accounting.services import charts, invoices, taxes
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tests.kit.api import ApiAction, ApiCases, api_client
from tests.kit.records import Kit
from tests.kit.views import Action, ViewCases, form_data, formset_data, signed_in

DAY = datetime.date(2026, 3, 10)
REFERENCES = itertools.count(1)
AUDITOR = book_roles.AUDITOR  # the shipped read-only role: looks at invoices, changes nothing


def books_of(company: Company) -> dict[str, Tax]:
    """The company's chart and its country's taxes, installed once."""
    if not Account.objects.filter(company=company).exists():
        charts.install_chart(company, None, "ifrs", today=DAY)
        taxes.install_taxes(company, None)
    return {t.name: t for t in Tax.objects.filter(company=company)}


def _partner(company: Company, actor: User | None) -> Any:
    return create_partner(company, actor, name=f"Customer of {company.code}", allow_duplicate=True)


def make_invoice(company: Company, actor: User | None, **fields: Any) -> Invoice:
    vat = books_of(company)
    standard = next(t for t in vat.values() if t.use == "sale" and t.amount > 10)
    line = invoices.LineData("Oak table", Decimal(2), Decimal("500.00"), taxes=[standard])
    fields.setdefault("payment_reference", f"REF-{next(REFERENCES)}")
    return invoices.create_invoice(
        company, actor, kind="customer_invoice", partner=_partner(company, actor), invoice_date=DAY,
        lines=[line], **fields,
    )  # fmt: skip


class TestInvoicePages(ViewCases):
    model = Invoice
    namespace = "accounting"
    url_prefix = "invoice_"
    editor_role = roles.ACCOUNTANT
    reader_role = AUDITOR
    name_field = "payment_reference"
    create_data: dict[str, Any] = {
        "kind": "customer_invoice",
        "invoice_date": "2026-03-10",
        "payment_reference": "NEW-1",
    }
    edit_changes = {"notes": "Delivered on the 9th"}
    stale_changes = {"notes": "Someone else's note"}
    bad_input = [({"invoice_date": "not a date"}, "invoice_date")]
    actions = [
        Action("accounting:invoice_post", lambda kit, inv: {"confirmed": "1"}, "invoice.posted"),
    ]

    @pytest.fixture(autouse=True)
    def _books(self, company: Company, other_company: Company) -> None:
        """Both companies keep books, and ours has a customer, before any test looks."""
        books_of(company), books_of(other_company)
        _partner(company, None)

    def make(self, company: Company, actor: User | None, **fields: Any) -> Invoice:
        return make_invoice(company, actor, **fields)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        vat = books_of(kit.company)
        standard = next(t for t in vat.values() if t.use == "sale" and t.amount > 10)
        return {
            **self.create_data,
            "partner": str(Partner.objects.filter(company=kit.company).first().pk),  # type: ignore[union-attr]
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
            "lines-0-description": "Chair", "lines-0-quantity": "4", "lines-0-price_unit": "80.00",
            "lines-0-discount": "0", "lines-0-taxes": [str(standard.pk)],
        }  # fmt: skip

    def edit_form(self, client: Client, obj: Any) -> dict[str, Any]:
        response = client.get(self.url("edit", obj))
        assert response.status_code == 200, response.status_code
        form = response.context["form"]
        return {**form_data(form), **formset_data(form.lines)}


def test_the_pdf_downloads_and_the_vat_report_drills_down(company: Company, make_user: Any) -> None:
    accountant = make_user("ada", roles.ACCOUNTANT)
    posted = invoices.post_invoice(make_invoice(company, accountant), accountant)
    client = signed_in(accountant)
    page = client.get(posted.get_absolute_url())
    [vat] = page.context["tax_rows"]  # the rate's group, as the page and the PDF total it
    assert (vat.name, vat.base, vat.amount) == ("VAT 23 %", Decimal("1000.00"), Decimal("230.00"))
    assert page.content.decode().count("data-tax-row") == 1
    pdf = client.get(reverse("accounting:invoice_pdf", args=[posted.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and invoices.pdf_name(posted) in pdf["Content-Disposition"]
    report = client.get(reverse("accounting:vat_report"), {"start": "2026-03-01", "end": "2026-03-31"})
    row = report.context["rows"][0]
    assert (row["row"].extra["base"], row["row"].balance) == (Decimal("1000.00"), Decimal("230.00"))
    lines = client.get(row["link"])
    assert posted.get_absolute_url() in lines.content.decode()
    assert (
        signed_in(make_user("sam", roles.SALESPERSON)).get(reverse("accounting:vat_report")).status_code
        == 403
    )


def test_a_business_error_is_shown_in_place(company: Company, make_user: Any) -> None:
    accountant = make_user("ada", roles.ACCOUNTANT)
    posted = invoices.post_invoice(make_invoice(company, accountant), accountant)
    response = signed_in(accountant).post(
        reverse("accounting:invoice_post", args=[posted.pk]), {"confirmed": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Only a draft" in response.content.decode()


class TestInvoiceApi(ApiCases):
    model = Invoice
    collection = "/api/v1/accounting/invoices/"
    editor_role = roles.ACCOUNTANT
    reader_role = AUDITOR
    name_field = "payment_reference"
    archives = False  # a draft is deleted on the page; a posted invoice is cancelled
    create_body: dict[str, Any] = {"kind": "customer_invoice", "invoice_date": "2026-03-10"}
    update_body = {"notes": "Delivered on the 9th"}
    stale_body = {"notes": "Someone else's note"}
    bad_bodies = [({"invoice_date": "not a date"}, "invoice_date"), ({"kind": "gift"}, "kind")]
    actions = [ApiAction("post", lambda kit, inv: {}, event="invoice.posted")]

    @pytest.fixture(autouse=True)
    def _books(self, company: Company, other_company: Company) -> None:
        books_of(company), books_of(other_company)
        _partner(company, None)

    def make(self, company: Company, actor: User | None, **fields: Any) -> Invoice:
        return make_invoice(company, actor, **fields)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        standard = next(t for t in books_of(kit.company).values() if t.use == "sale" and t.amount > 10)
        partner = Partner.objects.filter(company=kit.company).first()
        line = {"description": "Chair", "quantity": "4", "price_unit": "80.00", "taxes": [standard.pk]}
        return {**self.create_body, "partner": partner.pk, "lines": [line]}  # type: ignore[union-attr]


def test_the_api_posts_cancels_and_sends(company: Company, make_user: Any) -> None:
    accountant = make_user("ada", roles.ACCOUNTANT)
    draft = make_invoice(company, accountant)
    client = api_client(accountant)
    url = f"/api/v1/accounting/invoices/{draft.pk}/"
    posted = client.post(f"{url}post/")
    assert posted.status_code == 200 and posted.json()["state"] == "posted"
    assert client.post(f"{url}post/").status_code == 409  # a posted invoice does not post again
    assert client.post(f"{url}send/").status_code == 400  # the partner has no e-mail address
    credit = client.post(f"{url}credit/")
    assert credit.status_code == 201 and credit.json()["kind"] == "customer_credit_note"
    assert client.post(f"{url}cancel/").status_code == 400  # its credit note first
