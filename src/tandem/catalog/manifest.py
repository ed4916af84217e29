"""What the catalogue adds to the shell: menu, tile, API, pages, recent activity, demo part."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core import registry

VIEW = "catalog.view_product"


def _product_events(user: Any) -> Q:
    return Q(subject_type=ContentType.objects.get_for_model(Product))


registry.register(
    registry.Manifest(
        app="catalog",
        menu=[registry.MenuEntry(_("Products"), "catalog:list", VIEW, order=20)],
        tiles=[
            registry.Tile(
                _("Products"),
                "catalog:list",
                VIEW,
                lambda user: Product.objects.visible_to(user).filter(active=True),
                order=20,
            )
        ],
        shortcuts=[
            registry.Shortcut(_("New product"), "catalog:create", "catalog.add_product", order=20),
            registry.Shortcut(
                _("New product category"), "catalog:category_create", "catalog.add_category", order=21
            ),
        ],
        api=[
            registry.ApiRoute("catalog/products", "tandem.catalog.api.ProductViewSet", "api-product"),
            registry.ApiRoute("catalog/categories", "tandem.catalog.api.CategoryViewSet", "api-category"),
            registry.ApiRoute("catalog/price-lists", "tandem.catalog.api.PriceListViewSet", "api-pricelist"),
        ],
        urls=[registry.UrlMount("products/", "tandem.catalog.urls")],
        timeline=[registry.TimelineSource(VIEW, _product_events)],
        demo=[registry.DemoPart("tandem.catalog.demo.build", order=30)],
    )
)
