from django.urls import path

from tandem.sales import views
from tandem.web.generic.routes import model_urls

app_name = "sales"

urlpatterns = [
    *model_urls(
        list=views.OrderListView,
        create=views.OrderCreateView,
        detail=views.OrderDetailView,
        edit=views.OrderEditView,
        route="orders/",
        name="order_",
    ),
    *model_urls(
        list=views.CreditLimitListView,
        create=views.CreditLimitCreateView,
        detail=views.CreditLimitDetailView,
        edit=views.CreditLimitEditView,
        route="credit-limits/",
        name="credit_limit_",
    ),
    path("settings/", views.SalesSettingsView.as_view(), name="settings"),
    path("settings/edit/", views.SalesSettingsEditView.as_view(), name="settings_edit"),
    path("orders/<int:pk>/pdf/", views.OrderPdfView.as_view(), name="order_pdf"),
    path("orders/invoice/", views.OrdersInvoiceView.as_view(), name="orders_invoice"),
    path("orders/promise/", views.OrderPromiseView.as_view(), name="order_promise"),
    path("orders/from-deal/<int:pk>/", views.QuotationFromDealView.as_view(), name="order_from_deal"),
    path("orders/also-bought/", views.AlsoBoughtView.as_view(), name="order_also_bought"),
    path("analysis/", views.AnalysisView.as_view(), name="analysis"),
    path("customers/<int:pk>/mails/", views.MailPreferenceView.as_view(), name="mail_preference"),
    path("quotation/<str:token>/", views.customer_quotation, name="customer_quotation"),
    path("quotation/<str:token>/pdf/", views.customer_quotation_pdf, name="customer_quotation_pdf"),
]
