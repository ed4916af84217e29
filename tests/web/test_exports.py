"""List exports: what is on screen (also after htmx updates), in keyset batches, and never a live formula.

The injection test walks every export the project routes (each list's ``as_view(export=True)``
and each API ``export/`` action); a new domain's export fails it until the domain adds a way
to make a record with a hostile name in ``HOSTILE_RECORDS``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from tandem.accounting.queries import reports
from tandem.catalog.services import create_product
from tandem.core.cells import FORMULA_STARTS
from tandem.core.models import Company, Uom, User
from tandem.integrations.letters.services import create_template
from tandem.partners.models import Partner, Tag
from tandem.web import exports
from tandem.web.generic import ObjectListView
from tests.web.hostile_accounting_crm import RECORDS as ACCOUNTING_AND_CRM_RECORDS
from tests.web.hostile_accounting_crm import hostile_books
from tests.web.hostile_manufacturing import RECORDS as MANUFACTURING_RECORDS
from tests.web.hostile_stock import RECORDS as STOCK_RECORDS

HOSTILE = '\x01=HYPERLINK("http://evil.test","click")'


def _csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


# --- what is on screen ----------------------------------------------------------------------


def test_the_export_links_follow_the_filters_after_an_htmx_update(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Charlie", is_supplier=True)
    make_partner("Delta")
    client = login(manager)
    table = client.get(
        reverse("partners:list"),
        {"search": "cha", "is_supplier": "true", "sort": "-name"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="object-table",
    ).content.decode()
    menu = re.search(r'<div class="dropdown" id="list-export" hx-swap-oob="true">(.*?)</div>', table, re.S)
    assert menu is not None, "the table update must bring the export menu with it"
    links = re.findall(r'href="([^"]+)"', menu.group(1))
    assert len(links) == 2
    for link in links:
        assert "search=cha" in link and "is_supplier=true" in link and "sort=-name" in link
    csv_link = next(link for link in links if "format=csv" in link)
    rows = _csv_rows(client.get(csv_link.replace("&amp;", "&")))
    assert [row[0] for row in rows[1:]] == ["Charlie"]


def test_the_full_page_has_one_export_menu_not_swapped_out_of_band(
    login: Callable[[User], Client], manager: User
) -> None:
    page = login(manager).get(reverse("partners:list"), {"search": "x"}).content.decode()
    assert page.count('id="list-export"') == 1
    assert "hx-swap-oob" not in page


# --- batches --------------------------------------------------------------------------------


@pytest.fixture
def nine(company: Company, make_partner: Callable[..., Partner], manager: User) -> list[Partner]:
    vip = Tag.objects.create(company=company, name="VIP")
    late = Tag.objects.create(company=company, name="Late payer")
    partners = [make_partner(f"Partner {n}", kind="person" if n % 2 else "organisation") for n in range(9)]
    partners[0].tags.add(vip, late)
    partners[4].tags.add(vip)
    return partners


@pytest.mark.parametrize("sort", ["name", "-name", "created", "-created"])
def test_the_export_reads_every_row_in_batches_in_the_list_order(
    login: Callable[[User], Client], manager: User, nine: list[Partner], monkeypatch: Any, sort: str
) -> None:
    monkeypatch.setattr(exports, "BATCH", 2)
    client = login(manager)
    listed = [
        obj.name for obj, _cells in client.get(reverse("partners:list"), {"sort": sort}).context["rows"]
    ]
    rows = _csv_rows(client.get(reverse("partners:export"), {"format": "csv", "sort": sort}))
    assert [row[0] for row in rows[1:]] == listed
    assert len(listed) == 9


def test_the_partner_export_reads_plain_values_not_a_model_per_row(
    login: Callable[[User], Client], manager: User, nine: list[Partner], monkeypatch: Any
) -> None:
    nine[0].phone = "+48221234567"
    nine[0].save()

    def no_instances(*args: Any) -> Any:
        raise AssertionError("the export fell back to reading a model instance per row")

    monkeypatch.setattr(exports, "_instance_rows", no_instances)
    rows = _csv_rows(login(manager).get(reverse("partners:export"), {"format": "csv", "sort": "name"}))
    header = rows[0]
    assert rows[1][header.index("Phone")] == "'+48 22 123 45 67"  # as on screen, neutralised


def test_the_export_shows_labels_people_and_tags_as_the_list_does(
    login: Callable[[User], Client], manager: User, nine: list[Partner]
) -> None:
    manager.first_name, manager.last_name = "Anna", "Kowalska"
    manager.save()
    rows = _csv_rows(login(manager).get(reverse("partners:export"), {"format": "csv"}))
    header, first = rows[0], rows[1]
    assert first[header.index("Name")] == "Partner 0"
    assert first[header.index("Kind")] == "Organisation"
    assert first[header.index("Salesperson")] == "Anna Kowalska"
    assert first[header.index("Tags")] == "Late payer, VIP"
    assert rows[2][header.index("Kind")] == "Person"


def test_the_export_honours_record_rules(
    login: Callable[[User], Client],
    salesperson: User,
    make_partner: Callable[..., Partner],
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(exports, "BATCH", 1)
    make_partner("Not mine")
    make_partner("Mine", actor=salesperson)
    for fmt in ("csv", "xlsx"):
        response = login(salesperson).get(reverse("partners:export"), {"format": fmt})
        body = b"".join(response.streaming_content)
        assert b"Mine" in body or fmt == "xlsx"
        if fmt == "csv":
            assert [row[0] for row in _csv_rows_from(body)[1:]] == ["Mine"]
        else:
            sheet = load_workbook(io.BytesIO(body)).active
            assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Mine"]


def _csv_rows_from(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- formula injection, every registered export ---------------------------------------------


def _hostile_partner(company: Company, actor: User, pcs: Uom) -> None:
    from tandem.partners.services import create_partner

    create_partner(company, actor, name=HOSTILE, allow_duplicate=True)


def _hostile_product(company: Company, actor: User, pcs: Uom) -> None:
    create_product(company, actor, sku="EVIL-1", name=HOSTILE, uom=pcs)


def _hostile_template(company: Company, actor: User, pcs: Uom) -> None:
    create_template(company, actor, name=HOSTILE, kind="letter", language="en", subject="Hi", body="Hello")


def _hostile_invoice(company: Company, actor: User, pcs: Uom) -> None:
    from tests.accounting.test_invoice_views import make_invoice

    make_invoice(company, actor, payment_reference=HOSTILE[:64])


def _hostile_account(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.accounting.services.ledger import create_account

    return create_account(company, actor, code="9999", name=HOSTILE, type="expense", subtype="expense")


def _hostile_journal(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.accounting.services.ledger import create_journal

    return create_journal(company, actor, code="EVL", name=HOSTILE, kind="general")


def _hostile_entry(company: Company, actor: User, pcs: Uom) -> None:
    from tandem.accounting.services.ledger import Line, create_account, create_entry, create_journal

    cash = create_account(company, actor, code="1000", name="Cash", type="asset", subtype="cash")
    costs = _hostile_account(company, actor, pcs)
    lines = [Line(costs, debit=Decimal("10")), Line(cash, credit=Decimal("10"))]
    journal = create_journal(company, actor, code="GEN", name="General", kind="general")
    day = datetime.date(2026, 1, 5)
    create_entry(company, actor, journal=journal, date=day, lines=lines, reference=HOSTILE)


HOSTILE_RECORDS: dict[str, Callable[[Company, User, Uom], Any]] = {
    "accounting.account": _hostile_account,
    "accounting.journal": _hostile_journal,
    "accounting.journalentry": _hostile_entry,
    "accounting.invoice": _hostile_invoice,
    "partners.partner": _hostile_partner,
    "catalog.product": _hostile_product,
    "letters.documenttemplate": _hostile_template,
    **ACCOUNTING_AND_CRM_RECORDS,
    **STOCK_RECORDS,
    **MANUFACTURING_RECORDS,
}
# API exports that write ids, numbers and dates only: no text can carry a formula into them.
# lists of numbers about a product (shown as "[SKU] name", never a formula): no text of their own
WITHOUT_TEXT = {
    "api-moveline-export", "api-quant-export", "api-reorderrule-export", "api-forecast-export",
    "forecast_export", "lot_export",
}  # fmt: skip


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _walk(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", pattern.callback


def registered_exports() -> list[tuple[str, str, dict[str, str]]]:
    """``(URL name, model label, query)`` for every file every list and API export writes."""
    found = []
    for name, callback in _walk(get_resolver().url_patterns):
        view_class = getattr(callback, "view_class", None)
        if view_class and issubclass(view_class, ObjectListView) and callback.view_initkwargs.get("export"):
            model = view_class.model._meta.label_lower
            found += [(name, model, {"format": "csv"}), (name, model, {"format": "xlsx"})]
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", {}) or {}
        if cls is not None and actions.get("get") == "export":
            found.append((name, cls.model._meta.label_lower, {}))  # CSV only
    return sorted(found, key=lambda found: (found[0], str(found[2])))


def test_every_export_is_found() -> None:
    names = {name for name, _model, _query in registered_exports()}
    assert {"partners:export", "catalog:export", "letters:export"} <= names
    assert any(name.endswith("-export") for name in names), names


@pytest.mark.parametrize(("url_name", "model", "query"), registered_exports())
def test_no_export_writes_a_live_formula(
    login: Callable[[User], Client],
    admin: User,
    company: Company,
    pcs: Uom,
    url_name: str,
    model: str,
    query: dict[str, str],
) -> None:
    assert model in HOSTILE_RECORDS, f"add a hostile {model} to HOSTILE_RECORDS"
    HOSTILE_RECORDS[model](company, admin, pcs)
    response = login(admin).get(reverse(url_name), query)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        cells = [cell for row in _csv_rows_from(body) for cell in row]
    else:
        sheet = load_workbook(io.BytesIO(body)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    hostile = [cell for cell in cells if "HYPERLINK" in cell]
    assert hostile or url_name.rsplit(":", 1)[-1] in WITHOUT_TEXT, "the hostile record must be in the export"
    for cell in hostile:
        assert cell.startswith("'") and not cell.startswith(FORMULA_STARTS)
        assert "\x01" not in cell


# reports whose rows are named by the report itself (cash-flow headings), never by a record
REPORTS_WITHOUT_TEXT = {"cash-flow"}


@pytest.mark.parametrize("name", sorted(reports.REPORTS))
def test_no_report_export_writes_a_live_formula(
    login: Callable[[User], Client], admin: User, company: Company, name: str
) -> None:
    """Every report of the registry, as XLSX and CSV, over books whose accounts, partner and tax
    are named with a formula: the text is there, defused."""
    hostile_books(company, admin)
    client = login(admin)
    for wanted in ("xlsx", "csv"):
        response = client.get(reverse("accounting:report", args=[name]), {"format": wanted})
        assert response.status_code == 200, (name, wanted)
        body = b"".join(response.streaming_content)
        if wanted == "csv":
            assert response["Content-Type"].startswith("text/csv")
            cells = [cell for row in _csv_rows_from(body) for cell in row]
        else:
            sheet = load_workbook(io.BytesIO(body)).active
            assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
            cells = [
                str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None
            ]
        hostile = [cell for cell in cells if "HYPERLINK" in cell]
        assert hostile or name in REPORTS_WITHOUT_TEXT, (
            name,
            wanted,
            "the hostile names must be in the export",
        )
        for cell in hostile:
            assert cell.startswith("'") and not cell.startswith(FORMULA_STARTS)
            assert "\x01" not in cell


def test_the_xlsx_writer_keeps_types_and_escapes_text() -> None:
    """The streamed workbook reads back in openpyxl with typed cells and text as written."""
    import datetime
    from decimal import Decimal

    from tandem.web import xlsx

    row = [
        "a & b <c>", "", 5, Decimal("1.50"), True, datetime.datetime(2026, 1, 2, 3, 4, 5),
        datetime.date(2026, 5, 6), " lead ", "x\ry", "'=1+1", "Černe 中文", None, Decimal("NaN"),
    ]  # fmt: skip
    body = b"".join(xlsx.workbook_chunks('Partners "x" & <y>', ["h"] * len(row), [[row], [row]]))
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None and sheet.title == 'Partners "x" & <y>'
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[1] == rows[2] == (
        "a & b <c>", None, 5, 1.5, True, datetime.datetime(2026, 1, 2, 3, 4, 5),
        datetime.datetime(2026, 5, 6), " lead ", "x\ry", "'=1+1", "Černe 中文", None, "NaN",
    )  # fmt: skip
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
