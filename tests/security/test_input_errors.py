"""Bad filter values are a 4xx naming the field: never a 500, never silently ignored.

Parametrised over the served OpenAPI schema (every list's documented query parameters, by
type) and over every registered list page and export (their FilterSet fields, by kind), on
SQLite and PostgreSQL. The API answers problem details with ``errors[<parameter>]``; a list
page answers 400 with the list as if the filter was not given and a message naming it (a
person sees what was wrong and goes on; a client learns its request was wrong); an export
answers 400 with no file (it must never hold rows the filter was meant to exclude).
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.urls import resolve

from tests.security import surface

pytestmark = pytest.mark.django_db

BAD_BOOLEANS = ["-1", "maybe", "yes please", "2x"]
BAD_DATETIMES = [
    "9999-12-31T23:59:59-14:00",  # UTC is in year 10000
    "9999-12-31T23:59:59.999999-00:01",
    "0001-01-01T00:00:00+14:00",  # UTC is in year 0
    "0001-01-01T00:00:00+00:01",
    "99999-01-01T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T00:00:00+25:00",
    "2703-10-04T08:21:27-22:38",  # Python takes this offset, PostgreSQL does not
    "not a date",
]
BAD_INTEGERS = ["abc", "1e400", "1.5", str(10**30), "-" + str(10**30)]
BAD_TEXT = ["a\x00b", "\x00"]
BAD_PAGE_SIZES = ["false", "0", "-1", "1.5", "501", "１０", "99999999999999999999", ""]
BAD_ORDERINGS = ["bogus", "-password", "name,,", "id;drop"]


def _bad_values(parameter: dict[str, Any]) -> list[str]:
    schema = parameter.get("schema", {})
    kind, fmt = schema.get("type"), schema.get("format")
    if parameter["name"] == "cursor":
        return []  # tests/security/test_cursors.py
    if parameter["name"] == "page_size":
        return BAD_PAGE_SIZES
    if parameter["name"] == "ordering":
        return BAD_ORDERINGS
    if kind == "boolean":
        return BAD_BOOLEANS
    if kind == "string" and fmt in {"date-time", "date"}:
        return BAD_DATETIMES
    if kind in {"integer", "number"}:
        return BAD_INTEGERS
    if kind == "string":
        return BAD_TEXT
    return []


def _probes() -> list[tuple[surface.Operation, str, str]]:
    return [
        (op, parameter["name"], value)
        for op in surface.api_collections()
        for parameter in op.query_parameters()
        for value in _bad_values(parameter)
    ]


API_PROBES = _probes()


@pytest.mark.parametrize("op", surface.api_collections(), ids=str)
def test_bad_query_values_are_a_400_naming_the_parameter(op, api_client_of, admin, make_partner):
    make_partner("Filtered Ltd")
    api = api_client_of(admin)
    failures = []
    for probe_op, name, value in API_PROBES:
        if probe_op != op:
            continue
        response = api.get(op.path, {name: value})
        body = response.json() if response["Content-Type"].startswith("application/") else {}
        if response.status_code != 400 or name not in body.get("errors", {}):
            failures.append((name, value, response.status_code))
    assert failures == []


def test_every_api_list_is_probed():
    probed = {str(op) for op, _name, _value in API_PROBES}
    assert {str(op) for op in surface.api_lists()} <= probed
    assert len(API_PROBES) > 100


def test_good_values_still_filter(api_client_of, admin, make_partner):
    make_partner("Active Ltd")
    api = api_client_of(admin)
    for value in ("true", "false", "True", "False"):
        assert api.get("/api/v1/partners/partners/", {"active": value}).status_code == 200, value
    assert (
        api.get("/api/v1/partners/partners/", {"updated_after": "2026-01-01T00:00:00+02:00"}).status_code
        == 200
    )
    assert (
        api.get("/api/v1/partners/partners/", {"page_size": "500", "ordering": "-updated_at"}).status_code
        == 200
    )


def _page_probes(page: surface.ListPage) -> list[tuple[str, str]]:
    filterset = page.view.filterset_class
    probes = [(page.view.search_param, value) for value in BAD_TEXT]
    probes += [("sort", "no-such-column"), ("sort", "-no-such-column")]
    for name, declared in filterset.base_filters.items() if filterset is not None else []:
        field_class = declared.field_class
        if issubclass(field_class, forms.NullBooleanField):
            probes += [(name, value) for value in BAD_BOOLEANS]
        elif issubclass(field_class, forms.DateTimeField | forms.DateField):
            probes += [(name, value) for value in BAD_DATETIMES]
        elif issubclass(field_class, forms.IntegerField | forms.DecimalField | forms.FloatField):
            probes += [(name, value) for value in BAD_INTEGERS]
    return probes


@pytest.mark.parametrize("page", surface.list_pages(), ids=str)
def test_a_bad_filter_on_a_list_page_or_export_is_a_400_that_says_which(page, client, admin, make_partner):
    make_partner("Filtered Ltd")
    client.force_login(admin)
    failures = []
    for name, value in _page_probes(page):
        response = client.get(page.url, {name: value})
        text = response.content.decode(errors="replace")
        says_which = page.export or "not applied" in text
        if response.status_code != 400 or not says_which:
            failures.append((name, value, response.status_code))
    assert failures == []


def test_the_list_page_shows_the_rows_as_if_the_bad_filter_was_not_given(client, admin, make_partner):
    make_partner("Shown Anyway Ltd")
    client.force_login(admin)
    page = client.get("/partners/", {"is_customer": "-1"})
    assert page.status_code == 400
    assert "Shown Anyway Ltd" in page.content.decode()
    assert "Customer" in page.content.decode()


def test_an_unknown_sort_is_a_400_naming_it_over_the_list_in_its_default_order(client, admin, make_partner):
    make_partner("Zeta Ltd")
    make_partner("Alpha Ltd")
    client.force_login(admin)
    page = client.get("/partners/", {"sort": "password"})
    text = page.content.decode()
    assert page.status_code == 400
    assert "not applied" in text and "sort: Sort by one of:" in text
    assert text.index("Alpha Ltd") < text.index("Zeta Ltd")
    assert client.get("/partners/", {"sort": "-name"}).status_code == 200


# --- lost updates: every resource that can be changed honours If-Match ---------------------

CHANGING = [op for op in surface.operations() if op.method in {"put", "patch", "delete"}]


@pytest.mark.parametrize("op", CHANGING, ids=str)
def test_every_change_documents_if_match_and_has_a_version(op):
    headers = {p["name"] for p in op.spec.get("parameters", []) if p["in"] == "header"}
    assert "If-Match" in headers
    view = resolve(op.path.replace("{id}", "1")).func.cls  # type: ignore[attr-defined]
    assert any(field.name == "version" for field in view.model._meta.concrete_fields), view.model


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_stale_if_match_on_an_address_changes_nothing(method, api_client_of, manager, make_partner):
    from tandem.partners.models import Address
    from tandem.partners.services import add_address, update_address

    partner = make_partner("Versioned Ltd", country="PL")
    address = add_address(partner, manager, kind="invoice", street="Old Street", city="Warsaw", country="PL")
    api = api_client_of(manager)
    url = f"/api/v1/partners/addresses/{address.pk}/"
    etag = api.get(url)["ETag"]
    update_address(address, manager, street="Someone Else's Street")  # a concurrent change
    body = {"partner": partner.pk, "kind": "invoice", "street": "Mine", "city": "Warsaw", "country": "PL"}
    response = getattr(api, method)(url, body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412, response.content
    assert Address.objects.get(pk=address.pk).street == "Someone Else's Street"
    fresh = api.get(url)["ETag"]
    assert getattr(api, method)(url, body, format="json", HTTP_IF_MATCH=fresh).status_code in {200, 204}


@pytest.mark.parametrize("header", ["HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH"])
@pytest.mark.parametrize("value", ["", "3f2a", 'W/"a" "b"'])
def test_a_conditional_header_not_listing_etags_is_a_400(header, value, api_client_of, manager, make_partner):
    from tandem.partners.models import Partner

    partner = make_partner("Conditional Ltd")
    api = api_client_of(manager)
    url = f"/api/v1/partners/partners/{partner.pk}/"
    method = api.patch if header == "HTTP_IF_MATCH" else api.get
    response = method(url, {"name": "Changed"}, format="json", **{header: value})
    assert response.status_code == 400, response.content
    assert Partner.objects.get(pk=partner.pk).name == "Conditional Ltd"


CREATING = [op for op in surface.operations("post") if "requestBody" in op.spec and "{" not in op.path]


@pytest.mark.parametrize("op", CREATING, ids=str)
def test_text_no_database_can_hold_is_a_400_on_every_create(op, api_client_of, admin):
    """A NUL character in any field (PostgreSQL refuses it, even in a lookup) names the field."""
    api = api_client_of(admin)
    response = api.post(op.path, {"name": "a\x00b", "currency": "EU\x00R", "code": "\x00"}, format="json")
    assert response.status_code == 400, (response.status_code, response.content[:300])


WRITING = [op for op in surface.operations() if "requestBody" in op.spec]
# Bodies a JSON resource cannot be sent in. The first is what Schemathesis' WSGI client sent for a
# partner whose ``addresses`` it generated as a list of objects: Werkzeug leaves object values out
# of an urlencoded body, so the partner arrived without them, was created (201), and Schemathesis
# reported the body as ``addresses=house&name=0``.
FORM_BODIES = [
    ("application/x-www-form-urlencoded", b"name=Form+Ltd"),
    ("application/x-www-form-urlencoded", b"addresses=house&name=Form+Ltd"),
    (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nForm Ltd\r\n--b--\r\n',
    ),
]


def _takes_files(op: surface.Operation) -> bool:
    """Whether the operation's body has a file (``format: binary``): only such a body is multipart."""
    content = op.spec["requestBody"]["content"]
    schema = next(iter(content.values()))["schema"]
    if "$ref" in schema:
        schema = surface.schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return any(field.get("format") == "binary" for field in schema.get("properties", {}).values())


