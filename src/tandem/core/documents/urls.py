from django.urls import path

from tandem.core.documents import views
from tandem.web.actions import action_urls

app_name = "documents"

urlpatterns = [
    path("certificate/", views.CertificateView.as_view(), name="certificate"),
    *action_urls(views.CertificateActions, "certificate/", "certificate_"),
]
