"""``ObjectListView``: search, filters, sort, keyset pages, capped count, CSV/XLSX export.

A domain declares a list in a few lines::

    class PartnerListView(ObjectListView):
        model = Partner
        filterset_class = PartnerFilter
        search_function = queries.search
        columns = [Column("name", _("Name"), link=True, sort="name"), …]
        sorts = {"name": SortKey("name_key", _("Name")), "created": SortKey("created_at", _("Created"), True)}

and routes ``as_view()`` (the page) and ``as_view(export=True)`` (``?format=csv|xlsx``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet

from tandem.core import search
from tandem.core.query_values import BadQueryValue, check_storable, form_errors
from tandem.web import exports
from tandem.web.display import Column
from tandem.web.forms import style_fields
from tandem.web.generic.base import ModelView
from tandem.web.keyset import CappedCount, Page, SortKey, capped_count, paginate
from tandem.web.querystring import with_params
from tandem.web.tables import Header, Table

TABLE_TARGET = "object-table"
ANY_CHOICES = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class ObjectListView(ModelView):
    filterset_class: type[FilterSet] | None = None
    search_function: ClassVar[Callable[[QuerySet[Any], str], QuerySet[Any]] | None] = None
    search_param = "search"
    search_placeholder: Any = _("Search")
    filter_fields: Sequence[str] | None = None
    default_filters: Mapping[str, str] = {}
    columns: Sequence[Column] = ()
    export_columns: Sequence[Column] | None = None
    sorts: Mapping[str, SortKey] = {}
    default_sort = ""
    page_size = 50
    template_name = "web/object_list.html"
    table_template = "web/_table.html"
    export = False
    refused: dict[str, list[str]] = {}
    create_url_name: str | None = None
    create_label: Any = _("New")
    export_url_name: str | None = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        filterset = self.get_filterset()
        self.refused = self.refused_filters(filterset)
        if self.refused:
            if self.export:  # a file must never hold rows the refused filter was meant to exclude
                return HttpResponseBadRequest(
                    self.refused_message(filterset), content_type="text/plain; charset=utf-8"
                )
            filterset = self.get_filterset(without=self.refused)
        if self.export:  # a file holds every match
            rows = self.filtered(filterset)
        else:
            with search.capped():  # a page reads at most search.CAP matches, and says so
                rows = search.narrowed(self.filtered(filterset))
        sort_name, key = self.current_sort()
        if self.export:
            return self.export_response(self.decorate(rows), key)
        page = paginate(
            self.decorate(rows),
            key,
            self.page_size,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            tiers=self.search_tiers(key),
        )
        self.prepare(page.rows)
        context = self.list_context(
            filterset, page, capped_count(rows, settings.TANDEM_LIST_COUNT_CAP), sort_name
        )
        if self.refused:
            context["refused_message"] = self.refused_message(filterset)
        context["search_capped"] = search.truncated(rows)
        table_only = self.wants_table_only()
        template = self.table_template if table_only else self.template_name
        # A filter value that cannot be used is a 400 that says which one, over the list as if it
        # was not given: a client learns its request was wrong, a person sees why and goes on.
        status = 400 if self.refused else 200
        response = render(request, template, {**context, "table_only": table_only}, status=status)
        # The same URL answers with the table alone for htmx: caches must keep the two apart.
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response

    def refused_filters(self, filterset: FilterSet | None) -> dict[str, list[str]]:
        """Filter values (and search text) the list cannot use: ``{parameter: [reason, …]}``."""
        refused = form_errors(filterset.form) if filterset is not None else {}
        try:
            check_storable(self.request.GET.get(self.search_param, ""))
        except BadQueryValue as error:
            refused[self.search_param] = [str(error)]
        wanted = self.request.GET.get("sort", "")
        if wanted and wanted.removeprefix("-") not in self.sorts:
            choices = ", ".join(sorted(self.sorts)) or "-"
            refused["sort"] = [str(_("Sort by one of: %(choices)s.")) % {"choices": choices}]
        return refused

    def refused_message(self, filterset: FilterSet | None) -> str:
        fields = filterset.form.fields if filterset is not None else {}
        parts = [
            f"{fields[name].label if name in fields else name}: {' '.join(reasons)}"
            for name, reasons in self.refused.items()
        ]
        return str(_("These filters were not applied: %(filters)s")) % {"filters": "; ".join(parts)}

    # --- rows -------------------------------------------------------------------------

    def decorate(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        """select_related / prefetch_related / annotations for the shown columns."""
        return rows

    def get_filterset(self, without: Collection[str] = ()) -> FilterSet | None:
        if self.filterset_class is None:
            return None
        data = self.request.GET.copy()
        for name in without:
            data.pop(name, None)
        for name, value in self.default_filters.items():
            data.setdefault(name, value)
        filterset = self.filterset_class(data, queryset=self.get_queryset(), request=self.request)
        self.style_filter_form(filterset.form)
        return filterset

    def filtered(self, filterset: FilterSet | None) -> QuerySet[Any]:
        rows = filterset.qs if filterset is not None else self.get_queryset()
        text = self.search_text()
        search = type(self).search_function
        handled_by_filters = filterset is not None and self.search_param in filterset.filters
        if text and search is not None and not handled_by_filters:
            rows = search(rows, text)
        return rows

    def search_text(self) -> str:
        """The search typed, or nothing when it was refused (``refused_filters``)."""
        if self.search_param in self.refused:
            return ""
        return self.request.GET.get(self.search_param, "").strip()

    def search_tiers(self, key: SortKey) -> list[Q]:
        """Best matches first (the name starts with the text) while the list is in name order."""
        text = self.search_text()
        document = search.document_for(self.model)
        if not text or document is None or key.field != document.prefix_field or key.descending:
            return []
        return search.ranking(self.model, text)

    def current_sort(self) -> tuple[str, SortKey]:
        wanted = self.request.GET.get("sort", "") or self.default_sort
        name = wanted.removeprefix("-")
        if name not in self.sorts:
            name, wanted = self.default_sort, self.default_sort
        if not self.sorts:
            return "", SortKey("id", "id")
        key = self.sorts[name]
        return wanted, key.reversed() if wanted.startswith("-") else key

    # --- page -------------------------------------------------------------------------

    def wants_table_only(self) -> bool:
        htmx = getattr(self.request, "htmx", None)
        if not htmx:
            return False
        return not htmx.boosted and htmx.target == TABLE_TARGET

    def style_filter_form(self, form: forms.Form) -> None:
        for name, field in form.fields.items():
            if isinstance(field, forms.NullBooleanField):
                field.widget = forms.Select(choices=ANY_CHOICES)
            elif getattr(field, "empty_label", None) is not None:
                field.empty_label = _("Any")  # type: ignore[attr-defined]
                field.widget.choices = field.choices  # type: ignore[attr-defined]  # the copy still read the old label
            field.required = False
            field.widget.attrs.setdefault("id", f"filter-{name}")
        style_fields(form, small=True)

    def prepare(self, rows: list[Any]) -> None:
        """What a page's or an export batch's rows show that no query column holds (a count's
        value of differences), computed for all of them at once and set on the rows — never a
        query per row. Columns read it by name, so an export of them reads instances."""

    def shown_filters(self, filterset: FilterSet | None) -> list[forms.BoundField]:
        if filterset is None:
            return []
        names = self.filter_fields or [n for n in filterset.form.fields if n != self.search_param]
        return [filterset.form[name] for name in names if name in filterset.form.fields]

    def headers(self, sort_name: str) -> list[Header]:
        current = sort_name.removeprefix("-")
        headers = []
        for column in self.columns:
            if column.sort and column.sort in self.sorts:
                key = self.sorts[column.sort]
                active = column.sort == current
                flipped = active and not sort_name.startswith("-")
                link = with_params(
                    self.request, sort=("-" if flipped else "") + column.sort, after=None, before=None
                )
                descending = key.descending != sort_name.startswith("-") if active else False
                direction = ("descending" if descending else "ascending") if active else ""
                headers.append(Header(str(column.label), link, direction, column.numeric))
            else:
                headers.append(Header(str(column.label), None, "", column.numeric))
        return headers

    def list_context(
        self, filterset: FilterSet | None, page: Page, count: CappedCount, sort_name: str
    ) -> dict[str, Any]:
        request = self.request
        filtering = any(request.GET.get(name) for name in self.filter_names(filterset))
        table = Table(
            self.columns, page.rows, caption=self.base_context()["title"], headers=self.headers(sort_name)
        )
        return {
            **self.base_context(),
            "filterset": filterset,
            "filters": self.shown_filters(filterset),
            "search_param": self.search_param if self.has_search(filterset) else "",
            "search_value": request.GET.get(self.search_param, ""),
            "search_placeholder": self.search_placeholder,
            "sort": sort_name,
            "table": table,
            "rows": table.rows,
            "page": page,
            "count": count,
            "count_cap": settings.TANDEM_LIST_COUNT_CAP,
            "filtering": filtering,
            "next_url": with_params(request, after=page.next_cursor, before=None)
            if page.next_cursor
            else None,
            "prev_url": with_params(request, before=page.prev_cursor, after=None)
            if page.prev_cursor
            else None,
            "first_url": with_params(request, after=None, before=None),
            "reset_url": request.path,
            "create_url": reverse(self.create_url_name) if self.create_url_name and self.can("add") else None,
            "export_urls": self.export_urls(),
            "table_target": TABLE_TARGET,
        }

    def filter_names(self, filterset: FilterSet | None) -> list[str]:
        names = list(filterset.form.fields) if filterset is not None else []
        return [*names, self.search_param]

    def has_search(self, filterset: FilterSet | None) -> bool:
        in_filters = filterset is not None and self.search_param in filterset.filters
        return in_filters or type(self).search_function is not None

    # --- export -----------------------------------------------------------------------

    def export_urls(self) -> list[tuple[str, str]]:
        if not self.export_url_name:
            return []
        path = reverse(self.export_url_name)
        return [
            (label, with_params(self.request, path, format=fmt, after=None, before=None))
            for fmt, label in [("csv", "CSV"), ("xlsx", "Excel (XLSX)")]
        ]

    def export_response(self, rows: QuerySet[Any], key: SortKey) -> HttpResponse | HttpResponseBase:
        """The rows on screen (record rules, filters, search, sort), every page of them."""
        columns = [c for c in (self.export_columns or self.columns) if c.export]
        stem = str(self.model._meta.verbose_name_plural).replace(" ", "-")
        if self.request.GET.get("format") == "xlsx":
            title = str(self.base_context()["title"])
            return exports.xlsx_response(rows, columns, stem, title, key, prepare=self.prepare)
        return exports.csv_response(rows, columns, stem, key, prepare=self.prepare)
