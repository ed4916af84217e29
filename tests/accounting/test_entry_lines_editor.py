"""A journal entry's lines in the shared lines editor (``web/_form_rows.html``): rows added past
those drawn are saved, a removed line is deleted, a bad row says which line and changes nothing,
and the rows the person added come back with their values when the entry is refused."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import JournalEntry
from tandem.accounting.services import ledger
from tandem.core.models import Company, User
from tests.accounting.conftest import DAY, account, books_of, journal
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
D = Decimal


def rows(company: Company, *lines: tuple[str, str, str] | None) -> dict[str, str]:
    """``(account code, debit, credit)`` per row, numbered as posted; None: a row left empty."""
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0"}
    for n, line in enumerate(lines):
        if line is not None:
            code, debit, credit = line
            data.update({f"lines-{n}-account": str(account(company, code).pk),
                         f"lines-{n}-debit": debit, f"lines-{n}-credit": credit})  # fmt: skip
    return data


def stored(entry: JournalEntry) -> list[tuple[str, Decimal, Decimal]]:
    return list(entry.lines.order_by("id").values_list("account__code", "debit", "credit"))


@pytest.fixture
def entry(company: Company, accountant: User) -> JournalEntry:
    books_of(company)
    lines = [
        ledger.Line(account(company, "1010"), debit=D(30)),
        ledger.Line(account(company, "1010"), debit=D(70)),
        ledger.Line(account(company, "4000"), credit=D(100)),
    ]
    return ledger.create_entry(company, accountant, journal=journal(company, "MISC"), date=DAY, lines=lines,
                               reference="Three lines")  # fmt: skip


def header(entry: JournalEntry) -> dict[str, Any]:
    return {"journal": entry.journal_id, "date": DAY.isoformat(), "reference": entry.reference,
            "version": entry.version}  # fmt: skip


def test_the_editor_draws_the_lines_two_empty_rows_and_the_add_button(
    accountant: User, entry: JournalEntry
) -> None:
    page = signed_in(accountant).get(reverse("accounting:entry_edit", args=[entry.pk])).content.decode()
    assert 'data-rows="lines"' in page and 'id="entry-lines"' in page
    assert 'name="lines-TOTAL_FORMS" value="5"' in page and "Add a line" in page
    assert "<template data-rows-empty>" in page and 'name="lines-__prefix__-account"' in page
    assert "save to get more" not in page


def test_rows_added_past_those_drawn_are_saved(company: Company, accountant: User) -> None:
    books_of(company)
    data = {"journal": journal(company, "MISC").pk, "date": DAY.isoformat(), "reference": "Four",
            **rows(company, ("1010", "10", ""), None, ("1010", "20", ""), ("1010", "30", ""),
                   ("4000", "", "60"))}  # fmt: skip
    response = signed_in(accountant).post(reverse("accounting:entry_create"), data)
    assert response.status_code == 302, response.context["form"].lines.errors
    created = JournalEntry.objects.get(reference="Four")
    assert stored(created) == [("1010", D(10), D(0)), ("1010", D(20), D(0)), ("1010", D(30), D(0)),
                               ("4000", D(0), D(60))]  # fmt: skip


def test_removing_a_saved_line_deletes_it(company: Company, accountant: User, entry: JournalEntry) -> None:
    # The second line is removed in the browser: the rows after it are renumbered.
    data = {**header(entry), **rows(company, ("1010", "30", ""), ("4000", "", "30"))}
    response = signed_in(accountant).post(reverse("accounting:entry_edit", args=[entry.pk]), data)
    assert response.status_code == 302, response.context["form"].lines.errors
    assert stored(entry) == [("1010", D(30), D(0)), ("4000", D(0), D(30))]


def test_a_bad_row_says_which_line_keeps_the_added_rows_and_changes_nothing(
    company: Company, accountant: User, entry: JournalEntry
) -> None:
    before = stored(entry)
    data = {**header(entry), "reference": "Changed",
            **rows(company, ("1010", "30", ""), None, ("1010", "70", "5"), ("4000", "", "100"),
                   ("1010", "", ""))}  # fmt: skip
    data["lines-4-label"] = "added, not finished"
    response = signed_in(accountant).post(reverse("accounting:entry_edit", args=[entry.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 3: A line is either a debit or a credit, not both." in page
    lines = response.context["form"].lines
    assert lines.forms[2].non_field_errors() == ["A line is either a debit or a credit, not both."]
    assert 'name="lines-TOTAL_FORMS" value="5"' in page  # the rows as the person left them
    assert 'name="lines-2-credit" value="5"' in page and 'value="added, not finished"' in page
    chosen = account(company, "4000").pk  # an added row's autocomplete shows what was chosen
    assert re.search(
        rf'<select name="lines-3-account"[^>]*>.*?<option value="{chosen}" selected>', page, re.S
    )
    entry.refresh_from_db()
    assert entry.reference == "Three lines" and stored(entry) == before


def test_a_row_of_another_companys_account_is_refused_and_changes_nothing(
    company: Company, other_company: Company, accountant: User, entry: JournalEntry
) -> None:
    books_of(other_company)
    theirs = account(other_company, "1010")
    before = stored(entry)
    data = {**header(entry), **rows(company, ("1010", "100", ""), ("4000", "", "100"))}
    data["lines-0-account"] = str(theirs.pk)
    response = signed_in(accountant).post(reverse("accounting:entry_edit", args=[entry.pk]), data)
    assert response.status_code == 200
    assert "account" in response.context["form"].lines.errors[0]
    assert stored(entry) == before


def test_more_lines_than_an_entry_may_have_are_refused(
    company: Company, accountant: User, entry: JournalEntry
) -> None:
    before = stored(entry)
    data = {**header(entry), **rows(company, ("1010", "100", ""), ("4000", "", "100"))}
    data["lines-TOTAL_FORMS"] = "100000"
    response = signed_in(accountant).post(reverse("accounting:entry_edit", args=[entry.pk]), data)
    assert response.status_code == 200 and "At most 500 rows can be saved." in response.content.decode()
    assert len(response.context["form"].lines.forms) == 2  # the rows sent, not 500 empty ones
    assert stored(entry) == before
