"""Settings → Stock valuation: the company's method, journal and accounts (page, form, API) and
the categories valued on their own terms (the kit's declared page and API cases). The method
and the stock account stay while stock valued on them is on hand — refused with the reason on
the field, nothing written; the other accounts change any time."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account
from tandem.accounting.services import charts
from tandem.catalog.models import Category, Product
from tandem.catalog.services import create_category
from tandem.core import invariants, roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.inventory import services
from tandem.inventory.models import CategoryValuation, ValuationMethod, ValuationSettings, Warehouse
from tandem.inventory.services import valuation
from tandem.partners.models import Partner
from tests.kit.api import ApiCases, api_client, assert_problem
from tests.kit.views import Action, ViewCases, form_data, signed_in

pytestmark = pytest.mark.django_db
D = Decimal
_n = itertools.count(1)


def _category(company: Company, actor: User | None, name: str | None = None) -> Category:
    return create_category(company, actor, name=name or f"Category {next(_n)}")


def _bare_category(company: Company) -> Category:
    """A category for a request body, made without an event: the kit counts the events a refused
    request leaves, and the body is built after it took its snapshot."""
    name = f"Body category {next(_n)}"
    return Category.objects.create(company=company, name=name, path=name)


class TestCategoryValuationPages(ViewCases):
    model = CategoryValuation
    namespace = "inventory"
    url_prefix = "category_valuation_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    create_data = {"method": "average"}
    edit_changes = {"method": "fifo"}
    stale_changes = {"method": ""}
    bad_input = [({"method": "lifo"}, "method")]
    actions = [
        Action(
            "inventory:category_valuation_delete",
            lambda kit, row: {"confirmed": "1"},
            "category_valuation.removed",
        )
    ]

    def create_form(self, kit: Any) -> dict[str, Any]:
        return {"category": str(_bare_category(kit.company).pk), "method": "average"}

    def make(self, company: Company, actor: User | None, **fields: Any) -> CategoryValuation:
        category = _category(company, actor, fields.pop("name", None))
        fields.setdefault("method", ValuationMethod.AVERAGE)
        return valuation.create_category_valuation(company, actor, category=category, **fields)


class TestCategoryValuationApi(ApiCases):
    model = CategoryValuation
    collection = "/api/v1/inventory/category-valuations/"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    archives = False
    create_body: dict[str, Any] = {}
    update_body = {"method": "fifo"}
    stale_body = {"method": "average"}
    bad_bodies = [({"method": "lifo"}, "method"), ({"stock_account": "x"}, "stock_account")]

    def create_payload(self, kit: Any) -> dict[str, Any]:
        return {"category": _bare_category(kit.company).pk, "method": "average"}

    def make(self, company: Company, actor: User | None, **fields: Any) -> CategoryValuation:
        category = _category(company, actor, fields.pop("name", None))
        fields.setdefault("method", ValuationMethod.AVERAGE)
        return valuation.create_category_valuation(company, actor, category=category, **fields)


# --- the company's settings and the rule of stock on hand ---------------------------------------


@pytest.fixture
def books(company: Company, admin: User, warehouse: Warehouse) -> ValuationSettings:
    charts.install_chart(company, admin, "ifrs")
    found = valuation.settings_of(company)
    assert found is not None
    return found


@pytest.fixture
def ada(make_user: Callable[..., User]) -> User:
    return make_user("ada", roles.ACCOUNTANT)


def _receive(
    company: Company, supplier: Partner, worker: User, product: Product, qty: int, price: str
) -> None:
    receipt = services.create_receipt(
        company, supplier, [services.MoveSpec(product, qty, price_unit=D(price))], actor=worker
    )
    services.validate_transfer(receipt, actor=worker)


def _account(company: Company, code: str, name: str, subtype: str = "inventory") -> Account:
    from tandem.accounting.services import ledger

    return ledger.create_account(company, None, code=code, name=name, type="asset", subtype=subtype)


def test_the_settings_area_opens_the_page_and_it_links_the_categories(
    books: ValuationSettings, ada: User, admin: User
) -> None:
    client = signed_in(ada)
    url = reverse("inventory:valuation_settings")
    assert url in client.get(reverse("inventory:valuation")).content.decode()  # from the report
    assert url in signed_in(admin).get(reverse("administration:home")).content.decode()
    page = client.get(url).content.decode()
    for name in ("valuation_settings_edit", "category_valuation_list", "category_valuation_create"):
        assert reverse(f"inventory:{name}") in page, name
    assert "1230" in page  # the stock account


def test_a_company_without_a_chart_opens_the_page_and_reads_why_nothing_is_valued(
    company: Company, ada: User
) -> None:
    response = signed_in(ada).get(reverse("inventory:valuation_settings"))
    assert response.status_code == 200 and "counted, not valued" in response.content.decode()
    assert signed_in(ada).get(reverse("inventory:valuation_settings_edit")).status_code == 404


def test_an_accountant_changes_the_method_before_any_stock_with_a_version_and_an_event(
    books: ValuationSettings, ada: User
) -> None:
    client = signed_in(ada)
    url = reverse("inventory:valuation_settings_edit")
    data = form_data(client.get(url).context["form"])
    response = client.post(url, {**data, "method": "average"})
    assert response.status_code == 302, response.context["form"].errors
    books.refresh_from_db()
    assert books.method == ValuationMethod.AVERAGE and books.version == 2
    assert Event.objects.filter(name="valuation_settings.updated").count() == 1
    stale = client.post(url, {**data, "method": "fifo"})
    assert stale.status_code == 200 and stale.context["business_error"] is not None
    books.refresh_from_db()
    assert books.method == ValuationMethod.AVERAGE


def test_with_stock_on_hand_the_method_and_stock_account_stay_and_other_accounts_change(
    company: Company, books: ValuationSettings, ada: User, supplier: Partner, worker: User, chair: Product
) -> None:
    _receive(company, supplier, worker, chair, 10, "5")
    stock_account = books.stock_account_id
    other_stock = _account(company, "1235", "Goods in transit")
    client = signed_in(ada)
    url = reverse("inventory:valuation_settings_edit")
    data = form_data(client.get(url).context["form"])
    for changes, field in [
        ({"method": "average"}, "method"),
        ({"stock_account": other_stock.pk}, "stock_account"),
    ]:
        response = client.post(url, {**data, **{k: str(v) for k, v in changes.items()}})
        assert response.status_code == 200
        assert "10 units of valued stock" in str(response.context["form"].errors[field]), changes
    books.refresh_from_db()
    assert (books.version, books.method, books.stock_account_id) == (1, "fifo", stock_account)
    loss = Account.objects.get(company=company, code="5000")
    assert client.post(url, {**data, "loss_account": str(loss.pk)}).status_code == 302
    books.refresh_from_db()
    assert books.loss_account == loss and books.version == 2
    assert invariants.violations() == {}


def test_a_category_of_its_own_frees_the_companys_method_and_keeps_its_stock_on_its_terms(
    company: Company, books: ValuationSettings, ada: User, supplier: Partner, worker: User,
    make_product: Callable[..., Product],
) -> None:  # fmt: skip
    timber = _category(company, ada, "Timber")
    plank = make_product("Plank", category=timber)
    _receive(company, supplier, worker, plank, 4, "5")
    with pytest.raises(ValidationFailed) as refused:  # the company's FIFO values the planks
        valuation.update_valuation_settings(books, ada, method=ValuationMethod.AVERAGE)
    assert "method" in refused.value.errors
    # the category takes FIFO as its own: nothing changes for its stock, so it is allowed …
    own = valuation.create_category_valuation(company, ada, category=timber, method=ValuationMethod.FIFO)
    # … and the company's method is free now
    valuation.update_valuation_settings(books, ada, method=ValuationMethod.AVERAGE)
    with pytest.raises(ValidationFailed):  # removing the category's terms would change its stock's
        valuation.remove_category_valuation(own, ada)
    with pytest.raises(ValidationFailed):
        valuation.update_category_valuation(own, ada, method="")
    assert CategoryValuation.objects.get(pk=own.pk).method == ValuationMethod.FIFO
    assert invariants.violations() == {}


def test_the_delete_button_asks_first_and_is_refused_while_the_categorys_stock_holds_its_terms(
    company: Company, books: ValuationSettings, ada: User, supplier: Partner, worker: User,
    make_product: Callable[..., Product],
) -> None:  # fmt: skip
    timber, fabric = _category(company, ada, "Timber"), _category(company, ada, "Fabric")
    _receive(company, supplier, worker, make_product("Plank", category=timber), 4, "5")
    held = valuation.create_category_valuation(company, ada, category=timber, method=ValuationMethod.FIFO)
    valuation.update_valuation_settings(books, ada, method=ValuationMethod.AVERAGE)  # FIFO is timber's own
    free = valuation.create_category_valuation(company, ada, category=fabric, method=ValuationMethod.AVERAGE)
    client = signed_in(ada)
    url = reverse("inventory:category_valuation_delete", args=[held.pk])
    assert url in client.get(held.get_absolute_url()).content.decode(), "the page offers the delete button"
    asked = client.post(url)  # without "confirmed": the question, nothing removed
    assert asked.status_code == 200 and CategoryValuation.objects.filter(pk=held.pk).exists()
    refused = client.post(url, {"confirmed": "1"}, follow=True)
    assert "still hold 4 units" in refused.content.decode()
    assert CategoryValuation.objects.get(pk=held.pk).version == 1
    assert not Event.objects.filter(name="category_valuation.removed").exists()
    done = client.post(reverse("inventory:category_valuation_delete", args=[free.pk]), {"confirmed": "1"})
    assert done.status_code == 302 and done["Location"] == reverse("inventory:category_valuation_list")
    assert not CategoryValuation.objects.filter(pk=free.pk).exists()
    assert Event.objects.filter(name="category_valuation.removed", data__category="Fabric").exists()
    assert invariants.violations() == {}


def test_a_stock_account_of_the_wrong_kind_is_refused_on_its_field(
    company: Company, books: ValuationSettings, ada: User
) -> None:
    receivable = Account.objects.filter(company=company, subtype="receivable").first()
    assert receivable is not None
    with pytest.raises(ValidationFailed) as refused:
        valuation.update_valuation_settings(books, ada, stock_account=receivable, cogs_account=receivable)
    assert set(refused.value.errors) == {"stock_account", "cogs_account"}
    books.refresh_from_db()
    assert books.version == 1


def test_the_api_reads_and_changes_the_companys_settings_and_refuses_with_stock(
    company: Company, books: ValuationSettings, ada: User, supplier: Partner, worker: User,
    chair: Product, make_user: Callable[..., User],
) -> None:  # fmt: skip
    client = api_client(ada)
    listed = client.get("/api/v1/inventory/valuation-settings/").json()["results"]
    assert [row["id"] for row in listed] == [books.pk] and listed[0]["method"] == "fifo"
    detail = f"/api/v1/inventory/valuation-settings/{books.pk}/"
    etag = client.get(detail)["ETag"]
    changed = client.patch(detail, {"method": "average"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert_problem(client.patch(detail, {"method": "fifo"}, format="json", HTTP_IF_MATCH=etag), 412)
    _receive(company, supplier, worker, chair, 3, "7")
    assert_problem(client.patch(detail, {"method": "fifo"}, format="json"), 400, "method")
    assert_problem(client.patch(detail, {"method": "lifo"}, format="json"), 400, "method")
    auditor = api_client(make_user("audrey", book_roles.AUDITOR))
    assert auditor.get(detail).status_code == 200
    assert_problem(auditor.patch(detail, {"method": "fifo"}, format="json"), 403)
    books.refresh_from_db()
    assert (books.method, books.version) == ("average", 2)
