"""The books' settings pages from the kit's declared cases — taxes, tax groups, cost centres:
list, page, create, edit (version, stale, bad input), an auditor looks only, a salesperson sees
nothing, another company's row is not found, exports, pinned query counts — and what the
services refuse through the pages: a tax posting to a non-tax account, a group inside a group,
a cost centre under itself."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, CostCentre, Tax, TaxGroup
from tandem.accounting.services import ledger, taxes
from tandem.core import roles
from tandem.core.models import Company, User
from tests.accounting.conftest import books_of
from tests.kit.records import Kit
from tests.kit.views import ViewCases, signed_in

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def tax_account(company: Company, code: str = "2100") -> Account:
    books_of(company)
    return Account.objects.get(company=company, code=code)


class TestTaxPages(ViewCases):
    model = Tax
    namespace = "accounting"
    url_prefix = "tax_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    create_data: dict[str, Any] = {
        "name": "VAT 9.5 %", "label": "DDV 9,5 %", "use": "sale", "scope": "", "computation": "percent",
        "amount": "9.5", "sequence": "20", "report_box": "P2",
    }  # fmt: skip
    edit_changes = {"amount": Decimal("8.5"), "label": "DDV 8,5 %"}
    stale_changes = {"amount": Decimal("7")}
    bad_input = [
        ({"amount": "250"}, "amount"),
        ({"use": "both"}, "use"),
        ({"name": ""}, "name"),
    ]

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**self.create_data, "account": str(tax_account(kit.company).pk)}

    def make(self, company: Company, actor: User | None, **fields: Any) -> Tax:
        data: dict[str, Any] = {"name": f"VAT {next(_n)}", "use": "sale", "amount": Decimal(22)}
        data.update(fields)
        data.setdefault("account", tax_account(company))
        return taxes.create_tax(company, actor, **data)


class TestTaxGroupPages(ViewCases):
    model = TaxGroup
    namespace = "accounting"
    url_prefix = "tax_group_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    create_data: dict[str, Any] = {"name": "VAT 22 %", "sequence": "10"}
    edit_changes = {"name": "VAT 22 % (standard)"}
    stale_changes = {"name": "VAT (stale)"}
    bad_input = [({"name": ""}, "name"), ({"sequence": "first"}, "sequence")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> TaxGroup:
        fields.setdefault("name", f"Group {next(_n)}")
        return taxes.create_tax_group(company, actor, **fields)


class TestCostCentrePages(ViewCases):
    model = CostCentre
    namespace = "accounting"
    url_prefix = "cost_centre_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    create_data: dict[str, Any] = {"code": "MKT", "name": "Marketing"}
    edit_changes = {"name": "Marketing and sales"}
    stale_changes = {"name": "Marketing (stale)"}
    bad_input = [({"code": ""}, "code"), ({"name": ""}, "name")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> CostCentre:
        fields.setdefault("code", f"CC{next(_n)}")
        fields.setdefault("name", f"Centre {next(_n)}")
        return ledger.create_cost_centre(company, actor, **fields)


@pytest.fixture
def ada(make_user: Any) -> User:
    return make_user("ada", roles.ACCOUNTANT)


def test_a_tax_posting_to_an_income_account_is_refused_on_the_form(company: Company, ada: User) -> None:
    income = Account.objects.get(company=books_of(company).company, code="4000")
    data = {**TestTaxPages.create_data, "account": str(income.pk)}
    response = signed_in(ada).post(reverse("accounting:tax_create"), data)
    assert response.status_code == 200
    assert "not a tax account" in str(response.context["form"].errors["account"])
    assert not Tax.objects.filter(company=company).exists()


def test_a_duplicate_tax_name_is_a_field_error_not_a_crash(company: Company, ada: User) -> None:
    TestTaxPages().make(company, ada, name="VAT 22 %")
    data = {**TestTaxPages.create_data, "name": "VAT 22 %", "account": str(tax_account(company).pk)}
    response = signed_in(ada).post(reverse("accounting:tax_create"), data)
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert Tax.objects.filter(company=company).count() == 1


def test_a_group_of_taxes_holds_plain_taxes_of_its_own_side(company: Company, ada: User) -> None:
    pages = TestTaxPages()
    vat, levy = pages.make(company, ada, name="VAT"), pages.make(company, ada, name="Levy", amount=Decimal(2))
    bought = pages.make(company, ada, name="Input VAT", use="purchase", account=tax_account(company, "1160"))
    group = taxes.create_tax(
        company, ada, name="VAT + levy", use="sale", computation="group", children=[vat, levy]
    )
    assert set(group.children.all()) == {vat, levy}
    with pytest.raises(taxes.ValidationFailed):
        taxes.create_tax(company, ada, name="Nested", use="sale", computation="group", children=[group])
    with pytest.raises(taxes.ValidationFailed):
        taxes.create_tax(company, ada, name="Mixed", use="sale", computation="group", children=[bought])
    with pytest.raises(taxes.ValidationFailed):
        taxes.update_tax(vat, ada, children=[levy])  # a percentage holds no taxes
    assert Tax.objects.filter(company=company).count() == 4


def test_a_tax_cannot_take_another_companys_group(
    company: Company, other_company: Company, ada: User
) -> None:
    foreign = taxes.create_tax_group(other_company, None, name="Theirs")
    vat = TestTaxPages().make(company, ada)
    with pytest.raises(taxes.ValidationFailed):
        taxes.update_tax(vat, ada, group=foreign)
    vat.refresh_from_db()
    assert vat.group_id is None and vat.version == 1


def test_a_cost_centre_cannot_sit_under_itself(company: Company, ada: User) -> None:
    pages = TestCostCentrePages()
    top = pages.make(company, ada, code="ALL")
    below = pages.make(company, ada, code="SHOP", parent=top)
    with pytest.raises(ledger.ValidationFailed):
        ledger.update_cost_centre(top, ada, parent=below)
    top.refresh_from_db()
    assert top.parent_id is None


def test_a_salesperson_opens_none_of_the_settings_pages(company: Company, make_user: Any) -> None:
    seller = signed_in(make_user("sam", roles.SALESPERSON))
    for name in ("tax_list", "tax_group_list", "cost_centre_list", "tax_create"):
        assert seller.get(reverse(f"accounting:{name}")).status_code == 403, name


def test_the_settings_area_lists_the_books_settings(company: Company, make_user: Any) -> None:
    admin = make_user("root", roles.ADMINISTRATOR)
    page = signed_in(admin).get(reverse("administration:home")).content.decode()
    for name in ("tax_list", "tax_group_list", "cost_centre_list"):
        assert reverse(f"accounting:{name}") in page, name
