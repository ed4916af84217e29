"""A sales manager sees the customers and orders of the team they lead, not everyone's (issue 16):
on the lists and their search, the card (404), the export, the API, the header's search and the
sales analysis. Sam is in the team Mira leads (once she leads it); Sofia is not; the sales
director sees all. (The package's Anna leads Sam's team from the start.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.core import roles
from tandem.core.errors import NotAllowed
from tandem.core.models import Company, User
from tandem.crm import targets
from tandem.crm.roles import SALES_DIRECTOR
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tandem.sales.models import SalesOrder
from tandem.sales.queries import profit
from tests.kit.api import api_client
from tests.kit.exports import export_rows, texts
from tests.kit.views import signed_in
from tests.sales.conftest import quotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def mira(make_user: Callable[..., User]) -> User:
    """A sales manager who leads no team yet."""
    return make_user("mira", roles.SALES_MANAGER)


@pytest.fixture
def books(
    company: Company,
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
    chair: Product,
    vat: Any,
) -> dict[str, Any]:
    """Sam's customer and quotation (Hotel Wawel) and Sofia's (Meble Kowalska)."""
    books: dict[str, Any] = {}
    for who, person, name in (
        ("sam", salesperson, "Hotel Wawel"),
        ("sofia", other_salesperson, "Meble Kowalska"),
    ):
        customer = make_partner(name, owner=person)
        order = quotation(company, person, customer, (chair, "1"), salesperson=person)
        books[who] = {"customer": customer, "order": order}
    return books


def _seen(user: User) -> str:
    """Every page, export and API answer that lists customers or orders, joined."""
    client, api = signed_in(user), api_client(user)
    out = []
    for url, query in (
        (reverse("partners:list"), {}),
        (reverse("partners:list"), {"search": "e"}),
        (reverse("sales:order_list"), {}),
        (reverse("search"), {"q": "Hotel"}),
        (reverse("search"), {"q": "Meble"}),
        ("/api/v1/partners/partners/", {}),
        ("/api/v1/sales/orders/", {}),
    ):
        response = (api if url.startswith("/api/") else client).get(url, query)
        assert response.status_code == 200, url
        out.append(response.content.decode())
    for name in ("partners:export", "sales:order_export"):
        for kind in ("csv", "xlsx"):
            out += [str(row) for row in texts(export_rows(client.get(reverse(name), {"format": kind}), kind))]
    return "\n".join(out)


def _cards(user: User, row: dict[str, Any]) -> set[int]:
    client, api = signed_in(user), api_client(user)
    customer, order = row["customer"], row["order"]
    return {
        client.get(reverse("partners:detail", args=[customer.pk])).status_code,
        client.get(reverse("sales:order_detail", args=[order.pk])).status_code,
        api.get(f"/api/v1/partners/partners/{customer.pk}/").status_code,
        api.get(f"/api/v1/sales/orders/{order.pk}/").status_code,
    }


def test_a_manager_sees_the_customers_and_orders_of_the_team_they_lead_only(
    books: dict[str, Any], company: Company, mira: User, salesperson: User
) -> None:
    assert "Hotel Wawel" not in _seen(mira)  # no team yet: only her own
    assert _cards(mira, books["sam"]) == {404}
    targets.create_team(company, None, name="North", leader=mira, members=[salesperson])
    seen = _seen(mira)
    assert "Hotel Wawel" in seen and "Meble Kowalska" not in seen
    assert _cards(mira, books["sam"]) == {200}
    assert _cards(mira, books["sofia"]) == {404}
    visible = SalesOrder.objects.visible_to(mira)
    assert set(visible.values_list("pk", flat=True)) == {books["sam"]["order"].pk}
    profit.figures(profit.Scope(company, user=mira), "salesperson")  # the analysis' SQL takes the rule


def test_a_manager_sees_an_order_of_their_team_for_a_customer_outside_it(
    books: dict[str, Any], company: Company, mira: User, salesperson: User, chair: Product
) -> None:
    """Sam sells to an unowned customer only the team named in the settings may open: the order
    is Sam's, so Anna sees it."""
    targets.create_team(company, None, name="North", leader=mira, members=[salesperson])
    order = books["sofia"]["order"]
    SalesOrder.objects.filter(pk=order.pk).update(salesperson=salesperson)
    assert SalesOrder.objects.visible_to(mira).filter(pk=order.pk).exists()
    assert not Partner.objects.visible_to(mira).filter(pk=books["sofia"]["customer"].pk).exists()


def test_the_sales_director_sees_every_customer_and_order(
    books: dict[str, Any], make_user: Callable[..., User]
) -> None:
    director = make_user("dana", SALES_DIRECTOR)
    seen = _seen(director)
    assert "Hotel Wawel" in seen and "Meble Kowalska" in seen
    assert _cards(director, books["sofia"]) == {200}


def test_a_manager_gives_customers_to_their_team_only(
    company: Company, mira: User, salesperson: User, other_salesperson: User
) -> None:
    with pytest.raises(NotAllowed):
        create_partner(company, mira, name="Before the team", owner=salesperson)
    targets.create_team(company, None, name="North", leader=mira, members=[salesperson])
    given = create_partner(company, mira, name="For Sam", owner=salesperson)
    assert given.owner == salesperson
    with pytest.raises(NotAllowed):
        create_partner(company, mira, name="For Sofia", owner=other_salesperson)
    assert not Partner.objects.filter(name="For Sofia").exists()
    choices = signed_in(mira).get(reverse("autocomplete", args=["partners.salesperson"])).content.decode()
    assert f'value="{salesperson.pk}"' in choices and f'value="{other_salesperson.pk}"' not in choices
