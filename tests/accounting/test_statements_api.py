"""Bank statements over the API: upload (multipart), list, detail with its ETag, the lines with
their suggestions, match (top suggestion, or items with amounts), book, undo; a file refused
as a problem with nothing written, a retried upload answered once, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.accounting.models import BankStatement, BankStatementLine, BooksSettings, Invoice, JournalLine
from tandem.accounting.queries import payments as payment_queries
from tandem.accounting.services import charts, invoices
from tandem.accounting.services.invoices import LineData
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account
from tests.kit.api import api_client, assert_problem

from .conftest import DAY, account

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"
URL = "/api/v1/accounting/bank-statements/"
LINES = "/api/v1/accounting/bank-statement-lines/"


@pytest.fixture
def invoices_due(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner]
) -> list[Invoice]:
    customer = make_partner("Kowalski sp. z o.o.")
    add_bank_account(customer, None, iban="GB82WEST12345698765432")
    made = []
    for total in ("120.00", "100.00"):
        draft = invoices.create_invoice(
            company, None, kind="customer_invoice", partner=customer, invoice_date=DAY,
            lines=[LineData("Desk", Decimal(1), Decimal(total), taxes=[])],
        )  # fmt: skip
        made.append(invoices.post_invoice(draft, None))
    return made


def _upload(client: Any, name: str = "statement.camt053.xml", **headers: str) -> Any:
    content = (FILES / name).read_bytes()
    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, format="multipart", headers=headers)


def _item(invoice: Invoice) -> int:
    return int(JournalLine.objects.get(entry=invoice.entry, account__reconcilable=True).pk)


def test_an_accountant_uploads_a_statement_and_reconciles_its_lines(
    accountant: User, invoices_due: list[Invoice], company: Company
) -> None:
    client = api_client(accountant)
    created = _upload(client)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "2026-054" and body["source"] == "camt053" and body["balance_end"] == "1205.1000"
    assert created["ETag"] and created["Location"].endswith(f"{URL}{body['id']}/")
    detail = client.get(f"{URL}{body['id']}/")
    assert (
        detail.status_code == 200
        and client.get(f"{URL}{body['id']}/", headers={"If-None-Match": detail["ETag"]}).status_code == 304
    )
    assert [row["id"] for row in client.get(URL).json()["results"]] == [body["id"]]

    lines = client.get(f"{URL}{body['id']}/lines/").json()
    assert [line["amount"] for line in lines] == ["120.0000", "40.0000", "-4.9000", "30.0000", "20.0000"]
    first, part, fee = lines[0], lines[1], lines[2]
    assert first["suggestions"][0]["item"] == _item(invoices_due[0]) and first["suggestions"][0]["reasons"]

    matched = client.post(f"{LINES}{first['id']}/match/", {}, format="json")
    assert matched.status_code == 200, matched.content
    assert matched.json()["entry"] and matched.json()["suggestions"] == []
    split = client.post(
        f"{LINES}{part['id']}/match/",
        {"items": [{"line": _item(invoices_due[1]), "amount": "40.00"}]},
        format="json",
    )
    assert split.status_code == 200, split.content
    left = payment_queries.invoice_residuals([i.pk for i in invoices_due])
    assert (left[invoices_due[0].pk], left[invoices_due[1].pk]) == (Decimal(0), Decimal(60))
    booked = client.post(f"{LINES}{fee['id']}/book/", {"account": account(company, "6400").pk}, format="json")
    assert booked.status_code == 200 and booked.json()["counter_account"] == account(company, "6400").pk
    again = client.post(f"{LINES}{fee['id']}/book/", {"account": account(company, "6400").pk}, format="json")
    assert_problem(again, 409)
    undone = client.post(f"{LINES}{first['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["entry"] is None
    waiting = client.get(LINES, {"statement": body["id"], "reconciled": "false"}).json()["results"]
    assert {row["id"] for row in waiting} == {first["id"], lines[3]["id"], lines[4]["id"]}


def test_a_bad_file_is_a_problem_and_writes_nothing(accountant: User, invoices_due: list[Invoice]) -> None:
    client = api_client(accountant)
    evil = SimpleUploadedFile("x.xml", b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    bad = client.post(URL, {"file": evil}, format="multipart")
    assert "DTD" in assert_problem(bad, 400, "file")["detail"]
    unbalanced = (FILES / "statement.mt940").read_bytes().replace(b"1165,10", b"1165,00")
    refused = client.post(URL, {"file": SimpleUploadedFile("x.sta", unbalanced)}, format="multipart")
    assert "does not add up" in assert_problem(refused, 400, "file")["detail"]
    assert_problem(client.post(URL, {"journal": 1}, format="json"), 400, "file")
    assert_problem(
        client.post(URL, {"file": SimpleUploadedFile("x.sta", b"x"), "colour": "red"}, format="multipart"),
        400,
        "colour",
    )
    assert _upload(client).status_code == 201
    twice = _upload(client)
    assert "imported already" in assert_problem(twice, 409, "file")["detail"]
    assert BankStatement.objects.count() == 1 and BankStatementLine.objects.count() == 5


def test_a_retried_upload_imports_once(accountant: User, invoices_due: list[Invoice]) -> None:
    client = api_client(accountant)
    first = _upload(client, "statement.mt940", **{"Idempotency-Key": "upload-march-20"})
    second = _upload(client, "statement.mt940", **{"Idempotency-Key": "upload-march-20"})
    assert (first.status_code, second.status_code) == (201, 201) and first.json() == second.json()
    assert BankStatement.objects.count() == 1


def test_match_bodies_are_checked_and_refusals_write_nothing(
    accountant: User, invoices_due: list[Invoice]
) -> None:
    client = api_client(accountant)
    statement = _upload(client).json()["id"]
    line = BankStatementLine.objects.get(statement=statement, sequence=1)
    assert_problem(
        client.post(f"{LINES}{line.pk}/match/", {"items": [], "extra": 1}, format="json"), 400, "extra"
    )
    over = {"items": [{"line": _item(invoices_due[0]), "amount": "500.00"}]}
    assert_problem(client.post(f"{LINES}{line.pk}/match/", over, format="json"), 400)
    fee = BankStatementLine.objects.get(statement=statement, sequence=3)
    assert_problem(client.post(f"{LINES}{fee.pk}/match/", {}, format="json"), 400)  # nothing suggested
    line.refresh_from_db()
    assert line.entry_id is None


def test_a_salesperson_gets_no_statements_and_another_company_none_of_ours(
    accountant: User, salesperson: User, invoices_due: list[Invoice], other_company: Company,
    make_user: Callable[..., User],
) -> None:  # fmt: skip
    statement = _upload(api_client(accountant)).json()["id"]
    line = BankStatementLine.objects.get(statement=statement, sequence=1)
    seller = api_client(salesperson)
    assert seller.get(URL).status_code == 403 and seller.get(LINES).status_code == 403
    assert seller.post(f"{LINES}{line.pk}/match/", {}, format="json").status_code == 403
    assert _upload(seller).status_code == 403
    charts.install_chart(other_company, None, "ifrs", today=DAY)
    outsider = api_client(make_user("olga", roles.ACCOUNTANT, company=other_company))
    assert outsider.get(f"{URL}{statement}/").status_code == 404
    assert outsider.get(f"{URL}{statement}/lines/").status_code == 404
    assert outsider.post(f"{LINES}{line.pk}/match/", {}, format="json").status_code == 404
    assert outsider.get(LINES).json()["results"] == []
    line.refresh_from_db()
    assert line.entry_id is None
