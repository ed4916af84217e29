"""The VAT report, served by the reports registry like every statement: base and tax per tax and
rate for sales and purchases (credit notes and refunds reducing them, the reverse charge
self-assessed), the previous period beside it, its page, XLSX, CSV and PDF, the API, who may
read it, and its drill-down paged past the 500 lines the old page cut silently.

Every figure below is worked out by hand from the documents posted in ``books``: March 2026
asked for, February the previous period.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, Invoice, Journal, JournalEntry, JournalLine, Tax
from tandem.accounting.queries import reports
from tandem.accounting.services import charts, invoices, ledger, taxes
from tandem.accounting.services.invoices import LineData
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db

D = Decimal
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
API = "/api/v1/accounting/reports/vat/"
FEB, DAY = datetime.date(2026, 2, 15), datetime.date(2026, 3, 10)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_of(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(kind: str, partner: Partner, on: datetime.date, *lines: LineData) -> Invoice:
    draft = invoices.create_invoice(
        partner.company, None, kind=kind, partner=partner, invoice_date=on, lines=list(lines)
    )
    return invoices.post_invoice(draft, None)


@pytest.fixture
def vat(company: Company) -> dict[str, Tax]:
    charts.install_chart(company, None, "ifrs", today=DAY)
    return {t.name: t for t in taxes.install_taxes(company, None, "PL")}


@pytest.fixture
def books(company: Company, vat: dict[str, Tax], make_partner: Callable[..., Partner]) -> dict[str, Tax]:
    """February: a sale of 200 at 23 %. March: a sale of 1,000 at 23 % and 40 at 8 %, a credit
    note of 300 at 23 %, a domestic bill of 400 at 23 %, a supplier refund of 100 of it, and
    100 bought from Germany under the reverse charge."""
    customer = make_partner("Kowalski sp. z o.o.", country="PL")
    supplier = make_partner("Tartak Nowak", country="PL", is_supplier=True)
    german = make_partner("Holz GmbH", country="DE", tax_id="DE136695976", is_supplier=True)
    sale, reduced, bought = vat["VAT 23 %"], vat["VAT 8 %"], vat["VAT 23 % (naliczony)"]
    post("customer_invoice", customer, FEB, LineData("Chair", D(1), D("200.00"), taxes=[sale]))
    post(
        "customer_invoice",
        customer,
        DAY,
        LineData("Oak table", D(2), D("500.00"), taxes=[sale]),
        LineData("Delivery", D(1), D("40.00"), taxes=[reduced]),
    )
    post("customer_credit_note", customer, DAY, LineData("Scratched top", D(1), D("300.00"), taxes=[sale]))
    post("supplier_bill", supplier, DAY, LineData("Planks", D(4), D("100.00"), taxes=[bought]))
    post("supplier_refund", supplier, DAY, LineData("Returned plank", D(1), D("100.00"), taxes=[bought]))
    eu = taxes.position_for(company, "DE", True)
    boards = LineData("Boards", D(1), D("100.00"), taxes=taxes.map_taxes(eu, [bought]))
    post("supplier_bill", german, DAY, boards)
    return vat


def march(company: Company, **more: Any) -> reports.Params:
    return reports.Params(company, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), **more)


def test_base_and_tax_per_rate_for_sales_and_purchases(company: Company, books: dict[str, Tax]) -> None:
    report = reports.vat(march(company))
    shown = [
        (
            row.name,
            row.section,
            row.extra["base"],
            row.balance,
            row.extra["self_assessed"],
            row.extra["previous_base"],
            row.previous,
        )
        for row in report.rows
    ]
    assert shown == [
        # the credit note takes 300 and its 69 of tax off the 23 % sales
        ("VAT 23 %", "sale", D("700.00"), D("161.00"), D(0), D("200.00"), D("46.00")),
        ("VAT 8 %", "sale", D("40.00"), D("3.20"), D(0), D(0), D(0)),
        ("Total Sales", "sale", D("740.00"), D("164.20"), D(0), D("200.00"), D("46.00")),
        # the refund takes 100 and its 23 off the bill
        ("VAT 23 % (naliczony)", "purchase", D("300.00"), D("69.00"), D(0), D(0), D(0)),
        # deducted and self-assessed: the same 23 on both sides
        ("VAT 23 % EU reverse charge", "purchase", D("100.00"), D("23.00"), D("23.00"), D(0), D(0)),
        ("Total Purchases", "purchase", D("400.00"), D("92.00"), D("23.00"), D(0), D(0)),
        ("VAT payable", "", None, D("95.20"), None, None, D("46.00")),
    ]
    assert [row.extra["rate"] for row in report.rows if not row.total] == [D(23), D(8), D(23), D(23)]
    assert report.totals["payable"] == D("164.20") - D("92.00") + D("23.00")
    assert report.totals["previous_payable"] == D("46.00")
    # the payable is what the tax accounts moved by, read independently of the report
    tax_accounts = JournalLine.objects.filter(company=company, posted=True, tax__isnull=False)
    moved = sum((line.credit - line.debit for line in tax_accounts if line.date >= DAY), D(0))
    assert moved == report.totals["payable"]


def test_each_figure_drills_down_to_its_documents(company: Company, books: dict[str, Tax]) -> None:
    rows = {row.name: row for row in reports.vat(march(company)).rows}
    lines = reports.drill_lines(march(company), rows["VAT 23 %"].drill)
    kinds = sorted(line.entry.invoice.kind for line in lines.select_related("entry__invoice"))
    # a base line and a tax line of the invoice and of the credit note; February's left out
    assert kinds == ["customer_credit_note"] * 2 + ["customer_invoice"] * 2
    assert sum((line.credit - line.debit for line in lines), D(0)) == D("700.00") + D("161.00")
    april = reports.vat(reports.Params(company, datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)))
    assert {(row.name, row.balance, row.previous) for row in april.rows if row.section == "sale"} == {
        ("VAT 23 %", D(0), D("161.00")),
        ("VAT 8 %", D(0), D("3.20")),
        ("Total Sales", D(0), D("164.20")),
    }  # March beside an empty April
    assert (april.totals["payable"], april.totals["previous_payable"]) == (D(0), D("95.20"))


def test_the_page_and_its_files_hold_the_same_figures(
    company: Company, books: dict[str, Tax], accountant: User
) -> None:
    client = client_of(accountant)
    page = client.get(reverse("accounting:vat_report"), MARCH)
    assert page.status_code == 200
    assert reverse("accounting:vat_report") == reverse("accounting:report", args=["vat"])
    assert page.context["columns"] == [
        "Rate, %", "Base", "Base, previous period", "Self-assessed", "Tax", "Tax, previous period",
    ]  # fmt: skip
    first = page.context["rows"][0]
    assert first["cells"] == ["23.00", "700.00", "200.00", "0.00", "161.00", "46.00"]
    assert 'id="report-centre"' not in page.content.decode()  # tax lines carry no cost centre
    lines = client.get(first["link"])
    assert lines.status_code == 200
    assert {obj.entry.invoice.kind for obj, _cells in lines.context["rows"]} == {
        "customer_invoice",
        "customer_credit_note",
    }
    assert books["VAT 23 %"].base_lines.exists()  # the drill-down also reads the base lines
    workbook = client.get(reverse("accounting:vat_report"), {**MARCH, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][2:] == page.context["columns"]
    assert [None, "VAT payable", None, None, None, None, 95.2, 46] in values
    file = client.get(reverse("accounting:vat_report"), {**MARCH, "format": "csv"})
    assert file["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(file.streaming_content).decode("utf-8-sig"))))
    assert ["", "VAT 23 %", "23.00", "700.00", "200.00", "0.00", "161.00", "46.00"] in rows
    pdf = client.get(reverse("accounting:vat_report"), {**MARCH, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_cost_centre_is_refused_naming_the_parameter(
    company: Company, books: dict[str, Tax], accountant: User
) -> None:
    centre = ledger.create_cost_centre(company, None, code="CC1", name="Showroom")
    with_centre = {**MARCH, "cost_centre": str(centre.pk)}
    page = client_of(accountant).get(reverse("accounting:vat_report"), with_centre)
    assert page.status_code == 400 and "cost_centre:" in page.content.decode()
    assert (
        client_of(accountant)
        .get(reverse("accounting:vat_report"), {**with_centre, "format": "csv"})
        .status_code
        == 400
    )
    answer = api_of(accountant).get(API, with_centre)
    assert answer.status_code == 400 and "cost_centre" in answer.json()["errors"]
    # the other reports still narrow by it
    assert api_of(accountant).get("/api/v1/accounting/reports/trial-balance/", with_centre).status_code == 200


def test_the_api_answers_rows_totals_and_the_previous_period(
    company: Company, books: dict[str, Tax], accountant: User
) -> None:
    answer = api_of(accountant).get(API, MARCH)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["report"], body["previous_start"], body["previous_end"]) == (
        "vat",
        "2026-02-01",
        "2026-02-28",
    )
    standard = body["rows"][0]
    assert (standard["name"], standard["section"], standard["rate"], standard["base"]) == (
        "VAT 23 %",
        "sale",
        "23.00",
        "700.00",
    )
    assert (standard["balance"], standard["previous"], standard["previous_base"]) == (
        "161.00",
        "46.00",
        "200.00",
    )
    assert standard["lines"]["tax"] == str(books["VAT 23 %"].pk)
    assert body["rows"][-1]["base"] is None and body["rows"][-1]["balance"] == "95.20"
    assert (body["totals"]["payable"], body["totals"]["self_assessed_purchase"]) == ("95.20", "23.00")


def test_only_the_books_readers_of_the_company_see_it(
    company: Company,
    books: dict[str, Tax],
    salesperson: User,
    admin: User,
    other_company: Company,
    make_user: Callable[..., User],
) -> None:
    for user in (salesperson, make_user("wanda", roles.WAREHOUSE)):
        assert client_of(user).get(reverse("accounting:vat_report"), MARCH).status_code == 403
        assert (
            client_of(user).get(reverse("accounting:vat_report"), {**MARCH, "format": "csv"}).status_code
            == 403
        )
        assert (
            client_of(user).get(reverse("accounting:report_lines"), {"tax": books["VAT 23 %"].pk}).status_code
            == 403
        )
        assert api_of(user).get(API, MARCH).status_code == 403
        export = client_of(user).get(reverse("accounting:report_lines_export"), {"format": "csv"})
        assert export.status_code == 403
    auditor = make_user("audrey", book_roles.AUDITOR)
    for user in (admin, auditor):
        assert api_of(user).get(API, MARCH).json()["rows"][0]["balance"] == "161.00"
    # Another company's accountant reads their own books, which hold nothing of ours,
    # whatever tax a drill-down link names.
    theirs = make_user("olga", roles.ACCOUNTANT, company=other_company)
    body = api_of(theirs).get(API, MARCH).json()
    assert [(row["name"], row["balance"]) for row in body["rows"]] == [
        ("Total Sales", "0.00"),
        ("Total Purchases", "0.00"),
        ("VAT payable", "0.00"),
    ]
    page = client_of(theirs).get(reverse("accounting:vat_report"), MARCH)
    assert all(line["row"].total for line in page.context["rows"])
    lines = client_of(theirs).get(reverse("accounting:report_lines"), {"tax": books["VAT 23 %"].pk})
    assert lines.status_code == 200 and list(lines.context["rows"]) == []
    drill = {"tax": books["VAT 23 %"].pk, "format": "csv"}
    file = client_of(theirs).get(reverse("accounting:report_lines_export"), drill)
    assert file.status_code == 200 and len(b"".join(file.streaming_content).splitlines()) == 1  # the header


def test_the_drill_down_pages_past_500_lines(company: Company, vat: dict[str, Tax], accountant: User) -> None:
    """620 lines behind one tax (310 base lines carrying it, 310 tax lines), written as posted
    test data in bulk (balanced by one bank line): the drill-down walks them all a page at a
    time, none twice, none cut."""
    tax = vat["VAT 23 %"]
    sales = Account.objects.get(company=company, code="4000")
    journal = Journal.objects.filter(company=company).first()
    assert journal is not None and tax.account is not None
    entry = JournalEntry.objects.create(
        company=company, journal=journal, date=DAY, number="BULK/1", state=JournalEntry.State.POSTED
    )

    def line(account: Account, n: int, **more: Any) -> JournalLine:
        amounts = {"debit": D(0), "credit": D(1), "amount_currency": D(-1), **more}
        return JournalLine(
            company=company, entry=entry, journal=journal, date=DAY, posted=True, account=account,
            currency=company.currency, label=f"#{n}", **amounts,
        )  # fmt: skip

    bases = JournalLine.objects.bulk_create(line(sales, n) for n in range(310))
    JournalLine.taxes.through.objects.bulk_create(
        JournalLine.taxes.through(journalline_id=base.pk, tax_id=tax.pk) for base in bases
    )
    JournalLine.objects.bulk_create(line(tax.account, n, tax=tax) for n in range(310))
    bank = Account.objects.get(company=company, code="1010")
    JournalLine.objects.bulk_create([line(bank, 620, debit=D(620), credit=D(0), amount_currency=D(620))])
    client = client_of(accountant)
    row = client.get(reverse("accounting:vat_report"), MARCH).context["rows"][0]
    assert (row["row"].extra["base"], row["row"].balance) == (D(310), D(310))
    seen: list[int] = []
    url: str | None = row["link"]
    pages = 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen += [obj.pk for obj, _cells in page.context["rows"]]
        url = page.context["next_url"]
        pages += 1
    assert len(seen) == len(set(seen)) == 620 and pages > 1
    # the file of the same figure holds all of them, in one go
    lines, export = reverse("accounting:report_lines"), reverse("accounting:report_lines_export")
    assert row["link"].startswith(lines)
    file = client.get(row["link"].replace(lines, export, 1) + "&format=csv")
    assert file.status_code == 200 and file["Content-Type"].startswith("text/csv")
    written = list(csv.reader(io.StringIO(b"".join(file.streaming_content).decode("utf-8-sig"))))
    assert written[0][:5] == ["Date", "Entry", "Document", "Account code", "Account"]
    assert len(written) == 1 + 620
    assert {line[3] for line in written[1:]} == {sales.code, tax.account.code}  # not the bank line


def test_query_counts_are_pinned(
    pinned_queries: Any,
    company: Company,
    books: dict[str, Tax],
    accountant: User,
    make_partner: Callable[..., Partner],
) -> None:
    """The page, the API and the drill-down make the same queries however many taxes and documents."""
    client, api = client_of(accountant), api_of(accountant)
    counter = iter(range(1000))

    def grow() -> None:
        n = next(counter)
        made = taxes.create_tax(
            company, None, name=f"Levy {n} %", use="sale", amount=D(n + 1), account=books["VAT 23 %"].account
        )
        chair = LineData("Chair", D(1), D("10.00"), taxes=[made])
        table = LineData("Table", D(1), D("90.00"), taxes=[books["VAT 23 %"]])
        post("customer_invoice", make_partner(f"Grown {n}"), DAY, chair, table)

    lines = reports.drill_lines(march(company), {"tax": books["VAT 23 %"].pk})
    assert lines.count() == 6  # no dates in the drill: February's invoice too
    pinned_queries.check(
        "accounting:report:vat", lambda: client.get(reverse("accounting:vat_report"), MARCH), grow
    )
    pinned_queries.check("api:accounting-report:vat", lambda: api.get(API, MARCH), grow)
    drill = {**MARCH, "tax": str(books["VAT 23 %"].pk)}
    pinned_queries.check(
        "accounting:report_lines:tax", lambda: client.get(reverse("accounting:report_lines"), drill), grow
    )


def test_a_compound_tax_is_shown_on_the_base_it_was_computed_on(
    company: Company, vat: dict[str, Tax], make_partner: Callable[..., Partner]
) -> None:
    """An excise of 10 % that later taxes include: the 23 % VAT of a sale of 100 is 23 % of
    110, so its base in the report is 110 (what the tax was computed on), the excise's 100."""
    sale = vat["VAT 23 %"]
    excise = taxes.create_tax(
        company, None, name="Excise 10 %", use="sale", computation="percent", amount=D(10),
        affects_base=True, sequence=0, account=sale.account,
    )  # fmt: skip
    customer = make_partner("Kowalski sp. z o.o.", country="PL")
    post("customer_invoice", customer, DAY, LineData("Wine", D(1), D("100.00"), taxes=[excise, sale]))
    post("customer_credit_note", customer, DAY, LineData("Wine", D(1), D("50.00"), taxes=[excise, sale]))
    rows = {row.name: row for row in reports.vat(march(company)).rows if not row.total}
    assert (rows["VAT 23 %"].extra["base"], rows["VAT 23 %"].balance) == (D("55.00"), D("12.65"))
    assert (rows["Excise 10 %"].extra["base"], rows["Excise 10 %"].balance) == (D("50.00"), D("5.00"))


