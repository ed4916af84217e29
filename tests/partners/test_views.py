"""Partner pages, as a salesperson and a manager use them: each bad input shows inline and writes nothing.

The pages every model has (list, card, create, edit, merge, permissions, another company,
stale version, bad input, export, query counts) come from the kit's declared cases; the
tests below are the partner's own stories.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tandem.core import roles
from tandem.core.models import Company, Event, User
from tandem.partners.models import Partner, Tag
from tandem.partners.services import create_partner, update_partner
from tests.kit.views import Action, ViewCases
from tests.web.support import signed_in

HTMX = {"HTTP_HX_REQUEST": "true"}


class TestPartnerPages(ViewCases):
    model = Partner
    namespace = "partners"
    reader_role = roles.WAREHOUSE
    create_data = {"kind": "organisation", "name": "Meble Nowak", "language": "en", "is_customer": True}
    edit_changes = {"name": "Meble Nowak i Syn", "email": "biuro@nowak.pl"}
    stale_changes = {"name": "Meble Nowak (stale)"}
    bad_input = [({"tax_id": "1234567890"}, "tax_id"), ({"phone": "12"}, "phone"),
                 ({"email": "not-an-address"}, "email")]  # fmt: skip
    actions = [
        Action("partners:merge", lambda kit, partner: {"duplicates": [kit.make().pk]}, "partner.merged"),
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Partner:
        """A customer with every listed column filled: owner, tag, city."""
        fields.setdefault("name", f"Customer {next(self._usernames)}")
        fields.setdefault("owner", actor)
        fields.setdefault("tags", [Tag.objects.get_or_create(company=company, name="VIP")[0]])
        fields.setdefault("address_text", "ul. Długa 5, 00-950 Warszawa")
        return create_partner(company, actor, allow_duplicate=True, **fields)


@pytest.fixture
def login() -> Callable[[User], Client]:
    return signed_in


def _form(partner: Partner | None = None, **changes: Any) -> dict[str, Any]:
    """The fields a browser posts for a partner form, filled from ``partner``."""
    data: dict[str, Any] = {"kind": "organisation", "name": "", "language": "en", "is_customer": "on"}
    if partner is not None:
        data.update(
            kind=partner.kind,
            name=partner.name,
            email=partner.email,
            phone=partner.phone,
            tax_id=partner.tax_id,
            country=partner.country,
            language=partner.language,
            owner=partner.owner_id or "",
            version=partner.version,
            active="on" if partner.active else "",
        )
        if not partner.is_customer:
            data.pop("is_customer")
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.fixture
def two_books(
    make_partner: Callable[..., Partner], salesperson: User, other_salesperson: User
) -> dict[str, Partner]:
    return {
        "mine": make_partner("Mine Ltd", actor=salesperson, email="buyer@mine.test"),
        "theirs": make_partner("Theirs Ltd", actor=other_salesperson, email="office@theirs.test"),
    }


# --- record rules ---------------------------------------------------------------------------


def test_salesperson_lists_only_their_partners(
    login: Callable[[User], Client], salesperson: User, two_books: dict[str, Partner]
) -> None:
    response = login(salesperson).get(reverse("partners:list"))
    names = [obj.name for obj, _cells in response.context["rows"]]
    assert names == ["Mine Ltd"]
    assert "Theirs Ltd" not in response.content.decode()


def test_salesperson_cannot_open_or_edit_anothers_partner(
    login: Callable[[User], Client], salesperson: User, two_books: dict[str, Partner]
) -> None:
    client = login(salesperson)
    theirs = two_books["theirs"]
    for name in ["partners:detail", "partners:edit", "partners:merge", "partners:address_create"]:
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404, name
    response = client.post(reverse("partners:edit", args=[theirs.pk]), _form(theirs, name="Hijacked"))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs Ltd"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_contain_only_the_salespersons_partners(
    login: Callable[[User], Client], salesperson: User, two_books: dict[str, Partner], fmt: str
) -> None:
    response = login(salesperson).get(reverse("partners:export"), {"format": fmt})
    if fmt == "csv":
        names = [row[0] for row in _csv(response)[1:]]
    else:
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Mine Ltd"]


def test_export_shows_phones_as_on_screen_still_neutralised(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Nowak", phone="+48 22 123 45 67")
    rows = _csv(login(manager).get(reverse("partners:export"), {"format": "csv"}))
    assert rows[1][rows[0].index("Phone")] == "'+48 22 123 45 67"


# --- list ------------------------------------------------------------------------------------


def test_list_columns_filters_and_search(
    login: Callable[[User], Client], manager: User, company: Company, make_partner: Callable[..., Partner]
) -> None:
    vip = Tag.objects.create(company=company, name="VIP")
    make_partner("Kowalski Meble", address_text="ul. Długa 5, 00-001 Warszawa", tags=[vip], email="a@k.pl")
    make_partner("Supplies SA", is_customer=False, is_supplier=True)
    archived = make_partner("Old Customer")
    update_partner(archived, manager, active=False)
    client = login(manager)
    page = client.get(reverse("partners:list")).content.decode()
    assert "Warszawa" in page and "VIP" in page and "a@k.pl" in page
    assert "Old Customer" not in page  # active ones by default

    def names(**params: str) -> list[str]:
        response = client.get(reverse("partners:list"), params)
        return [obj.name for obj, _cells in response.context["rows"]]

    assert names(is_supplier="true") == ["Supplies SA"]
    assert names(tag=str(vip.pk)) == ["Kowalski Meble"]
    assert names(active="false") == ["Old Customer"]
    assert names(active="") == ["Kowalski Meble", "Old Customer", "Supplies SA"]
    assert names(search="kowal") == ["Kowalski Meble"]
    assert names(country="PL", active="") == ["Kowalski Meble"]  # its country came from the address


def test_list_shows_the_empty_state(login: Callable[[User], Client], manager: User) -> None:
    page = login(manager).get(reverse("partners:list")).content.decode()
    assert "Nothing here yet." in page
    assert f'href="{reverse("partners:create")}"' in page


# --- create ----------------------------------------------------------------------------------


def test_create_with_a_one_line_address(login: Callable[[User], Client], salesperson: User) -> None:
    response = login(salesperson).post(
        reverse("partners:create"),
        _form(name="Meble Nowak", email="Biuro@Nowak.PL", address_text="ul. Długa 5/2, 00-001 Warszawa"),
    )
    partner = Partner.objects.get(name="Meble Nowak")
    assert response["Location"] == reverse("partners:detail", args=[partner.pk])
    assert partner.email == "biuro@nowak.pl"
    assert partner.owner == salesperson
    address = partner.addresses.get()
    assert (address.street, address.house, address.unit, address.city) == ("ul. Długa", "5", "2", "Warszawa")


def test_create_with_structured_address(login: Callable[[User], Client], manager: User) -> None:
    login(manager).post(
        reverse("partners:create"),
        _form(name="Ljubljana d.o.o.", street="Slovenska cesta", house="15", postal_code="1000",
              city="Ljubljana", address_country="SI"),
    )  # fmt: skip
    address = Partner.objects.get(name="Ljubljana d.o.o.").addresses.get()
    assert (address.street, address.city, address.country) == ("Slovenska cesta", "Ljubljana", "SI")


def test_form_fields_carry_inline_validation(login: Callable[[User], Client], manager: User) -> None:
    page = login(manager).get(reverse("partners:create")).content.decode()
    assert f'hx-post="{reverse("partners:create")}"' in page
    assert 'hx-vals=\'{"validate": "tax_id"}\'' in page
    assert 'hx-select-oob="#form-errors"' in page


def test_duplicate_warning_then_create_anyway(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    existing = make_partner("Meble Nowak Sp. z o.o.", email="biuro@nowak.pl")
    client = login(manager)
    data = _form(name="Meble Nowak", email="biuro@nowak.pl")
    warned = client.post(reverse("partners:create"), data)
    page = warned.content.decode()
    assert warned.status_code == 200
    assert "Possible duplicate" in page
    assert f'href="{reverse("partners:detail", args=[existing.pk])}"' in page
    assert 'name="allow_duplicate"' in page
    assert Partner.objects.count() == 1
    created = client.post(reverse("partners:create"), {**data, "allow_duplicate": "on"})
    assert created.status_code == 302
    assert Partner.objects.filter(name="Meble Nowak").exists()


def test_duplicate_warning_appears_during_inline_validation(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Acme Trading", tax_id="5260250995")
    response = login(manager).post(
        reverse("partners:create"), _form(name="Other name", tax_id="5260250995", validate="tax_id"), **HTMX
    )
    body = response.content.decode()
    assert 'id="form-errors"' in body
    assert "Acme Trading" in body
    assert Partner.objects.count() == 1


def test_add_person_prefills_the_organisation(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    organisation = make_partner("Acme")
    response = login(manager).get(
        reverse("partners:create"), {"kind": "person", "organisation": organisation.pk}
    )
    form = response.context["form"]
    assert form["kind"].value() == "person"
    assert form["organisation"].value() == organisation.pk


# --- edit ------------------------------------------------------------------------------------


def test_edit_records_history(
    login: Callable[[User], Client], salesperson: User, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner("Mine Ltd", actor=salesperson)
    client = login(salesperson)
    response = client.post(reverse("partners:edit", args=[partner.pk]), _form(partner, phone="22 123 45 67"))
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.phone == "+48221234567"
    page = client.get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert "+48221234567" in page[page.index('id="pane-history"') :]


def test_salesperson_cannot_give_a_partner_to_someone_else(
    login: Callable[[User], Client],
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
) -> None:
    partner = make_partner("Mine Ltd", actor=salesperson)
    response = login(salesperson).post(
        reverse("partners:edit", args=[partner.pk]), _form(partner, owner=other_salesperson.pk)
    )
    assert response.status_code == 200
    assert 'id="id_owner_errors"' in response.content.decode()
    partner.refresh_from_db()
    assert partner.owner == salesperson


# --- detail, addresses -------------------------------------------------------------------------


def test_detail_shows_addresses_people_duplicates_and_timeline(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    organisation = make_partner(
        "Nowak Holding", email="biuro@nowak.pl", address_text="ul. Długa 5, 00-001 Warszawa"
    )
    make_partner("Jan Nowak", kind="person", organisation=organisation, job_title="Buyer")
    twin = make_partner("Nowak Holding S.A.", email="biuro@nowak.pl")
    page = login(manager).get(reverse("partners:detail", args=[organisation.pk])).content.decode()
    assert "ul. Długa 5, 00-001 Warszawa" in page
    assert "Jan Nowak" in page and "Buyer" in page
    assert f'href="{reverse("partners:detail", args=[twin.pk])}"' in page  # duplicates hint
    assert f'href="{reverse("partners:merge", args=[organisation.pk])}"' in page
    assert 'id="pane-timeline"' in page


def test_duplicates_hint_hides_partners_the_user_cannot_see(
    login: Callable[[User], Client],
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
) -> None:
    mine = make_partner("Acme Trading", actor=salesperson, email="office@acme.test")
    theirs = make_partner("Acme Trading Ltd", actor=other_salesperson, email="office@acme.test")
    page = login(salesperson).get(reverse("partners:detail", args=[mine.pk])).content.decode()
    assert reverse("partners:detail", args=[theirs.pk]) not in page


def test_add_edit_and_remove_an_address(
    login: Callable[[User], Client], salesperson: User, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner("Mine Ltd", actor=salesperson)
    client = login(salesperson)
    added = client.post(
        reverse("partners:address_create", args=[partner.pk]),
        {"address_text": "ul. Polna 3, 60-001 Poznań", "kind": "delivery"},
    )
    assert added["Location"].endswith("#addresses")
    address = partner.addresses.get()
    assert (address.kind, address.city, address.is_default) == ("delivery", "Poznań", True)
    edit_url = reverse("partners:address_edit", args=[partner.pk, address.pk])
    data = {"kind": "delivery", "street": "ul. Polna", "house": "5", "postal_code": "60-001",
            "city": "Poznań", "country": "PL", "is_default": "on"}  # fmt: skip
    assert client.post(edit_url, data).status_code == 302
    address.refresh_from_db()
    assert address.house == "5"
    remove_url = reverse("partners:address_remove", args=[partner.pk, address.pk])
    assert client.get(remove_url).status_code == 405
    assert client.post(remove_url).status_code == 200  # asks first; nothing removed yet
    assert partner.addresses.exists()
    assert client.post(remove_url, {"confirmed": "1"}).status_code == 302
    assert not partner.addresses.exists()
    names = list(Event.objects.filter(partner_id=partner.pk).values_list("name", flat=True))
    assert {"partner.address_added", "partner.address_changed", "partner.address_removed"} <= set(names)


def test_an_empty_address_is_refused_inline(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner("Acme")
    response = login(manager).post(reverse("partners:address_create", args=[partner.pk]), {"kind": "invoice"})
    assert response.status_code == 200
    assert "An address needs at least" in response.content.decode()
    assert not partner.addresses.exists()


def test_addresses_of_anothers_partner_are_not_found(
    login: Callable[[User], Client], salesperson: User, two_books: dict[str, Partner], manager: User
) -> None:
    from tandem.partners.services import add_address

    theirs = two_books["theirs"]
    address = add_address(theirs, manager, city="Kraków")
    client = login(salesperson)
    assert client.get(reverse("partners:address_edit", args=[theirs.pk, address.pk])).status_code == 404
    assert client.post(reverse("partners:address_remove", args=[theirs.pk, address.pk])).status_code == 404
    assert theirs.addresses.count() == 1


# --- merge -------------------------------------------------------------------------------------


def test_merge_repoints_a_person_of_the_duplicate_organisation(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    survivor = make_partner("Nowak Holding", email="biuro@nowak.pl")
    duplicate = make_partner("Nowak Holding S.A.", email="biuro@nowak.pl")
    person = make_partner("Jan Nowak", kind="person", organisation=duplicate)
    client = login(manager)
    page = client.get(reverse("partners:merge", args=[survivor.pk])).content.decode()
    assert f'value="{duplicate.pk}"' in page  # suggested
    response = client.post(reverse("partners:merge", args=[survivor.pk]), {"duplicates": [duplicate.pk]})
    assert response["Location"] == reverse("partners:detail", args=[survivor.pk])
    person.refresh_from_db()
    duplicate.refresh_from_db()
    assert person.organisation == survivor
    assert (duplicate.active, duplicate.merged_into) == (False, survivor)


def test_merge_search_finds_candidates(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    survivor = make_partner("Acme")
    other = make_partner("Completely Different")
    response = login(manager).get(reverse("partners:merge", args=[survivor.pk]), {"q": "complete"})
    assert [p.pk for p in response.context["candidates"]] == [other.pk]


def test_merge_without_a_choice_is_refused(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    survivor = make_partner("Acme")
    response = login(manager).post(reverse("partners:merge", args=[survivor.pk]), {})
    assert response.status_code == 200
    assert "Choose at least one partner" in response.content.decode()


def test_merge_cannot_take_in_a_partner_the_user_cannot_see(
    login: Callable[[User], Client], salesperson: User, two_books: dict[str, Partner]
) -> None:
    mine, theirs = two_books["mine"], two_books["theirs"]
    response = login(salesperson).post(reverse("partners:merge", args=[mine.pk]), {"duplicates": [theirs.pk]})
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.active and theirs.merged_into is None
