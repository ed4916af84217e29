from django.urls import path

from tandem.integrations.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.SubscriptionListView.as_view(), name="list"),
    path("new/", views.SubscriptionCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SubscriptionDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SubscriptionEditView.as_view(), name="edit"),
    path("<int:pk>/test/", views.SubscriptionActionView.as_view(operation="test"), name="test"),
    path("<int:pk>/reenable/", views.SubscriptionActionView.as_view(operation="reenable"), name="reenable"),
    path("<int:pk>/rotate-secret/", views.SubscriptionActionView.as_view(operation="rotate"), name="rotate"),
    path("<int:pk>/delete/", views.DeleteView.as_view(), name="delete"),
    path("deliveries/<int:pk>/", views.DeliveryDetailView.as_view(), name="delivery"),
]