def test_an_edited_rate_leaves_the_past_as_it_was_posted(
    company: Company, vat: dict[str, Tax], make_partner: Callable[..., Partner]
) -> None:
    """The rate shown is the one each tax line was posted at: raising the 8 % to 9 % changes
    nothing of February, and a month that holds both rates shows a row for each."""
    reduced = vat["VAT 8 %"]
    customer = make_partner("Kowalski sp. z o.o.", country="PL")
    post("customer_invoice", customer, FEB, LineData("Delivery", D(1), D("100.00"), taxes=[reduced]))
    post("customer_invoice", customer, DAY, LineData("Delivery", D(1), D("100.00"), taxes=[reduced]))
    february = reports.Params(company, datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    before = [(r.name, r.extra["rate"], r.extra["base"], r.balance) for r in reports.vat(february).rows]
    taxes.update_tax(reduced, None, amount=D(9))
    shown = [(r.name, r.extra["rate"], r.extra["base"], r.balance) for r in reports.vat(february).rows]
    assert shown == before
    assert ("VAT 8 %", D(8), D("100.00"), D("8.00")) in shown
    post("customer_invoice", customer, DAY, LineData("Delivery", D(1), D("200.00"), taxes=[reduced]))
    report = reports.vat(march(company))
    rows = [r for r in report.rows if r.name == "VAT 8 %"]
    assert [(r.extra["rate"], r.extra["base"], r.balance, r.previous) for r in rows] == [
        (D(9), D("200.00"), D("18.00"), D(0)),
        (D(8), D("100.00"), D("8.00"), D("8.00")),
    ]
    for row in rows:  # each row drills to its own lines
        lines = reports.drill_lines(report.params, row.drill)
        assert sum((ln.credit - ln.debit for ln in lines if ln.tax_id), D(0)) == row.balance


def test_the_old_addresses_redirect_for_good_keeping_the_period(accountant: User) -> None:
    """/accounting/vat/ and /accounting/vat/<tax>/ were the report's addresses before it moved
    onto the reports registry: bookmarks land on the same period of the report and its lines."""
    client = client_of(accountant)
    moved = client.get("/accounting/vat/", MARCH)
    assert moved.status_code == 301
    assert moved["Location"] == f"{reverse('accounting:vat_report')}?start=2026-03-01&end=2026-03-31"
    lines = client.get("/accounting/vat/7/", MARCH)
    assert lines.status_code == 301
    assert lines["Location"] == f"{reverse('accounting:report_lines')}?start=2026-03-01&end=2026-03-31&tax=7"
    bare = client.get("/accounting/vat/")
    assert (bare.status_code, bare["Location"]) == (301, reverse("accounting:vat_report"))
