"""Declared API test cases: a resource's endpoints get their tests from a declaration.

After NetBox's ``APIViewTestCases``: a domain's API test module declares the resource and
its bodies; :class:`ApiCases` brings list, detail, create, update, archive, each declared
action, permissions (a reader's writes are 403, no role is 403, another company's record is
404), stale ``If-Match`` (412, nothing changes), bad bodies (a problem with the field's
error, nothing written), the CSV export (visible rows only, no live formula) and the pinned
query count of the list::

    class TestProductApi(ApiCases):
        model = Product
        collection = "/api/v1/catalog/products/"
        reader_role = roles.SALESPERSON
        create_body = {"name": "Oslo chair", "sku": "CH-1", "uom": "pcs"}
        update_body = {"sales_price": "12.50"}
        bad_bodies = [({"barcode": "4006381333932"}, "barcode")]

        def make(self, company, actor, **fields): …
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.db.models import Model
from rest_framework.test import APIClient

from tandem.core.models import User
from tandem.core.services import issue_api_token
from tests.kit import exports
from tests.kit.query_counts import PinnedQueries
from tests.kit.records import DeclaredCases, Kit, Snapshot, assert_unchanged, events_about
from tests.kit.views import stored_equal

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class ApiAction:
    """A business action on one record: ``{method} {collection}{pk}/{path}/``."""

    path: str
    body: Callable[[Kit, Model], dict[str, Any]]
    method: str = "post"
    event: str | None = None  # what a POST records about the record


def api_client(user: User | None) -> APIClient:
    """A client authenticated as integrations are, with a bearer token (anonymous for ``None``)."""
    client = APIClient()
    if user is not None:
        _token, secret = issue_api_token(user, "tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with ``status`` and, if named, an error for ``field``."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(PROBLEM)
    body = dict(response.json())
    assert body["status"] == status and body["title"]
    if field is not None:
        assert body.get("errors", {}).get(field), f"no error for {field}: {body}"
    return body


class ApiCases(DeclaredCases):
    """Inherit in a class named ``Test…`` and declare; pytest collects the inherited tests."""

    collection: ClassVar[str]
    create_body: ClassVar[Mapping[str, Any]]
    update_body: ClassVar[Mapping[str, Any]]
    stale_body: ClassVar[Mapping[str, Any]]  # a second, conflicting change
    bad_bodies: ClassVar[Sequence[tuple[Mapping[str, Any], str]]] = ()
    actions: ClassVar[Sequence[ApiAction]] = ()
    archives: ClassVar[bool] = True  # DELETE archives (active=False) rather than deleting
    # False for a resource that is created (an MRP run started) but never changed: no PATCH or
    # DELETE, so the update, stale-ETag and archive cases are skipped and bad bodies are POSTed.
    updatable: ClassVar[bool] = True
    exportable: ClassVar[bool] = True  # has ``export/``

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        """The body of a create; override when it names records of the kit (a partner's id)."""
        return dict(self.create_body)

    def detail(self, obj: Model) -> str:
        return f"{self.collection}{obj.pk}/"

    def action_url(self, action: ApiAction, obj: Model) -> str:
        return f"{self.detail(obj)}{action.path}/"

    def ids(self, response: Any) -> list[int]:
        assert response.status_code == 200, response.content[:500]
        return [row["id"] for row in response.json()["results"]]

    # --- reading ------------------------------------------------------------------------

    def test_list_holds_the_visible_records(self, kit: Kit) -> None:
        mine = [kit.make(), kit.make()]
        foreign = kit.make_elsewhere()
        listed = self.ids(api_client(kit.editor).get(self.collection))
        assert {obj.pk for obj in mine} <= set(listed)
        assert foreign.pk not in listed

    def test_list_runs_the_pinned_number_of_queries(self, kit: Kit, pinned_queries: PinnedQueries) -> None:
        for _ in range(3):
            kit.make()
        client = api_client(kit.editor)

        def grow() -> None:
            for _ in range(3):
                kit.make()

        pinned_queries.check(f"api:{self.collection}", lambda: client.get(self.collection), grow=grow)

    def test_detail_has_the_record_and_its_etag(self, kit: Kit) -> None:
        obj = kit.make()
        response = api_client(kit.editor).get(self.detail(obj))
        assert response.status_code == 200
        assert response.json()["id"] == obj.pk
        if self.updatable:  # an ETag guards a change; a record never changed has none
            assert response["ETag"]

    # --- writing ------------------------------------------------------------------------

    def test_create_writes_through_the_service(self, kit: Kit) -> None:
        response = api_client(kit.editor).post(self.collection, self.create_payload(kit), format="json")
        assert response.status_code == 201, response.content[:500]
        obj = self.model._default_manager.get(pk=response.json()["id"])
        assert response["Location"].endswith(self.detail(obj))
        assert obj.company == kit.company  # type: ignore[attr-defined]
        assert events_about(obj), "the create recorded no event"

    def skip_unless_updatable(self) -> None:
        if not self.updatable:
            pytest.skip("this resource is never changed")

    def test_update_changes_the_record_and_its_version(self, kit: Kit) -> None:
        self.skip_unless_updatable()
        obj = kit.make()
        version = obj.version  # type: ignore[attr-defined]
        response = api_client(kit.editor).patch(self.detail(obj), self.update_body, format="json")
        assert response.status_code == 200, response.content[:500]
        obj.refresh_from_db()
        for name, wanted in self.update_body.items():
            assert stored_equal(getattr(obj, name), wanted), f"{name} is {getattr(obj, name)!r}"
        assert obj.version == version + 1  # type: ignore[attr-defined]

    def test_update_with_a_stale_etag_is_refused_and_changes_nothing(self, kit: Kit) -> None:
        self.skip_unless_updatable()
        obj = kit.make()
        client = api_client(kit.editor)
        etag = client.get(self.detail(obj))["ETag"]
        fresh = client.patch(self.detail(obj), self.update_body, format="json", HTTP_IF_MATCH=etag)
        assert fresh.status_code == 200, fresh.content[:500]
        before = Snapshot.of(self.model, obj)
        stale = client.patch(self.detail(obj), self.stale_body, format="json", HTTP_IF_MATCH=etag)
        assert_problem(stale, 412)
        assert_unchanged(before, self.model, obj, "a stale PATCH")

    def test_bad_bodies_are_a_problem_naming_the_field_and_write_nothing(self, kit: Kit) -> None:
        assert self.bad_bodies, "declare at least one bad body"
        obj = kit.make()
        client = api_client(kit.editor)
        for changes, field in self.bad_bodies:
            before = Snapshot.of(self.model, obj)
            assert_problem(
                client.post(self.collection, {**self.create_payload(kit), **changes}, format="json"),
                400,
                field,
            )
            if self.updatable:
                assert_problem(client.patch(self.detail(obj), changes, format="json"), 400, field)
            assert_unchanged(before, self.model, obj, f"sending {changes}")

    def test_delete_archives_and_keeps_the_record(self, kit: Kit) -> None:
        if not self.archives or not self.updatable:
            pytest.skip("this resource does not archive")
        obj = kit.make()
        client = api_client(kit.editor)
        assert client.delete(self.detail(obj)).status_code == 204
        obj.refresh_from_db()
        assert obj.active is False  # type: ignore[attr-defined]
        assert client.get(self.detail(obj)).json()["active"] is False

    # --- actions ------------------------------------------------------------------------

    def test_each_action_is_done_for_an_editor_and_refused_to_a_reader(self, kit: Kit) -> None:
        if not self.actions:
            pytest.skip("this resource declares no actions")
        reader, editor = api_client(kit.reader), api_client(kit.editor)
        for action in self.actions:
            obj = kit.make()
            url, body = self.action_url(action, obj), action.body(kit, obj)
            if action.method == "post":
                before = Snapshot.of(self.model, obj)
                assert_problem(reader.post(url, body, format="json"), 403)
                assert_unchanged(before, self.model, obj, f"a reader's {action.path}")
            response = getattr(editor, action.method)(url, body, format="json")
            assert response.status_code in {200, 201}, (url, response.content[:500])
            if action.event:
                assert action.event in events_about(obj), f"{action.path} recorded no {action.event}"

    # --- permissions --------------------------------------------------------------------

    def test_a_reader_may_read_but_not_write(self, kit: Kit) -> None:
        obj = kit.make()
        reader = api_client(kit.reader)
        assert obj.pk in self.ids(reader.get(self.collection))
        assert reader.get(self.detail(obj)).status_code == 200
        before = Snapshot.of(self.model, obj)
        assert_problem(reader.post(self.collection, self.create_payload(kit), format="json"), 403)
        if self.updatable:
            assert_problem(reader.patch(self.detail(obj), self.update_body, format="json"), 403)
            assert_problem(reader.delete(self.detail(obj)), 403)
        assert_unchanged(before, self.model, obj, "a reader's writes")

    def test_without_a_role_or_a_token_nothing_is_readable(self, kit: Kit) -> None:
        obj = kit.make()
        for url in [self.collection, self.detail(obj)]:
            assert_problem(api_client(kit.nobody).get(url), 403)
            assert api_client(None).get(url).status_code in {401, 403}, url

    def test_another_companys_record_is_not_found(self, kit: Kit) -> None:
        foreign = kit.make_elsewhere()
        client = api_client(kit.editor)
        assert foreign.pk not in self.ids(client.get(self.collection))
        before = Snapshot.of(self.model, foreign)
        assert_problem(client.get(self.detail(foreign)), 404)
        if self.updatable:
            assert_problem(client.patch(self.detail(foreign), self.update_body, format="json"), 404)
            assert_problem(client.delete(self.detail(foreign)), 404)
        for action in self.actions:
            response = getattr(client, action.method)(self.action_url(action, foreign), {}, format="json")
            assert_problem(response, 404)
        assert_unchanged(before, self.model, foreign, "requests on another company's record")

    # --- export -------------------------------------------------------------------------

    def test_export_holds_only_the_visible_records_and_no_live_formula(self, kit: Kit) -> None:
        if not self.exportable:
            pytest.skip("this resource has no export")
        payloads = exports.formula_payloads()
        for payload in payloads:
            kit.make(**{self.name_field: payload})
        foreign = kit.make_elsewhere()
        response = api_client(kit.editor).get(f"{self.collection}export/")
        assert response["Content-Type"].startswith("text/csv")
        rows = exports.export_rows(response, "csv")
        assert len(rows) == 1 + len(payloads)
        assert self.name_of(foreign) not in exports.texts(rows)
        for payload in payloads:
            cell = exports.cell_holding(rows, payload)
            assert not exports.is_live_formula(cell), f"{payload!r} exported as {cell}"
