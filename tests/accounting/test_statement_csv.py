"""A bank's CSV export through the platform's import (mapping, dry run): rows become a
statement's lines on the bank journal, money in and out as columns or a signed amount; a
transaction ID imported before, a bad amount or an unknown journal is a rejected row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting.models import BankStatement, BankStatementLine, BooksSettings
from tandem.core.models import Company, User
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tests.kit.imports import uploaded

from .conftest import journal

pytestmark = pytest.mark.django_db
SPEC = "accounting.statement_lines"
CSV = (
    "Datum;Priliv;Odliv;Naziv;IBAN;Sklic;Namen;ID transakcije;Izpisek\n"
    "20.03.2026;120,00;;Kowalski sp. z o.o.;GB82 WEST 1234 5698 7654 32;SI00 INV/2026/00001;Plačilo;T-1;12\n"
    "20.03.2026;;4,90;Banka;;;Provizija;T-2;12\n"
    "21.03.2026;35,50;;Nowak;;;Naročilo 5;T-3;12\n"
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _import(company: Company, actor: User, content: str, mode: str = "all") -> ImportRun:
    run = uploaded(company, actor, spec_key=SPEC, name="izpisek.csv", content=content.encode())
    run = services.dry_run(run, actor)
    return services.start_commit(run, actor, mode=mode)


def test_csv_rows_become_a_statements_lines_with_the_columns_mapped(
    company: Company, books: BooksSettings, admin: User
) -> None:
    run = _import(company, admin, CSV)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    statement = BankStatement.objects.get()
    assert (statement.name, statement.journal, statement.source) == ("12", journal(company, "BNK1"), "csv")
    lines = list(statement.lines.order_by("sequence"))
    assert [line.amount for line in lines] == [Decimal("120"), Decimal("-4.90"), Decimal("35.50")]
    assert lines[0].counterparty_iban == "GB82WEST12345698765432" and lines[0].import_id == "T-1"
    assert (statement.balance_start, statement.balance_end) == (Decimal(0), Decimal("150.60"))
    assert str(statement.date) == "2026-03-21"


def test_a_transaction_imported_before_is_rejected_and_bad_rows_say_why(
    company: Company, books: BooksSettings, admin: User
) -> None:
    _import(company, admin, CSV)
    again = _import(company, admin, CSV.replace(";12\n", ";13\n"), mode="valid")
    assert again.result["rejected"] == 3 and "imported already" in str(services.outcomes_of(again))
    bad = (
        "date;amount;details;journal\n"
        "2026-03-22;0;zero;BNK1\n2026-03-22;1.5551;too precise;BNK1\n2026-03-22;5;where;NOPE\n"
    )
    refused = _import(company, admin, bad)
    outcomes = str(services.outcomes_of(refused))
    assert refused.state == ImportRun.State.REJECTED
    assert "zero" in outcomes and "decimal places" in outcomes and "NOPE" in outcomes
    assert BankStatementLine.objects.count() == 3


def test_no_header_name_points_at_two_fields() -> None:
    from tandem.core.importing import specs
    from tandem.integrations.imports.parsing import normalise_header

    owners: dict[str, str] = {}
    for field in specs()[SPEC].fields:
        for alias in (field.name, *field.aliases):
            normal = normalise_header(alias)
            assert owners.setdefault(normal, field.name) == field.name, (alias, field.name, owners[normal])