@pytest.mark.parametrize("op", CREATING, ids=str)
def test_a_form_or_multipart_body_is_a_415_on_every_create(op, api_client_of, admin):
    """The API reads JSON alone: a list of records has no faithful form encoding, so a form body
    is refused whole (415), never read without the fields its encoder dropped. An upload (a file
    field) also reads multipart."""
    from tandem.partners.models import Partner

    api = api_client_of(admin)
    before = Partner.objects.count()
    refused = [(t, body) for t, body in FORM_BODIES if not (_takes_files(op) and t.startswith("multipart/"))]
    for content_type, body in refused:
        response = api.post(op.path, body, content_type=content_type)
        assert response.status_code == 415, (content_type, response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("application/problem+json")
    assert Partner.objects.count() == before


def test_a_form_body_changes_no_record(api_client_of, admin, make_partner):
    partner = make_partner("Form Ltd")
    api = api_client_of(admin)
    url = f"/api/v1/partners/partners/{partner.pk}/"
    response = api.patch(url, b"name=Changed", content_type=FORM_BODIES[0][0])
    assert response.status_code == 415
    partner.refresh_from_db()
    assert partner.name == "Form Ltd"


def test_the_schema_offers_json_bodies_only():
    """So a client (or Schemathesis) is never invited to send a form; an upload adds multipart."""
    offered = {str(op): sorted(op.spec["requestBody"]["content"]) for op in WRITING}
    expected = {
        str(op): ["application/json", "multipart/form-data"] if _takes_files(op) else ["application/json"]
        for op in WRITING
    }
    assert offered and offered == expected
