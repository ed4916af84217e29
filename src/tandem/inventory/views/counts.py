"""Physical counts: list, the sheet on screen (type what was found), the printable sheet, the
sheet as CSV or XLSX, apply."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import BusinessError
from tandem.core.models import Company, User
from tandem.inventory import queries, services
from tandem.inventory.filters import CountFilter
from tandem.inventory.forms import CountForm
from tandem.inventory.models import VIEW_VALUES, Count
from tandem.inventory.services import documents
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.exports import csv_table_response, xlsx_table_response
from tandem.web.generic import ModelView, ObjectCreateView, ObjectDetailView, ObjectListView, SortKey

DRAFT = Count.State.DRAFT
SEES_VALUES = VIEW_VALUES  # who sees stock values (as the opening-stock import)


def difference_values(
    request: HttpRequest, count: Count, lines: list[Any]
) -> queries.DifferenceValues | None:
    """The value of the count's differences, for those who may see stock values; else None."""
    if not request.user.has_perm(SEES_VALUES):
        return None
    return queries.count_difference_values(count, lines)


class CountActions(ActionView):
    model = Count
    url_name = "inventory:count_{name}"
    actions = [
        Action(
            "apply",
            gettext_lazy("Apply"),
            lambda request, count: services.apply_count(count, request.user),
            done=gettext_lazy("Applied: the differences were posted to inventory loss."),
            confirm=gettext_lazy(
                "Apply this count? Its differences are posted as stock moves; this cannot be undone."
            ),
            available=lambda count, user: count.state == DRAFT,
            style="primary",
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, count: services.cancel_count(count, request.user),
            done=gettext_lazy("Cancelled."),
            available=lambda count, user: count.state == DRAFT,
            style="outline-danger",
        ),
    ]


COUNT_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("location", gettext_lazy("Location")),
    Column("date", gettext_lazy("Date"), sort="date"),
    Column("state", gettext_lazy("State")),
]
# Set on each row by ``CountListView.prepare``: what the sheet's total says, posted or at the
# count's date's cost (``queries.counts_difference_values``).
VALUE_COLUMN = Column("difference_value", gettext_lazy("Value of the differences"), numeric=True)


class CountListView(ObjectListView):
    model = Count
    filterset_class = CountFilter
    filter_fields = ["state"]
    columns = COUNT_COLUMNS
    sorts = {"date": SortKey("date", gettext_lazy("Date"), descending=True)}
    default_sort = "date"
    create_url_name = "inventory:count_create"
    create_label = gettext_lazy("New count")
    export_url_name = "inventory:count_export"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.has_perm(SEES_VALUES):
            self.columns = [*COUNT_COLUMNS, VALUE_COLUMN]
        return super().dispatch(request, *args, **kwargs)

    def decorate(self, rows: QuerySet[Count]) -> QuerySet[Count]:
        return rows.select_related("location", "company__currency")  # the currency rounds the values

    def prepare(self, rows: list[Any]) -> None:
        if VALUE_COLUMN not in self.columns:
            return
        values = queries.counts_difference_values(rows)
        for count in rows:
            count.difference_value = values[count.pk].total


class CountDetailView(ObjectDetailView):
    model = Count
    template_name = "inventory/count_detail.html"
    action_view = CountActions
    list_url_name = "inventory:count_list"
    fields = ["name", "location", "date", "state", "transfer", "applied_at", "applied_by"]

    def get_queryset(self) -> QuerySet[Count]:
        return super().get_queryset().select_related("company", "location", "transfer", "applied_by")

    def get_context(self) -> dict[str, Any]:
        count: Count = self.object  # type: ignore[assignment]
        lines = list(count.lines.select_related("product__uom", "location", "lot"))
        values = difference_values(self.request, count, lines)
        return {
            **super().get_context(),
            "lines": [(line, values.lines.get(line.pk) if values else None) for line in lines],
            "values": values,
            "editable": count.state == DRAFT and self.can("change"),
            "record_url": reverse("inventory:count_record", args=[count.pk]),
            "pdf_url": reverse("inventory:count_pdf", args=[count.pk]),
            "export_url": reverse("inventory:count_sheet_export", args=[count.pk]),
        }


class CountRecordView(ModelView):
    """POST what was found (``line-<id>`` fields); the sheet again with the message."""

    model = Count
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        count = get_object_or_404(self.get_queryset(), pk=pk)
        counted = {
            int(key.removeprefix("line-")): str(request.POST.get(key, "")).strip()
            for key in request.POST
            if key.startswith("line-") and key.removeprefix("line-").isdigit()
        }
        try:
            with transaction.atomic():
                services.record_counted(count, cast(User, request.user), counted)
        except BusinessError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved what was counted."))
        return redirect(count.get_absolute_url())


def create_count(company: Company, actor: User, *, location: Any, name: str = "") -> Model:
    return services.create_count(company, actor, location=location, name=name)


class CountCreateView(ObjectCreateView):
    model = Count
    form_class = CountForm
    service = create_count
    list_url_name = "inventory:count_list"
    title = gettext_lazy("New count")


class CountPdfView(ModelView):
    model = Count

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        count = get_object_or_404(self.get_queryset().select_related("company", "location"), pk=pk)
        lines = list(count.lines.select_related("product__uom", "location", "lot"))
        values = difference_values(request, count, lines)
        response = HttpResponse(documents.count_pdf(count, lines, values), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{documents.pdf_name(count)}"'
        return response


class CountSheetExportView(ModelView):
    """The sheet's lines as CSV (``?format=csv``) or XLSX: what the page shows, quantities as
    numbers, the value of each difference for those who see stock values."""

    model = Count

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        count = get_object_or_404(self.get_queryset().select_related("company__currency", "transfer"), pk=pk)
        lines = list(count.lines.select_related("product__uom", "location", "lot"))
        values = difference_values(request, count, lines)
        header = [
            _("Location"), _("Product"), _("Lot"), _("Unit"), _("Expected"), _("Counted"), _("Difference"),
        ]  # fmt: skip
        if values is not None:
            header.append(
                _("Value of the difference (%(currency)s)") % {"currency": count.company.currency_id}
            )
        rows = []
        for line in lines:
            row: list[Any] = [
                line.location.path, str(line.product), line.lot.name if line.lot else "",
                line.product.uom.code, line.expected, line.counted, line.difference,
            ]  # fmt: skip
            if values is not None:
                row.append(values.lines.get(line.pk))
            rows.append(row)
        stem = f"count-{count.pk}"
        if request.GET.get("format") == "xlsx":
            return xlsx_table_response(header, rows, stem=stem, title=str(_("Count sheet")))
        return csv_table_response(header, rows, stem=stem)
