"""What the dry run tells a person: every error of a row, the values of new rows, broken rows,
headers named like a field, plurals, and a progress page that moves on by itself."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from tandem.core.importing import specs
from tandem.integrations.imports import mapping, services
from tandem.integrations.imports.models import ImportRun
from tandem.partners.models import Partner


def _outcomes(run: ImportRun) -> dict[int, tuple[str, dict[str, Any]]]:
    return {line: (status, detail) for line, status, detail in services.outcomes_of(run)}


def test_every_error_of_a_row_is_reported_at_once(run_import: Callable[..., ImportRun]) -> None:
    run = run_import(
        "Name,Customer,E-mail,Phone,Country\nAcme,maybe,not-an-email,12,Atlantis\n", commit=False
    )
    status, detail = _outcomes(run)[2]
    assert status == "error"
    assert set(detail["errors"]) == {"Customer", "E-mail", "Phone", "Country"}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_a_header_named_like_a_fields_label_is_mapped_to_it(language: str) -> None:
    spec = specs()["partners.partner"]
    with translation.override(language):
        headers = [str(spec.field(name).label) for name in ("name", "is_customer", "is_supplier", "ref")]
    assert mapping.guess(spec, headers) == {0: "name", 1: "is_customer", 2: "is_supplier", 3: "ref"}


def test_new_rows_show_their_values(run_import: Callable[..., ImportRun]) -> None:
    run = run_import("Name,E-mail,Kind,Customer\nAcme,Info@Acme.test,person,yes\n", commit=False)
    status, detail = _outcomes(run)[2]
    assert status == "new"
    assert dict(detail["values"]) == {
        "Name": "Acme", "E-mail": "info@acme.test", "Kind": "Person", "Customer": "Yes",
    }  # fmt: skip


def test_an_unclosed_quote_is_a_row_error_not_a_name_with_a_line_break(
    run_import: Callable[..., ImportRun],
) -> None:
    run = run_import(
        'name,email\n"Acme,info@acme.test\nBeta,beta@beta.test\nGamma,g@gamma.test\n', mode="valid"
    )
    errors = [detail for status, detail in _outcomes(run).values() if status == "error"]
    assert errors and "line break" in str(errors[0]["errors"])
    assert not Partner.objects.filter(name__contains="\n").exists()


def test_cells_beyond_the_header_are_a_row_error(run_import: Callable[..., ImportRun]) -> None:
    run = run_import("name,email\nAcme, Inc,info@acme.test\nBeta,beta@beta.test\n", mode="valid")
    outcomes = _outcomes(run)
    assert outcomes[2][0] == "error"
    assert "beyond the header" in str(outcomes[2][1]["errors"])
    assert outcomes[3][0] == "new"
    assert list(Partner.objects.values_list("name", flat=True)) == ["Beta"]


def test_multiline_notes_are_still_welcome(run_import: Callable[..., ImportRun]) -> None:
    run = run_import('name,notes\nAcme,"first line\nsecond line"\n')
    assert run.state == ImportRun.State.DONE
    assert Partner.objects.get().notes == "first line\nsecond line"


def test_the_rejected_rows_file_holds_no_live_formula_and_imports_again(
    run_import: Callable[..., ImportRun],
) -> None:
    run = run_import(
        'name,email\n"\x01=HYPERLINK(""http://evil.test"")",not-an-email\n=1+1,x@y\n', mode="valid"
    )
    rows = list(csv.reader(io.StringIO(services.rejected_csv(run).decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil.test")', "'=1+1"]
    fixed = "\n".join(
        f'"{name.replace(chr(34), chr(34) * 2)}",ok{n}@example.test' for n, name in enumerate(names)
    )
    again = run_import(f"name,email\n{fixed}\n")
    assert again.state == ImportRun.State.DONE
    assert set(Partner.objects.values_list("name", flat=True)) == {'=HYPERLINK("http://evil.test")', "=1+1"}


def test_one_row_is_one_row_in_every_language(
    client: Any, manager: Any, upload: Callable[..., ImportRun]
) -> None:
    run = upload("name\nAcme\n")
    client.force_login(manager)
    page = client.get(f"/imports/{run.pk}/mapping/").content.decode()
    assert "· 1 row<" in page or "· 1 row\n" in page or "1 row</p>" in page
    assert "1 rows" not in page


def test_the_progress_page_moves_on_to_the_result_by_itself(
    client: Any, manager: Any, upload: Callable[..., ImportRun]
) -> None:
    run = upload("name\nAcme\n")
    client.force_login(manager)
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.CHECKING)  # as while a job checks it
    busy = client.get(f"/imports/{run.pk}/").content.decode()
    assert f'hx-get="/imports/{run.pk}/"' in busy and 'hx-trigger="every 2s"' in busy
    assert 'hx-select="#import-run"' in busy
    ImportRun.objects.filter(pk=run.pk).update(state=run.state)
    run = services.start_dry_run(ImportRun.objects.get(pk=run.pk), manager)
    done = client.get(f"/imports/{run.pk}/").content.decode()
    assert (
        'id="import-run"' in done and "hx-trigger" not in done.split('id="import-run"', 1)[1].split(">", 1)[0]
    )
    assert 'data-outcome="new"' in done
