"""The value of a count's differences, one rule on the sheet, in print, in the API and in its
export: at the unit cost of the count's date while it is a draft (not today's cost), and what
applying it posted once it is applied — even when stock moved in between."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tandem.accounting.models import Account
from tandem.accounting.services import charts
from tandem.catalog.models import Product
from tandem.core import roles
from tandem.core.cells import read_cell
from tandem.core.models import Company, User
from tandem.inventory import services
from tandem.inventory.models import Count, ValuationLayer, Warehouse
from tandem.inventory.queries import valuation as queries
from tandem.partners.models import Partner
from tests.core.documents.conftest import pdf_text
from tests.kit.api import api_client
from tests.web.support import signed_in

D = Decimal
TODAY = timezone.localdate()
WEEK_AGO = TODAY - datetime.timedelta(days=7)
COUNT_DAY = TODAY - datetime.timedelta(days=3)


@pytest.fixture
def accountant(make_user: Any) -> User:
    return make_user("vera", roles.ACCOUNTANT)


@pytest.fixture
def books(company: Company, admin: User, warehouse: Warehouse) -> None:
    charts.install_chart(company, admin, "ifrs")


def _receive(
    company: Company, supplier: Partner, worker: User, product: Product, qty: int, price: str, on: Any
) -> None:
    receipt = services.create_receipt(
        company, supplier, [services.MoveSpec(product, qty, price_unit=D(price))], actor=worker
    )
    services.validate_transfer(receipt, actor=worker, date=on)


@pytest.fixture
def counted(
    books: None, company: Company, supplier: Partner, worker: User, chair: Product, warehouse: Warehouse
) -> Count:
    """10 chairs at 10 a week ago; counted 8 three days ago; 10 more at 20 today (after the count's date)."""
    _receive(company, supplier, worker, chair, 10, "10", WEEK_AGO)
    count = services.create_count(company, worker, location=warehouse.stock_location, date=COUNT_DAY)
    services.record_counted(count, worker, {count.lines.get().pk: "8"})
    _receive(company, supplier, worker, chair, 10, "20", TODAY)
    return count


def _shown(user: User, count: Count) -> tuple[str, dict[str, Any], list[dict[str, str]]]:
    """The sheet's page, the API's count and the API export's rows of ``count``."""
    page = signed_in(user).get(count.get_absolute_url()).content.decode()
    client = api_client(user)
    detail = client.get(f"/api/v1/inventory/counts/{count.pk}/").json()
    listed = [
        row for row in client.get("/api/v1/inventory/counts/").json()["results"] if row["id"] == count.pk
    ]
    assert listed == [detail]  # a page of the list says what the count's own answer says
    export = client.get("/api/v1/inventory/counts/export/")
    assert export.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode()))
    # the export writes a cell that starts like a formula ("-2") with a leading ' (read_cell drops it)
    read = [{name: read_cell(cell) for name, cell in row.items()} for row in rows]
    return page, detail, [row for row in read if row["count"] == str(count.pk)]


def test_a_draft_is_valued_at_the_cost_of_its_date_alike_on_the_page_in_the_api_and_the_export(
    counted: Count, accountant: User, chair: Product, company: Company
) -> None:
    assert queries.current_costs([chair])[chair.pk] == D(15)  # today's: not the count's
    assert queries.current_costs([chair], on=COUNT_DAY)[chair.pk] == D(10)
    page, detail, rows = _shown(accountant, counted)
    assert f"-20.00 {company.currency_id}" in page and "-30.00" not in page
    assert 'id="count-values-basis"' in page and "the count's date" in page
    [line] = detail["lines"]
    assert (line["expected"], line["counted"], line["difference"], line["value"]) == (
        "10.0000", "8.0000", "-2.0000", "-20.00",
    )  # fmt: skip
    assert (detail["total_value"], detail["values_posted"]) == ("-20.00", False)
    assert [(r["difference"], r["value"], r["values_posted"], r["product_name"]) for r in rows] == [
        ("-2.0000", "-20.00", "false", "[CHAIR] Chair")
    ]


def test_an_applied_count_shows_what_it_posted_even_when_stock_moved_before_it_was_applied(
    counted: Count, accountant: User, worker: User, chair: Product, company: Company, supplier: Partner
) -> None:
    services.apply_count(counted, worker)  # the books held 20 by then: 12 went to inventory loss
    layer = ValuationLayer.objects.get(move__transfer=counted.transfer)
    assert (layer.quantity, layer.value) == (D(-12), D(-140))  # FIFO: 10 × 10 + 2 × 20
    loss = Account.objects.get(company=company, code="5300")
    assert queries.stock_account_balance(company.pk, [loss.pk]) == D(140)
    _receive(company, supplier, worker, chair, 5, "50", TODAY)  # later costs change nothing posted
    page, detail, rows = _shown(accountant, counted)
    assert f"-140.00 {company.currency_id}" in page and "Values as posted" in page
    [line] = detail["lines"]
    assert (line["expected"], line["counted"], line["difference"], line["value"]) == (
        "20.0000", "8.0000", "-12.0000", "-140.00",
    )  # fmt: skip
    assert (detail["total_value"], detail["values_posted"]) == ("-140.00", True)
    assert [(r["expected"], r["difference"], r["value"], r["values_posted"]) for r in rows] == [
        ("20.0000", "-12.0000", "-140.00", "true")
    ]
    assert queries.count_difference_values(counted, counted.lines.all()).total == D("-140.00")


