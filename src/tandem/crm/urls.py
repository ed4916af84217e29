from django.urls import path

from tandem.crm import views
from tandem.crm.views import analytics as analytics_views
from tandem.crm.views import leads, scripts, setup
from tandem.crm.views import segments as segment_views
from tandem.web.generic.routes import model_urls

app_name = "crm"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("agenda/", views.AgendaView.as_view(), name="agenda"),
    path("analytics/", analytics_views.AnalyticsView.as_view(), name="analytics"),
    path("kpis/", analytics_views.KpiView.as_view(), name="kpis"),
    path("calendar/", analytics_views.TeamCalendarView.as_view(), name="calendar"),
    path("calendar/feed/", analytics_views.CalendarFeedSettingsView.as_view(), name="calendar_feed_settings"),
    path("calendar/<str:token>.ics", analytics_views.CalendarIcsView.as_view(), name="calendar_ics"),
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
    *model_urls(
        list=setup.LostReasonListView,
        create=setup.LostReasonCreateView,
        detail=setup.LostReasonDetailView,
        edit=setup.LostReasonEditView,
        route="lost-reasons/",
        name="lostreason_",
    ),
    *model_urls(
        list=setup.SalesTeamListView,
        create=setup.SalesTeamCreateView,
        detail=setup.SalesTeamDetailView,
        edit=setup.SalesTeamEditView,
        route="teams/",
        name="salesteam_",
    ),
    *model_urls(
        list=setup.SalesTargetListView,
        create=setup.SalesTargetCreateView,
        detail=setup.SalesTargetDetailView,
        edit=setup.SalesTargetEditView,
        route="targets/",
        name="salestarget_",
    ),
    *model_urls(
        list=segment_views.SegmentListView,
        create=segment_views.SegmentCreateView,
        detail=segment_views.SegmentDetailView,
        edit=segment_views.SegmentEditView,
        route="segments/",
        name="segment_",
    ),
    path("segments/<int:pk>/members/", segment_views.SegmentMembersView.as_view(), name="segment_members"),
    path(
        "segments/<int:pk>/members/export/",
        segment_views.SegmentMembersExportView.as_view(),
        name="segment_members_export",
    ),
    path("pipelines/<int:pk>/stages/new/", views.StageCreateView.as_view(), name="stage_create"),
    path("stages/<int:pk>/edit/", views.StageEditView.as_view(), name="stage_edit"),
    path("customers/<int:pk>/email/", views.SendEmailView.as_view(), name="partner_email"),
    path("deals/<int:pk>/email/", views.DealEmailView.as_view(), name="deal_email"),
    path("phone-system/", views.CallSettingsView.as_view(), name="call_settings"),
    path("stages/<int:pk>/script/", scripts.StageScriptView.as_view(), name="stage_script"),
    path("deals/<int:pk>/checklist/", scripts.DealTickView.as_view(), name="deal_tick"),
]
