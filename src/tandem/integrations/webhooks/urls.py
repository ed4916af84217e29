from django.urls import path

from tandem.integrations.webhooks import views
from tandem.web.actions import action_urls

app_name = "webhooks"

urlpatterns = [
    path("", views.SubscriptionListView.as_view(), name="list"),
    path("new/", views.SubscriptionCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SubscriptionDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SubscriptionEditView.as_view(), name="edit"),
    *action_urls(views.SubscriptionActions, "<int:pk>/"),
    path("deliveries/<int:pk>/", views.DeliveryDetailView.as_view(), name="delivery"),
]
