from django.urls import path

from tandem.partners import views
from tandem.web.actions import action_urls
from tandem.web.generic.routes import model_urls

app_name = "partners"

urlpatterns = [
    *model_urls(
        list=views.PartnerListView,
        create=views.PartnerCreateView,
        detail=views.PartnerDetailView,
        edit=views.PartnerEditView,
    ),
    path("<int:pk>/merge/", views.PartnerMergeView.as_view(), name="merge"),
    path("<int:pk>/addresses/new/", views.AddressCreateView.as_view(), name="address_create"),
    path("<int:pk>/addresses/<int:address_pk>/edit/", views.AddressEditView.as_view(), name="address_edit"),
    *action_urls(views.AddressActions, "<int:pk>/addresses/<int:address_pk>/", "address_"),
]
