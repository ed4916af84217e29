"""The commit reuses the dry run's row checks, and only while they still hold."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.models import Company, User
from tandem.integrations.imports import checked, engine, services
from tandem.integrations.imports.models import ImportRun
from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db

CSV = (
    "Ref;Name;Phone;Tax ID;Address\n"
    "A1;Kovač d.o.o.;01 234 56 78;SI 5022 3054;Slovenska cesta 10, 1000 Ljubljana\n"
    "A2;Novak s.p.;+386 41 123 456;;Tržaška cesta 5, 2000 Maribor\n"
)


@pytest.fixture
def checked_run(upload: Callable[..., ImportRun], manager: User) -> ImportRun:
    run = services.start_dry_run(upload(CSV), manager)
    run.refresh_from_db()
    return run


@pytest.fixture
def count_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lines the engine checked itself (not taken from a dry run)."""
    lines: list[int] = []
    original = engine._RowChecker.check

    def check(self: Any, line: int, cells: list[Any]) -> Any:
        lines.append(line)
        return original(self, line, cells)

    monkeypatch.setattr(engine._RowChecker, "check", check)
    return lines


def test_the_dry_run_keeps_the_checks_and_the_commit_uses_them(
    checked_run: ImportRun, manager: User, count_checks: list[int]
) -> None:
    assert checked_run.checked_rows and len(checked_run.checked_rows_mac) == 64
    kept_file = checked_run.checked_rows.name

    run = services.start_commit(checked_run, manager, mode="all")

    assert count_checks == []
    assert run.state == ImportRun.State.DONE and run.result["created"] == 2
    kovac = Partner.objects.get(ref="A1")
    assert (kovac.phone, kovac.tax_id) == ("+38612345678", "50223054")
    assert kovac.addresses.get().city == "Ljubljana"
    run.refresh_from_db()
    assert not run.checked_rows and not run.checked_rows_mac  # not needed once imported
    assert not checked_run.checked_rows.storage.exists(kept_file)


def test_a_changed_company_setting_means_checking_again(
    upload: Callable[..., ImportRun], company: Company, manager: User, count_checks: list[int]
) -> None:
    run = services.start_dry_run(upload("Name;Phone\nNowak sp. z o.o.;22 123 45 67\n"), manager)
    assert run.state == ImportRun.State.CHECKED and run.checked_rows
    company.country = "SI"  # a national number without a prefix now reads as Slovenian
    company.save()
    count_checks.clear()

    run = services.start_commit(ImportRun.objects.get(pk=run.pk), manager, mode="all")

    assert count_checks == [2] and run.state == ImportRun.State.REJECTED
    assert "not a valid phone number" in str(services.outcomes_of(run))


def test_another_user_committing_checks_again(
    checked_run: ImportRun, admin: User, count_checks: list[int]
) -> None:
    run = services.start_commit(checked_run, admin, mode="all")
    assert count_checks == [2, 3] and run.state == ImportRun.State.DONE


def test_a_file_altered_in_storage_is_not_trusted(
    checked_run: ImportRun, manager: User, count_checks: list[int]
) -> None:
    name = checked_run.checked_rows.name
    storage = checked_run.checked_rows.storage
    with storage.open(name, "rb") as handle:
        lines = gzip.decompress(handle.read()).decode().splitlines()
    forged = lines[0].replace("Kova", "Evil")
    storage.delete(name)
    storage.save(name, io.BytesIO(gzip.compress("\n".join([forged, *lines[1:]]).encode())))

    run = services.start_commit(checked_run, manager, mode="all")

    assert count_checks == [2, 3]
    assert Partner.objects.filter(name__startswith="Kova").exists()
    assert not Partner.objects.filter(name__startswith="Evil").exists()
    assert run.state == ImportRun.State.DONE


def test_a_new_mapping_drops_the_kept_checks(checked_run: ImportRun, manager: User) -> None:
    columns = {int(index): name for index, name in checked_run.mapping.items() if name != "phone"}
    run = services.set_mapping(checked_run, manager, columns=columns, options=checked_run.options)
    assert not run.checked_rows and not run.checked_rows_mac


