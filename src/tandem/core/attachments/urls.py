from django.urls import path

from tandem.core.attachments import views

app_name = "attachments"

urlpatterns = [
    path("<int:content_type_id>/<str:object_id>/upload/", views.upload, name="upload"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/remove/", views.remove, name="remove"),
]
