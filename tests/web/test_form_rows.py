"""The shared rows of a lines editor (``web.forms.form_rows``) as a hostile or hurried browser
posts them: rows moved, duplicated, added past those drawn, a management form tampered with,
more rows than a document may have, and a service refusing one item of many."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.core.errors import ValidationFailed
from tandem.web.forms import MAX_ROWS, add_business_error, form_rows


class Row(forms.Form):
    name = forms.CharField(required=False, max_length=20)
    quantity = forms.IntegerField(initial=1, min_value=1)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def item(self) -> tuple[str, int] | None:
        data = getattr(self, "cleaned_data", None) or {}
        return (data["name"], data["quantity"]) if data.get("name") else None


def rows(posted: list[dict[str, str]], *, total: Any = None, initial: str = "1", **kwargs: Any) -> Any:
    """The rows as posted: ``posted`` numbered 0…n-1 under ``lines-``; ``total``: a TOTAL_FORMS
    other than their count; ``initial``: the INITIAL_FORMS posted (one row was drawn from the record)."""
    data = {"lines-TOTAL_FORMS": str(len(posted) if total is None else total), "lines-INITIAL_FORMS": initial}
    for n, row in enumerate(posted):
        data.update({f"lines-{n}-{name}": value for name, value in row.items()})
    drawn = [{"name": "saved", "quantity": 2}]
    return form_rows(Row, data, prefix="lines", initial=drawn, user=None, extra=2, **kwargs)


def items(formset: Any) -> list[tuple[str, int]]:
    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    return formset.filled(lambda row: row.item())


EMPTY = {"name": "", "quantity": "1"}  # as the empty row is drawn


def test_rows_are_read_as_posted_moved_duplicated_or_added_past_those_drawn() -> None:
    posted = [EMPTY, {"name": "b", "quantity": "3"}, {"name": "b", "quantity": "3"}, EMPTY,
              {"name": "saved", "quantity": "2"}, {"name": "c", "quantity": "4"}]  # fmt: skip
    assert items(rows(posted)) == [("b", 3), ("b", 3), ("saved", 2), ("c", 4)]


def test_a_removed_saved_row_is_gone_and_an_emptied_one_is_left_out() -> None:
    assert items(rows([{"name": "", "quantity": "2"}, EMPTY])) == []
    assert items(rows([EMPTY, {"name": "new", "quantity": "5"}])) == [("new", 5)]


def test_a_half_filled_row_is_refused_on_its_own_field() -> None:
    formset = rows([{"name": "saved", "quantity": "2"}, {"name": "b", "quantity": ""}])
    assert not formset.is_valid()
    assert formset.errors[0] == {} and "quantity" in formset.errors[1]


def test_more_rows_than_a_document_may_have_are_refused_and_a_larger_count_is_not_read() -> None:
    filled = [{"name": f"r{n}", "quantity": "1"} for n in range(4)]
    formset = rows(filled, max_rows=3)
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["At most 3 rows can be saved."]

    for total in (MAX_ROWS + 1, 10**9):
        formset = rows([EMPTY], total=total)
        assert not formset.is_valid()
        assert formset.non_form_errors() == [f"At most {MAX_ROWS} rows can be saved."]
        assert len(formset.forms) <= MAX_ROWS  # never a million forms built


def test_a_tampered_or_missing_management_form_is_refused_in_plain_words() -> None:
    for total in ("-1", "x", ""):
        formset = rows([{"name": "b", "quantity": "3"}], total=total)
        assert not formset.is_valid(), total
        assert formset.non_form_errors() == ["The rows sent are not complete: reload the page and try again."]
    formset = form_rows(Row, {"lines-0-name": "b"}, prefix="lines", initial=[], user=None)
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["The rows sent are not complete: reload the page and try again."]


class Header(forms.Form):
    """A document's header form with its rows below it."""

    def __init__(self, formset: Any) -> None:
        super().__init__({})
        self.lines = formset


def test_the_services_refusal_of_an_item_lands_on_the_row_it_came_from() -> None:
    formset = rows([EMPTY, {"name": "a", "quantity": "1"}, EMPTY, {"name": "b", "quantity": "9"}])
    assert items(formset) == [("a", 1), ("b", 9)]
    header = Header(formset)
    header.is_valid()
    refusal = ValidationFailed({"lines.1": ["Too many."], "lines.7": ["Gone."], "name": ["Bad name."]})
    add_business_error(header, refusal)
    assert formset.forms[3].non_field_errors() == ["Too many."]
    assert [form.non_field_errors() for form in formset.forms[:3]] == [[], [], []]
    assert header.non_field_errors() == ["Line 4: Too many.", "Gone.", "Bad name."]


def test_a_tampered_initial_count_changes_nothing_read() -> None:
    posted = [EMPTY, {"name": "b", "quantity": "3"}]
    for initial in ("0", "-5", "999"):
        assert items(rows(posted, initial=initial)) == [("b", 3)], initial
