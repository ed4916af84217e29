"""/api/v1/accounting/accounts/, journals/ and entries/ through the kit's declared API cases,
and an entry's life over the API: created balanced, refused unbalanced, posted, reversed."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting.models import Account, Journal, JournalEntry
from tandem.accounting.services import ledger
from tandem.core import roles
from tandem.core.models import Company, User
from tests.accounting.conftest import DAY, READER, account, books_of, journal
from tests.kit.api import ApiAction, ApiCases, api_client, assert_problem

_codes = itertools.count(1)


class BooksApi(ApiCases):
    editor_role = roles.ACCOUNTANT
    reader_role = READER

    @pytest.fixture(autouse=True)
    def _reader_role(self, books_reader_role: str) -> None:
        """The read-only role exists before the kit's users are made."""


class TestAccountApi(BooksApi):
    model = Account
    collection = "/api/v1/accounting/accounts/"
    create_body = {"code": "1999", "name": "Petty cash", "type": "asset", "subtype": "cash"}
    update_body = {"name": "Petty cash (head office)"}
    stale_body = {"name": "Petty cash (stale)"}
    bad_bodies = [({"code": ""}, "code"), ({"type": "income", "subtype": "bank"}, "subtype")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Account:
        fields.setdefault("name", f"Account {next(_codes)}")
        return ledger.create_account(
            company, actor, code=f"9{next(_codes):04d}", type="asset", subtype="current", **fields
        )


class TestJournalApi(BooksApi):
    model = Journal
    collection = "/api/v1/accounting/journals/"
    create_body = {"code": "ADJ", "name": "Adjustments", "kind": "general"}
    update_body = {"name": "Year-end adjustments"}
    stale_body = {"name": "Adjustments (stale)"}
    bad_bodies = [({"code": ""}, "code"), ({"kind": "nonsense"}, "kind")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Journal:
        fields.setdefault("name", f"Journal {next(_codes)}")
        return ledger.create_journal(company, actor, code=f"J{next(_codes)}", kind="general", **fields)


class TestEntryApi(BooksApi):
    model = JournalEntry
    collection = "/api/v1/accounting/entries/"
    name_field = "reference"
    archives = False
    update_body = {"reference": "Accrual, corrected"}
    stale_body = {"reference": "Accrual (stale)"}
    bad_bodies = [({"date": "yesterday"}, "date"), ({"lines": []}, "lines")]
    actions = [ApiAction("post", lambda kit, entry: {}, event="entry.posted")]

    @pytest.fixture(autouse=True)
    def _books(self, company: Company, other_company: Company) -> None:
        books_of(company)
        books_of(other_company)

    @property
    def create_body(self) -> dict[str, Any]:  # type: ignore[override]
        company = Company.objects.get(code="tandem")
        return _body(company)

    def make(self, company: Company, actor: User | None, **fields: Any) -> JournalEntry:
        fields.setdefault("reference", f"Entry {next(_codes)}")
        lines = [
            ledger.Line(account(company, "1010"), debit=Decimal("10.00")),
            ledger.Line(account(company, "4000"), credit=Decimal("10.00")),
        ]
        return ledger.create_entry(
            company, actor, journal=journal(company, "MISC"), date=DAY, lines=lines, **fields
        )


def _body(company: Company, credit: str = "100.00") -> dict[str, Any]:
    return {
        "journal": journal(company, "MISC").pk,
        "date": DAY.isoformat(),
        "reference": "Accrual",
        "lines": [
            {"account": account(company, "1010").pk, "debit": "100.00"},
            {"account": account(company, "4000").pk, "credit": credit},
        ],
    }


@pytest.mark.django_db
def test_an_entry_over_the_api_posts_reverses_and_refuses_bad_input(
    company: Company, accountant: User
) -> None:
    books_of(company)
    client = api_client(accountant)
    assert_problem(client.post("/api/v1/accounting/entries/", _body(company, "99.99"), format="json"), 400)
    assert not JournalEntry.objects.exists()
    created = client.post("/api/v1/accounting/entries/", _body(company), format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/accounting/entries/{created.json()['id']}/"
    posted = client.post(f"{url}post/", {}, format="json")
    assert posted.status_code == 200 and posted.json()["number"] == "MISC/2026/00001"
    assert_problem(client.patch(url, {"reference": "changed"}, format="json"), 409)
    assert_problem(client.delete(url), 409)
    reversal = client.post(f"{url}reverse/", {"date": "2026-03-31"}, format="json")
    assert reversal.status_code == 201 and reversal.json()["reversal_of"] == created.json()["id"]
    assert_problem(client.post(f"{url}reverse/", {}, format="json"), 400)
