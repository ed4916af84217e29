from django.urls import path

from tandem.crm import views
from tandem.crm.views import leads, scripts
from tandem.web.generic.routes import model_urls

app_name = "crm"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("agenda/", views.AgendaView.as_view(), name="agenda"),
    *model_urls(
        list=views.DealListView,
        create=views.DealCreateView,
        detail=views.DealDetailView,
        edit=views.DealEditView,
        route="deals/",
        name="deal_",
    ),
    *model_urls(
        list=leads.LeadListView,
        create=leads.LeadCreateView,
        detail=leads.LeadDetailView,
        edit=leads.LeadEditView,
        route="leads/",
        name="lead_",
    ),
    path("capture/<str:key>/", leads.capture, name="lead_capture"),
    path("website-form/", leads.CaptureSettingsView.as_view(), name="capture_settings"),
    path("leads/<int:pk>/convert/", leads.LeadConvertView.as_view(), name="lead_convert"),
    path("deals/<int:pk>/move/", views.DealMoveView.as_view(), name="deal_move"),
    *model_urls(
        list=views.ActivityListView,
        create=views.ActivityCreateView,
        detail=views.ActivityDetailView,
        edit=views.ActivityEditView,
        route="activities/",
        name="activity_",
    ),
    *model_urls(
        list=views.PipelineListView,
        create=views.PipelineCreateView,
        detail=views.PipelineDetailView,
        edit=views.PipelineEditView,
        route="pipelines/",
        name="pipeline_",
    ),
    path("pipelines/<int:pk>/stages/new/", views.StageCreateView.as_view(), name="stage_create"),
    path("stages/<int:pk>/edit/", views.StageEditView.as_view(), name="stage_edit"),
    path("customers/<int:pk>/email/", views.SendEmailView.as_view(), name="partner_email"),
    path("deals/<int:pk>/email/", views.DealEmailView.as_view(), name="deal_email"),
    path("phone-system/", views.CallSettingsView.as_view(), name="call_settings"),
    path("stages/<int:pk>/script/", scripts.StageScriptView.as_view(), name="stage_script"),
    path("deals/<int:pk>/checklist/", scripts.DealTickView.as_view(), name="deal_tick"),
]
