"""The events the CRM records; deals and activities name their partner, so each joins the
customer's timeline. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

STATE = "the state before and after, [from, to]"
STAGE = "the stage's name"

declare(
    EventType("pipeline.created", _("Created"), {"name": "the pipeline's name"}, webhook=True),
    EventType("pipeline.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "pipeline.stage_added",
        _("Stage added"),
        {"stage": STAGE, "probability": "its default probability, a decimal string"},
        webhook=True,
    ),
    EventType("stage.created", _("Created"), {"name": STAGE, "pipeline": "the pipeline's name"}),
    EventType("stage.updated", _("Changed"), {"changes": CHANGES}),
    EventType("lostreason.created", _("Created"), {"name": "the reason's name"}),
    EventType("lostreason.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "deal.created",
        _("Deal opened"),
        {
            "title": "the deal's title",
            "amount": "its amount, a decimal string",
            "currency": "its currency code",
            "stage": STAGE,
            "owner": "the salesperson, by name",
        },
        webhook=True,
    ),
    EventType("deal.updated", _("Deal changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "deal.products_changed",
        _("Products of interest changed"),
        {"products": "the products of interest and their quantities, [[sku or name, quantity], …]"},
        webhook=True,
    ),
    EventType(
        "deal.moved",
        _("Deal moved to another stage"),
        {"title": "the deal's title", "stage": "the stages, [from, to]"},
        webhook=True,
    ),
    EventType(
        "deal.won",
        _("Deal won"),
        {"state": STATE, "title": "the deal's title", "amount": "its amount", "currency": "currency code"},
        webhook=True,
    ),
    EventType(
        "deal.lost",
        _("Deal lost"),
        {"state": STATE, "title": "the deal's title", "reason": "the lost reason", "note": "why, in words"},
        webhook=True,
    ),
    EventType(
        "deal.reopened",
        _("Deal reopened"),
        {"state": STATE, "title": "the deal's title", "stage": STAGE},
        webhook=True,
    ),
    EventType(
        "activity.scheduled",
        _("Activity scheduled"),
        {
            "kind": "call, meeting, email, task or note",
            "subject": "what it is about",
            "due_at": "when it is due, ISO 8601",
            "assignee": "who does it, by name",
        },
        webhook=True,
    ),
    EventType(
        "activity.logged",
        _("Activity logged"),
        {
            "kind": "call, meeting, email, task or note",
            "subject": "what it was about",
            "outcome": "what came of it",
            "duration": "minutes, or null",
        },
        webhook=True,
    ),
    EventType(
        "activity.done",
        _("Activity done"),
        {
            "state": STATE,
            "subject": "what it was about",
            "outcome": "what came of it",
            "duration": "minutes, or null",
        },
        webhook=True,
    ),
    EventType(
        "activity.cancelled", _("Activity cancelled"), {"state": STATE, "subject": "what it was about"}
    ),
    EventType("activity.updated", _("Activity changed"), {"changes": CHANGES}),
)

LEAD = "the lead's title"
declare(
    EventType(
        "lead.created",
        _("Lead captured"),
        {
            "title": LEAD,
            "source": "website, email, call, import, manual, …",
            "owner": "the salesperson, by name",
        },
        webhook=True,
    ),
    EventType("lead.updated", _("Lead changed"), {"changes": CHANGES}, webhook=True),
    EventType("lead.qualified", _("Lead qualified"), {"state": STATE, "title": LEAD}, webhook=True),
    EventType(
        "lead.disqualified",
        _("Lead disqualified"),
        {"state": STATE, "title": LEAD, "reason": "why, in words"},
        webhook=True,
    ),
    EventType("lead.reopened", _("Lead reopened"), {"state": STATE, "title": LEAD}, webhook=True),
    EventType(
        "lead.converted",
        _("Lead converted"),
        {
            "state": STATE,
            "title": LEAD,
            "partner": "the customer's name",
            "deal": "the deal's title, or empty",
        },
        webhook=True,
    ),
)

declare(
    EventType(
        "stage.script_set", _("Sales script changed"), {"stage": STAGE, "items": "how many checklist items"}
    ),
    EventType(
        "deal.checklist",
        _("Checklist item ticked"),
        {"item": "the checklist item", "done": "true: done; false: not done after all"},
    ),
)
# The calendar feed and the sales targets (crm.calendar, crm.analytics_services).
declare(
    EventType("calendar_feed.issued", _("Calendar feed address made")),
    EventType("calendar_feed.revoked", _("Calendar feed address revoked")),
    EventType(
        "salestarget.set",
        _("Sales target set"),
        {
            "month": "the month, YYYY-MM",
            "revenue": "revenue won, a decimal string",
            "deals": "deals won",
            "activities": "activities done",
        },
    ),
    EventType("salestarget.updated", _("Sales target changed"), {"changes": CHANGES}),
    EventType("salesteam.created", _("Created"), {"name": "the team's name"}),
    EventType("salesteam.updated", _("Changed"), {"changes": CHANGES}),
)

# Segments (crm.segments).
declare(
    EventType(
        "segment.created",
        _("Segment created"),
        {"name": "the segment's name", "criteria": "its filters, an object (see the API's segments)"},
    ),
    EventType("segment.updated", _("Segment changed"), {"changes": CHANGES}),
)
