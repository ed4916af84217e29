"""What each role may do in the CRM, and the sales director the CRM adds.

Reach (``crm.models.rules``): the salesperson sees their own deals, leads and activities; the
sales manager also those of the teams they lead (``view_team_deals``), and through the platform's
reach (``crm.manifest``) their customers and orders; the sales director sees the company's
(``view_all_deals``, ``view_all_leads``, every customer) and sets up teams; the auditor (the
books' read-only role, declared by accounting) reads the company's CRM and changes nothing.
"""

from django.utils.translation import gettext_lazy as _

from tandem.accounting.roles import AUDITOR
from tandem.core import roles

SALES_DIRECTOR = "sales_director"
ROLES = {SALES_DIRECTOR: _("Sales director")}
EXTENDS = {SALES_DIRECTOR: roles.SALES_MANAGER}  # the customers, products, documents a manager uses

_READ_SETUP = ["view_pipeline", "view_stage", "view_lostreason"]
_WORK = [
    "view_deal", "add_deal", "change_deal", "view_activity", "add_activity", "change_activity",
    "view_communication",
    "view_segment", "add_segment", "change_segment",
]  # fmt: skip
_LEADS = ["view_lead", "add_lead", "change_lead"]
_TEAMS = ["view_salesteam", "view_salestarget"]
_SETUP = [
    "add_pipeline",
    "change_pipeline",
    "add_stage",
    "change_stage",
    "add_lostreason",
    "change_lostreason",
    "view_leadcapturekey",
    "change_leadcapturekey",
]

_MANAGE = [
    *_READ_SETUP,
    *_WORK,
    *_LEADS,
    *_SETUP,
    *_TEAMS,
    "view_callsettings",
    "change_callsettings",
    "add_salestarget",
    "change_salestarget",
]

GRANTS = {
    SALES_DIRECTOR: [
        "view_all_deals",
        "view_all_leads",
        "add_salesteam",
        "change_salesteam",
        "partners.view_all_partners",  # the manager's base reaches only the teams they lead
    ],
    roles.SALES_MANAGER: [*_MANAGE, "view_team_deals"],
    roles.SALESPERSON: [*_READ_SETUP, *_WORK, *_LEADS, *_TEAMS],
    AUDITOR: [
        *_READ_SETUP,
        *_TEAMS,
        "view_deal",
        "view_activity",
        "view_communication",
        "view_lead",
        "view_segment",
        "view_all_deals",
        "view_all_leads",
    ],
}
