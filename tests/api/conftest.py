"""API clients authenticated the way integrations do: a personal bearer token."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core.models import Company, Uom, User
from tandem.core.services import issue_api_token

PARTNERS = "/api/v1/partners/partners/"
ADDRESSES = "/api/v1/partners/addresses/"
TAGS = "/api/v1/partners/tags/"
PRODUCTS = "/api/v1/catalog/products/"
CATEGORIES = "/api/v1/catalog/categories/"
PRICE_LISTS = "/api/v1/catalog/price-lists/"
PROBLEM = "application/problem+json"


def detail(collection: str, pk: int) -> str:
    return f"{collection}{pk}/"


@pytest.fixture
def api_as() -> Callable[[User], APIClient]:
    """A client sending ``Authorization: Bearer <secret>`` of a fresh token of ``user``."""

    def make(user: User) -> APIClient:
        _token, secret = issue_api_token(user, "tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture
def manager_api(api_as: Callable[[User], APIClient], manager: User) -> APIClient:
    return api_as(manager)


@pytest.fixture
def sales_api(api_as: Callable[[User], APIClient], salesperson: User) -> APIClient:
    return api_as(salesperson)


@pytest.fixture
def make_product(company: Company, manager: User, pcs: Uom) -> Callable[..., Product]:
    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> Product:
        number = next(counter)
        fields.setdefault("name", f"Product {number}")
        fields.setdefault("sku", f"SKU-{number}")
        fields.setdefault("sales_price", Decimal("10"))
        return create_product(company, manager, uom=pcs, **fields)

    return make


def assert_problem(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 body with the given status and, if named, errors for those fields."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    for field in fields:
        assert body["errors"][field], body
    return dict(body)
