"""A product's accounting defaults: shown on the product page by the books' panel (the catalogue
imports nothing of accounting), changed on the books' own page by an accountant, refused for
another company's product, for a purchase tax among the sales taxes or an asset as the income
account, and read by the next invoice line of the product."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, ProductAccounting
from tandem.accounting.services import invoices, taxes
from tandem.accounting.services.invoices import LineData
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Event, Uom, User
from tests.accounting import test_setup_pages
from tests.accounting.conftest import DAY, books_of
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(make_user: Any) -> User:
    return make_user("ada", roles.ACCOUNTANT)


def _product(company: Company, pcs: Uom, name: str = "Oak table") -> Product:
    books_of(company)
    return create_product(company, None, sku=name[:8].upper(), name=name, uom=pcs)


def test_an_accountant_sets_a_products_taxes_and_accounts_and_the_invoice_takes_them(
    company: Company, ada: User, pcs: Uom, make_partner: Any
) -> None:
    table = _product(company, pcs)
    reduced = test_setup_pages.TestTaxPages().make(company, ada, name="VAT 9.5 %", amount=Decimal("9.5"))
    other_income = Account.objects.filter(company=company, subtype="income").order_by("-code").first()
    assert other_income is not None
    client = signed_in(ada)
    page = client.get(table.get_absolute_url()).content.decode()
    url = reverse("accounting:product_accounting", args=[table.pk])
    assert url in page, "the product page links to its accounting defaults"
    response = client.post(url, {"sale_taxes": [str(reduced.pk)], "income_account": str(other_income.pk)})
    assert response.status_code == 302 and response["Location"] == table.get_absolute_url()
    row = ProductAccounting.objects.get(product=table)
    assert list(row.sale_taxes.all()) == [reduced] and row.income_account == other_income
    event = Event.objects.get(name="product.accounting_set")
    assert event.data["changes"]["sale_taxes"] == [[], ["VAT 9.5 %"]]
    assert "VAT 9.5 %" in client.get(table.get_absolute_url()).content.decode()

    customer = make_partner("Meble Nowak", country="PL")
    draft = invoices.create_invoice(
        company, ada, kind="customer_invoice", partner=customer, invoice_date=DAY,
        lines=[LineData("Oak table", Decimal(1), Decimal("100.00"), product=table)],
    )  # fmt: skip
    line = draft.lines.get()
    assert list(line.taxes.all()) == [reduced] and line.account == other_income
    assert draft.amount_tax == Decimal("9.50")

    # Saving the same again changes nothing and records nothing.
    client.post(url, {"sale_taxes": [str(reduced.pk)], "income_account": str(other_income.pk)})
    assert Event.objects.filter(name="product.accounting_set").count() == 1


def test_wrong_taxes_or_accounts_are_field_errors_and_change_nothing(
    company: Company, ada: User, pcs: Uom
) -> None:
    table = _product(company, pcs)
    bought = test_setup_pages.TestTaxPages().make(
        company,
        ada,
        name="Input VAT",
        use="purchase",
        account=Account.objects.get(company=company, code="1160"),
    )
    bank = Account.objects.get(company=company, code="1010")
    client = signed_in(ada)
    url = reverse("accounting:product_accounting", args=[table.pk])
    for data, field in [
        ({"sale_taxes": [str(bought.pk)]}, "sale_taxes"),
        ({"income_account": str(bank.pk)}, "income_account"),
        ({"expense_account": "x"}, "expense_account"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200 and field in response.context["form"].errors, data
    assert not ProductAccounting.objects.exists()
    assert not Event.objects.filter(name="product.accounting_set").exists()
    with pytest.raises(taxes.ValidationFailed):
        taxes.set_product_accounting(table, ada, income_account=bank)


def test_roles_and_companies(
    company: Company, other_company: Company, ada: User, pcs: Uom, make_user: Any
) -> None:
    mine, theirs = _product(company, pcs), _product(other_company, pcs, "Their chair")
    assert signed_in(ada).get(reverse("accounting:product_accounting", args=[theirs.pk])).status_code == 404
    auditor = signed_in(make_user("audrey", book_roles.AUDITOR))
    url = reverse("accounting:product_accounting", args=[mine.pk])
    assert auditor.get(url).status_code == 403
    assert auditor.post(url, {}).status_code == 403
    manager = signed_in(make_user("sally", roles.SALES_MANAGER))
    page = manager.get(mine.get_absolute_url())
    assert page.status_code == 200 and url not in page.content.decode()
    assert manager.get(url).status_code == 403
    assert not ProductAccounting.objects.exists()
