from django.urls import path

from tandem.integrations.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.start, name="start"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/rejected.csv", views.rejected, name="rejected"),
    path("mappings/<int:pk>/delete/", views.delete_template, name="delete_template"),
]
