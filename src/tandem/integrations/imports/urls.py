from django.urls import path

from tandem.integrations.imports import views
from tandem.web.actions import action_urls

app_name = "imports"

urlpatterns = [
    path("", views.start, name="start"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/rejected.csv", views.rejected, name="rejected"),
    *action_urls(views.MappingActions, "mappings/<int:pk>/"),
]
