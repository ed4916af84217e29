"""The OpenAPI schema describes the API; the interactive docs load nothing from a CDN."""

from __future__ import annotations

import re

from rest_framework.test import APIClient

from tandem.core.models import User


def test_the_schema_is_openapi_3_with_the_resources(db: None) -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in [
        "/api/v1/partners/partners/",
        "/api/v1/partners/partners/{id}/",
        "/api/v1/partners/partners/{id}/merge/",
        "/api/v1/partners/addresses/",
        "/api/v1/partners/tags/",
        "/api/v1/catalog/products/",
        "/api/v1/catalog/products/{id}/price/",
        "/api/v1/catalog/categories/",
        "/api/v1/catalog/price-lists/{id}/prices/",
    ]:
        assert path in paths, path
    create = paths["/api/v1/partners/partners/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    request_schema = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_schema.endswith("PartnerWriteRequest")
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Partner")
    update = paths["/api/v1/partners/partners/{id}/"]["patch"]
    assert "If-Match" in {p["name"] for p in update["parameters"]}
    assert "bearerToken" in schema["components"]["securitySchemes"]
    price = schema["components"]["schemas"]["Product"]["properties"]["sales_price"]
    assert price["type"] == "string" and price["format"] == "decimal"


def test_the_docs_render_with_local_assets_and_no_inline_script(manager: User) -> None:
    client = APIClient()
    client.force_login(manager)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for cdn in ["cdn", "jsdelivr", "unpkg"]:
        assert cdn not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.search(r"<script>(?!</script>)", html), "inline script"
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()


def test_options_describe_what_a_client_may_send(manager: User) -> None:
    client = APIClient()
    client.force_login(manager)
    fields = client.options("/api/v1/partners/partners/").json()["actions"]["POST"]
    assert {"name", "allow_duplicate", "address_text"} <= fields.keys()
    assert "created_at" not in fields
