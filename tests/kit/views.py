"""Declared view test cases: a model's pages get their tests from a declaration.

After NetBox's ``utilities/testing/views.py``: a domain's ``test_views.py`` declares the
model, its URLs, how to build a record, its roles and its form data; the tests come from
:class:`ViewCases`::

    class TestProductPages(ViewCases):
        model = Product
        namespace = "catalog"              # catalog:list, :detail, :create, :edit, :export
        reader_role = roles.SALESPERSON    # may look, may not add or change
        create_data = {"kind": "goods", "name": "Pine table", "sku": "TB-1", …}
        edit_changes = {"name": "Pine table, oiled"}
        bad_input = [({"barcode": "4006381333932"}, "barcode")]

        def make(self, company, actor, **fields):
            return create_product(company, actor, **fields)

Each declaration gets: list, detail, create, edit, each declared action, permissions (a role
without the right is refused and nothing changes; anonymous is sent to sign in; another
company's record is 404 everywhere), stale version (refused, nothing changes), bad input
(the field error, nothing written), CSV and XLSX export (visible rows only, no live formula)
and exact query counts of the list and detail pages (``tests/query_counts.json``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django import forms
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tandem.core.models import User
from tests.kit import exports
from tests.kit.query_counts import PinnedQueries
from tests.kit.records import DeclaredCases, Kit, Snapshot, assert_unchanged, events_about

FORMATS = ("csv", "xlsx")
SUCCESS = {200, 302, 303}
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass(frozen=True)
class Action:
    """A business action posted on a record's page, e.g. merging duplicates into it."""

    url_name: str  # reversed with the record's pk
    data: Callable[[Kit, Model], dict[str, Any]]  # the POST body, given the record
    event: str | None  # what the action records about the record (None: a bulk action's summary)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(form: forms.BaseForm) -> dict[str, Any]:
    """What a browser posts for ``form`` untouched: its initial values, as the widgets send them."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(field.widget, forms.SelectMultiple) and not value:
            continue  # a browser sends nothing for a multiple choice left empty
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        else:
            data[name] = "" if value is None else str(value)
    return data


def formset_data(formset: forms.BaseFormSet) -> dict[str, Any]:  # type: ignore[type-arg]
    """What a browser posts for ``formset`` untouched: its management form and each row's values."""
    data = {f"{formset.prefix}-{k}": v for k, v in form_data(formset.management_form).items()}
    for form in formset:
        data.update({f"{form.prefix}-{k}": v for k, v in form_data(form).items()})
    return data


def edit_page_data(client: Client, url: str, *rows: str) -> dict[str, Any]:
    """What a browser posts for the form page at ``url`` untouched: the form and its lines
    editors ``rows`` (the attribute names of its ``form_rows``)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    data = form_data(form)
    for name in rows:
        data.update(formset_data(getattr(form, name)))
    return data


def add_row(data: dict[str, Any], prefix: str, **values: Any) -> None:
    """ "Add a line" as ``web/app.js`` does it: a row numbered after the others, counted in
    TOTAL_FORMS, with ``values`` filled in."""
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
    data.update({f"{prefix}-{n}-{name}": str(value) for name, value in values.items()})


def remove_row(data: dict[str, Any], prefix: str, index: int) -> None:
    """A row's "Remove" as ``web/app.js`` does it: the row goes, the rows after it move up a
    number, TOTAL_FORMS (and INITIAL_FORMS for a row drawn from the record) count one less."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    rows = [{key.split("-", 2)[2]: data.pop(key) for key in list(data) if key.startswith(f"{prefix}-{n}-")}
            for n in range(total)]  # fmt: skip
    del rows[index]
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{name}": value for name, value in row.items()})
    data[f"{prefix}-TOTAL_FORMS"] = str(total - 1)
    initial = int(data[f"{prefix}-INITIAL_FORMS"])
    if index < initial:
        data[f"{prefix}-INITIAL_FORMS"] = str(initial - 1)


