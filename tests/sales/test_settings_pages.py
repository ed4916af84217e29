"""The sales settings page and the credit limits (pages and API): who may see and change them,
bad input refused with nothing written, every change an event; the order shows the customer's
open balance against its limit; the discount limits per role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.models import Tax
from tandem.catalog.models import Product
from tandem.core.models import Company, Event, User
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tandem.sales import services
from tandem.sales.models import CreditLimit, SalesOrder, SalesSettings
from tests.kit.api import api_client, assert_problem
from tests.sales.conftest import quotation
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db
SETTINGS = {
    "discount_limit": "15",
    "manager_discount_limit": "100",
    "invoice_policy": "ordered",
    "validity_days": "45",
    "link_days": "10",
    "acceptance_confirms": "",
}


def test_a_sales_manager_changes_the_settings_and_the_change_is_recorded(
    company: Company, manager: User
) -> None:
    client = signed_in(manager)
    page = client.get(reverse("sales:settings"))
    assert page.status_code == 200 and reverse("sales:settings_edit") in page.content.decode()
    data = {k: v for k, v in SETTINGS.items() if v}
    saved = client.post(reverse("sales:settings_edit"), data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    row = SalesSettings.objects.get(company=company)
    assert (
        row.discount_limit,
        row.invoice_policy,
        row.validity_days,
        row.link_days,
        row.acceptance_confirms,
    ) == (Decimal(15), "ordered", 45, 10, False)
    [event] = Event.objects.filter(name="salessettings.updated")
    assert event.data["changes"]["discount_limit"] == ["20", "15"]
    assert event.data["changes"]["acceptance_confirms"] == ["True", "False"]
    assert event.actor == manager and "manager_discount_limit" not in event.data["changes"]


def test_bad_settings_are_refused_and_nothing_is_written(company: Company, manager: User) -> None:
    client = signed_in(manager)
    refused = client.post(
        reverse("sales:settings_edit"), {**SETTINGS, "discount_limit": "120", "link_days": "0"}
    )
    assert refused.status_code in (200, 400)
    assert "between 0 and 100" in refused.content.decode()
    with pytest.raises(services.ValidationFailed) as invalid:
        services.update_settings(company, manager, validity_days=0, discount_limit="-1")
    assert set(invalid.value.errors) == {"validity_days", "discount_limit"}
    assert not SalesSettings.objects.filter(discount_limit__gt=20).exists()
    assert not Event.objects.filter(name="salessettings.updated").exists()


def test_a_salesperson_neither_sees_nor_changes_the_settings(company: Company, salesperson: User) -> None:
    client = signed_in(salesperson)
    assert client.get(reverse("sales:settings")).status_code == 403
    assert client.post(reverse("sales:settings_edit"), SETTINGS).status_code == 403
    assert not Event.objects.filter(name="salessettings.updated").exists()


def test_credit_limits_are_listed_set_and_changed_on_their_pages(
    company: Company, manager: User, salesperson: User, customer: Partner
) -> None:
    client = signed_in(manager)
    created = client.post(reverse("sales:credit_limit_create"), {"partner": customer.pk, "amount": "5000"})
    assert created.status_code == 302, created.content.decode()[:2000]
    row = CreditLimit.objects.get(partner=customer)
    assert row.amount == 5000
    listed = client.get(reverse("sales:credit_limit_list")).content.decode()
    assert customer.name in listed and "5,000.00" in listed
    changed = client.post(reverse("sales:credit_limit_edit", args=[row.pk]), {"amount": "7500"})
    assert changed.status_code == 302
    row.refresh_from_db()
    assert row.amount == 7500
    assert [e.data["amount"] for e in Event.objects.filter(name="creditlimit.changed").order_by("id")] == [
        "5000",
        "7500",
    ]
    refused = client.post(reverse("sales:credit_limit_edit", args=[row.pk]), {"amount": "-1"})
    assert refused.status_code in (200, 400)
    row.refresh_from_db()
    assert row.amount == 7500
    reader = signed_in(salesperson)  # reads the limits of the customers it may see, changes none
    assert reader.get(reverse("sales:credit_limit_list")).status_code == 200
    assert reader.post(reverse("sales:credit_limit_edit", args=[row.pk]), {"amount": "1"}).status_code == 403


def test_credit_limits_over_the_api(
    company: Company, other_company: Company, manager: User, salesperson: User, customer: Partner
) -> None:
    client = api_client(manager)
    created = client.post(
        "/api/v1/sales/credit-limits/", {"partner": customer.pk, "amount": "900"}, format="json"
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/sales/credit-limits/{created.json()['id']}/"
    assert client.get("/api/v1/sales/credit-limits/").json()["results"][0]["amount"] == "900.00"
    assert client.patch(url, {"amount": "1200"}, format="json").json()["amount"] == "1200.00"
    assert_problem(client.patch(url, {"amount": "-5"}, format="json"), 400, "amount")
    assert CreditLimit.objects.get().amount == 1200
    assert_problem(api_client(salesperson).patch(url, {"amount": "1"}, format="json"), 403)
    assert client.delete(url).status_code == 204
    assert not CreditLimit.objects.exists()
    elsewhere = create_partner(other_company, None, name="Elsewhere GmbH", is_customer=True)
    theirs = services.set_credit_limit(other_company, None, partner=elsewhere, amount="10")
    assert client.get("/api/v1/sales/credit-limits/").json()["results"] == []
    assert_problem(client.get(f"/api/v1/sales/credit-limits/{theirs.pk}/"), 404)  # type: ignore[union-attr]


def test_the_quotation_shows_the_open_balance_against_the_limit(
    company: Company,
    salesperson: User,
    manager: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    services.set_credit_limit(company, manager, partner=customer, amount="100")
    order = quotation(company, salesperson, customer, (chair, "2"))
    page = signed_in(salesperson).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'id="order-exposure"' in page and "Over the limit" in page
    with pytest.raises(services.ApprovalNeeded, match="credit limit"):
        services.confirm_order(order, salesperson)
    assert services.confirm_order(order, manager).approved_by == manager


def test_discount_limits_per_role(
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
) -> None:
    services.update_settings(company, admin, discount_limit="10", manager_discount_limit="30")
    modest = quotation(company, salesperson, customer, (chair, "1"), discount="20")
    with pytest.raises(services.ApprovalNeeded, match="discount limit covers"):
        services.confirm_order(modest, salesperson)
    assert services.approval_reasons(modest, manager) == []
    assert services.confirm_order(modest, manager).approved_by == manager
    generous = quotation(company, salesperson, customer, (chair, "1"), discount="40")
    with pytest.raises(services.ApprovalNeeded, match="above 30 %"):
        services.confirm_order(generous, manager)
    assert SalesOrder.objects.get(pk=generous.pk).state == "draft"
    assert services.confirm_order(generous, admin).approved_by == admin
    within = quotation(company, salesperson, customer, (chair, "1"), discount="5")
    assert services.confirm_order(within, salesperson).approved_by is None


def test_a_salesperson_limit_above_the_managers_is_refused(company: Company, admin: User) -> None:
    with pytest.raises(services.ValidationFailed) as refused:
        services.update_settings(company, admin, discount_limit="50", manager_discount_limit="30")
    assert "manager_discount_limit" in refused.value.errors
    assert not SalesSettings.objects.filter(company=company, discount_limit=50).exists()
