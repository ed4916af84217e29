"""Report pages, drill-down, XLSX, PDF, the dashboard and the API: figures, permissions,
another company's books, bad parameters and pinned query counts."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tandem.accounting.models import Account, Journal
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tests.accounting.reports.conftest import D, Ledger, post

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
API = "/api/v1/accounting/reports/"


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_of(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name: str) -> str:
    return reverse("accounting:report", args=[name])


def test_trial_balance_page_with_drill_down(accountant: User, ledger: Ledger) -> None:
    client = client_of(accountant)
    page = client.get(url("trial-balance"), MARCH)
    assert page.status_code == 200
    rows = {line["row"].key: line for line in page.context["rows"]}
    assert rows["1000"]["cells"] == ["9,700.00", "700.00", "200.00", "10,200.00", "9,700.00"]
    lines = client.get(rows["1000"]["link"])
    assert lines.status_code == 200
    shown = [(obj.debit, obj.credit) for obj, _cells in lines.context["rows"]]
    assert sorted(shown) == [(0, 200), (700, 0)]


def test_every_report_page_answers(accountant: User, ledger: Ledger) -> None:
    client = client_of(accountant)
    for name in (
        "trial-balance",
        "general-ledger",
        "balance-sheet",
        "profit-and-loss",
        "cash-flow",
        "aged-receivables",
        "aged-payables",
        "partner-ledger",
    ):
        page = client.get(url(name), MARCH)
        assert page.status_code == 200, name
        for line in page.context["rows"]:
            if line["link"]:
                assert client.get(line["link"]).status_code == 200, (name, line["link"])
    dashboard = client.get(reverse("accounting:dashboard")).content.decode()
    assert "<svg" in dashboard and "chart-income" in dashboard


def test_xlsx_and_pdf_hold_the_same_figures(accountant: User, ledger: Ledger) -> None:
    client = client_of(accountant)
    workbook = client.get(url("profit-and-loss"), {**MARCH, "format": "xlsx"})
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Code", "Name", "Balance", "Previous period"]
    assert ["4000", "Sales", 500, 1200] in values
    assert [None, "Net result", 200, 900] in values
    pdf = client.get(url("balance-sheet"), {**MARCH, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_api_answers_rows_and_totals(accountant: User, ledger: Ledger) -> None:
    answer = api_of(accountant).get(f"{API}trial-balance/", MARCH)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    bank = next(row for row in body["rows"] if row["code"] == "1000")
    assert (bank["name"], bank["debit"], bank["credit"], bank["balance"], bank["previous"]) == (
        "Bank",
        "700.00",
        "200.00",
        "10200.00",
        "9700.00",
    )
    assert body["totals"]["debit"] == body["totals"]["credit"] == "3900.00"
    assert body["totals"]["balance"] == "0.00"
    assert (body["previous_start"], body["previous_end"]) == ("2026-02-01", "2026-02-28")
    centre = api_of(accountant).get(f"{API}trial-balance/", {**MARCH, "cost_centre": ledger.cost_centre.pk})
    assert [row["code"] for row in centre.json()["rows"]] == ["1000", "5000"]


def test_bad_parameters_are_a_400_naming_them(accountant: User, ledger: Ledger) -> None:
    page = client_of(accountant).get(url("trial-balance"), {"start": "2026-13-01"})
    assert page.status_code == 400 and "start:" in page.content.decode()
    assert (
        client_of(accountant).get(url("trial-balance"), {"start": "x", "format": "xlsx"}).status_code == 400
    )
    answer = api_of(accountant).get(f"{API}trial-balance/", {"start": "2026-04-01", "end": "2026-03-01"})
    assert answer.status_code == 400 and "end" in answer.json()["errors"]
    assert api_of(accountant).get(f"{API}no-such-report/").status_code == 404
    assert client_of(accountant).get(url("no-such-report")).status_code == 404
    lines = client_of(accountant).get(reverse("accounting:report_lines"), {"account": "1e9"})
    assert lines.status_code == 400


def test_only_accountants_and_administrators_see_the_books(
    ledger: Ledger, salesperson: User, admin: User, make_user: Callable[..., User]
) -> None:
    keeper = make_user("wanda", roles.WAREHOUSE)
    for user in (salesperson, keeper):
        assert client_of(user).get(url("trial-balance")).status_code == 403
        assert client_of(user).get(url("trial-balance"), {"format": "xlsx"}).status_code == 403
        assert client_of(user).get(reverse("accounting:report_lines")).status_code == 403
        assert client_of(user).get(reverse("accounting:dashboard")).status_code == 403
        assert api_of(user).get(f"{API}trial-balance/").status_code == 403
    assert client_of(admin).get(url("trial-balance"), MARCH).status_code == 200
    assert api_of(admin).get(f"{API}balance-sheet/", MARCH).status_code == 200


def test_another_companys_books_are_404(
    ledger: Ledger,
    other_company: Company,
    make_user: Callable[..., User],
    make_partner: Callable[..., Partner],
) -> None:
    theirs = make_user("olga", roles.ACCOUNTANT, company=other_company)
    centre = {**MARCH, "cost_centre": ledger.cost_centre.pk}
    assert client_of(theirs).get(url("trial-balance"), centre).status_code == 404
    assert client_of(theirs).get(url("trial-balance"), {**centre, "format": "xlsx"}).status_code == 404
    assert api_of(theirs).get(f"{API}trial-balance/", centre).status_code == 404
    # Their own books hold nothing of ours, whatever account a drill-down link names.
    page = client_of(theirs).get(url("trial-balance"), MARCH)
    assert page.context["rows"] == []
    lines = client_of(theirs).get(reverse("accounting:report_lines"), {"account": ledger.accounts["1000"].pk})
    assert lines.status_code == 200 and list(lines.context["rows"]) == []
    assert api_of(theirs).get(f"{API}trial-balance/", MARCH).json()["rows"] == []


def test_query_counts_are_pinned(
    pinned_queries: Any,
    accountant: User,
    ledger: Ledger,
    company: Company,
    make_partner: Callable[..., Partner],
) -> None:
    """Each page and API answer makes the same queries however many accounts, partners and lines."""
    client, api = client_of(accountant), api_of(accountant)
    journal = Journal.objects.get(company=company)
    counter = iter(range(1000))

    def grow() -> None:
        n = next(counter)
        account = Account.objects.create(
            company=company, code=f"41{n:02}", name=f"Sales {n}", type="income", subtype="income"
        )
        partner = make_partner(f"Grown {n}")
        post(
            company,
            journal,
            D(2026, 3, 2),
            f"G/{n}",
            (ledger.accounts["1200"], "10", "0", partner, None, None),
            (account, "0", "10", None, None, None),
        )

    for name in (
        "trial-balance",
        "balance-sheet",
        "profit-and-loss",
        "cash-flow",
        "aged-receivables",
        "partner-ledger",
    ):
        pinned_queries.check(
            f"accounting:report:{name}", lambda name=name: client.get(url(name), MARCH), grow
        )
        pinned_queries.check(
            f"api:accounting-report:{name}", lambda name=name: api.get(f"{API}{name}/", MARCH), grow
        )
    pinned_queries.check("accounting:dashboard", lambda: client.get(reverse("accounting:dashboard")), grow)
