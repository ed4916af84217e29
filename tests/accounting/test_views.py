"""The ledger's pages: accounts, journals and entries through the kit's declared cases, and an
entry's life on its page (lines formset, post, reverse)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.urls import reverse

from tandem.accounting.models import Account, Journal, JournalEntry
from tandem.accounting.services import ledger
from tandem.core import roles
from tandem.core.models import Company, User
from tests.accounting.conftest import DAY, READER, account, books_of, journal
from tests.kit.records import Kit
from tests.kit.views import ViewCases, form_data, posted, signed_in

_codes = itertools.count(1)


class BooksPages(ViewCases):
    """Pages under one namespace, each model's named ``<route>_<page>``; ``namespace`` keys
    the pinned query counts per model."""

    route: ClassVar[str]
    editor_role = roles.ACCOUNTANT
    reader_role = READER

    @pytest.fixture(autouse=True)
    def _reader_role(self, books_reader_role: str) -> None:
        """The read-only role exists before the kit's users are made."""

    def url(self, name: str, obj: Any = None) -> str:
        return reverse(f"accounting:{self.route}_{name}", args=[obj.pk] if obj is not None else [])


class TestAccountPages(BooksPages):
    model = Account
    route = "account"
    namespace = "accounting:account"
    create_data = {"code": "1999", "name": "Petty cash", "type": "asset", "subtype": "cash"}
    edit_changes = {"name": "Petty cash (head office)"}
    stale_changes = {"name": "Petty cash (stale)"}
    bad_input = [({"code": ""}, "code"), ({"type": "income", "subtype": "bank"}, "subtype")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Account:
        fields.setdefault("name", f"Account {next(_codes)}")
        return ledger.create_account(
            company, actor, code=f"9{next(_codes):04d}", type="asset", subtype="current", **fields
        )


class TestJournalPages(BooksPages):
    model = Journal
    route = "journal"
    namespace = "accounting:journal"
    create_data = {"code": "ADJ", "name": "Adjustments", "kind": "general"}
    edit_changes = {"name": "Year-end adjustments"}
    stale_changes = {"name": "Adjustments (stale)"}
    bad_input = [({"code": ""}, "code"), ({"kind": "nonsense"}, "kind")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Journal:
        fields.setdefault("name", f"Journal {next(_codes)}")
        return ledger.create_journal(company, actor, code=f"J{next(_codes)}", kind="general", **fields)


def _lines(company: Company, amount: str = "100.00", credit: str | None = None) -> dict[str, str]:
    return {
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "2", "lines-MAX_NUM_FORMS": "500",
        "lines-0-account": str(account(company, "1010").pk), "lines-0-debit": amount,
        "lines-1-account": str(account(company, "4000").pk), "lines-1-credit": credit or amount,
    }  # fmt: skip


class TestEntryPages(BooksPages):
    model = JournalEntry
    route = "entry"
    namespace = "accounting:entry"
    name_field = "reference"
    create_data = {"date": DAY.isoformat(), "reference": "Accrual"}
    edit_changes = {"reference": "Accrual, corrected"}
    stale_changes = {"reference": "Accrual (stale)"}
    bad_input = [({"date": ""}, "date"), ({"journal": ""}, "journal")]  # unbalanced: see below

    @pytest.fixture(autouse=True)
    def _books(self, company: Company, other_company: Company) -> None:
        books_of(company)
        books_of(other_company)

    def make(self, company: Company, actor: User | None, **fields: Any) -> JournalEntry:
        fields.setdefault("reference", f"Entry {next(_codes)}")
        lines = [
            ledger.Line(account(company, "1010"), debit=Decimal("10.00")),
            ledger.Line(account(company, "4000"), credit=Decimal("10.00")),
        ]
        return ledger.create_entry(
            company, actor, journal=journal(company, "MISC"), date=DAY, lines=lines, **fields
        )

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {
            **posted(self.create_data),
            "journal": str(journal(kit.company, "MISC").pk),
            **_lines(kit.company),
        }

    def edit_form(self, client: Client, obj: Any) -> dict[str, Any]:
        response = client.get(self.url("edit", obj))
        assert response.status_code == 200, response.status_code
        form = response.context["form"]
        lines = {**form_data(form.lines.management_form)}
        lines = {f"lines-{name}": value for name, value in lines.items()}
        for line in form.lines.forms:
            lines.update({f"{line.prefix}-{name}": value for name, value in form_data(line).items()})
        return {**form_data(form), **lines}


@pytest.mark.django_db
def test_an_entry_is_posted_and_reversed_on_its_page_and_then_cannot_be_edited(
    company: Company, accountant: User
) -> None:
    books_of(company)
    client = signed_in(accountant)
    data = {
        "journal": journal(company, "MISC").pk,
        "date": DAY.isoformat(),
        "reference": "Fees",
        **_lines(company),
    }
    response = client.post(reverse("accounting:entry_create"), data)
    entry = JournalEntry.objects.get(reference="Fees")
    assert response.status_code == 302 and entry.state == "draft"
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Post" in page and "100.00" in page
    client.post(reverse("accounting:entry_post", args=[entry.pk]), {"confirmed": "1"})
    entry.refresh_from_db()
    assert entry.number == "MISC/2026/00001"
    assert client.get(reverse("accounting:entry_edit", args=[entry.pk]), follow=False).status_code == 200
    refused = client.post(
        reverse("accounting:entry_edit", args=[entry.pk]), {**data, "reference": "X", "version": 2}
    )
    assert "reverse it instead" in refused.content.decode()
    client.post(reverse("accounting:entry_reverse", args=[entry.pk]), {"confirmed": "1"})
    assert JournalEntry.objects.get(reversal_of=entry).number == "MISC/2026/00002"


@pytest.mark.django_db
def test_an_unbalanced_entry_form_shows_the_error_and_writes_nothing(
    company: Company, accountant: User
) -> None:
    books_of(company)
    data = {
        "journal": journal(company, "MISC").pk,
        "date": DAY.isoformat(),
        **_lines(company, "100.00", "90.00"),
    }
    response = signed_in(accountant).post(reverse("accounting:entry_create"), data)
    assert response.status_code == 200 and "does not balance" in response.content.decode()
    assert not JournalEntry.objects.exists()