def test_a_rejected_commit_keeps_them_for_importing_the_valid_rows(
    upload: Callable[..., ImportRun], manager: User, count_checks: list[int]
) -> None:
    run = services.start_dry_run(upload(CSV + "A3;Bad;not a phone;;\n"), manager)
    count_checks.clear()
    run = services.start_commit(run, manager, mode="all")
    assert run.state == ImportRun.State.REJECTED and run.checked_rows

    run = services.start_commit(run, manager, mode="valid")

    assert count_checks == []
    assert run.state == ImportRun.State.DONE and run.result["created"] == 2 and run.result["rejected"] == 1
    assert not Partner.objects.filter(name="Bad").exists()


def test_a_spec_that_reads_the_database_to_validate_keeps_nothing(
    upload: Callable[..., ImportRun], manager: User
) -> None:
    run = upload("SKU;Name;Price\nT-1;Table;100\n", spec="catalog.product", name="products.csv")
    run = services.start_dry_run(run, manager)
    assert not run.checked_rows and not run.checked_rows_mac


cleaned_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.decimals(allow_nan=False, allow_infinity=False)
    | st.dates() | st.datetimes(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


@given(
    st.lists(
        st.tuples(st.dictionaries(st.text(max_size=8), cleaned_values, max_size=4), st.none() | st.text()),
        max_size=5,
    )
)
def test_kept_checks_come_back_as_they_were(rows: list[tuple[dict[str, Any], str | None]]) -> None:
    kept = [checked.RowCheck(line, cleaned=cleaned, key=key) for line, (cleaned, key) in enumerate(rows, 2)]
    kept.append(checked.RowCheck(len(rows) + 2, errors={"phone": ["“x” is not a valid phone number"]}))
    with checked.CheckedRowsWriter() as writer:
        for row in kept:
            writer.add(row)
        read = list(checked.CheckedRows(writer.finish()).rows())
    assert read == kept


def test_the_mac_covers_the_fingerprint_and_the_bytes() -> None:
    content = io.BytesIO(b"rows")
    mac = checked.mac("fingerprint", content)
    assert checked.trusted(mac, "fingerprint", content)
    assert not checked.trusted(mac, "fingerprint2", content)
    assert not checked.trusted(mac, "fingerprint", io.BytesIO(b"rowz"))
    assert not checked.trusted("", "fingerprint", content)


def test_values_a_row_cannot_keep_are_refused() -> None:
    with checked.CheckedRowsWriter() as writer:
        writer.add(checked.RowCheck(2, cleaned={"when": object()}))
        with pytest.raises(TypeError):
            writer.finish()


def test_a_big_file_keeps_its_checks_in_batches() -> None:
    kept = [checked.RowCheck(line, cleaned={"name": f"Row {line}"}, key=str(line)) for line in range(2, 2503)]
    with checked.CheckedRowsWriter() as writer:
        for row in kept:
            writer.add(row)
        content = writer.finish()
        assert len(gzip.decompress(content.read()).splitlines()) == 3  # 1,000 rows a line
        assert list(checked.CheckedRows(content).rows()) == kept


def test_decimals_and_dates_keep_their_type() -> None:
    row = checked.RowCheck(
        2, cleaned={"price": Decimal("1.50"), "on": date(2026, 11, 23), "at": datetime(2026, 11, 23, 8, 30)}
    )
    with checked.CheckedRowsWriter() as writer:
        writer.add(row)
        (read,) = checked.CheckedRows(writer.finish()).rows()
    assert read.cleaned["price"] == Decimal("1.50") and str(read.cleaned["price"]) == "1.50"
    assert type(read.cleaned["on"]) is date and type(read.cleaned["at"]) is datetime


def test_a_value_shaped_like_a_tag_comes_back_as_itself() -> None:
    cleaned = {"extra": {"$date": "", "$$kept": [{"$decimal": "x"}]}, "note": {"$datetime": "soon"}}
    with checked.CheckedRowsWriter() as writer:
        writer.add(checked.RowCheck(2, cleaned=cleaned, key="k"))
        (read,) = checked.CheckedRows(writer.finish()).rows()
    assert read.cleaned == cleaned
