"""The stock valuation report: the value of stock at a date, per product, category or warehouse
(one SQL query, ``inventory.queries.valuation``), with its Excel export. Accountants and
administrators (they hold ``view_valuationlayer``); warehouse staff do not see values.

Settings → Stock valuation: the company's method, journal and accounts (one row, edited with
a version), and the product categories that set their own (list, page, form, edit, delete —
which gives the category back to the company's terms)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.querysets import allowed_company
from tandem.inventory.forms import CategoryValuationForm, ValuationSettingsForm
from tandem.inventory.models import CategoryValuation, ValuationLayer, ValuationSettings
from tandem.inventory.queries import valuation as queries
from tandem.inventory.services import valuation as valuation_services
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column, as_text
from tandem.web.exports import xlsx_table_response
from tandem.web.generic import (
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table

GROUPS = {
    "product": gettext_lazy("Product"),
    "category": gettext_lazy("Category"),
    "warehouse": gettext_lazy("Warehouse"),
}


def _read(params: Any) -> tuple[datetime.date, str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    at = timezone.localdate()
    raw = str(params.get("date", "") or "").strip()
    if raw:
        try:
            at = datetime.date.fromisoformat(raw)
        except ValueError:
            errors["date"] = [_("Enter a date as YYYY-MM-DD.")]
    by = str(params.get("by", "") or "product")
    if by not in GROUPS:
        errors["by"] = [_("Group by product, category or warehouse.")]
        by = "product"
    return at, by, errors


class StockValuationView(ModelView):
    """``/inventory/valuation/?date=…&by=product|category|warehouse[&format=xlsx]``."""

    model = ValuationLayer
    template_name = "inventory/valuation.html"
    title = gettext_lazy("Stock valuation")

    def get(self, request: HttpRequest) -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None:
            raise Http404
        at, by, errors = _read(request.GET)
        rows = queries.stock_value(company.pk, at, by)
        header = [_("Code"), str(GROUPS[by]), _("Quantity"), _("Value")]
        if request.GET.get("format") == "xlsx":
            if errors:
                from django.http import HttpResponseBadRequest

                return HttpResponseBadRequest(
                    " ".join(" ".join(v) for v in errors.values()), content_type="text/plain; charset=utf-8"
                )
            table = [[row.code, row.name, row.quantity, row.value] for row in rows]
            return xlsx_table_response(
                header, table, stem=f"stock-valuation-{at:%Y%m%d}", title=str(self.title)
            )
        total = sum((row.value for row in rows), queries.ZERO)
        context = {
            **self.base_context(),
            "title": self.title,
            "at": at,
            "by": by,
            "groups": list(GROUPS.items()),
            "header": header,
            "rows": [(row.code, row.name, as_text(row.quantity), as_text(row.value)) for row in rows],
            "total": as_text(total),
            "errors": errors,
            "query": urlencode({"date": at.isoformat(), "by": by}),
            "settings_url": reverse("inventory:valuation_settings")
            if self.can("view", ValuationSettings)
            else None,
        }
        return render(request, self.template_name, context, status=400 if errors else 200)


# --- settings: the company's valuation and its categories' -----------------------------------

SETTINGS_FIELDS = [
    "method", "journal", "stock_account", "input_account", "output_account", "cogs_account",
    "price_difference_account", "loss_account", "opening_account", "production_account",
    "production_cost_account",
]  # fmt: skip
SETTINGS_RELATED = [name for name in SETTINGS_FIELDS if name != "method"]
CATEGORY_RELATED = [
    "category", "stock_account", "input_account", "output_account", "cogs_account",
    "price_difference_account",
]  # fmt: skip

CATEGORY_COLUMNS = [
    Column("category", gettext_lazy("Category"), link=True, sort="category"),
    Column(
        "method",
        gettext_lazy("Valuation method"),
        shown=lambda label: label or _("The company's"),  # an empty method: the company's
    ),
    Column("stock_account", gettext_lazy("Stock account")),
]


class CompanyValuationMixin:
    """The page's record is the company's one valuation settings row (made on first use);
    a company without a chart of accounts has none: its stock is counted, not valued."""

    request: HttpRequest

    def get_object(self) -> ValuationSettings:
        company = self.request.company  # type: ignore[attr-defined]
        if company is None or valuation_services.settings_of(company) is None:
            raise Http404
        rows = self.get_queryset()  # type: ignore[attr-defined]
        return get_object_or_404(rows.select_related(*SETTINGS_RELATED), company=company)  # type: ignore[no-any-return]


class ValuationSettingsView(CompanyValuationMixin, ObjectDetailView):
    """Settings → Stock valuation: the company's method, journal and accounts, and the
    categories that set their own."""

    model = ValuationSettings
    template_name = "inventory/valuation_settings.html"
    fields = SETTINGS_FIELDS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        company = getattr(request, "company", None)
        if company is not None and valuation_services.settings_of(company) is None:
            context = {
                **self.base_context(),
                "title": _("Stock valuation settings"),
                "categories_url": reverse("inventory:category_valuation_list"),
                "new_category_url": reverse("inventory:category_valuation_create")
                if self.can("add", CategoryValuation)
                else None,
            }
            return render(request, "inventory/valuation_off.html", context)
        return super().get(request, *args, **kwargs)

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        if self.can("change"):
            context["edit_url"] = reverse("inventory:valuation_settings_edit")
        rows = (
            CategoryValuation.objects.visible_to(self.request.user)
            .select_related("category", "stock_account")
            .order_by("category__path", "id")
        )
        context["categories"] = Table(
            CATEGORY_COLUMNS, rows[:50], caption=_("Categories valued on their own terms"), key="categories"
        )
        context["categories_url"] = reverse("inventory:category_valuation_list")
        context["new_category_url"] = (
            reverse("inventory:category_valuation_create") if self.can("add", CategoryValuation) else None
        )
        return context


class ValuationSettingsEditView(CompanyValuationMixin, ObjectEditView):
    model = ValuationSettings
    form_class = ValuationSettingsForm
    title = gettext_lazy("Edit the stock valuation settings")
    service = valuation_services.update_valuation_settings

    def success_url(self, result: Model) -> str:
        return reverse("inventory:valuation_settings")

    def cancel_url(self) -> str:
        return reverse("inventory:valuation_settings")


class CategoryValuationListView(ObjectListView):
    model = CategoryValuation
    columns = CATEGORY_COLUMNS
    sorts = {"category": SortKey("category__path", gettext_lazy("Category"))}
    default_sort = "category"
    create_url_name = "inventory:category_valuation_create"
    create_label = gettext_lazy("New category valuation")
    export_url_name = "inventory:category_valuation_export"

    def decorate(self, rows: QuerySet[CategoryValuation]) -> QuerySet[CategoryValuation]:
        return rows.select_related("category", "stock_account")


class CategoryValuationActions(ActionView):
    model = CategoryValuation
    url_name = "inventory:category_valuation_{name}"
    actions = [
        Action(
            "delete",
            gettext_lazy("Delete"),
            lambda request, row: valuation_services.remove_category_valuation(row, request.user),
            done=gettext_lazy("The category is valued on the company's terms again."),
            permission="inventory.delete_categoryvaluation",
            confirm=gettext_lazy(
                "Value this category on the company's terms again? Refused while it holds stock "
                "valued with another method or on another stock account."
            ),
            next_url=lambda row: reverse("inventory:category_valuation_list"),
            style="outline-danger",
        ),
    ]


class CategoryValuationDetailView(ObjectDetailView):
    model = CategoryValuation
    action_view = CategoryValuationActions
    edit_url_name = "inventory:category_valuation_edit"
    list_url_name = "inventory:category_valuation_list"
    fields = ["category", "method", *CATEGORY_RELATED[1:]]

    def get_queryset(self) -> QuerySet[CategoryValuation]:
        return super().get_queryset().select_related(*CATEGORY_RELATED)


class CategoryValuationCreateView(ObjectCreateView):
    model = CategoryValuation
    form_class = CategoryValuationForm
    title = gettext_lazy("New category valuation")
    service = valuation_services.create_category_valuation
    list_url_name = "inventory:category_valuation_list"


class CategoryValuationEditView(ObjectEditView):
    model = CategoryValuation
    form_class = CategoryValuationForm
    service = valuation_services.update_category_valuation

    def get_queryset(self) -> QuerySet[CategoryValuation]:
        return super().get_queryset().select_related(*CATEGORY_RELATED)
