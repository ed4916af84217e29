from django.urls import path

from tandem.partners import views
from tandem.web.actions import action_urls

app_name = "partners"

urlpatterns = [
    path("", views.PartnerListView.as_view(), name="list"),
    path("export/", views.PartnerListView.as_view(export=True), name="export"),
    path("new/", views.PartnerCreateView.as_view(), name="create"),
    path("<int:pk>/", views.PartnerDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.PartnerEditView.as_view(), name="edit"),
    path("<int:pk>/merge/", views.PartnerMergeView.as_view(), name="merge"),
    *action_urls(views.PartnerActions, "<int:pk>/"),
    path("<int:pk>/addresses/new/", views.AddressCreateView.as_view(), name="address_create"),
    path("<int:pk>/addresses/<int:address_pk>/edit/", views.AddressEditView.as_view(), name="address_edit"),
    *action_urls(views.AddressActions, "<int:pk>/addresses/<int:address_pk>/", "address_"),
]
