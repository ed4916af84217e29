"""Partners through the API: every write goes through the services, every read through ``visible_to``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.core import roles
from tandem.core.models import Company, Event, User
from tandem.crm import targets
from tandem.partners.models import Address, CustomerGroup, Partner, Tag
from tandem.partners.services import create_partner
from tests.api.conftest import ADDRESSES, PARTNERS, TAGS, assert_problem, detail
from tests.kit.api import ApiAction, ApiCases


class TestPartnerApi(ApiCases):
    model = Partner
    collection = PARTNERS
    reader_role = roles.WAREHOUSE
    create_body = {"name": "Meble Nowak", "country": "PL"}
    update_body = {"email": "biuro@nowak.pl"}
    stale_body = {"name": "Meble Nowak (stale)"}
    bad_bodies = [
        ({"tax_id": "5260250994"}, "tax_id"),
        ({"phone": "12"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"country": "XX"}, "country"),
        ({"kind": "robot"}, "kind"),
        ({"owner": 987_654}, "owner"),
        ({"organisation": 987_654}, "organisation"),
        ({"tags": [987_654]}, "tags"),
        ({"owner": "abc"}, "owner"),
        ({"owner": 1.5}, "owner"),
        ({"owner": 10**40}, "owner"),
        ({"currency": "XYZ"}, "currency"),
        ({"is_customer": "perhaps"}, "is_customer"),
        ({"website": "not a url"}, "website"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"name": 12.5}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"addresses": [{"street": "Długa", "floor": 3}]}, "addresses"),
    ]
    actions = [
        ApiAction("merge", lambda kit, partner: {"duplicates": [kit.make().pk]}, event="partner.merged")
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Partner:
        """A customer with every listed column filled: owner, tag, city."""
        fields.setdefault("name", f"Customer {next(self._usernames)}")
        fields.setdefault("owner", actor)
        fields.setdefault("tags", [Tag.objects.get_or_create(company=company, name="VIP")[0]])
        fields.setdefault("address_text", "ul. Długa 5, 00-950 Warszawa")
        return create_partner(company, actor, allow_duplicate=True, **fields)


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# --- create, read, update, archive ------------------------------------------------------


def test_create_normalises_through_the_service_and_records_an_event(
    manager_api: APIClient, manager: User, company: Company
) -> None:
    tag = Tag.objects.create(company=company, name="VIP")
    response = manager_api.post(
        PARTNERS,
        {
            "name": "Meble Nowak Sp. z o.o.",
            "email": "Biuro@Meble-Nowak.PL",
            "phone": "22 123 45 67",
            "tax_id": "526-025-09-95",
            "country": "pl",
            "tags": [tag.pk],
            "address_text": "ul. Marszałkowska 10/12 m. 5, 00-590 Warszawa",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["phone"], body["tax_id"], body["country"]) == (
        "biuro@meble-nowak.pl",
        "+48221234567",
        "5260250995",
        "PL",
    )
    assert body["tags"] == [tag.pk] and body["version"] == 1
    assert response["Location"].endswith(detail(PARTNERS, body["id"]))
    partner = Partner.objects.get(pk=body["id"])
    assert partner.company == company and partner.addresses.get().city == "Warszawa"
    event = Event.objects.get(name="partner.created")
    assert event.actor == manager and event.partner_id == partner.pk


def test_create_with_structured_addresses(manager_api: APIClient) -> None:
    response = manager_api.post(
        PARTNERS,
        {
            "name": "Hauptstraße GmbH",
            "country": "DE",
            "addresses": [
                {
                    "kind": "invoice",
                    "street": "Hauptstraße",
                    "house": "5",
                    "postal_code": "10115",
                    "city": "Berlin",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    address = Address.objects.get(partner_id=response.json()["id"])
    assert (address.city, address.country, address.is_default) == ("Berlin", "DE", True)


def test_a_salesperson_creates_customers_for_themselves(sales_api: APIClient, salesperson: User) -> None:
    response = sales_api.post(PARTNERS, {"name": "Kowalski"}, format="json")
    assert response.status_code == 201
    assert response.json()["owner"] == salesperson.pk


def test_put_replaces_the_editable_fields(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner("Nowak")
    response = manager_api.put(
        detail(PARTNERS, partner.pk), {"name": "Nowak & Syn", "is_supplier": True}, format="json"
    )
    assert response.status_code == 200, response.content
    partner.refresh_from_db()
    assert (partner.name, partner.is_supplier) == ("Nowak & Syn", True)
    assert_problem(
        manager_api.put(detail(PARTNERS, partner.pk), {"email": "x@y.pl"}, format="json"), 400, "name"
    )


def test_addresses_of_an_existing_partner_are_their_own_resource(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner("Nowak", country="PL")
    created = manager_api.post(
        ADDRESSES,
        {"partner": partner.pk, "street": "ul. Długa", "house": "1", "city": "Gdańsk"},
        format="json",
    )
    assert created.status_code == 201, created.content
    address_id = created.json()["id"]
    assert created.json()["country"] == "PL"
    changed = manager_api.patch(detail(ADDRESSES, address_id), {"postal_code": "80-827"}, format="json")
    assert changed.status_code == 200 and changed.json()["postal_code"] == "80-827"
    assert [a["id"] for a in manager_api.get(ADDRESSES, {"partner": partner.pk}).json()["results"]] == [
        address_id
    ]
    assert manager_api.delete(detail(ADDRESSES, address_id)).status_code == 204
    assert not Address.objects.exists()
    assert {"partner.address_added", "partner.address_changed", "partner.address_removed"} <= set(
        Event.objects.values_list("name", flat=True)
    )
    refused = manager_api.patch(
        detail(PARTNERS, partner.pk), {"address_text": "Długa 1, Gdańsk"}, format="json"
    )
    assert_problem(refused, 400, "addresses")


# --- bad input: a clear 400 and nothing written --------------------------------------------


def test_a_body_that_is_not_an_object_is_a_400(manager_api: APIClient) -> None:
    for body in ([], "Nowak", 12, None):
        assert_problem(manager_api.post(PARTNERS, body, format="json"), 400)
    assert not Partner.objects.exists()


def test_a_number_where_text_belongs_is_a_400_not_silently_text(manager_api: APIClient) -> None:
    for field, value in [("name", 12), ("email", 3.5), ("phone", -339320), ("notes", True)]:
        assert_problem(manager_api.post(PARTNERS, {"name": "Nowak", field: value}, format="json"), 400, field)
    assert not Partner.objects.exists()


def test_an_empty_string_is_no_id_and_null_is_none(manager_api: APIClient) -> None:
    """DRF reads "" as null in a relation (an HTML form's empty select); in JSON it is neither."""
    assert_problem(manager_api.post(PARTNERS, {"name": "Nowak", "group": ""}, format="json"), 400, "group")
    assert not Partner.objects.exists()
    created = manager_api.post(PARTNERS, {"name": "Nowak", "group": None}, format="json")
    assert created.status_code == 201 and created.json()["group"] is None


def test_ids_of_another_company_read_as_unknown(
    manager_api: APIClient, other_company: Company, make_user: Callable[..., User]
) -> None:
    foreign_tag = Tag.objects.create(company=other_company, name="Theirs")
    foreign_group = CustomerGroup.objects.create(company=other_company, name="Theirs")
    foreign_user = make_user("olaf", roles.SALES_MANAGER, company=other_company)
    for field, value in [("tags", [foreign_tag.pk]), ("group", foreign_group.pk), ("owner", foreign_user.pk)]:
        assert_problem(manager_api.post(PARTNERS, {"name": "Nowak", field: value}, format="json"), 400, field)
    assert not Partner.objects.exists()


def test_a_probable_duplicate_is_a_409_listing_it_unless_allowed(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    existing = make_partner("Meble Nowak Sp. z o.o.", tax_id="5260250995", country="PL")
    body = {"name": "Meble Nowak", "tax_id": "526-025-09-95", "country": "PL"}
    problem = assert_problem(manager_api.post(PARTNERS, body, format="json"), 409)
    assert [d["id"] for d in problem["duplicates"]] == [existing.pk]
    assert problem["duplicates"][0]["reasons"]
    assert Partner.objects.count() == 1
    forced = manager_api.post(PARTNERS, {**body, "allow_duplicate": True}, format="json")
    assert forced.status_code == 201 and Partner.objects.count() == 2


# --- record rules ------------------------------------------------------------------------


@pytest.fixture
def sofias_customer(other_salesperson: User, make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Sofia's customer", owner=other_salesperson)


def test_a_salesperson_never_sees_a_colleagues_customers(
    sales_api: APIClient, salesperson: User, sofias_customer: Partner, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Sam's customer", owner=salesperson)
    make_partner("A supplier", is_customer=False, is_supplier=True)
    assert sorted(_names(sales_api.get(PARTNERS))) == ["A supplier", "Sam's customer"]
    url = detail(PARTNERS, sofias_customer.pk)
    assert_problem(sales_api.get(url), 404)
    assert_problem(sales_api.patch(url, {"name": "Mine now"}, format="json"), 404)
    assert_problem(sales_api.delete(url), 404)
    assert_problem(sales_api.post(f"{url}merge/", {"duplicates": [sofias_customer.pk]}, format="json"), 404)
    export = sales_api.get(f"{PARTNERS}export/")
    assert export.status_code == 200
    assert "Sofia's customer" not in b"".join(export.streaming_content).decode()
    assert_problem(
        sales_api.post(ADDRESSES, {"partner": sofias_customer.pk, "city": "Łódź"}, format="json"), 400
    )
    sofias_customer.refresh_from_db()
    assert (sofias_customer.name, sofias_customer.active, sofias_customer.version) == (
        "Sofia's customer",
        True,
        1,
    )


def test_a_salesperson_cannot_give_a_customer_to_a_colleague(
    sales_api: APIClient, other_salesperson: User
) -> None:
    response = sales_api.post(PARTNERS, {"name": "Nowak", "owner": other_salesperson.pk}, format="json")
    assert_problem(response, 403, "owner")
    assert not Partner.objects.exists()


def test_a_user_of_another_company_sees_none_of_its_tags_and_creates_in_their_own(
    make_user: Callable[..., User],
    other_company: Company,
    api_as: Callable[[User], APIClient],
    company: Company,
) -> None:
    Tag.objects.create(company=company, name="VIP")
    outsider = api_as(make_user("olaf", roles.SALES_MANAGER, company=other_company))
    assert outsider.get(TAGS).json()["results"] == []
    created = outsider.post(PARTNERS, {"name": "Nowak"}, format="json")
    assert created.status_code == 201
    assert Partner.objects.get(pk=created.json()["id"]).company == other_company


# --- filters, ordering, pages, export ------------------------------------------------------


def test_filters(manager_api: APIClient, make_partner: Callable[..., Partner], company: Company,
                 salesperson: User, manager: User) -> None:  # fmt: skip
    targets.create_team(company, None, name="North", leader=manager, members=[salesperson])  # Sam's customers
    vip = Tag.objects.create(company=company, name="VIP")
    make_partner("Nowak", country="PL", tags=[vip], owner=salesperson)
    make_partner("Müller", country="DE", is_customer=False, is_supplier=True)
    make_partner("Novak", country="SI", kind="person")
    assert _names(manager_api.get(PARTNERS, {"search": "now"})) == ["Nowak"]
    assert _names(manager_api.get(PARTNERS, {"country": "de"})) == ["Müller"]
    assert _names(manager_api.get(PARTNERS, {"tag": vip.pk})) == ["Nowak"]
    assert _names(manager_api.get(PARTNERS, {"owner": salesperson.pk})) == ["Nowak"]
    assert _names(manager_api.get(PARTNERS, {"kind": "person"})) == ["Novak"]
    assert _names(manager_api.get(PARTNERS, {"is_customer": "false"})) == ["Müller"]
    assert _names(manager_api.get(PARTNERS, {"active": "false"})) == []
    assert len(_names(manager_api.get(PARTNERS, {"updated_after": "2000-01-01T00:00:00Z"}))) == 3
    assert_problem(manager_api.get(PARTNERS, {"kind": "robot"}), 400, "kind")
    assert_problem(manager_api.get(PARTNERS, {"tag": 987_654}), 400, "tag")
    assert_problem(manager_api.get(PARTNERS, {"updated_after": "yesterday"}), 400, "updated_after")


def test_keyset_pages_newest_first_or_by_name(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    for name in ["Cherry", "Apple", "Banana"]:
        make_partner(name)
    first = manager_api.get(PARTNERS, {"page_size": 2}).json()
    assert [row["name"] for row in first["results"]] == ["Banana", "Apple"]
    second = manager_api.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["Cherry"] and second["next"] is None
    assert _names(manager_api.get(PARTNERS, {"ordering": "name_key"})) == ["Apple", "Banana", "Cherry"]
    assert_problem(manager_api.get(PARTNERS, {"cursor": "garbage"}), 400, "cursor")


def test_export_is_csv_of_the_filtered_rows(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Nowak", country="PL")
    make_partner("=HYPERLINK(evil)", country="DE")
    response = manager_api.get(f"{PARTNERS}export/", {"country": "DE"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["name"] for row in rows] == ["'=HYPERLINK(evil)"]


# --- merge -------------------------------------------------------------------------------


def test_merge_folds_duplicates_into_the_survivor(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    survivor = make_partner("Nowak", email="biuro@nowak.pl")
    duplicate = make_partner("Nowak Sp. z o.o.", phone="+48221234567", country="PL")
    person = make_partner("Jan Nowak", kind="person", organisation=duplicate)
    response = manager_api.post(
        f"{detail(PARTNERS, survivor.pk)}merge/", {"duplicates": [duplicate.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "+48221234567" and response.json()["version"] == 2
    assert response["ETag"]
    duplicate.refresh_from_db()
    person.refresh_from_db()
    assert (duplicate.active, duplicate.merged_into_id, person.organisation_id) == (
        False,
        survivor.pk,
        survivor.pk,
    )
    assert Event.objects.filter(name="partner.merged", partner_id=survivor.pk).exists()


@pytest.mark.parametrize("body", [{}, {"duplicates": []}, {"duplicates": [987_654]}, {"duplicates": "all"}])
def test_merge_with_bad_input_is_a_400_and_changes_nothing(
    manager_api: APIClient, make_partner: Callable[..., Partner], body: dict[str, Any]
) -> None:
    survivor = make_partner("Nowak")
    assert_problem(manager_api.post(f"{detail(PARTNERS, survivor.pk)}merge/", body, format="json"), 400)
    survivor.refresh_from_db()
    assert survivor.version == 1 and not Event.objects.filter(name="partner.merged").exists()


def test_merging_a_partner_into_itself_is_a_business_error(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    survivor = make_partner("Nowak")
    url = f"{detail(PARTNERS, survivor.pk)}merge/"
    assert_problem(manager_api.post(url, {"duplicates": [survivor.pk]}, format="json"), 400)
