"""Partner import: update by key, idempotent re-runs, modes, rejected rows, duplicates, addresses."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from tandem.core import roles
from tandem.core.models import Event
from tandem.core.text import name_key
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tandem.partners.duplicates import NAME_SIMILARITY
from tandem.partners.imports import _DuplicateIndex, _NameKeys
from tandem.partners.models import Address, Partner
from tandem.partners.names import core_name
from tests.kit.imports import uploaded

pytestmark = pytest.mark.usefixtures("_media_in_tmp")

GOOD = (
    "ref;name;email;phone;tax_id;address;contact_name;contact_email\n"
    "A-1;Acme sp. z o.o.;biuro@acme.pl;+48 22 123 45 67;5260250995;ul. Długa 5/7, 80-831 Gdańsk;"
    "Jan Kowalski;jan@acme.pl\n"
    "A-2;Beta Meble;beta@beta.pl;;;Slovenska cesta 15, 1000 Ljubljana, Slovenija;;\n"
)


@pytest.fixture
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run_import(company: Any, manager: Any) -> Callable[..., ImportRun]:
    def go(
        content: str, *, mode: str = "all", actor: Any = None, options: dict[str, Any] | None = None
    ) -> ImportRun:
        actor = actor or manager
        run = uploaded(company, actor, spec_key="partners.partner", name="p.csv", content=content.encode())
        if options:
            columns = {int(k): v for k, v in run.mapping.items()}
            run = services.set_mapping(run, actor, columns=columns, options={**run.options, **options})
        run = services.dry_run(run, actor)
        run = services.start_commit(run, actor, mode=mode)
        run.refresh_from_db()
        return run

    return go


def test_import_creates_partners_contacts_and_parsed_addresses(
    run_import: Callable[..., ImportRun], manager: Any
) -> None:
    run = run_import(GOOD)
    assert run.state == ImportRun.State.DONE
    assert run.result["created"] == 2 and run.result["contacts"] == 1
    acme = Partner.objects.get(ref="A-1")
    assert (acme.email, acme.phone, acme.tax_id, acme.owner) == (
        "biuro@acme.pl",
        "+48221234567",
        "5260250995",
        manager,
    )
    address = Address.objects.get(partner=acme)
    assert (
        address.street,
        address.house,
        address.unit,
        address.postal_code,
        address.city,
        address.country,
    ) == ("ul. Długa", "5", "7", "80-831", "Gdańsk", "PL")
    assert address.is_default and address.kind == Address.Kind.INVOICE
    person = Partner.objects.get(organisation=acme)
    assert (person.kind, person.name, person.email) == (Partner.Kind.PERSON, "Jan Kowalski", "jan@acme.pl")
    beta = Partner.objects.get(ref="A-2")
    assert beta.country == "SI" and beta.addresses.get().city == "Ljubljana"


def test_one_event_per_import_with_counts_and_who(run_import: Callable[..., ImportRun], manager: Any) -> None:
    run = run_import(GOOD)
    event = Event.objects.get(name="import.completed")
    assert event.actor == manager and event.subject_id == str(run.pk)
    assert (
        event.data["created"] == 2
        and event.data["imported_by"] == "anna"
        and event.data["source"] == "import"
    )
    assert not Event.objects.filter(
        name="partner.created"
    ).exists()  # bulk imports record no per-record events


def test_second_run_of_the_same_file_updates_and_creates_nothing(
    run_import: Callable[..., ImportRun],
) -> None:
    run_import(GOOD)
    before = Partner.objects.count(), Address.objects.count()
    again = run_import(GOOD)
    assert again.summary["counts"]["update"] == 2 and again.summary["counts"]["new"] == 0
    assert again.result["created"] == 0 and again.result["unchanged"] == 2
    assert (Partner.objects.count(), Address.objects.count()) == before


def test_update_by_tax_id_changes_only_the_given_cells(
    run_import: Callable[..., ImportRun], make_partner: Any
) -> None:
    existing = make_partner("Acme Old Name", tax_id="5260250995", email="old@acme.pl", phone="+48221234567")
    version = existing.version
    run = run_import(
        "tax_id;name;email;phone\n526-025-09-95;Acme New Name;new@acme.pl;\n", options={"match_key": "tax_id"}
    )
    assert run.result["updated"] == 1 and run.result["created"] == 0
    existing.refresh_from_db()
    assert (existing.name, existing.email, existing.phone) == ("Acme New Name", "new@acme.pl", "+48221234567")
    assert existing.version == version + 1 and existing.match_key == "acme new name"


def test_update_by_email(run_import: Callable[..., ImportRun], make_partner: Any) -> None:
    existing = make_partner("Gamma", email="info@gamma.example")
    run = run_import("email;name;is_supplier\nINFO@gamma.example;Gamma;yes\n", options={"match_key": "email"})
    assert run.result["updated"] == 1
    existing.refresh_from_db()
    assert existing.is_supplier


BAD = GOOD + "A-3;Broken;not-an-email;;123;;;\nA-4;;nobody@example.com;;;;;\n"


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(run_import: Callable[..., ImportRun]) -> None:
    run = run_import(BAD)
    assert run.state == ImportRun.State.REJECTED
    assert "Nothing was imported: 2 rows have errors" in run.status_error
    assert Partner.objects.count() == 0
    assert not Event.objects.filter(name="import.completed").exists()
    outcomes = {line: (status, detail) for line, status, detail in services.outcomes_of(run)}
    assert outcomes[2][0] == "new" and outcomes[4][0] == "error" and outcomes[5][0] == "error"
    assert "not a valid email address" in " ".join(outcomes[4][1]["errors"]["E-mail"])
    assert "This field is required." in outcomes[5][1]["errors"]["Name"]


def test_valid_rows_mode_imports_the_rest_and_offers_the_rejected_rows(
    run_import: Callable[..., ImportRun], company: Any, manager: Any
) -> None:
    run = run_import(BAD, mode="valid")
    assert run.state == ImportRun.State.DONE
    assert run.result["created"] == 2 and run.result["rejected"] == 2
    assert set(Partner.objects.filter(organisation=None).values_list("ref", flat=True)) == {"A-1", "A-2"}
    text = services.rejected_csv(run).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "reason" and rows[0][:2] == ["ref", "name"]
    assert [row[0] for row in rows[1:]] == ["A-3", "A-4"]
    assert "E-mail:" in rows[1][-1] and "Name:" in rows[2][-1]
    # Fixed and imported again: the reason column is ignored, the good rows are not duplicated.
    fixed = (
        text.replace("not-an-email", "broken@example.com")
        .replace(";123;", ";;")
        .replace("A-4,,", "A-4,Fixed Name,")
    )
    again = uploaded(company, manager, spec_key="partners.partner", name="fixed.csv", content=fixed.encode())
    assert "reason" not in again.mapping.values()
    again = services.dry_run(again, manager)
    assert again.summary["counts"] == {"new": 1, "update": 0, "duplicate": 0, "error": 1}, (
        services.outcomes_of(again)
    )


def test_possible_duplicates_are_flagged_with_a_link(
    run_import: Callable[..., ImportRun], make_partner: Any
) -> None:
    known = make_partner("Acme Sp. z o.o.", tax_id="5260250995")
    content = (
        "ref;name;tax_id;email\n"
        "N-1;ACME sp. z o.o.;;\n"  # same name, other legal form spelling
        "N-2;Someone Else;5260250995;\n"  # same tax ID
        "N-3;Fresh Company;;same@fresh.example\n"
        "N-4;Another Fresh;;same@fresh.example\n"  # same e-mail as the row above
        "N-5;Unrelated Works;;\n"
    )
    company, manager = known.company, known.owner
    run = uploaded(company, manager, spec_key="partners.partner", name="d.csv", content=content.encode())
    run = services.dry_run(run, manager)
    outcomes = {line: (status, detail) for line, status, detail in services.outcomes_of(run)}
    assert run.summary["counts"]["duplicate"] == 3
    assert outcomes[2][0] == "duplicate" and outcomes[2][1]["matches"][0]["url"] == f"/partners/{known.pk}/"
    assert outcomes[2][1]["matches"][0]["reasons"] == ["name"]  # codes, translated when shown
    assert outcomes[3][1]["matches"][0]["reasons"] == ["tax_id"]
    assert outcomes[5][1]["matches"][0]["line"] == 4 and outcomes[5][1]["matches"][0]["reasons"] == ["email"]
    assert outcomes[4][0] == "new" and outcomes[6][0] == "new"
    run = services.start_commit(run, manager, mode="all", skip_duplicates=True)
    assert run.result["created"] == 2 and run.result["skipped"] == 3


def test_same_key_twice_in_one_file_is_an_error(run_import: Callable[..., ImportRun]) -> None:
    run = run_import("ref;name\nX-1;One\nX-1;Two\n", mode="valid")
    assert run.result["created"] == 1 and run.result["rejected"] == 1
    [_first, (_line, status, detail)] = services.outcomes_of(run)
    assert status == "error" and "Row 2 has the same External reference" in str(detail)


def test_reference_of_another_partner_is_refused(
    run_import: Callable[..., ImportRun], make_partner: Any
) -> None:
    make_partner("Holder", ref="R-1", email="holder@example.com")
    run = run_import("email;name;ref\nnew@example.com;Newcomer;R-1\n", options={"match_key": "email"})
    assert run.state == ImportRun.State.REJECTED
    assert "Another partner already has this external reference." in str(services.outcomes_of(run))


def test_salesperson_cannot_update_a_colleagues_partner(
    run_import: Callable[..., ImportRun], make_partner: Any, salesperson: Any, other_salesperson: Any
) -> None:
    theirs = make_partner("Their Customer", ref="T-1", actor=other_salesperson)
    run = run_import("ref;name\nT-1;Taken Over\nS-1;My New Customer\n", actor=salesperson, mode="valid")
    theirs.refresh_from_db()
    assert theirs.name == "Their Customer"
    assert run.result["rejected"] == 1 and "not allowed to change" in str(services.outcomes_of(run))
    assert Partner.objects.get(ref="S-1").owner == salesperson


def test_warehouse_may_not_import_partners(company: Any, make_user: Callable[..., Any]) -> None:
    from tandem.core.errors import NotAllowed

    keeper = make_user("wanda", roles.WAREHOUSE)
    with pytest.raises(NotAllowed):
        services.upload(company, keeper, spec_key="partners.partner", name="p.csv", content=GOOD.encode())
    assert not ImportRun.objects.exists()


def test_structured_address_columns_win_over_the_parser(run_import: Callable[..., ImportRun]) -> None:
    run_import(
        "ref;name;street;house;postal code;city;country\nS-1;Structured;Hauptstraße;5;10115;Berlin;DE\n"
    )
    address = Address.objects.get()
    assert (address.street, address.house, address.postal_code, address.city, address.country) == (
        "Hauptstraße",
        "5",
        "10115",
        "Berlin",
        "DE",
    )


_WORDS = st.sampled_from(
    ["meble", "mebel", "nowak", "kowalski", "acme", "acne", "d.o.o.", "sp. z o.o.", "ooo", "gmbh"]
)
_NAMES = st.lists(_WORDS, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(existing=st.lists(_NAMES, min_size=1, max_size=5), wanted=_NAMES)
@example(existing=["Meble Nowak Acme sp. z o.o."], wanted="meble acme nowak")  # word order
@example(existing=["Kowalski GmbH", "Kowalsky"], wanted="kowalski")
def test_the_import_index_finds_similar_names_by_the_rule_of_the_duplicate_check(
    existing: list[str], wanted: str
) -> None:
    """In-file hints equal ``token_sort_ratio`` ≥ NAME_SIMILARITY over the distinctive part of
    names sharing a three-letter prefix, the rule of ``partners.duplicates`` (which the index
    computes with sorted words and ``fuzz.ratio`` for speed)."""
    index = _DuplicateIndex()
    for pk, name in enumerate(existing, start=1):
        index.add(name, "", "", "", _NameKeys(name_key(name), core_name(name)), pk=pk)

    hints = index.matches({"name": wanted}, _NameKeys(name_key(wanted), core_name(wanted)))

    wanted_core = core_name(wanted)
    prefixes = {p for p in (wanted_core[:3], name_key(wanted)[:3]) if len(p) == 3}
    expected = {
        pk for pk, name in enumerate(existing, start=1)
        if len(wanted_core) >= 3
        and prefixes & {core_name(name)[:3], name_key(name)[:3]}
        and fuzz.token_sort_ratio(wanted_core, core_name(name)) >= NAME_SIMILARITY
    }  # fmt: skip
    assert {hint.pk for hint in hints} == expected


def test_duplicate_reasons_are_shown_in_the_readers_language(
    run_import: Callable[..., ImportRun], make_partner: Any
) -> None:
    """Stored as codes by an English-speaking user, read in Polish by another."""
    from django.urls import reverse

    from tests.web.support import signed_in

    known = make_partner("Acme Sp. z o.o.", tax_id="5260250995")
    run = uploaded(
        known.company, known.owner, spec_key="partners.partner", name="d.csv",
        content=b"ref;name;tax_id\nN-2;Someone Else;5260250995\n",
    )  # fmt: skip
    run = services.dry_run(run, known.owner)
    page = signed_in(known.owner).get(reverse("imports:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="pl")
    assert "ten sam NIP" in page.content.decode()


def test_duplicate_hints_name_only_partners_the_importer_may_open(
    company: Any, make_partner: Any, salesperson: Any, other_salesperson: Any
) -> None:
    """A colleague's customer is flagged as existing, never named (like the API's 409)."""
    from django.urls import reverse

    from tests.web.support import signed_in

    make_partner("Hidden Customer d.o.o.", tax_id="5260250995", owner=other_salesperson)
    mine = make_partner("Visible Customer d.o.o.", email="buyer@visible.example", owner=salesperson)
    content = b"ref;name;tax_id;email\nH-1;Someone;5260250995;\nV-1;Other;;buyer@visible.example\n"
    run = uploaded(company, salesperson, spec_key="partners.partner", name="d.csv", content=content)
    run = services.dry_run(run, salesperson)
    outcomes = {line: (status, detail) for line, status, detail in services.outcomes_of(run)}
    assert outcomes[2][0] == "duplicate" and outcomes[2][1]["matches"] == [
        {"name": "", "url": "", "line": None, "reasons": [], "hidden": True}
    ]
    assert outcomes[3][1]["matches"][0]["url"] == f"/partners/{mine.pk}/"
    page = signed_in(salesperson).get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "data-hidden-duplicate" in page and "Hidden Customer" not in page and "Visible Customer" in page
