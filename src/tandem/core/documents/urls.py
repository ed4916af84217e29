from django.urls import path

from tandem.core.documents import views

app_name = "documents"

urlpatterns = [
    path("certificate/", views.CertificateView.as_view(), name="certificate"),
]
