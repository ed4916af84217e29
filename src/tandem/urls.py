from django.urls import include, path

urlpatterns = [
    path("api/", include("tandem.api.urls")),
    path("", include("tandem.web.urls")),
]
