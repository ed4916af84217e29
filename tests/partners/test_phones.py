"""Phones written as people write them in their country are read in the partner's country —
the one given, else its address's — in the form, the API and the import; the card shows
them in international format with a tap-to-call link, and e-mail as a mailto link."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tandem.core.identifiers import format_phone
from tandem.core.models import Company, User
from tandem.core.services import issue_api_token
from tandem.integrations.imports import services as imports
from tandem.partners import services
from tandem.partners.models import Partner
from tests.kit.imports import uploaded
from tests.web.support import signed_in

# "22 123 45 67" is also a valid German number (+49 22 1234567): read in the company's
# country (DE) it would be stored as a wrong number, silently.
WARSAW = {"street": "Długa", "house": "5", "postal_code": "00-238", "city": "Warszawa", "country": "PL"}
# "01 412 34 56" is Ljubljana; the test company is Polish, where it is no number at all.
LJUBLJANA = {"street": "Slovenska cesta", "house": "15", "postal_code": "1000", "city": "Ljubljana"}


def test_the_service_reads_a_national_number_in_the_address_country(other_company: Company) -> None:
    partner = services.create_partner(
        other_company,
        None,
        name="Meble Nowak",
        phone="22 123 45 67",
        mobile="601 234 567",
        addresses=[WARSAW],
    )
    assert (partner.phone, partner.mobile) == ("+48221234567", "+48601234567")
    assert partner.country == "PL"


def test_the_service_reads_a_one_line_address_for_the_country_too(other_company: Company) -> None:
    partner = services.create_partner(
        other_company,
        None,
        name="Meble Nowak",
        phone="22 123 45 67",
        address_text="ul. Długa 5, 00-238 Warszawa",
    )
    assert partner.phone == "+48221234567"


def test_an_edit_reads_the_number_in_the_partners_country(company: Company) -> None:
    partner = services.create_partner(
        company, None, name="Ljubljana d.o.o.", addresses=[{**LJUBLJANA, "country": "SI"}]
    )
    edited = services.update_partner(partner, None, phone="01 412 34 56")
    assert edited.phone == "+38614123456"


def test_the_form_reads_the_number_in_the_address_country(manager: User) -> None:
    signed_in(manager).post(
        reverse("partners:create"),
        {"kind": "organisation", "name": "Ljubljana d.o.o.", "language": "sl", "is_customer": "on",
         "phone": "01 412 34 56", **LJUBLJANA, "address_country": "SI"},
    )  # fmt: skip
    assert Partner.objects.get(name="Ljubljana d.o.o.").phone == "+38614123456"


def test_the_api_reads_the_number_in_the_address_country(manager: User) -> None:
    _token, secret = issue_api_token(manager, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post(
        "/api/v1/partners/partners/",
        {"name": "Ljubljana d.o.o.", "phone": "01 412 34 56", "addresses": [{**LJUBLJANA, "country": "SI"}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+38614123456"


@pytest.fixture
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.usefixtures("_media_in_tmp")
def test_the_import_reads_the_number_in_the_address_country(company: Company, manager: User) -> None:
    content = (
        "name;phone;address\nLjubljana d.o.o.;01 412 34 56;Slovenska cesta 15, 1000 Ljubljana, Slovenija\n"
    )
    run = uploaded(company, manager, spec_key="partners.partner", name="p.csv", content=content.encode())
    run = imports.dry_run(run, manager)
    imports.start_commit(run, manager, mode="all")
    assert Partner.objects.get(name="Ljubljana d.o.o.").phone == "+38614123456"


def test_numbers_are_shown_in_international_format() -> None:
    assert format_phone("+48221234567") == "+48 22 123 45 67"
    assert format_phone("+38614123456") == "+386 1 412 34 56"
    assert format_phone("") == ""


def test_the_card_links_to_call_and_to_write(make_partner: Callable[..., Partner], manager: User) -> None:
    partner = make_partner("Meble Nowak", phone="+48 22 123 45 67", email="biuro@nowak.pl")
    make_partner(
        "Jan Kowalski", kind="person", organisation=partner, phone="+48601234567", email="jan@nowak.pl"
    )
    page = signed_in(manager).get(partner.get_absolute_url()).content.decode()
    assert '<a href="tel:+48221234567">+48 22 123 45 67</a>' in page
    assert '<a href="mailto:biuro@nowak.pl">biuro@nowak.pl</a>' in page
    assert '<a href="tel:+48601234567">+48 601 234 567</a>' in page
    assert '<a href="mailto:jan@nowak.pl">jan@nowak.pl</a>' in page


def test_the_list_shows_numbers_in_international_format(
    make_partner: Callable[..., Partner], manager: User
) -> None:
    make_partner("Meble Nowak", phone="+48 22 123 45 67")
    page = signed_in(manager).get(reverse("partners:list")).content.decode()
    assert "+48 22 123 45 67" in page
