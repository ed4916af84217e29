"""``/api/``: the OpenAPI schema, its docs with locally served assets, and ``v1/<domain>/<resource>/``
(each app declares its routes in its ``manifest.py``)."""

from __future__ import annotations

from django.urls import include, path, re_path
from django.utils.module_loading import import_string
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from tandem.api.errors import not_found
from tandem.core import registry

router = SimpleRouter()
for route in registry.api_routes():
    router.register(route.prefix, import_string(route.viewset), basename=route.basename)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("v1/", include(router.urls)),
    re_path(r"^.*$", not_found),
]
