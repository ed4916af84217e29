"""Bank statement pages and API lists run a pinned number of queries, whatever their rows: the
list (with each statement's progress), a statement's reconciliation screen (each waiting line
with its suggestions over the open items) and the API's statement and line lists."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import BankStatement, BooksSettings, Invoice
from tandem.accounting.services import invoices, statements
from tandem.accounting.services.invoices import LineData
from tandem.accounting.services.statement_files import CAMT053, ParsedLine, ParsedStatement
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account
from tests.kit.api import api_client
from tests.kit.query_counts import PinnedQueries
from tests.kit.views import signed_in

from .conftest import DAY

pytestmark = pytest.mark.django_db
IBAN = "GB82WEST12345698765432"
_ids = itertools.count(1)


@pytest.fixture
def ada(make_user: Any) -> User:
    return make_user("ada", roles.ACCOUNTANT)


@pytest.fixture
def customer(make_partner: Any, books: BooksSettings) -> Partner:
    partner = make_partner("Kowalski sp. z o.o.", country="PL")
    add_bank_account(partner, None, iban=IBAN)
    return partner


def _invoice(company: Company, partner: Partner, total: str) -> Invoice:
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=partner, invoice_date=DAY,
        lines=[LineData("Oak table", Decimal(1), Decimal(total), taxes=[])],
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


def _statement(company: Company, lines: int = 2) -> BankStatement:
    """A statement paying fresh invoices: by their number, by the IBAN, and a bank fee."""
    partner = Partner.objects.get(company=company, name="Kowalski sp. z o.o.")
    parsed_lines = []
    for n in range(lines):
        invoice = _invoice(company, partner, f"{100 + n}.00")
        parsed_lines.append(
            ParsedLine(
                DAY, Decimal(f"{100 + n}.00"), partner.name, IBAN, invoice.number, "", f"T-{next(_ids)}"
            )
        )
    parsed_lines.append(ParsedLine(DAY, Decimal("-2.50"), "", "", "", "Bank fee", f"T-{next(_ids)}"))
    total = sum((line.amount for line in parsed_lines), Decimal(0))
    parsed = ParsedStatement(CAMT053, f"S-{next(_ids)}", DAY, "EUR", Decimal(0), total, "", parsed_lines)
    return statements.import_statement(company, None, parsed)


def test_the_statement_list_runs_the_pinned_queries(
    company: Company, customer: Partner, ada: User, pinned_queries: PinnedQueries
) -> None:
    for _ in range(2):
        _statement(company)
    client = signed_in(ada)
    url = reverse("accounting:statement_list")
    assert client.get(url).status_code == 200
    pinned_queries.check(
        "accounting:statement_list",
        lambda: client.get(url),
        grow=lambda: [_statement(company) for _ in range(2)],
    )


def test_the_reconciliation_screen_runs_the_pinned_queries_whatever_its_lines(
    company: Company, customer: Partner, ada: User, pinned_queries: PinnedQueries
) -> None:
    few, many = _statement(company, lines=1), _statement(company, lines=4)
    client = signed_in(ada)
    page = client.get(reverse("accounting:statement_detail", args=[few.pk]))
    assert page.status_code == 200
    counts = [
        pinned_queries.check(
            "accounting:statement_detail",
            lambda statement=statement: client.get(
                reverse("accounting:statement_detail", args=[statement.pk])
            ),
        )
        for statement in (few, many)
    ]
    assert counts[0] == counts[1]


def test_the_api_statement_lists_run_the_pinned_queries(
    company: Company, customer: Partner, ada: User, pinned_queries: PinnedQueries
) -> None:
    statement = _statement(company)
    client = api_client(ada)
    pinned_queries.check(
        "api:/api/v1/accounting/bank-statements/",
        lambda: client.get("/api/v1/accounting/bank-statements/"),
        grow=lambda: [_statement(company) for _ in range(2)],
    )
    lines_url = f"/api/v1/accounting/bank-statements/{statement.pk}/lines/"
    assert client.get(lines_url).status_code == 200
    pinned_queries.check("api:/api/v1/accounting/bank-statements/{id}/lines/", lambda: client.get(lines_url))


def test_the_api_statement_line_list_runs_the_pinned_queries(
    company: Company, customer: Partner, ada: User, pinned_queries: PinnedQueries
) -> None:
    _statement(company)
    client = api_client(ada)
    pinned_queries.check(
        "api:/api/v1/accounting/bank-statement-lines/",
        lambda: client.get("/api/v1/accounting/bank-statement-lines/"),
        grow=lambda: _statement(company, lines=3),
    )
