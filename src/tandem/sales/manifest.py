"""What sales adds to the shell: menu, tile, shortcut, API, pages, the customer card's panel
of orders, the timeline and its part of the demo."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.sales.models import SalesOrder

VIEW = "sales.view_salesorder"
ANALYSIS = "sales.view_sales_analysis"
API = "tandem.sales.api"


def _order_events(user: Any) -> Q:
    return Q(subject_type=ContentType.objects.get_for_model(SalesOrder))


registry.register(
    registry.Manifest(
        app="sales",
        menu=[
            registry.MenuEntry(_("Quotations and orders"), "sales:order_list", VIEW, order=40),
            registry.MenuEntry(
                _("Credit limits"), "sales:credit_limit_list", "sales.view_creditlimit", order=41
            ),
            registry.MenuEntry(
                _("Sales settings"),
                "sales:settings",
                "sales.change_salessettings",
                area=registry.SETTINGS,
                order=60,
            ),
            registry.MenuEntry(_("Sales analysis"), "sales:analysis", ANALYSIS, order=42),
        ],
        tiles=[
            registry.Tile(
                _("Quotations sent"),
                "sales:order_list",
                VIEW,
                lambda user: SalesOrder.objects.visible_to(user).filter(state="sent"),
                query="state=sent",
                order=40,
            )
        ],
        shortcuts=[
            registry.Shortcut(_("New quotation"), "sales:order_create", "sales.add_salesorder", order=40)
        ],
        api=[
            registry.ApiRoute("sales/orders", f"{API}.SalesOrderViewSet", "api-salesorder"),
            registry.ApiRoute("sales/credit-limits", f"{API}.CreditLimitViewSet", "api-creditlimit"),
            registry.ApiRoute("sales/analysis", f"{API}.AnalysisViewSet", "api-sales-analysis"),
        ],
        urls=[registry.UrlMount("sales/", "tandem.sales.urls")],
        timeline=[registry.TimelineSource(VIEW, _order_events)],
        record_panels=[
            registry.RecordPanel(
                "crm.deal",
                "sales-orders",
                _("Quotations, orders and revenue"),
                VIEW,
                "tandem.sales.views.deal_panel",
                section=True,
            )
        ],
        partner_panels=[
            registry.PartnerPanel(
                "sales-orders", _("Quotations and orders"), VIEW, "tandem.sales.views.orders_panel", order=25
            ),
            registry.PartnerPanel(
                "sales-profit", _("Profitability"), ANALYSIS, "tandem.sales.views.profit_panel", order=27
            ),
            registry.PartnerPanel(
                "sales-also-bought",
                _("Customers who bought the same also bought"),
                VIEW,
                "tandem.sales.views.also_bought_panel",
                order=28,
            ),
            registry.PartnerPanel(
                "sales-mails",
                _("Order e-mails"),
                "sales.change_salesorder",
                "tandem.sales.views.mails_panel",
                order=26,
            ),
        ],
        demo=[registry.DemoPart("tandem.sales.demo.build", order=75)],
        internal_models=[
            "sales.salesorderline",
            "sales.orderinvoice",
            "sales.orderinvoiceline",
            "sales.creditlimit",
            "sales.salessettings",
            "sales.productinvoicepolicy",
            "sales.acceptancelink",
            "sales.quotationresponse",
            "sales.mailpreference",
        ],
    )
)
