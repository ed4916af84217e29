"""A draft invoice's lines as the shared lines editor posts them: a row keeps its line's id
(hidden), so rows added past those drawn are new lines, a removed row's line is deleted, moved
rows keep their lines, and an id that is not this invoice's line (another invoice's, or one
given twice) is refused on its row with nothing changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import Invoice, Tax
from tandem.accounting.services import invoices
from tandem.core import roles
from tandem.core.models import Company, User
from tests.accounting.test_invoice_views import DAY, _partner, books_of
from tests.kit.views import add_row, edit_page_data, remove_row, signed_in

pytestmark = pytest.mark.django_db
D = Decimal


def draft(company: Company, actor: User, *lines: tuple[str, str]) -> Invoice:
    standard = next(t for t in books_of(company).values() if t.use == Tax.Use.SALE and t.amount > 10)
    return invoices.create_invoice(
        company, actor, kind="customer_invoice", partner=_partner(company, actor), invoice_date=DAY,
        lines=[invoices.LineData(text, D(1), D(price), taxes=[standard]) for text, price in lines],
    )  # fmt: skip


def lines(invoice: Invoice) -> list[tuple[int, str, Decimal]]:
    return list(invoice.lines.order_by("sequence", "id").values_list("id", "description", "price_unit"))


@pytest.fixture
def accountant(make_user: Any) -> User:
    return make_user("ada", roles.ACCOUNTANT)


@pytest.fixture
def invoice(company: Company, accountant: User) -> Invoice:
    return draft(company, accountant, ("Oak table", "500"), ("Delivery", "40"))


def test_added_rows_are_new_lines_and_a_removed_rows_line_is_deleted(
    accountant: User, invoice: Invoice
) -> None:
    (table, _t, _p), (delivery, _d, _q) = lines(invoice)
    client = signed_in(accountant)
    url = reverse("accounting:invoice_edit", args=[invoice.pk])
    data = edit_page_data(client, url, "lines")
    assert data["lines-TOTAL_FORMS"] == "5" and data["lines-0-id"] == str(table)
    remove_row(data, "lines", 0)
    add_row(data, "lines", description="Chair", quantity="4", price_unit="80", discount="0")
    add_row(data, "lines", description="Cushion", quantity="4", price_unit="10", discount="0")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].lines.errors
    written = lines(invoice)
    assert [(text, price) for _id, text, price in written] == [
        ("Delivery", D(40)),
        ("Chair", D(80)),
        ("Cushion", D(10)),
    ]
    assert written[0][0] == delivery and table not in {pk for pk, _text, _price in written}


def test_moved_rows_keep_their_lines(accountant: User, invoice: Invoice) -> None:
    before = lines(invoice)
    client = signed_in(accountant)
    url = reverse("accounting:invoice_edit", args=[invoice.pk])
    data = edit_page_data(client, url, "lines")
    first = {key[len("lines-0-") :]: data[key] for key in list(data) if key.startswith("lines-0-")}
    remove_row(data, "lines", 0)
    add_row(data, "lines", **{name: value for name, value in first.items() if name != "taxes"})
    data["lines-4-taxes"] = first["taxes"]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].lines.errors
    assert lines(invoice) == [before[1], before[0]]


@pytest.mark.parametrize("whose", ["another invoice's", "given twice"])
def test_an_id_not_of_this_invoice_is_refused_on_its_row_and_changes_nothing(
    company: Company, accountant: User, invoice: Invoice, whose: str
) -> None:
    other = draft(company, accountant, ("Their chair", "90"))
    before = lines(invoice)
    client = signed_in(accountant)
    url = reverse("accounting:invoice_edit", args=[invoice.pk])
    data = edit_page_data(client, url, "lines")
    line_id = other.lines.get().pk if whose == "another invoice's" else before[0][0]
    add_row(data, "lines", id=line_id, description="Taken", quantity="1", price_unit="1", discount="0")
    response = client.post(url, data)
    assert response.status_code == 200
    message = "This is not a line of this invoice, or it is given twice."
    assert response.context["form"].lines.forms[5].non_field_errors() == [message]
    assert f"Line 6: {message}" in response.content.decode()
    assert lines(invoice) == before and other.lines.get().description == "Their chair"