def posted(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Declared values (``True``, ``Decimal``, a model) as a browser posts them."""
    data: dict[str, Any] = {}
    for name, value in changes.items():
        if value is True:
            data[name] = "on"
        elif value is False or value is None:
            data[name] = ""
        elif isinstance(value, Model):
            data[name] = str(value.pk)
        else:
            data[name] = str(value)
    return data


def stored_equal(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, Model):
        return bool(stored == wanted)
    if isinstance(stored, Decimal):
        return stored == Decimal(str(wanted))
    return bool(stored == wanted)


class ViewCases(DeclaredCases):
    """Inherit in a class named ``Test…`` and declare; pytest collects the inherited tests."""

    namespace: ClassVar[str]
    url_prefix: ClassVar[str] = ""  # a model routed with model_urls(name="invoice_") → "invoice_"
    list_name: ClassVar[str] = "list"
    create_data: ClassVar[Mapping[str, Any]]
    edit_changes: ClassVar[Mapping[str, Any]]
    stale_changes: ClassVar[Mapping[str, Any]]  # a second, conflicting edit
    bad_input: ClassVar[Sequence[tuple[Mapping[str, Any], str]]] = ()
    actions: ClassVar[Sequence[Action]] = ()
    # False for a record made once and never edited (a payment run, an imported statement): the
    # edit, stale-version and edit-side bad-input cases are skipped, the rest still apply.
    editable: ClassVar[bool] = True
    # False for a record the system makes (an MRP run from its button, the planned orders of a
    # run): the create, bad-input and inline-validation cases are skipped; without an export
    # (``exportable``) the export cases too. List, detail, actions, permissions and the pinned
    # query counts still apply.
    creatable: ClassVar[bool] = True
    exportable: ClassVar[bool] = True

    # --- the declaration ----------------------------------------------------------------

    def create_form(self, kit: Kit) -> dict[str, Any]:
        """The POST body of the create form; override when it needs records of the kit."""
        return posted(self.create_data)

    def skip_unless_creatable(self) -> None:
        if not self.creatable:
            pytest.skip("the system makes these records: no create page")

    def writable_pages(self, kit: Kit, obj: Model) -> list[tuple[str, dict[str, Any]]]:
        """The create and edit pages (those the declaration has) with their untouched forms."""
        pages = [(self.url("create"), self.create_form(kit))] if self.creatable else []
        if self.editable:
            pages.append((self.url("edit", obj), self.edit_form(signed_in(kit.editor), obj)))
        return pages

    # --- helpers ------------------------------------------------------------------------

    def url(self, name: str, obj: Model | None = None) -> str:
        args = [obj.pk] if obj is not None else []
        return reverse(f"{self.namespace}:{self.url_prefix}{name}", args=args)

    def created(self, before: set[Any]) -> Model:
        new = self.model._default_manager.exclude(pk__in=before)
        assert new.count() == 1, f"expected one new {self.model._meta.verbose_name}, found {new.count()}"
        return new.get()

    def edit_form(self, client: Client, obj: Model) -> dict[str, Any]:
        response = client.get(self.url("edit", obj))
        assert response.status_code == 200, response.status_code
        return form_data(response.context["form"])

    # --- list and detail ----------------------------------------------------------------

    def test_list_shows_the_visible_records(self, kit: Kit) -> None:
        mine = [kit.make(), kit.make()]
        foreign = kit.make_elsewhere()
        response = signed_in(kit.editor).get(self.url(self.list_name))
        assert response.status_code == 200
        page = response.content.decode()
        for obj in mine:
            assert escape(self.name_of(obj)) in page, f"{obj} is not listed"
        assert escape(self.name_of(foreign)) not in page, "another company's record is listed"

    def test_list_runs_the_pinned_number_of_queries(self, kit: Kit, pinned_queries: PinnedQueries) -> None:
        for _ in range(3):
            kit.make()
        client = signed_in(kit.editor)
        url = self.url(self.list_name)

        def grow() -> None:
            for _ in range(3):
                kit.make()

        pinned_queries.check(
            f"{self.namespace}:{self.url_prefix}{self.list_name}", lambda: client.get(url), grow=grow
        )

    def test_detail_shows_the_record(self, kit: Kit) -> None:
        obj = kit.make()
        response = signed_in(kit.editor).get(self.url("detail", obj))
        assert response.status_code == 200
        assert escape(self.name_of(obj)) in response.content.decode()

    def test_detail_runs_the_pinned_number_of_queries(self, kit: Kit, pinned_queries: PinnedQueries) -> None:
        obj = kit.make()
        client = signed_in(kit.editor)
        pinned_queries.check(
            f"{self.namespace}:{self.url_prefix}detail", lambda: client.get(self.url("detail", obj))
        )

    # --- create and edit ----------------------------------------------------------------

    def test_create_writes_through_the_service_and_opens_the_record(self, kit: Kit) -> None:
        self.skip_unless_creatable()
        before = set(self.model._default_manager.values_list("pk", flat=True))
        response = signed_in(kit.editor).post(self.url("create"), self.create_form(kit))
        assert response.status_code == 302, self.form_errors(response)
        obj = self.created(before)
        assert response["Location"] == self.url("detail", obj)
        assert obj.company == kit.company  # type: ignore[attr-defined]
        assert events_about(obj), "the create recorded no event"

    def test_edit_saves_the_changes_and_a_new_version(self, kit: Kit) -> None:
        if not self.editable:
            pytest.skip("this model has no edit page")
        obj = kit.make()
        client = signed_in(kit.editor)
        data = {**self.edit_form(client, obj), **posted(self.edit_changes)}
        response = client.post(self.url("edit", obj), data)
        assert response.status_code == 302, self.form_errors(response)
        old_version = obj.version  # type: ignore[attr-defined]
        obj.refresh_from_db()
        for name, wanted in self.edit_changes.items():
            assert stored_equal(getattr(obj, name), wanted), f"{name} is {getattr(obj, name)!r}"
        assert obj.version == old_version + 1  # type: ignore[attr-defined]
        assert len(events_about(obj)) >= 2, "the edit recorded no event"

    def test_edit_from_a_stale_version_is_refused_and_changes_nothing(self, kit: Kit) -> None:
        if not self.editable:
            pytest.skip("this model has no edit page")
        obj = kit.make()
        client = signed_in(kit.editor)
        stale = {**self.edit_form(client, obj), **posted(self.stale_changes)}
        fresh = {**self.edit_form(client, obj), **posted(self.edit_changes)}
        assert client.post(self.url("edit", obj), fresh).status_code == 302
        before = Snapshot.of(self.model, obj)
        response = client.post(self.url("edit", obj), stale)
        assert response.status_code == 200, "a stale edit was saved"
        assert response.context["business_error"] or response.context["form"].errors
        assert_unchanged(before, self.model, obj, "a stale edit")

    def test_bad_input_shows_the_field_error_and_writes_nothing(self, kit: Kit) -> None:
        if not self.creatable and not self.editable:
            pytest.skip("no form to post bad input to")
        assert self.bad_input, "declare at least one bad input"
        obj = kit.make()
        client = signed_in(kit.editor)
        pages = self.writable_pages(kit, obj)
        for changes, field in self.bad_input:
            for url, data in pages:
                before = Snapshot.of(self.model, obj)
                response = client.post(url, {**data, **posted(changes)})
                assert response.status_code == 200, f"{changes} was accepted by {url}"
                assert field in response.context["form"].errors, f"{changes}: no error on {field}"
                assert f'id="id_{field}_errors"' in response.content.decode(), f"{field}'s error not shown"
                inline = client.post(url, {**data, **posted(changes), "validate": field}, **HTMX)
                assert inline.status_code == 200 and "<html" not in inline.content.decode()
                assert f'id="id_{field}_errors"' in inline.content.decode(), f"{field}: no inline error"
                assert_unchanged(before, self.model, obj, f"posting {changes} to {url}")

    def test_inline_validation_of_a_good_form_writes_nothing(self, kit: Kit) -> None:
        self.skip_unless_creatable()
        data = {**self.create_form(kit), "validate": next(iter(self.create_data))}  # may build records
        before = Snapshot.of(self.model)
        response = signed_in(kit.editor).post(self.url("create"), data, **HTMX)
        assert response.status_code == 200 and "<html" not in response.content.decode()
        assert not response.context["form"].errors, response.context["form"].errors
        assert_unchanged(before, self.model, None, "inline validation")

    # --- actions ------------------------------------------------------------------------

    def test_each_action_is_done_for_an_editor_and_refused_to_a_reader(self, kit: Kit) -> None:
        if not self.actions:
            pytest.skip("this model declares no actions")
        for action in self.actions:
            obj = kit.make()
            url = reverse(action.url_name, args=[obj.pk])
            data = action.data(kit, obj)
            before = Snapshot.of(self.model, obj)
            assert signed_in(kit.reader).post(url, data).status_code == 403, url
            assert_unchanged(before, self.model, obj, f"a reader's {action.url_name}")
            response = signed_in(kit.editor).post(url, data)
            assert response.status_code in SUCCESS, (url, response.status_code)
            if action.event is not None:
                assert action.event in events_about(obj), f"{action.url_name} recorded no {action.event}"

    # --- permissions --------------------------------------------------------------------

    def test_a_reader_may_look_but_not_create_or_edit(self, kit: Kit) -> None:
        obj = kit.make()
        reader = signed_in(kit.reader)
        listed = reader.get(self.url(self.list_name))
        assert listed.status_code == 200
        if self.creatable:
            assert f'href="{self.url("create")}"' not in listed.content.decode(), "a create link for a reader"
        assert reader.get(self.url("detail", obj)).status_code == 200
        pages = self.writable_pages(kit, obj)
        before = Snapshot.of(self.model, obj)
        for url, data in pages:
            assert reader.get(url).status_code == 403, url
            assert reader.post(url, {**data, **posted(self.edit_changes)}).status_code == 403, url
        assert_unchanged(before, self.model, obj, "a reader's posts")

    def test_without_a_role_or_signed_out_nothing_opens(self, kit: Kit) -> None:
        obj = kit.make()
        urls = [self.url(self.list_name), self.url("detail", obj)]
        urls += [self.url("export")] if self.exportable else []
        urls += [self.url("create")] if self.creatable else []
        nobody = signed_in(kit.nobody)
        for url in urls:
            assert nobody.get(url).status_code == 403, url
            signed_out = Client().get(url)
            assert signed_out.status_code == 302 and "/login/" in signed_out["Location"], url

    def test_another_companys_record_is_not_found(self, kit: Kit) -> None:
        foreign = kit.make_elsewhere()
        client = signed_in(kit.editor)
        writes = [self.url("edit", foreign)] if self.editable else []
        writes += [reverse(action.url_name, args=[foreign.pk]) for action in self.actions]
        before = Snapshot.of(self.model, foreign)
        for url in [self.url("detail", foreign), *writes]:
            assert client.get(url).status_code == 404, url
        for url in writes:
            assert client.post(url, posted(self.edit_changes)).status_code == 404, url
        assert_unchanged(before, self.model, foreign, "posts on another company's record")

    # --- export -------------------------------------------------------------------------

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_export_holds_only_the_visible_records(self, kit: Kit, fmt: str) -> None:
        if not self.exportable:
            pytest.skip("this list has no export")
        mine = kit.make()
        foreign = kit.make_elsewhere()
        rows = exports.export_rows(signed_in(kit.editor).get(self.url("export"), {"format": fmt}), fmt)
        assert len(rows) == 2, f"a header and one row expected, got {len(rows)} rows"
        cells = exports.texts(rows)
        assert self.name_of(mine) in cells and self.name_of(foreign) not in cells

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_export_has_no_live_formula(self, kit: Kit, fmt: str) -> None:
        if not self.exportable:
            pytest.skip("this list has no export")
        payloads = exports.formula_payloads()
        for payload in payloads:
            kit.make(**{self.name_field: payload})
        response = signed_in(kit.editor).get(self.url("export"), {"format": fmt})
        rows = exports.export_rows(response, fmt)
        for payload in payloads:
            cell = exports.cell_holding(rows, payload)
            assert not exports.is_live_formula(cell), f"{payload!r} exported as {cell}"

    # --- reporting ----------------------------------------------------------------------

    @staticmethod
    def form_errors(response: Any) -> Any:
        context = getattr(response, "context", None)
        if context and "form" in context:
            return context["form"].errors
        return response.status_code
