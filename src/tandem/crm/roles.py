from tandem.core import roles

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

GRANTS = {
    roles.SALES_MANAGER: [
        *_READ_SETUP,
        *_WORK,
        *_LEADS,
        *_SETUP,
        *_TEAMS,
        "view_all_deals",
        "view_all_leads",
        "view_callsettings",
        "change_callsettings",
        "add_salesteam",
        "change_salesteam",
        "add_salestarget",
        "change_salestarget",
    ],
    roles.SALESPERSON: [*_READ_SETUP, *_WORK, *_LEADS, *_TEAMS],
    roles.ACCOUNTANT: [
        *_READ_SETUP,
        "view_deal",
        "view_activity",
        "view_communication",
        "view_lead",
        "view_all_leads",
        "view_segment",
    ],
}