def test_a_count_with_nothing_different_posts_and_shows_nothing(
    books: None, company: Company, supplier: Partner, worker: User, chair: Product, warehouse: Warehouse,
    accountant: User,
) -> None:  # fmt: skip
    _receive(company, supplier, worker, chair, 3, "10", WEEK_AGO)
    count = services.create_count(company, worker, location=warehouse.stock_location)
    services.record_counted(count, worker, {count.lines.get().pk: "3"})
    services.apply_count(count, worker)
    assert count.transfer is None
    _page, detail, rows = _shown(accountant, count)
    assert detail["lines"][0]["value"] is None and detail["total_value"] == "0.00"
    assert [(r["difference"], r["value"]) for r in rows] == [("0.0000", "")]


def test_who_may_not_see_stock_values_gets_quantities_only_in_the_api_and_the_export(
    counted: Count, worker: User
) -> None:
    assert not worker.has_perm("inventory.view_valuationlayer")
    page, detail, rows = _shown(worker, counted)
    assert "-20.00" not in page and 'id="count-values-basis"' not in page
    assert detail["lines"][0]["difference"] == "-2.0000"
    assert not {"value", "total_value", "values_posted"} & (set(detail) | set(detail["lines"][0]))
    assert rows and not {"value", "values_posted"} & set(rows[0])
    assert rows[0]["difference"] == "-2.0000"


def test_the_printed_sheet_says_what_its_values_are(counted: Count, accountant: User, tmp_path: Any) -> None:
    text = pdf_text(
        signed_in(accountant).get(reverse("inventory:count_pdf", args=[counted.pk])).content, tmp_path
    )
    assert "-20.00" in text and "count's date" in text.replace("’", "'")


def test_the_sheet_downloads_with_its_differences_and_values_as_the_page_shows_them(
    counted: Count, accountant: User, worker: User, company: Company
) -> None:
    url = reverse("inventory:count_sheet_export", args=[counted.pk])
    body = b"".join(signed_in(accountant).get(url, {"format": "csv"}).streaming_content).decode()
    [header, row] = list(csv.reader(io.StringIO(body)))
    assert header[-1] == f"Value of the difference ({company.currency_id})"
    assert row[1:] == ["[CHAIR] Chair", "", "pcs", "10.0000", "8.0000", "-2.0000", "-20.00"]  # numbers, no '
    sheet = load_workbook(
        io.BytesIO(b"".join(signed_in(accountant).get(url, {"format": "xlsx"}).streaming_content))
    )
    values = list(sheet.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert values[1][-3:] == (8, -2, -20)  # typed numbers
    hidden = b"".join(signed_in(worker).get(url, {"format": "csv"}).streaming_content).decode()
    assert "Value" not in hidden and "-20" not in hidden and "-2.0000" in hidden


def test_the_sheet_download_neutralises_a_hostile_lot(company: Company, admin: User, pcs: Any) -> None:
    from tests.web.hostile_stock import _hostile_count

    count = _hostile_count(company, admin, pcs)
    url = reverse("inventory:count_sheet_export", args=[count.pk])
    body = b"".join(signed_in(admin).get(url, {"format": "csv"}).streaming_content).decode()
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row if "HYPERLINK" in cell]
    assert cells and all(cell.startswith("'=") and "\x01" not in cell for cell in cells)
    sheet = load_workbook(
        io.BytesIO(b"".join(signed_in(admin).get(url, {"format": "xlsx"}).streaming_content))
    )
    found = [c for row in sheet.active.iter_rows() for c in row if "HYPERLINK" in str(c.value)]  # type: ignore[union-attr]
    assert found and all(c.data_type != "f" and str(c.value).startswith("'") for c in found)


def _list_export(user: User, fmt: str) -> list[list[Any]]:
    url = reverse("inventory:count_export")
    body = b"".join(signed_in(user).get(url, {"format": fmt}).streaming_content)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode())))
    return [list(row) for row in load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)]  # type: ignore[union-attr]


def test_the_counts_list_and_its_export_total_each_count_as_its_sheet_does(
    counted: Count, accountant: User, worker: User, company: Company, warehouse: Warehouse,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    applied = services.create_count(company, worker, location=warehouse.stock_location, date=COUNT_DAY)
    services.record_counted(applied, worker, {applied.lines.get().pk: "19"})
    services.apply_count(applied, worker)  # 20 on the books then: 1 chair of the first receipt lost
    page = signed_in(accountant).get(reverse("inventory:count_list")).content.decode()
    assert "Value of the differences" in page and "-20.00" in page and "-10.00" in page
    header, *rows = _list_export(accountant, "csv")
    assert header[-1] == "Value of the differences"
    assert sorted(row[-1] for row in rows) == ["-10.00", "-20.00"]
    [_header, *cells] = _list_export(accountant, "xlsx")
    assert sorted(row[-1] for row in cells) == [-20, -10]  # typed numbers
    hidden = signed_in(worker).get(reverse("inventory:count_list")).content.decode()
    assert "Value of the differences" not in hidden and "-20.00" not in hidden
    [worker_header, *_rows] = _list_export(worker, "csv")
    assert "Value of the differences" not in worker_header


def test_the_counts_list_values_a_page_of_counts_in_a_few_queries(
    books: None, company: Company, worker: User, accountant: User, warehouse: Warehouse,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    def listed() -> str:
        return signed_in(accountant).get(reverse("inventory:count_list")).content.decode()

    services.create_count(company, worker, location=warehouse.stock_location, date=COUNT_DAY)
    listed()
    with django_assert_max_num_queries(40) as few:
        listed()
    for _ in range(5):
        services.create_count(company, worker, location=warehouse.stock_location, date=COUNT_DAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        listed()
