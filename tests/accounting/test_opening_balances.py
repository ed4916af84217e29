"""Opening balances are taken once: after the opening entry is posted, another file is refused
(at the check, before any row, and again by the writer) unless that entry was reversed; the
opening lines are written through the entry service, so its checks apply to them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting.models import Account, BooksSettings, JournalEntry, JournalLine
from tandem.accounting.queries import ledger as queries
from tandem.accounting.services import ledger, moving_in
from tandem.core import invariants
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tests.kit.imports import uploaded

from .conftest import account, books_of

pytestmark = pytest.mark.django_db
JAN = datetime.date(2026, 1, 1)
BALANCED = (
    "date;account;label;debit;credit\n2026-01-01;1010;Bank;1500,00;\n2026-01-01;3000;Capital;;1500,00\n"
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _import(company: Company, actor: User, content: str, mode: str = "all") -> ImportRun:
    run = uploaded(
        company, actor, spec_key="accounting.opening", name="opening.csv", content=content.encode()
    )
    run = services.dry_run(run, actor)
    return services.start_commit(run, actor, mode=mode)


def _bank(company: Company) -> Decimal:
    return queries.balance(JournalLine.objects.filter(account=account(company, "1010"), posted=True))


def _openings(company: Company) -> list[tuple[str, bool]]:
    rows = JournalEntry.objects.filter(company=company, origin="opening").order_by("pk")
    return [(entry.state, hasattr(entry, "reversed_by")) for entry in rows]


def test_a_second_opening_file_is_refused_at_the_check_and_nothing_is_written(
    company: Company, books: BooksSettings, admin: User
) -> None:
    assert _import(company, admin, BALANCED).state == ImportRun.State.DONE
    posted = JournalEntry.objects.get(origin="opening")
    assert posted.state == "posted" and _bank(company) == Decimal("1500.00")
    lines = JournalLine.objects.count()
    second = uploaded(
        company, admin, spec_key="accounting.opening", name="again.csv", content=BALANCED.encode()
    )
    with pytest.raises(
        moving_in.OpeningPosted, match=f"posted already \\(entry {posted.number} of 2026-01-01\\)"
    ):
        services.dry_run(second, admin)
    second.refresh_from_db()
    assert second.state == ImportRun.State.FAILED and "reverse that entry first" in str(second.error)
    assert JournalLine.objects.count() == lines and _openings(company) == [("posted", False)]
    assert _bank(company) == Decimal("1500.00")


def test_the_writer_refuses_too_when_the_opening_was_posted_after_the_check(
    company: Company, books: BooksSettings, admin: User
) -> None:
    """Two files checked side by side: the first posts; the second's writer refuses."""
    _import(company, admin, BALANCED)
    row = {"date": JAN, "account_id": account(company, "1010").pk, "debit": Decimal(5), "credit": Decimal(0)}
    with pytest.raises(moving_in.OpeningPosted):
        moving_in.import_opening_lines(company, admin, [row], [])
    assert _openings(company) == [("posted", False)]


def test_after_reversing_the_opening_entry_the_balances_are_imported_again(
    company: Company, books: BooksSettings, admin: User
) -> None:
    _import(company, admin, BALANCED)
    first = JournalEntry.objects.get(origin="opening")
    ledger.reverse_entry(first, admin)
    assert _bank(company) == Decimal(0)
    corrected = BALANCED.replace("1500,00", "1400,00")
    run = _import(company, admin, corrected)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    assert _openings(company) == [("posted", True), ("posted", False)]
    assert _bank(company) == Decimal("1400.00") and invariants.violations() == {}
    with pytest.raises(moving_in.OpeningPosted):
        services.dry_run(
            uploaded(company, admin, spec_key="accounting.opening", name="x.csv", content=corrected.encode()),
            admin,
        )


def test_a_draft_waiting_for_its_rest_is_completed_by_a_file_of_its_date_only(
    company: Company, books: BooksSettings, admin: User
) -> None:
    _import(company, admin, "date;account;debit;credit\n2026-01-01;1010;1500;\n2026-01-01;3000;;1000\n")
    draft = JournalEntry.objects.get(origin="opening")
    assert draft.state == "draft"
    other_day = {"date": JAN + datetime.timedelta(days=1), "account_id": account(company, "3200").pk,
                 "debit": Decimal(0), "credit": Decimal(500)}  # fmt: skip
    with pytest.raises(BusinessError, match="dated 2026-01-01, and this file's rows 2026-01-02"):
        moving_in.import_opening_lines(company, admin, [other_day], [])
    assert _import(company, admin, "date;account;debit;credit\n2026-01-01;3200;;500\n").state == "done"
    draft.refresh_from_db()
    assert draft.state == "posted" and draft.lines.count() == 3
    assert Event.objects.filter(name="entry.created").count() == 1  # started once, by the entry service


def test_opening_lines_get_the_entry_services_checks(
    company: Company, other_company: Company, books: BooksSettings, admin: User
) -> None:
    archived = account(company, "6500")
    archived.active = False
    archived.save()
    books_of(other_company)
    theirs = account(other_company, "1010")
    entries = JournalEntry.objects.count()
    cases: list[tuple[dict[str, Any], type[BusinessError], str]] = [
        ({"account_id": archived.pk}, ValidationFailed, "archived"),
        ({"account_id": theirs.pk}, BusinessError, "removed meanwhile"),
        ({"debit": Decimal("-5")}, ValidationFailed, "cannot be negative"),
        ({"debit": Decimal(5), "credit": Decimal(5)}, ValidationFailed, "either a debit or a credit"),
    ]
    for changes, error, message in cases:
        row = {
            "date": JAN,
            "account_id": account(company, "1010").pk,
            "debit": Decimal(5),
            "credit": Decimal(0),
        }
        with pytest.raises(error) as raised:
            moving_in.import_opening_lines(company, admin, [{**row, **changes}], [])
        assert message in str(raised.value.args[0]) or message in str(getattr(raised.value, "errors", ""))
    assert JournalEntry.objects.count() == entries and not JournalLine.objects.exists()


def test_bad_rows_are_told_at_the_check(company: Company, books: BooksSettings, admin: User) -> None:
    Account.objects.filter(company=company, code="6500").update(active=False)
    content = (
        "date;account;debit;credit;currency;amount in currency\n"
        "2026-01-01;6500;10;;;\n"
        "2026-01-01;1010;10;;USD;\n"
        "2026-01-01;3000;;20;;\n"
    )
    run = _import(company, admin, content, mode="valid")
    found = str(services.outcomes_of(run))
    assert "is archived" in found and "needs its amount in that currency" in found
    assert run.result["rejected"] == 2


def test_the_accountant_is_told_on_the_import_screen(
    company: Company, books: BooksSettings, admin: User
) -> None:
    from tests.kit.views import signed_in

    _import(company, admin, BALANCED)
    run = uploaded(company, admin, spec_key="accounting.opening", name="again.csv", content=BALANCED.encode())
    page = signed_in(admin).post(
        f"/imports/{run.pk}/mapping/",
        {"column_0": "date", "column_1": "code", "column_2": "label", "column_3": "debit",
         "column_4": "credit", "match_key": "code", "date_order": "auto", "decimal_separator": "auto"},
    )  # fmt: skip
    assert page.status_code == 200
    assert "The opening balances were posted already" in page.content.decode()
    assert JournalEntry.objects.filter(origin="opening").count() == 1
