from django.urls import path

from tandem.manufacturing import views
from tandem.web.actions import action_urls
from tandem.web.generic.routes import model_urls

app_name = "manufacturing"

urlpatterns = [
    *model_urls(
        list=views.OrderListView,
        create=views.OrderCreateView,
        detail=views.OrderDetailView,
        edit=views.OrderEditView,
        route="orders/",
        name="order_",
    ),
    path("orders/<int:pk>/produce/", views.ProduceView.as_view(), name="order_produce"),
    path("orders/<int:pk>/scrap/", views.ScrapView.as_view(), name="order_scrap"),
    *model_urls(
        list=views.BomListView,
        create=views.BomCreateView,
        detail=views.BomDetailView,
        edit=views.BomEditView,
        route="boms/",
        name="bom_",
    ),
    path("boms/<int:pk>/cost/", views.BomCostView.as_view(), name="bom_cost"),
    path("boms/<int:pk>/explode/", views.BomExplodeView.as_view(), name="bom_explode"),
    *model_urls(
        list=views.WorkCentreListView,
        create=views.WorkCentreCreateView,
        detail=views.WorkCentreDetailView,
        edit=views.WorkCentreEditView,
        route="work-centres/",
        name="centre_",
    ),
    path("work-centres/<int:pk>/shop-floor/", views.ShopFloorView.as_view(), name="shop_floor"),
    *action_urls(views.WorkOrderActions, "work-orders/<int:pk>/", "workorder_"),
    path("checks/<int:pk>/record/", views.RecordCheckView.as_view(), name="check_record"),
    *model_urls(
        list=views.RoutingListView,
        create=views.RoutingCreateView,
        detail=views.RoutingDetailView,
        edit=views.RoutingEditView,
        route="routings/",
        name="routing_",
    ),
    *model_urls(
        list=views.QualityPointListView,
        create=views.QualityPointCreateView,
        detail=views.QualityPointDetailView,
        edit=views.QualityPointEditView,
        route="quality-points/",
        name="point_",
    ),
    *model_urls(
        list=views.QualityAlertListView,
        detail=views.QualityAlertDetailView,
        route="quality-alerts/",
        name="alert_",
    ),
]
