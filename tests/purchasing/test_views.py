"""Purchasing pages: the kit's declared cases, and who sees purchase prices."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Uom, User
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tandem.purchasing import queries, services
from tandem.purchasing.models import ApprovalLevel, PurchaseOrder, PurchaseRequest, SupplierPrice
from tests.kit.records import Kit
from tests.kit.views import Action, ViewCases, form_data
from tests.purchasing.conftest import DAY
from tests.web.support import signed_in

_numbers = itertools.count(1)


def _supplier(company: Company, actor: User | None) -> Partner:
    return create_partner(
        company,
        actor,
        name=f"Supplier {next(_numbers)}",
        is_supplier=True,
        is_customer=False,
        email="orders@example.com",
        allow_duplicate=True,
    )


def _product(company: Company, actor: User | None, **fields: Any) -> Product:
    number = next(_numbers)
    return create_product(
        company, actor, name=f"Board {number}", sku=f"BRD-{number}", uom=Uom.objects.get(code="pcs"), **fields
    )


class TestSupplierPricePages(ViewCases):
    model = SupplierPrice
    namespace = "purchasing"
    url_prefix = "price_"
    editor_role = roles.PURCHASER
    reader_role = roles.ACCOUNTANT
    name_field = "supplier_sku"
    create_data = {"supplier_sku": "TC-OAK", "price": "12.50", "min_quantity": "10", "lead_time_days": "7"}
    edit_changes = {"price": Decimal("11.90"), "lead_time_days": 5}
    stale_changes = {"price": Decimal("99")}
    bad_input = [({"price": "-1"}, "price")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> SupplierPrice:
        fields.setdefault("supplier_sku", f"S-{next(_numbers)}")
        return services.create_supplier_price(
            company,
            actor,
            partner=_supplier(company, actor),
            product=_product(company, actor),
            price="10",
            **fields,
        )

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["supplier"] = _supplier(kit.company, kit.editor)
        kit.extra["product"] = _product(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_form(kit),
            "partner": str(kit.extra["supplier"].pk),
            "product": str(kit.extra["product"].pk),
        }


def _confirm(kit: Kit, obj: Any) -> dict[str, Any]:
    return {}


class TestPurchaseOrderPages(ViewCases):
    model = PurchaseOrder
    namespace = "purchasing"
    url_prefix = "order_"
    editor_role = roles.PURCHASER
    reader_role = roles.WAREHOUSE
    name_field = "supplier_reference"
    create_data = {"supplier_reference": "Q-2026-1", "order_date": "2026-03-10"}
    edit_changes = {"supplier_reference": "Q-2026-2"}
    stale_changes = {"supplier_reference": "Q-stale"}
    bad_input = [({"expected_date": "2026-01-01"}, "expected_date")]
    actions = [
        Action("purchasing:order_confirm", _confirm, "purchaseorder.confirmed"),
        Action("purchasing:order_cancel", lambda kit, obj: {"confirmed": "1"}, "purchaseorder.cancelled"),
    ]

    def edit_form(self, client: Client, obj: Any) -> dict[str, Any]:
        response = client.get(self.url("edit", obj))
        assert response.status_code == 200, response.status_code
        form = response.context["form"]
        lines = {f"lines-{name}": value for name, value in form_data(form.lines.management_form).items()}
        for line in form.lines.forms:
            lines.update({f"{line.prefix}-{name}": value for name, value in form_data(line).items()})
        return {**form_data(form), **lines}

    def make(self, company: Company, actor: User | None, **fields: Any) -> PurchaseOrder:
        fields.setdefault("supplier_reference", f"Q-{next(_numbers)}")
        product = _product(company, actor, kind="service")
        return services.create_order(
            company,
            actor,
            partner=_supplier(company, actor),
            order_date=DAY,
            lines=[services.OrderLineData(product=product, quantity="2", price_unit="15")],
            **fields,
        )

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["supplier"] = _supplier(kit.company, kit.editor)
        kit.extra["product"] = _product(kit.company, kit.editor, kind="service")

    def create_form(self, kit: Kit) -> dict[str, Any]:
        product = kit.extra["product"]
        return {
            **super().create_form(kit),
            "partner": str(kit.extra["supplier"].pk),
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": str(product.pk),
            "lines-0-quantity": "3",
            "lines-0-price_unit": "20",
        }


# --- prices: purchasers see them, warehouse staff do not unless granted -----------------------


@pytest.fixture
def po(company: Company, purchaser: User, timber_co: Partner, oak: Product) -> PurchaseOrder:
    return services.create_order(
        company,
        purchaser,
        partner=timber_co,
        order_date=DAY,
        supplier_reference="Q-77",
        lines=[services.OrderLineData(product=oak, quantity="7", price_unit="123.4567")],
    )


def test_warehouse_staff_see_the_order_but_not_its_prices(
    po: PurchaseOrder, warehouse: User, purchaser: User
) -> None:
    staff = signed_in(warehouse)
    for url in [reverse("purchasing:order_detail", args=[po.pk]), reverse("purchasing:order_list")]:
        page = staff.get(url).content.decode()
        assert "Q-77" in page or str(po) in page
        assert "864.20" not in page and "123.4567" not in page, url
    response = staff.get(reverse("purchasing:order_export"), {"format": "csv"})
    export = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert str(po) in export and "864.20" not in export
    assert staff.get(reverse("purchasing:order_pdf", args=[po.pk])).status_code == 403
    assert staff.get(reverse("purchasing:price_list")).status_code == 403
    assert (
        "864.20"
        in signed_in(purchaser).get(reverse("purchasing:order_detail", args=[po.pk])).content.decode()
    )


def test_warehouse_staff_granted_prices_see_them(po: PurchaseOrder, warehouse: User) -> None:
    from django.contrib.auth.models import Permission

    warehouse.user_permissions.add(Permission.objects.get(codename="view_purchase_prices"))
    granted = User.objects.get(pk=warehouse.pk)
    assert (
        "864.20" in signed_in(granted).get(reverse("purchasing:order_detail", args=[po.pk])).content.decode()
    )


def test_purchasers_see_their_companys_orders_only(
    po: PurchaseOrder, other_company: Company, make_user: Any
) -> None:
    outsider = make_user("otto", roles.PURCHASER, company=other_company)
    client = signed_in(outsider)
    assert client.get(reverse("purchasing:order_detail", args=[po.pk])).status_code == 404
    assert str(po) not in client.get(reverse("purchasing:order_list")).content.decode()


def test_requests_become_rfqs_from_the_list(
    company: Company, purchaser: User, oak: Product, prices: None
) -> None:
    services.create_request(company, purchaser, product=oak, quantity="30", origin="Reorder rule")
    client = signed_in(purchaser)
    page = client.get(reverse("purchasing:request_list")).content.decode()
    assert "Reorder rule" in page and 'id="create-rfqs"' in page
    response = client.post(reverse("purchasing:request_rfqs"))
    assert response.status_code == 302
    order = PurchaseOrder.objects.get()
    assert order.partner.name == "Timber Co" and order.lines.get().quantity == Decimal(30)
    assert PurchaseRequest.objects.get().state == "ordered"


class TestApprovalLevelPages(ViewCases):
    model = ApprovalLevel
    namespace = "purchasing"
    url_prefix = "level_"
    editor_role = roles.ADMINISTRATOR
    reader_role = roles.PURCHASER
    create_data = {"name": "Director", "min_amount": "10000"}
    edit_changes = {"min_amount": Decimal("12000")}
    stale_changes = {"min_amount": Decimal("15000")}
    bad_input = [({"min_amount": "-5"}, "min_amount"), ({"name": ""}, "name")]
    actions = [
        Action("purchasing:level_remove", lambda kit, obj: {"confirmed": "1"}, "approvallevel.removed")
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> ApprovalLevel:
        fields.setdefault("name", f"Level {next(_numbers)}")
        fields.setdefault("min_amount", str(1000 * next(_numbers)))
        approver = actor or User.objects.filter(companies=company).first()
        return services.create_approval_level(company, actor, approver=approver, **fields)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_form(kit), "approver": str(kit.editor.pk)}


def test_the_settings_page_changes_the_tolerance_and_shows_the_chain(
    company: Company, admin: User, purchaser: User, buyer_manager: User, other_company: Company
) -> None:
    services.create_approval_level(company, admin, name="Manager", min_amount="1000", approver=buyer_manager)
    url = reverse("purchasing:settings")
    client = signed_in(admin)
    page = client.get(url).content.decode()
    assert "Manager" in page and reverse("purchasing:level_create") in page
    assert client.post(url, {"receipt_tolerance": "5"}).status_code == 302
    assert queries.settings_of(company).receipt_tolerance == 5
    refused = client.post(url, {"receipt_tolerance": "150"})
    assert refused.status_code == 400 and "between 0 and 100" in refused.content.decode()
    assert queries.settings_of(company).receipt_tolerance == 5
    assert signed_in(purchaser).get(url).status_code == 403
    assert signed_in(purchaser).post(url, {"receipt_tolerance": "50"}).status_code == 403
    assert queries.settings_of(other_company).receipt_tolerance == 0


def test_a_level_that_approved_an_order_is_not_removed(
    company: Company, admin: User, purchaser: User, buyer_manager: User, timber_co: Partner, design: Product
) -> None:
    level = services.create_approval_level(
        company, admin, name="Manager", min_amount="100", approver=buyer_manager
    )
    order = services.create_order(
        company, purchaser, partner=timber_co, order_date=DAY,
        lines=[services.OrderLineData(product=design, quantity="10", price_unit="50")],
    )  # fmt: skip
    services.confirm_order(order, purchaser)
    services.approve_order(order, buyer_manager)
    assert order.approvals.filter(level=level).exists()
    response = signed_in(admin).post(reverse("purchasing:level_remove", args=[level.pk]), {"confirmed": "1"})
    assert response.status_code in (302, 400, 409)
    assert ApprovalLevel.objects.filter(pk=level.pk).exists()


def test_an_approver_from_another_company_is_refused(
    company: Company, admin: User, make_user: Any, other_company: Company
) -> None:
    stranger = make_user("stan", roles.PURCHASER, company=other_company)
    with pytest.raises(ValidationFailed) as caught:
        services.create_approval_level(company, admin, name="X", min_amount="1", approver=stranger)
    assert "approver" in caught.value.errors and not ApprovalLevel.objects.exists()
