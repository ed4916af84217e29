"""Fiscal positions: pages and ``/api/v1/accounting/fiscal-positions/`` from the kit's declared
cases (list, page, create, edit with a version, stale edits, bad input, an auditor looks only,
another company's row is not found, exports, pinned query counts), their tax and account
mappings written as rows of the form and as nested lists of the API, the automatic selection
(countries, VAT ID) edited and then used by invoices, and what the service refuses with nothing
written: a tax replaced by one of the other side, a tax both dropped and replaced, an account of
another type, another company's tax, a country code that is none."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import (
    Account,
    FiscalPosition,
    FiscalPositionAccount,
    FiscalPositionTax,
    Tax,
)
from tandem.accounting.services import fiscal_positions, taxes
from tandem.accounting.services.fiscal_positions import AccountMapping, TaxMapping
from tandem.core import roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tests.accounting.conftest import books_of
from tests.accounting.test_api import BooksApi
from tests.kit.api import api_client, assert_problem
from tests.kit.records import Kit, Snapshot, assert_unchanged
from tests.kit.views import ViewCases, form_data, formset_data, signed_in

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def account(company: Company, code: str) -> Account:
    books_of(company)
    return Account.objects.get(company=company, code=code)


def tax(company: Company, name: str, amount: str = "22", use: str = "sale") -> Tax:
    """The company's tax of that name, made on first use."""
    found = Tax.objects.filter(company=company, name=name, use=use).first()
    if found is not None:
        return found
    code = "2100" if use == "sale" else "1160"
    return taxes.create_tax(
        company, None, name=name, use=use, amount=Decimal(amount), account=account(company, code)
    )


@pytest.fixture(autouse=True)
def _taxes(company: Company) -> None:
    """The taxes the cases map, made before any test counts rows or events."""
    for name, amount in (("VAT 22 %", "22"), ("VAT 0 % EU", "0"), ("VAT 0 % export", "0"), ("Levy 1 %", "1")):
        tax(company, name, amount)


def make_position(company: Company, actor: User | None, **fields: Any) -> FiscalPosition:
    fields.setdefault("name", f"Position {next(_n)}")
    fields.setdefault("kind", "export")
    fields.setdefault("tax_map", [TaxMapping(tax(company, "VAT 22 %"), tax(company, "VAT 0 % export", "0"))])
    return fiscal_positions.create_fiscal_position(company, actor, **fields)


def rows_data(form: Any) -> dict[str, Any]:
    """The position's form as a browser posts it untouched, its mapping rows included."""
    return {**form_data(form), **formset_data(form.tax_map), **formset_data(form.account_map)}


class TestFiscalPositionPages(ViewCases):
    model = FiscalPosition
    namespace = "accounting"
    url_prefix = "fiscal_position_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    create_data: dict[str, Any] = {
        "name": "EU intra-community", "kind": "eu_reverse_charge", "sequence": "20", "auto_apply": "on",
        "countries": "de at", "vat_required": "on", "note": "Reverse charge.",
    }  # fmt: skip
    edit_changes = {"countries": "DE AT HR", "vat_required": False}
    stale_changes = {"countries": "FR"}
    bad_input = [
        ({"countries": "DE XX"}, "countries"),
        ({"kind": "offshore"}, "kind"),
        ({"name": ""}, "name"),
    ]

    def create_form(self, kit: Kit) -> dict[str, Any]:
        company = kit.company
        return {
            **self.create_data,
            "tax_map-TOTAL_FORMS": "2", "tax_map-INITIAL_FORMS": "0",
            "tax_map-0-source": str(tax(company, "VAT 22 %").pk),
            "tax_map-0-target": str(tax(company, "VAT 0 % EU", "0").pk),
            "tax_map-1-source": "", "tax_map-1-target": "",
            "account_map-TOTAL_FORMS": "1", "account_map-INITIAL_FORMS": "0",
            "account_map-0-source": str(account(company, "4000").pk),
            "account_map-0-target": str(account(company, "4100").pk),
        }  # fmt: skip

    def make(self, company: Company, actor: User | None, **fields: Any) -> FiscalPosition:
        return make_position(company, actor, **fields)

    def edit_form(self, client: Client, obj: Any) -> dict[str, Any]:
        response = client.get(self.url("edit", obj))
        assert response.status_code == 200, response.status_code
        return rows_data(response.context["form"])


