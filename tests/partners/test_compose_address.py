"""One way to read an address from a one-line text plus typed fields, for the form, the API,
the import and the services (three copies disagreed: the create form made two addresses of
one when both were given)."""

from __future__ import annotations

from django.urls import reverse

from tandem.core.models import Company, User
from tandem.partners import services
from tandem.partners.addresses import compose_address
from tandem.partners.models import Partner
from tests.web.support import signed_in


def test_typed_fields_win_over_the_line() -> None:
    fields = compose_address("ul. Długa 5/2, 00-001 Warszawa", {"house": "7", "unit": ""}, "SI")
    assert fields == {
        "street": "ul. Długa", "house": "7", "unit": "2", "postal_code": "00-001", "city": "Warszawa",
        "region": "", "country": "PL",
    }  # fmt: skip


def test_the_country_is_the_typed_one_then_the_lines_then_the_default() -> None:
    assert compose_address("Slovenska cesta 15, 1000 Ljubljana", {"country": "si"}, "PL")["country"] == "SI"
    assert compose_address("Hauptstraße 5, D-10115 Berlin", {}, "PL")["country"] == "DE"
    typed_only = compose_address("", {"city": "Kraków"}, "pl")
    assert typed_only == {**dict.fromkeys(typed_only, ""), "city": "Kraków", "country": "PL"}


def test_a_line_and_typed_fields_make_one_address(company: Company) -> None:
    partner = services.create_partner(
        company,
        None,
        name="Meble Nowak",
        address_text="ul. Długa 5, 00-238 Warszawa",
        addresses=[{"unit": "7"}],
    )
    address = partner.addresses.get()
    assert (address.street, address.house, address.unit, address.city) == ("ul. Długa", "5", "7", "Warszawa")


def test_the_create_form_makes_one_address_of_the_line_and_the_fields(manager: User) -> None:
    signed_in(manager).post(
        reverse("partners:create"),
        {"kind": "organisation", "name": "Ljubljana d.o.o.", "language": "sl", "is_customer": "on",
         "address_text": "Slovenska cesta 15, 1000 Ljubljana", "unit": "3", "address_country": "SI"},
    )  # fmt: skip
    address = Partner.objects.get(name="Ljubljana d.o.o.").addresses.get()
    assert (address.street, address.house, address.unit, address.city, address.country) == (
        "Slovenska cesta", "15", "3", "Ljubljana", "SI",
    )  # fmt: skip


def test_adding_an_address_reads_the_line_in_the_partners_country(company: Company) -> None:
    partner = services.create_partner(company, None, name="Ljubljana d.o.o.", country="SI")
    address = services.add_address(partner, None, address_text="Trg republike 3, Ljubljana", kind="delivery")
    assert (address.street, address.house, address.city, address.country, address.kind) == (
        "Trg republike", "3", "Ljubljana", "SI", "delivery",
    )  # fmt: skip
