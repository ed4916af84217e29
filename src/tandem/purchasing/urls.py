from django.urls import path

from tandem.purchasing import views
from tandem.web.generic.routes import model_urls

app_name = "purchasing"

urlpatterns = [
    *model_urls(
        list=views.OrderListView,
        create=views.OrderCreateView,
        detail=views.OrderDetailView,
        edit=views.OrderEditView,
        route="orders/",
        name="order_",
    ),
    path("orders/<int:pk>/pdf/", views.OrderPdfView.as_view(), name="order_pdf"),
    path("orders/<int:pk>/receive/", views.ReceiveView.as_view(), name="order_receive"),
    *model_urls(
        list=views.RequestListView,
        create=views.RequestCreateView,
        detail=views.RequestDetailView,
        route="requests/",
        name="request_",
    ),
    path("requests/rfqs/", views.CreateRfqsView.as_view(), name="request_rfqs"),
    *model_urls(
        list=views.ApprovalLevelListView,
        create=views.ApprovalLevelCreateView,
        detail=views.ApprovalLevelDetailView,
        edit=views.ApprovalLevelEditView,
        route="approval-levels/",
        name="level_",
    ),
    path("settings/", views.PurchaseSettingsView.as_view(), name="settings"),
    *model_urls(
        list=views.SupplierPriceListView,
        create=views.SupplierPriceCreateView,
        detail=views.SupplierPriceDetailView,
        edit=views.SupplierPriceEditView,
        route="prices/",
        name="price_",
    ),
]