class TestFiscalPositionApi(BooksApi):
    model = FiscalPosition
    collection = "/api/v1/accounting/fiscal-positions/"
    update_body = {"countries": "DE AT", "auto_apply": True}
    stale_body = {"countries": "FR"}
    bad_bodies = [
        ({"countries": "DE XX"}, "countries"),
        ({"kind": "offshore"}, "kind"),
        ({"name": ""}, "name"),
        ({"tax_map": [{"source": "x"}]}, "tax_map"),
    ]

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        company = kit.company
        return {
            "name": "EU intra-community",
            "kind": "eu_reverse_charge",
            "auto_apply": True,
            "countries": "DE AT",
            "vat_required": True,
            "tax_map": [
                {"source": tax(company, "VAT 22 %").pk, "target": tax(company, "VAT 0 % EU", "0").pk},
                {"source": tax(company, "Levy 1 %", "1").pk, "target": None},
            ],
            "account_map": [{"source": account(company, "4000").pk, "target": account(company, "4100").pk}],
        }

    def make(self, company: Company, actor: User | None, **fields: Any) -> FiscalPosition:
        return make_position(company, actor, **fields)


@pytest.fixture
def ada(make_user: Any) -> User:
    return make_user("ada", roles.ACCOUNTANT)


def test_the_form_writes_the_mappings_and_the_page_shows_them(company: Company, ada: User) -> None:
    client = signed_in(ada)
    pages = TestFiscalPositionPages()
    kit_like: Any = type("K", (), {"company": company})
    response = client.post(reverse("accounting:fiscal_position_create"), pages.create_form(kit_like))
    assert response.status_code == 302, pages.form_errors(response)
    position = FiscalPosition.objects.get(company=company)
    assert position.countries == "DE AT" and position.auto_apply and position.vat_required
    assert [(r.source.name, r.target.name) for r in position.tax_map.all()] == [("VAT 22 %", "VAT 0 % EU")]  # type: ignore[union-attr]
    assert [(r.source.code, r.target.code) for r in position.account_map.all()] == [("4000", "4100")]
    page = client.get(position.get_absolute_url()).content.decode()
    assert "VAT 0 % EU" in page and "Revenue from services" in page

    # the edit keeps the rows it shows, changes one and adds a dropped tax
    form = client.get(reverse("accounting:fiscal_position_edit", args=[position.pk])).context["form"]
    data = rows_data(form)
    levy = tax(company, "Levy 1 %", "1")
    data.update({"tax_map-1-source": str(levy.pk), "tax_map-1-target": "", "account_map-0-target": ""})
    refused = client.post(reverse("accounting:fiscal_position_edit", args=[position.pk]), data)
    assert refused.status_code == 200  # an account mapping without its replacement
    data["account_map-0-target"] = str(account(company, "4200").pk)
    response = client.post(reverse("accounting:fiscal_position_edit", args=[position.pk]), data)
    assert response.status_code == 302, pages.form_errors(response)
    position.refresh_from_db()
    assert position.version == 2
    assert {(r.source.name, r.target.name if r.target else None) for r in position.tax_map.all()} == {
        ("VAT 22 %", "VAT 0 % EU"),
        ("Levy 1 %", None),
    }
    assert [r.target.code for r in position.account_map.all()] == ["4200"]


def test_a_bad_mapping_on_the_form_is_shown_and_writes_nothing(company: Company, ada: User) -> None:
    position = make_position(company, ada)
    client = signed_in(ada)
    url = reverse("accounting:fiscal_position_edit", args=[position.pk])
    data = rows_data(client.get(url).context["form"])
    data["tax_map-1-source"] = str(tax(company, "VAT 22 %").pk)  # dropped and replaced at once
    before = Snapshot.of(FiscalPosition, position)
    maps = list(FiscalPositionTax.objects.values_list("source", "target"))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "both dropped and replaced" in response.content.decode()
    assert_unchanged(before, FiscalPosition, position, "a bad mapping")
    assert list(FiscalPositionTax.objects.values_list("source", "target")) == maps


