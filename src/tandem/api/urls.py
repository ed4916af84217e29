"""``/api/``: the OpenAPI schema, its docs with locally served assets, and ``v1/<domain>/<resource>/``."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from tandem.api.errors import not_found
from tandem.catalog.api import CategoryViewSet, PriceListViewSet, ProductViewSet
from tandem.core.notifications.api import NotificationViewSet
from tandem.partners.api import AddressViewSet, PartnerViewSet, TagViewSet

router = SimpleRouter()
router.register("partners/partners", PartnerViewSet, basename="api-partner")
router.register("partners/tags", TagViewSet, basename="api-tag")
router.register("partners/addresses", AddressViewSet, basename="api-address")
router.register("catalog/products", ProductViewSet, basename="api-product")
router.register("catalog/categories", CategoryViewSet, basename="api-category")
router.register("catalog/price-lists", PriceListViewSet, basename="api-pricelist")
router.register("notifications", NotificationViewSet, basename="api-notification")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("v1/", include(router.urls)),
    re_path(r"^.*$", not_found),
]
