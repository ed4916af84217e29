"""Partner services: validation, duplicates, addresses, edits and merges — each bad input writes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tandem.core.errors import DuplicateFound, NotAllowed, StaleVersion, ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.partners.models import Address, Partner, Tag
from tandem.partners.services import (
    add_address,
    add_bank_account,
    create_partner,
    merge_partners,
    update_partner,
)


def test_create_normalises_identifiers_and_parses_a_free_text_address(
    company: Company, manager: User
) -> None:
    partner = create_partner(
        company,
        manager,
        name="Meble Nowak Sp. z o.o.",
        email="Biuro@Meble-Nowak.PL",
        phone="22 123 45 67",
        tax_id="526-025-09-95",
        address_text="ul. Marszałkowska 10/12 m. 5, 00-590 Warszawa",
    )
    assert (partner.email, partner.phone, partner.tax_id) == (
        "biuro@meble-nowak.pl",
        "+48221234567",
        "5260250995",
    )
    address = partner.addresses.get()
    assert (address.street, address.postal_code, address.city, address.country) == (
        "ul. Marszałkowska",
        "00-590",
        "Warszawa",
        "PL",
    )
    assert address.is_default and partner.country == "PL"


@pytest.mark.parametrize(
    ("field", "value"),
    [("tax_id", "5260250994"), ("phone", "12"), ("email", "not-an-email"), ("name", "  ")],
)
def test_invalid_input_is_refused_with_a_field_message_and_nothing_written(
    company: Company, manager: User, field: str, value: str
) -> None:
    fields = {"name": "Valid name", field: value}
    with pytest.raises(ValidationFailed) as error:
        create_partner(company, manager, **fields)
    assert field in error.value.errors and error.value.errors[field][0]
    assert not Partner.objects.exists() and not Event.objects.filter(name="partner.created").exists()


def test_every_error_is_reported_at_once(company: Company, manager: User) -> None:
    with pytest.raises(ValidationFailed) as error:
        create_partner(company, manager, name="X", tax_id="123", phone="1", email="@")
    assert set(error.value.errors) == {"tax_id", "phone", "email"}


@pytest.mark.parametrize(
    ("existing", "candidate"),
    [
        (
            {"name": "Acme Furniture Ltd", "tax_id": "5260250995"},
            {"name": "Other", "tax_id": "526 025 09 95"},
        ),
        ({"name": "Acme", "email": "info@acme.pl"}, {"name": "Different", "email": "INFO@acme.pl"}),
        ({"name": "Acme", "phone": "+48 22 123 45 67"}, {"name": "Different", "phone": "22 1234567"}),
        ({"name": "Acme Furniture Ltd"}, {"name": "ACME Furniture Limited"}),
        ({"name": "ООО «Ромашка»"}, {"name": "Ромашка ООО"}),
    ],
)
def test_probable_duplicates_are_refused_unless_allowed(
    company: Company, manager: User, existing: dict[str, str], candidate: dict[str, str]
) -> None:
    original = create_partner(company, manager, **existing)
    with pytest.raises(DuplicateFound) as error:
        create_partner(company, manager, **candidate)
    assert error.value.extra["duplicates"][0]["id"] == original.pk
    assert Partner.objects.count() == 1
    create_partner(company, manager, allow_duplicate=True, **candidate)
    assert Partner.objects.count() == 2


def test_different_names_are_not_duplicates(company: Company, manager: User) -> None:
    create_partner(company, manager, name="Acme Furniture")
    create_partner(company, manager, name="Acorn Tables")
    assert Partner.objects.count() == 2


def test_a_stale_edit_is_refused_and_changes_nothing(
    make_partner: Callable[..., Partner], manager: User
) -> None:
    partner = make_partner("Acme")
    update_partner(partner, manager, expected_version=1, notes="first")
    with pytest.raises(StaleVersion):
        update_partner(partner, manager, expected_version=1, notes="second")
    partner.refresh_from_db()
    assert (partner.notes, partner.version) == ("first", 2)


def test_update_records_old_and_new_values(make_partner: Callable[..., Partner], manager: User) -> None:
    partner = make_partner("Acme", email="a@acme.com")
    update_partner(partner, manager, name="Acme Group", email="b@acme.com")
    event = Event.objects.get(name="partner.updated")
    assert event.data["changes"] == {"name": ["Acme", "Acme Group"], "email": ["a@acme.com", "b@acme.com"]}


def test_salesperson_cannot_give_a_partner_to_someone_else(
    company: Company, salesperson: User, other_salesperson: User
) -> None:
    with pytest.raises(NotAllowed):
        create_partner(company, salesperson, name="Acme", owner=other_salesperson)
    mine = create_partner(company, salesperson, name="Acme")
    assert mine.owner == salesperson


def test_references_to_another_company_are_refused(
    make_partner: Callable[..., Partner], other_company: Company, manager: User
) -> None:
    foreign_tag = Tag.objects.create(company=other_company, name="VIP")
    with pytest.raises(ValidationFailed):
        make_partner("Acme", tags=[foreign_tag])
    assert not Partner.objects.exists()


def test_one_default_address_per_kind(make_partner: Callable[..., Partner], manager: User) -> None:
    partner = make_partner("Acme", address_text="Hauptstraße 5, 10115 Berlin")
    second = add_address(
        partner, manager, street="Unter den Linden", house="77", city="Berlin", is_default=True
    )
    assert list(partner.addresses.filter(is_default=True)) == [second]
    with pytest.raises(ValidationFailed):
        add_address(partner, manager, kind=Address.Kind.DELIVERY)


def test_bank_accounts_are_validated(make_partner: Callable[..., Partner], manager: User) -> None:
    partner = make_partner("Acme")
    account = add_bank_account(partner, manager, iban="de89 3704 0044 0532 0130 00", bic="COBADEFFXXX")
    assert account.iban == "DE89370400440532013000"
    with pytest.raises(ValidationFailed):
        add_bank_account(partner, manager, iban="DE00370400440532013000")
    assert partner.bank_accounts.count() == 1


def test_merge_repoints_every_reference_and_keeps_the_history(
    make_partner: Callable[..., Partner], manager: User, company: Company
) -> None:
    survivor = make_partner("Acme Furniture", email="info@acme.com")
    duplicate = make_partner(
        "ACME Furniture Ltd", phone="+48 22 123 45 67", address_text="Hauptstraße 5, 10115 Berlin"
    )
    person = make_partner("Jan Kowalski", kind=Partner.Kind.PERSON, organisation=duplicate)
    vip = Tag.objects.create(company=company, name="VIP")
    duplicate.tags.add(vip)
    merge_partners(survivor, [duplicate], manager)
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    person.refresh_from_db()
    assert person.organisation == survivor
    assert list(survivor.tags.all()) == [vip]
    assert survivor.addresses.count() == 1 and survivor.phone == "+48221234567"
    assert (duplicate.active, duplicate.merged_into) == (False, survivor)
    assert Event.objects.filter(partner_id=duplicate.pk).count() == 0
    merged = Event.objects.get(name="partner.merged")
    assert merged.data["merged"] == [{"id": duplicate.pk, "name": "ACME Furniture Ltd"}]
    assert Event.objects.filter(partner_id=survivor.pk, name="partner.created").count() == 2