def test_the_service_refuses_mappings_that_cannot_be(company: Company, other_company: Company) -> None:
    sale, bought = tax(company, "VAT 22 %"), tax(company, "Input VAT 22 %", use="purchase")
    theirs = tax(other_company, "VAT 22 %")
    cases = [
        ({"tax_map": [TaxMapping(sale, bought)]}, "tax_map", "other side"),
        ({"tax_map": [TaxMapping(sale, sale)]}, "tax_map", "to itself"),
        (
            {"tax_map": [TaxMapping(sale, None), TaxMapping(sale, tax(company, "VAT 0 %", "0"))]},
            "tax_map",
            "both",
        ),
        ({"tax_map": [TaxMapping(sale, theirs)]}, "tax_map", "another company"),
        (
            {"account_map": [AccountMapping(account(company, "4000"), account(company, "6100"))]},
            "account_map",
            "another type",
        ),
        (
            {
                "account_map": [
                    AccountMapping(account(company, "4000"), account(company, "4100")),
                    AccountMapping(account(company, "4000"), account(company, "4200")),
                ]
            },
            "account_map",
            "twice",
        ),
        ({"countries": "SI EU"}, "countries", "EU"),
    ]
    for fields, field, words in cases:
        with pytest.raises(ValidationFailed) as refused:
            fiscal_positions.create_fiscal_position(company, None, name="Bad", kind="export", **fields)
        found = [
            m
            for key, messages in refused.value.errors.items()
            if key.split(".")[0] == field
            for m in messages
        ]
        assert words in " ".join(found), (fields, refused.value.errors)
    assert not FiscalPosition.objects.filter(company=company).exists()
    assert not FiscalPositionTax.objects.exists() and not FiscalPositionAccount.objects.exists()


def test_the_automatic_selection_is_edited_and_then_chosen(company: Company, ada: User) -> None:
    position = make_position(company, ada, kind="eu_reverse_charge", countries="DE")
    assert taxes.position_for(company, "DE", True) is None  # not detected automatically yet
    fiscal_positions.update_fiscal_position(
        position, ada, expected_version=1, auto_apply=True, countries="de, at", vat_required=True
    )
    assert taxes.position_for(company, "AT", True) == position
    assert taxes.position_for(company, "AT", False) is None  # a VAT ID is required
    assert taxes.position_for(company, "FR", True) is None
    position.refresh_from_db()
    assert position.countries == "DE AT"


