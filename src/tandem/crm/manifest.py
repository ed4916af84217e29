"""What the CRM adds to the shell: menus, tiles, API, pages, partner card panels, demo part."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.crm.models import Activity, Deal

API = "tandem.crm.api"
RULES = "tandem.crm.models.rules"
VIEW_DEALS = "crm.view_deal"
VIEW_ACTIVITIES = "crm.view_activity"


def _open_deals(user: Any) -> QuerySet[Deal]:
    return Deal.objects.visible_to(user).filter(state=Deal.State.OPEN)


def _overdue(user: Any) -> QuerySet[Activity]:
    return Activity.objects.visible_to(user).filter(
        assignee=user, state=Activity.State.PLANNED, due_at__lt=timezone.now()
    )


registry.register(
    registry.Manifest(
        app="crm",
        menu=[
            registry.MenuEntry(_("Leads"), "crm:lead_list", "crm.view_lead", order=11),
            registry.MenuEntry(_("Deals"), "crm:board", VIEW_DEALS, order=12),
            registry.MenuEntry(_("Deal list"), "crm:deal_list", VIEW_DEALS, order=13),
            registry.MenuEntry(_("Activities"), "crm:activity_list", VIEW_ACTIVITIES, order=14),
            registry.MenuEntry(_("Sales analytics"), "crm:analytics", VIEW_DEALS, order=15),
            registry.MenuEntry(_("Targets and KPIs"), "crm:kpis", VIEW_DEALS, order=16),
            registry.MenuEntry(_("Sales targets"), "crm:salestarget_list", "crm.view_salestarget", order=16),
            registry.MenuEntry(_("Team calendar"), "crm:calendar", VIEW_ACTIVITIES, order=17),
            registry.MenuEntry(_("Segments"), "crm:segment_list", "crm.view_segment", order=18),
            registry.MenuEntry(
                _("Calendar feed"),
                "crm:calendar_feed_settings",
                VIEW_ACTIVITIES,
                area=registry.ACCOUNT,
                order=21,
            ),
            registry.MenuEntry(
                _("My agenda"), "crm:agenda", VIEW_ACTIVITIES, area=registry.ACCOUNT, order=20
            ),
            registry.MenuEntry(
                _("Website form"),
                "crm:capture_settings",
                "crm.change_leadcapturekey",
                area=registry.SETTINGS,
                order=41,
            ),
            registry.MenuEntry(
                _("Pipelines"), "crm:pipeline_list", "crm.change_pipeline", area=registry.SETTINGS, order=40
            ),
            registry.MenuEntry(
                _("Lost reasons"),
                "crm:lostreason_list",
                "crm.change_lostreason",
                area=registry.SETTINGS,
                order=42,
            ),
            registry.MenuEntry(
                _("Sales teams"),
                "crm:salesteam_list",
                "crm.view_salesteam",
                area=registry.SETTINGS,
                order=43,
            ),
            registry.MenuEntry(
                _("Phone system"),
                "crm:call_settings",
                "crm.view_callsettings",
                area=registry.SETTINGS,
                order=41,
            ),
        ],
        tiles=[
            registry.Tile(
                _("Open deals"), "crm:deal_list", VIEW_DEALS, _open_deals, query="state=open", order=13
            ),
            registry.Tile(_("My overdue activities"), "crm:agenda", VIEW_ACTIVITIES, _overdue, order=14),
        ],
        shortcuts=[
            registry.Shortcut(_("New lead"), "crm:lead_create", "crm.add_lead", order=11),
            registry.Shortcut(_("New deal"), "crm:deal_create", "crm.add_deal", order=12),
            registry.Shortcut(_("Log an activity"), "crm:activity_create", "crm.add_activity", order=13),
        ],
        api=[
            registry.ApiRoute("crm/pipelines", f"{API}.PipelineViewSet", "api-crm-pipeline"),
            registry.ApiRoute("crm/stages", f"{API}.StageViewSet", "api-crm-stage"),
            registry.ApiRoute("crm/leads", f"{API}.leads.LeadViewSet", "api-crm-lead"),
            registry.ApiRoute(
                "crm/lead-capture", f"{API}.capture.LeadCaptureViewSet", "api-crm-lead-capture"
            ),
            registry.ApiRoute("crm/deals", f"{API}.DealViewSet", "api-crm-deal"),
            registry.ApiRoute("crm/activities", f"{API}.ActivityViewSet", "api-crm-activity"),
            registry.ApiRoute("crm/communications", f"{API}.CommunicationViewSet", "api-crm-communication"),
            registry.ApiRoute("crm/call-events", f"{API}.CallEventViewSet", "api-crm-call-event"),
            registry.ApiRoute("crm/segments", f"{API}.segments.SegmentViewSet", "api-crm-segment"),
            registry.ApiRoute("crm/analytics", f"{API}.analytics.AnalyticsViewSet", "api-crm-analytics"),
        ],
        urls=[registry.UrlMount("crm/", "tandem.crm.urls")],
        partner_panels=[
            registry.PartnerPanel("deals", _("Deals"), VIEW_DEALS, "tandem.crm.views.deals_panel", order=20),
            registry.PartnerPanel(
                "activities", _("Activities"), VIEW_ACTIVITIES, "tandem.crm.views.activities_panel", order=21
            ),
            registry.PartnerPanel(
                "communications",
                _("E-mails and calls"),
                "crm.view_communication",
                "tandem.crm.views.communications_panel",
                order=22,
            ),
            registry.PartnerPanel(
                "segments",
                _("Segments"),
                "crm.view_segment",
                "tandem.crm.views.segments.segments_panel",
                order=23,
            ),
        ],
        # A sales manager sees the customers and orders of the teams they lead (issue 16).
        reach=[registry.Reach(f"{RULES}.reached_rows", f"{RULES}.reached_people")],
        demo=[
            registry.DemoPart("tandem.crm.demo.build", order=45),
            registry.DemoPart("tandem.crm.analytics_demo.build", order=46),
        ],
        # Products of interest are part of their deal: its permissions, its form and API.
        internal_models=["crm.dealstageentry", "crm.calendarfeed", "crm.dealproduct"],
    )
)
