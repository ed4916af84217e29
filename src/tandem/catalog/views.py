"""Product pages: list, detail (with its price-list rows), create/edit, new category."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.catalog import queries, services
from tandem.catalog.filters import ProductFilter
from tandem.catalog.forms import CategoryForm, ProductForm
from tandem.catalog.models import Category, Product
from tandem.web import autocomplete
from tandem.web.generic import (
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)

autocomplete.register(
    "catalog.category",
    autocomplete.Source(
        rows=lambda request: Category.objects.visible_to(request.user),
        search=lambda rows, text: rows.filter(path__icontains=text),
        order=("path", "id"),
    ),
)


class ProductListView(ObjectListView):
    model = Product
    filterset_class = ProductFilter
    search_function = queries.search
    search_placeholder = gettext_lazy("Name, SKU or barcode")
    filter_fields = ["kind", "category", "active"]
    default_filters = {"active": "true"}
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("sku", gettext_lazy("SKU")),
        Column("barcode", gettext_lazy("Barcode")),
        Column("kind", gettext_lazy("Kind")),
        Column("category", gettext_lazy("Category")),
        Column("sales_price", gettext_lazy("Sales price"), numeric=True),
        Column("active", gettext_lazy("Active")),
        Column("created_at", gettext_lazy("Created"), sort="created"),
    ]
    sorts = {
        "name": SortKey("name_key", gettext_lazy("Name")),
        "created": SortKey("created_at", gettext_lazy("Created"), descending=True),
    }
    default_sort = "name"
    create_url_name = "catalog:create"
    create_label = gettext_lazy("New product")
    export_url_name = "catalog:export"
    template_name = "imports/list_with_import.html"  # the list, with an Import button

    def decorate(self, rows: QuerySet[Product]) -> QuerySet[Product]:
        return rows.select_related("category")


class ProductDetailView(ObjectDetailView):
    model = Product
    template_name = "catalog/product_detail.html"
    edit_url_name = "catalog:edit"
    list_url_name = "catalog:list"
    fields = [
        "kind", "sku", "barcode", "category", "uom", "sales_price", "cost", "weight", "volume", "description",
        "active", "created_at", "updated_at",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Product]:
        return super().get_queryset().select_related("category", "uom", "company__currency")

    def get_context(self) -> dict[str, Any]:
        product: Product = self.object  # type: ignore[assignment]
        prices = product.price_items.select_related(
            "price_list__currency", "price_list__customer_group"
        ).order_by("price_list__name", "min_quantity", "valid_from")
        return {
            **super().get_context(),
            "prices": list(prices),
            "currency": product.company.currency,
        }


class ProductCreateView(ObjectCreateView):
    model = Product
    form_class = ProductForm
    title = gettext_lazy("New product")
    service = services.create_product
    list_url_name = "catalog:list"


class ProductEditView(ObjectEditView):
    model = Product
    form_class = ProductForm
    service = services.update_product


class CategoryCreateView(ObjectCreateView):
    model = Category
    form_class = CategoryForm
    title = gettext_lazy("New product category")
    service = services.create_category
    list_url_name = "catalog:list"

    def success_url(self, result: Model) -> str:
        return f"{reverse('catalog:list')}?category={result.pk}"

    def success_message(self, result: Model) -> str:
        return _("Category “%(name)s” created.") % {"name": result}