def test_the_api_replaces_the_mappings_it_is_sent(company: Company, ada: User) -> None:
    position = make_position(company, ada)
    client = api_client(ada)
    url = f"/api/v1/accounting/fiscal-positions/{position.pk}/"
    shown = client.get(url).json()
    assert shown["tax_map"] == [
        {"source": tax(company, "VAT 22 %").pk, "target": tax(company, "VAT 0 % export", "0").pk}
    ]
    levy = tax(company, "Levy 1 %", "1")
    response = client.patch(url, {"tax_map": [{"source": levy.pk, "target": None}]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tax_map"] == [{"source": levy.pk, "target": None}]
    assert response.json()["version"] == 2
    bought = tax(company, "Input VAT 22 %", use="purchase")
    before = list(FiscalPositionTax.objects.values_list("source", "target"))
    refused = client.patch(
        url, {"name": "Renamed", "tax_map": [{"source": levy.pk, "target": bought.pk}]}, format="json"
    )
    assert_problem(refused, 400, "tax_map.0")  # the mapping as sent, counted from 0
    position.refresh_from_db()
    assert position.name != "Renamed" and position.version == 2
    assert list(FiscalPositionTax.objects.values_list("source", "target")) == before


def test_an_invoice_links_its_fiscal_position(company: Company, ada: User) -> None:
    from tests.accounting.test_invoice_views import make_invoice

    position = make_position(company, ada)
    invoice = make_invoice(company, ada, fiscal_position=position)
    page = signed_in(ada).get(invoice.get_absolute_url()).content.decode()
    assert f'href="{position.get_absolute_url()}"' in page


def test_fiscal_positions_are_in_the_settings(company: Company, make_user: Any) -> None:
    admin = make_user("root", roles.ADMINISTRATOR)
    url = reverse("accounting:fiscal_position_list")
    assert url in signed_in(admin).get(reverse("administration:home")).content.decode()
    assert url in signed_in(admin).get(reverse("accounting:books_settings")).content.decode()
    seller = signed_in(make_user("sam", roles.SALESPERSON))
    assert seller.get(url).status_code == 403


# --- the mappings' rows on the form, as a browser (or someone posting by hand) sends them ------


def mapping_rows(prefix: str, *pairs: tuple[object, object] | None) -> dict[str, str]:
    """``(source, target)`` records per row, numbered as posted; None: a row left empty."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(pairs)), f"{prefix}-INITIAL_FORMS": "0"}
    for n, pair in enumerate(pairs):
        source, target = pair or (None, None)
        data[f"{prefix}-{n}-source"] = str(getattr(source, "pk", ""))
        data[f"{prefix}-{n}-target"] = str(getattr(target, "pk", ""))
    return data


def post_position(client: Client, taxes: dict[str, str], accounts: dict[str, str]) -> Any:
    header = {"name": "Export", "kind": "export", "sequence": "10"}
    return client.post(reverse("accounting:fiscal_position_create"), {**header, **taxes, **accounts})


def test_the_forms_empty_rows_are_left_out_wherever_they_stand(company: Company, ada: User) -> None:
    vat, export, levy = (
        tax(company, "VAT 22 %"),
        tax(company, "VAT 0 % export", "0"),
        tax(company, "Levy 1 %"),
    )
    taxes_rows = mapping_rows("tax_map", None, (vat, export), None, None, (levy, None))  # past those drawn
    accounts_rows = mapping_rows("account_map", None, (account(company, "4000"), account(company, "4100")))
    response = post_position(signed_in(ada), taxes_rows, accounts_rows)
    assert response.status_code == 302, response.context["form"].tax_map.errors
    position = FiscalPosition.objects.get(company=company, name="Export")
    assert sorted((r.source.name, r.target.name if r.target else None) for r in position.tax_map.all()) == [
        ("Levy 1 %", None),
        ("VAT 22 %", "VAT 0 % export"),
    ]
    assert [(r.source.code, r.target.code) for r in position.account_map.all()] == [("4000", "4100")]


def test_a_refused_mapping_is_shown_on_its_row_and_writes_nothing(company: Company, ada: User) -> None:
    vat, export = tax(company, "VAT 22 %"), tax(company, "VAT 0 % export", "0")
    bought = tax(company, "Input VAT 22 %", use="purchase")
    income, expense = account(company, "4000"), account(company, "6100")
    taxes_rows = mapping_rows("tax_map", (vat, export), None, (tax(company, "Levy 1 %"), bought))
    accounts_rows = mapping_rows("account_map", None, None, (income, expense))
    response = post_position(signed_in(ada), taxes_rows, accounts_rows)
    assert response.status_code == 200
    form = response.context["form"]
    other_side = f"Levy 1 % is replaced by {bought}, a tax of the other side (sales and purchases)."
    assert form.tax_map.forms[2].non_field_errors() == [other_side]
    assert [row.non_field_errors() for row in form.tax_map.forms[:2]] == [[], []]
    other_type = f"{income} is replaced by {expense}, an account of another type."
    assert form.account_map.forms[2].non_field_errors() == [other_type]
    page = response.content.decode()
    assert f"Line 3: {other_side}" in page and f"Line 3: {other_type}" in page
    assert not FiscalPosition.objects.filter(company=company).exists()
    assert not FiscalPositionTax.objects.exists() and not FiscalPositionAccount.objects.exists()


def test_hostile_rows_are_refused_and_write_nothing(
    company: Company, other_company: Company, ada: User
) -> None:
    client = signed_in(ada)
    vat, export = tax(company, "VAT 22 %"), tax(company, "VAT 0 % export", "0")
    accounts_rows = mapping_rows("account_map")
    theirs = post_position(
        client, mapping_rows("tax_map", (vat, tax(other_company, "VAT 0 %", "0"))), accounts_rows
    )
    assert theirs.status_code == 200 and "target" in theirs.context["form"].tax_map.errors[0]
    huge = {**mapping_rows("tax_map", (vat, export)), "tax_map-TOTAL_FORMS": "100000"}
    refused = post_position(client, huge, accounts_rows)
    assert refused.status_code == 200 and "At most 500 rows can be saved." in refused.content.decode()
    assert len(refused.context["form"].tax_map.forms) == 1  # the row sent, not 500 empty ones
    for total in ("-1", "x"):
        tampered = {**mapping_rows("tax_map", (vat, export)), "tax_map-TOTAL_FORMS": total}
        response = post_position(client, tampered, accounts_rows)
        assert "The rows sent are not complete" in response.content.decode(), total
    unknown = {**mapping_rows("tax_map", None), "tax_map-0-source": "99999999"}
    assert "source" in post_position(client, unknown, accounts_rows).context["form"].tax_map.errors[0]
    assert not FiscalPosition.objects.filter(company=company).exists()
    assert not FiscalPositionTax.objects.exists() and not FiscalPositionAccount.objects.exists()
