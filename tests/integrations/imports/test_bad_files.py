"""Bad files get a clear message and write nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook

from tandem.core.models import Event
from tandem.integrations.imports.models import ImportRun
from tandem.integrations.imports.reading import BadFile
from tandem.partners.models import Partner

HEADER = "name;email\n"


def _nothing_written() -> None:
    # A file refused by the upload's screen leaves no run; one refused when the job reads it
    # leaves its run failed on the reading step (the page says why), never read.
    assert not ImportRun.objects.exclude(state=ImportRun.State.READING).exists()
    assert Partner.objects.count() == 0
    assert not Event.objects.filter(name="import.completed").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"\n\n  \n", "blank.csv", "The file is empty."),
        (HEADER.encode(), "header.csv", "header row but no data rows"),
        (b"%PDF-1.7\n\x00\x01\x02binary", "table.csv", "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.csv", "binary file (image/png)"),
        (b"name,email\nAcme,a@b.c\n", "table.xlsx", "not one (XLSX)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "Old Excel files (.xls)"),
        (b"PK\x03\x04 this is not really a zip", "fake.xlsx", "not a readable Excel workbook"),
    ],
)
def test_unusable_files_are_refused(
    upload: Callable[..., ImportRun], content: bytes, name: str, message: str
) -> None:
    with pytest.raises(BadFile) as caught:
        upload(content, name=name)
    assert message in caught.value.message
    _nothing_written()


def test_undecodable_text_is_refused(upload: Callable[..., ImportRun]) -> None:
    # 0x98 is undefined in cp1251 and cp1250, and these bytes are not GB18030 either.
    content = b"name;city\n" + b"\x98\x81\x98\xff\x98\x81\x90\x98\n" * 3
    with pytest.raises(BadFile) as caught:
        upload(content)
    assert "encoding" in caught.value.message
    _nothing_written()


def test_a_chosen_encoding_that_does_not_fit_is_refused(
    upload: Callable[..., ImportRun], manager: Any
) -> None:
    from tandem.integrations.imports import services

    run = upload("name;city\nООО Ромашка;Москва\n".encode("cp1251"))
    assert run.encoding == "cp1251"
    with pytest.raises(BadFile) as caught:
        services.change_source(run, manager, encoding="utf-8", delimiter=";")
    assert "not valid utf-8 text" in caught.value.message
    run.refresh_from_db()
    assert run.encoding == "cp1251"


def test_missing_required_column(run_import: Callable[..., ImportRun]) -> None:
    from tandem.integrations.imports.engine import MappingInvalid

    with pytest.raises(MappingInvalid) as caught:
        run_import("email;phone\na@example.com;\n")
    assert "Name" in caught.value.message
    assert Partner.objects.count() == 0


def test_oversized_cell(upload: Callable[..., ImportRun]) -> None:
    with pytest.raises(BadFile) as caught:
        upload(HEADER + "Acme;" + "x" * 10_001 + "\n")
    assert "more than 10,000 characters" in caught.value.message
    assert "Row 2" in caught.value.message
    _nothing_written()


def test_huge_field_beyond_the_csv_limit(upload: Callable[..., ImportRun]) -> None:
    with pytest.raises(BadFile) as caught:
        upload(HEADER + 'Acme;"' + "x" * 200_000 + '"\n')
    assert "characters" in caught.value.message
    _nothing_written()


def test_oversized_file(upload: Callable[..., ImportRun], settings: Any) -> None:
    settings.TANDEM_IMPORT_MAX_MB = 1
    with pytest.raises(BadFile) as caught:
        upload(HEADER + "Acme;a@example.com\n" * 60_000)
    assert "larger than the 1 MB" in caught.value.message
    _nothing_written()


def test_too_many_rows(upload: Callable[..., ImportRun], settings: Any) -> None:
    settings.TANDEM_IMPORT_MAX_ROWS = 3
    with pytest.raises(BadFile) as caught:
        upload(HEADER + "".join(f"P{i};\n" for i in range(4)))
    assert "more than 3 rows" in caught.value.message
    _nothing_written()


def test_xlsx_oversized_cell(upload: Callable[..., ImportRun]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "notes"])
    sheet.append(["Acme", "y" * 10_500])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(BadFile) as caught:
        upload(buffer.getvalue(), name="partners.xlsx")
    assert "“notes”" in caught.value.message
    _nothing_written()


def test_ambiguous_numbers_and_dates_are_errors_that_write_nothing(
    run_import: Callable[..., ImportRun], company: Any, manager: Any, pcs: Any
) -> None:
    from tandem.catalog.services import create_product

    create_product(company, manager, sku="CH-1", name="Chair", uom=pcs)
    content = "price list;currency;sku;price;valid from\nShops;EUR;CH-1;1,234;01/02/2026\n"
    run = run_import(content, spec="catalog.pricelistitem", name="prices.csv")
    assert run.state == ImportRun.State.REJECTED
    outcome = run.summary["counts"]
    assert outcome["error"] == 1
    from tandem.catalog.models import PriceList, PriceListItem

    assert not PriceList.objects.exists() and not PriceListItem.objects.exists()
    from tandem.integrations.imports import services

    [[_line, _status, detail]] = services.outcomes_of(run)
    reasons = " ".join(" ".join(v) for v in detail["errors"].values())
    assert "could be a whole number or a fraction" in reasons
    assert "day first or month first" in reasons
