"""Payment terms: pages and ``/api/v1/accounting/payment-terms/`` from the kit's declared cases
(list, page, create, edit with a version, stale edits, bad input, an auditor looks only, another
company's term is not found, exports, pinned query counts), their instalments written as rows of
the form and as a nested list of the API, the due dates an invoice takes from them (figures by
hand), and lines that do not cover the whole total refused with a clear error and nothing written."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import BooksPaymentTerm, PaymentTermLine
from tandem.accounting.queries.payment_terms import instalments
from tandem.accounting.services import payment_terms
from tandem.accounting.services.payment_terms import TermLine
from tandem.core import roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency, PaymentTerm, User
from tests.accounting.test_api import BooksApi
from tests.kit.api import api_client, assert_problem
from tests.kit.records import Snapshot, assert_unchanged
from tests.kit.views import ViewCases, add_row, form_data, formset_data, remove_row, signed_in

pytestmark = pytest.mark.django_db
_n = itertools.count(1)
D = Decimal
THIRTY_NOW = [TermLine("percent", D(30), 0), TermLine("balance", D(0), 60, end_of_month=True)]


def make_term(company: Company, actor: User | None, **fields: Any) -> BooksPaymentTerm:
    fields.setdefault("name", f"Term {next(_n)}")
    fields.setdefault("lines", THIRTY_NOW)
    return payment_terms.create_payment_term(company, actor, **fields)


def rows_data(form: Any) -> dict[str, Any]:
    return {**form_data(form), **formset_data(form.lines)}


def stored_lines(term: PaymentTerm) -> list[tuple[str, Decimal, int, bool]]:
    return [
        (line.value, line.amount, line.days, line.end_of_month)
        for line in PaymentTermLine.objects.filter(term=term)
    ]


class TestPaymentTermPages(ViewCases):
    model = BooksPaymentTerm
    namespace = "accounting"
    url_prefix = "payment_term_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    create_data: dict[str, Any] = {"name": "30 % now, the balance in 60 days", "days": "0"}
    edit_changes = {"name": "30 % now, 70 % in 60 days", "days": 60}
    stale_changes = {"name": "Stale"}
    bad_input = [({"name": ""}, "name"), ({"days": "-1"}, "days")]

    def create_form(self, kit: Any) -> dict[str, Any]:
        return {
            **self.create_data,
            "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
            "lines-0-value": "percent", "lines-0-amount": "30", "lines-0-days": "0",
            "lines-1-value": "balance", "lines-1-amount": "", "lines-1-days": "60",
            "lines-1-end_of_month": "on",
            "lines-2-value": "", "lines-2-amount": "", "lines-2-days": "",
        }  # fmt: skip

    def make(self, company: Company, actor: User | None, **fields: Any) -> BooksPaymentTerm:
        return make_term(company, actor, **fields)

    def edit_form(self, client: Client, obj: Any) -> dict[str, Any]:
        response = client.get(self.url("edit", obj))
        assert response.status_code == 200, response.status_code
        return rows_data(response.context["form"])


class TestPaymentTermApi(BooksApi):
    model = BooksPaymentTerm
    collection = "/api/v1/accounting/payment-terms/"
    archives = False
    create_body = {
        "name": "Half now, half in 30 days",
        "lines": [
            {"value": "percent", "amount": "50", "days": 0},
            {"value": "percent", "amount": "50", "days": 30, "end_of_month": True},
        ],
    }
    update_body = {"name": "Half and half"}
    stale_body = {"name": "Stale"}
    bad_bodies = [
        ({"name": ""}, "name"),
        ({"days": -1}, "days"),
        ({"lines": [{"value": "percent", "amount": "30", "days": 0}]}, "lines"),
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> BooksPaymentTerm:
        return make_term(company, actor, **fields)


@pytest.fixture
def ada(make_user: Any) -> User:
    return make_user("ada", roles.ACCOUNTANT)


def test_an_invoice_falls_due_by_the_terms_lines(company: Company, ada: User, eur: Currency) -> None:
    """1,000.00 on 10 March: 30 % (300.00) at once, the balance (700.00) 60 days later (9 May)
    then to the end of that month, 31 May."""
    term = make_term(company, ada)
    due = instalments(term, datetime.date(2026, 3, 10), D("1000.00"), eur)
    assert due == [(datetime.date(2026, 3, 10), D("300.00")), (datetime.date(2026, 5, 31), D("700.00"))]
    thirds = make_term(
        company,
        ada,
        lines=[
            TermLine("percent", D("33.33"), 0),
            TermLine("percent", D("33.33"), 30),
            TermLine("balance", days=60),
        ],
    )
    due = instalments(thirds, datetime.date(2026, 3, 10), D("100.00"), eur)
    assert due == [
        (datetime.date(2026, 3, 10), D("33.33")),
        (datetime.date(2026, 4, 9), D("33.33")),
        (datetime.date(2026, 5, 9), D("33.34")),
    ]


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([TermLine("percent", D(30)), TermLine("percent", D(60), 30)], "add up to 90 %"),
        ([TermLine("balance"), TermLine("percent", D(30), 30)], "Only the last line takes the balance"),
        ([TermLine("percent", D(70)), TermLine("percent", D(40), 30), TermLine("balance", days=60)], "110 %"),
        ([TermLine("percent", D(100)), TermLine("balance", days=60)], "nothing is left"),
        ([TermLine("fixed", D(100)), TermLine("percent", D(100), 30)], "ends with a balance line"),
        ([TermLine("percent", D(0)), TermLine("balance")], "more than 0"),
        ([TermLine("percent", D(150))], "at most 100"),
        ([TermLine("sometimes", D(10))], "Choose a percent"),
    ],
)
def test_lines_that_do_not_cover_the_total_are_refused(
    company: Company, ada: User, lines: list[TermLine], words: str
) -> None:
    term = make_term(company, ada, name="Net 30", lines=[], days=30)
    with pytest.raises(ValidationFailed) as refused:
        make_term(company, ada, lines=lines)
    assert words in " ".join(
        m for key, messages in refused.value.errors.items() if key.startswith("lines") for m in messages
    )
    before = Snapshot.of(BooksPaymentTerm, term)
    with pytest.raises(ValidationFailed):
        payment_terms.update_payment_term(term, ada, lines=lines, name="Changed")
    assert_unchanged(before, BooksPaymentTerm, term, "refused lines")
    assert list(PaymentTerm.objects.filter(company=company)) == [term]
    assert not PaymentTermLine.objects.exists()


def test_the_form_writes_the_lines_and_refuses_an_incomplete_plan(company: Company, ada: User) -> None:
    client = signed_in(ada)
    term = make_term(company, ada)
    url = reverse("accounting:payment_term_edit", args=[term.pk])
    data = rows_data(client.get(url).context["form"])
    assert (data["lines-0-value"], data["lines-1-value"]) == ("percent", "balance")
    data.update({"lines-1-value": "percent", "lines-1-amount": "60"})  # 30 % + 60 %: 10 % missing
    before, lines = Snapshot.of(BooksPaymentTerm, term), stored_lines(term)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "add up to 90 %" in response.content.decode()
    assert_unchanged(before, BooksPaymentTerm, term, "an incomplete plan")
    assert stored_lines(term) == lines
    data.update({"lines-1-amount": "70", "lines-2-value": "percent", "lines-2-days": "90"})
    missing = client.post(url, data)  # a percent line without its percent: the row's error
    assert missing.status_code == 200 and "Give the percent" in missing.content.decode()
    assert stored_lines(term) == lines
    data["lines-2-value"] = ""
    assert client.post(url, data).status_code == 302
    assert stored_lines(term) == [("percent", D(30), 0, False), ("percent", D(70), 60, True)]
    page = client.get(term.get_absolute_url()).content.decode()
    assert "Instalments" in page and "70" in page


def test_the_api_replaces_the_lines_and_removes_an_unused_term(company: Company, ada: User) -> None:
    term = make_term(company, ada)
    client = api_client(ada)
    url = f"/api/v1/accounting/payment-terms/{term.pk}/"
    assert [line["value"] for line in client.get(url).json()["lines"]] == ["percent", "balance"]
    response = client.patch(url, {"lines": [{"value": "balance", "days": 14}]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["lines"] == [
        {"value": "balance", "amount": "0.0000", "days": 14, "end_of_month": False}
    ]
    refused = client.patch(url, {"lines": [{"value": "fixed", "amount": "50"}]}, format="json")
    assert_problem(refused, 400, "lines")
    assert stored_lines(term) == [("balance", D(0), 14, False)]
    assert client.delete(url).status_code == 204
    assert not PaymentTerm.objects.filter(pk=term.pk).exists()


def test_a_term_a_partner_uses_is_not_removed(company: Company, ada: User) -> None:
    from tandem.partners.services import create_partner

    term = make_term(company, ada)
    create_partner(company, ada, name="Kowalski", payment_term=term)
    response = api_client(ada).delete(f"/api/v1/accounting/payment-terms/{term.pk}/")
    assert_problem(response, 409)
    assert PaymentTerm.objects.filter(pk=term.pk).exists() and stored_lines(term)


def test_payment_terms_are_in_the_settings(company: Company, make_user: Any) -> None:
    admin = make_user("root", roles.ADMINISTRATOR)
    url = reverse("accounting:payment_term_list")
    assert url in signed_in(admin).get(reverse("administration:home")).content.decode()
    assert url in signed_in(admin).get(reverse("accounting:books_settings")).content.decode()
    assert signed_in(make_user("sam", roles.SALESPERSON)).get(url).status_code == 403


def test_instalments_added_past_the_rows_drawn_and_removed_in_the_editor_are_saved(
    company: Company, ada: User
) -> None:
    client = signed_in(ada)
    term = make_term(company, ada)  # 30 % now, the balance at 60 days end of month
    url = reverse("accounting:payment_term_edit", args=[term.pk])
    data = rows_data(client.get(url).context["form"])
    assert data["lines-TOTAL_FORMS"] == "5"
    remove_row(data, "lines", 1)  # the balance line
    data.update({"lines-0-amount": "20"})
    add_row(data, "lines", value="percent", amount="30", days="30")
    add_row(data, "lines", value="balance", days="90")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].lines.errors
    assert stored_lines(term) == [
        ("percent", D(20), 0, False), ("percent", D(30), 30, False), ("balance", D(0), 90, False),
    ]  # fmt: skip


def test_a_lines_error_names_the_line_where_it_was_sent(company: Company, ada: User) -> None:
    """The API's caller reads the position it sent (from 0); the form's the row it drew."""
    term = make_term(company, ada)
    lines = [
        {"value": "percent", "amount": "30"},
        {"value": "balance"},
        {"value": "percent", "amount": "150", "days": 30},
    ]
    refused = api_client(ada).patch(
        f"/api/v1/accounting/payment-terms/{term.pk}/", {"lines": lines}, format="json"
    )
    errors = assert_problem(refused, 400, "lines.1")["errors"]
    assert errors["lines.1"] == ["Only the last line takes the balance."]
    assert errors["lines.2"] == ["A percentage is more than 0 and at most 100."]
    assert "lines.0" not in errors

    empty = {"value": "", "amount": "", "days": "0"}
    rows = [
        empty,
        {"value": "balance", "amount": "", "days": "0"},
        empty,
        {"value": "percent", "amount": "30", "days": "30"},
    ]
    data = {"name": "Balance first", "days": "0", "lines-TOTAL_FORMS": "4", "lines-INITIAL_FORMS": "0"}
    data.update({f"lines-{n}-{name}": value for n, row in enumerate(rows) for name, value in row.items()})
    response = signed_in(ada).post(reverse("accounting:payment_term_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.lines.forms[1].non_field_errors() == ["Only the last line takes the balance."]
    assert "Line 2: Only the last line takes the balance." in response.content.decode()
    assert not BooksPaymentTerm.objects.filter(name="Balance first").exists()
