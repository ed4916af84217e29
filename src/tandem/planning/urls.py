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
]
