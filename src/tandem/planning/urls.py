from django.urls import path

from tandem.planning import views
from tandem.web.generic.routes import model_urls

app_name = "planning"

urlpatterns = [
    *model_urls(
        list=views.ReorderRuleListView,
        create=views.ReorderRuleCreateView,
        detail=views.ReorderRuleDetailView,
        edit=views.ReorderRuleEditView,
        route="reorder-rules/",
        name="rule_",
    ),
    path("reorder-rules/run/", views.RunRulesView.as_view(), name="run"),
    path("capacity/", views.CapacityView.as_view(), name="capacity"),
    path("capacity/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("mrp/", views.MrpRunListView.as_view(), name="mrp_list"),
    path("mrp/start/", views.StartMrpView.as_view(), name="mrp_start"),
    *model_urls(detail=views.MrpRunDetailView, route="mrp/", name="mrp_"),
    *model_urls(
        list=views.PlannedOrderListView,
        detail=views.PlannedOrderDetailView,
        route="planned-orders/",
        name="planned_",
    ),
    *model_urls(
        list=views.ForecastListView,
        create=views.ForecastCreateView,
        detail=views.ForecastDetailView,
        edit=views.ForecastEditView,
        route="forecasts/",
        name="forecast_",
    ),
    *model_urls(
        list=views.ProductPlanningListView,
        create=views.ProductPlanningCreateView,
        detail=views.ProductPlanningDetailView,
        edit=views.ProductPlanningEditView,
        route="lot-sizing/",
        name="lot_",
    ),
]
