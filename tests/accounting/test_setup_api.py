"""/api/v1/accounting/taxes/, tax-groups/ and cost-centres/ through the kit's declared API cases
(list, read, create, update, archive, a reader's writes refused, another company's row 404,
stale If-Match, bad bodies with nothing written, export, pinned queries), and a tax refused over
the API for posting to an account that is not a tax account."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting.models import Account, CostCentre, Tax, TaxGroup
from tandem.accounting.services import ledger, taxes
from tandem.core import roles
from tandem.core.models import Company, User
from tests.accounting.conftest import READER, books_of
from tests.accounting.test_api import BooksApi
from tests.kit.api import api_client, assert_problem

_n = itertools.count(1)


class TestTaxApi(BooksApi):
    model = Tax
    collection = "/api/v1/accounting/taxes/"
    update_body = {"amount": "9.5", "label": "VAT 9.5 %"}
    stale_body = {"amount": "8"}
    bad_bodies = [({"amount": "250"}, "amount"), ({"use": "both"}, "use"), ({"name": ""}, "name")]

    @pytest.fixture(autouse=True)
    def _books(self, company: Company, other_company: Company) -> None:
        books_of(company)
        books_of(other_company)

    @property
    def create_body(self) -> dict[str, Any]:  # type: ignore[override]
        company = Company.objects.get(code="tandem")
        account = Account.objects.get(company=company, code="2100")
        return {
            "name": "VAT 5 %",
            "use": "sale",
            "computation": "percent",
            "amount": "5",
            "account": account.pk,
        }

    def make(self, company: Company, actor: User | None, **fields: Any) -> Tax:
        data: dict[str, Any] = {"name": f"VAT {next(_n)}", "use": "sale", "amount": Decimal(22)}
        data.update(fields)
        data.setdefault("account", Account.objects.get(company=books_of(company).company, code="2100"))
        return taxes.create_tax(company, actor, **data)


class TestTaxGroupApi(BooksApi):
    model = TaxGroup
    collection = "/api/v1/accounting/tax-groups/"
    archives = False
    create_body = {"name": "VAT 22 %", "sequence": 10}
    update_body = {"name": "VAT 22 % (standard)"}
    stale_body = {"name": "VAT (stale)"}
    bad_bodies = [({"name": ""}, "name"), ({"sequence": "first"}, "sequence")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> TaxGroup:
        fields.setdefault("name", f"Group {next(_n)}")
        return taxes.create_tax_group(company, actor, **fields)


class TestCostCentreApi(BooksApi):
    model = CostCentre
    collection = "/api/v1/accounting/cost-centres/"
    create_body = {"code": "MKT", "name": "Marketing"}
    update_body = {"name": "Marketing and sales"}
    stale_body = {"name": "Marketing (stale)"}
    bad_bodies = [({"code": ""}, "code"), ({"parent": "x"}, "parent")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> CostCentre:
        fields.setdefault("code", f"CC{next(_n)}")
        fields.setdefault("name", f"Centre {next(_n)}")
        return ledger.create_cost_centre(company, actor, **fields)


@pytest.mark.django_db
def test_a_tax_on_an_income_account_is_a_problem_and_nothing_is_written(
    company: Company, make_user: Any, books_reader_role: str
) -> None:
    books_of(company)
    ada = make_user("ada", roles.ACCOUNTANT)
    income = Account.objects.get(company=company, code="4000")
    body = {"name": "VAT", "use": "sale", "amount": "22", "account": income.pk}
    response = api_client(ada).post("/api/v1/accounting/taxes/", body, format="json")
    assert_problem(response, 400, "account")
    assert not Tax.objects.exists()
    reader = make_user("audrey", READER)
    assert api_client(reader).get("/api/v1/accounting/taxes/").status_code == 200
    assert api_client(reader).post("/api/v1/accounting/taxes/", body, format="json").status_code == 403
    seller = make_user("sam", roles.SALESPERSON)
    assert api_client(seller).get("/api/v1/accounting/taxes/").status_code == 403


@pytest.mark.django_db
def test_a_tax_group_in_use_is_not_deleted(company: Company, make_user: Any, books_reader_role: str) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    used, unused = TestTaxGroupApi().make(company, ada), TestTaxGroupApi().make(company, ada)
    TestTaxApi().make(company, ada, group=used)
    client = api_client(ada)
    assert_problem(client.delete(f"/api/v1/accounting/tax-groups/{used.pk}/"), 409)
    assert client.delete(f"/api/v1/accounting/tax-groups/{unused.pk}/").status_code == 204
    assert list(TaxGroup.objects.filter(company=company)) == [used]
