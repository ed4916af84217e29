"""The events manufacturing records. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

STATE = "[from, to]: the state before and after"
ORDER = "the manufacturing order's number"

declare(
    EventType(
        "workcentre.created",
        _("Work centre added"),
        {"code": "its code", "capacity_hours": "hours a day", "cost_per_hour": "a decimal string"},
        webhook=True,
    ),
    EventType("workcentre.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "routing.created", _("Routing added"), {"name": "its name", "operations": "how many"}, webhook=True
    ),
    EventType("routing.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "bom.created",
        _("Bill of materials added"),
        {
            "product": "the SKU of the product made",
            "revision": "its revision",
            "kind": "normal or phantom",
            "components": "how many",
        },
        webhook=True,
    ),
    EventType("bom.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "qualitypoint.created",
        _("Quality check point added"),
        {"product": "the product's SKU", "kind": "pass_fail or measure"},
        webhook=True,
    ),
    EventType("qualitypoint.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "mo.created",
        _("Manufacturing order created"),
        {
            "product": "the SKU of the product to make",
            "quantity": "a decimal string",
            "source": "manual, sales, reorder or mrp",
            "origin": "the document that asked for it",
        },
        webhook=True,
    ),
    EventType("mo.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "mo.deleted",
        _("Draft deleted"),
        {"product": "the SKU of the product", "quantity": "a decimal string"},
        webhook=True,
    ),
    EventType(
        "mo.confirmed",
        _("Confirmed"),
        {"state": STATE, "number": ORDER, "short": "components that could not be reserved in full"},
        webhook=True,
    ),
    EventType("mo.started", _("Production started"), {"state": STATE}, webhook=True),
    EventType(
        "mo.produced",
        _("Produced"),
        {
            "quantity": "a decimal string",
            "value": "what the goods made are worth: components + labour",
            "components": "the components' value",
            "labour": "labour and overhead",
        },
        webhook=True,
    ),
    EventType(
        "mo.done",
        _("Done"),
        {"state": STATE, "produced": "a decimal string", "backorder": "the backorder's number, if any"},
        webhook=True,
    ),
    EventType("mo.cancelled", _("Cancelled"), {"state": STATE}, webhook=True),
    EventType(
        "mo.scrapped",
        _("Scrapped"),
        {"product": "the product's SKU", "quantity": "a decimal string", "reason": "why"},
        webhook=True,
    ),
    EventType("workorder.started", _("Work started"), {"state": STATE, "order": ORDER}),
    EventType("workorder.paused", _("Work paused"), {"state": STATE, "order": ORDER}),
    EventType("workorder.done", _("Operation done"), {"state": STATE, "order": ORDER}),
    EventType("workorder.cancelled", _("Cancelled"), {"state": STATE}),
    EventType(
        "qualitycheck.passed",
        _("Quality check passed"),
        {"state": STATE, "order": ORDER, "measured": "the value measured, if any"},
    ),
    EventType(
        "qualitycheck.failed",
        _("Quality check failed"),
        {"state": STATE, "order": ORDER, "measured": "the value measured, if any"},
    ),
    EventType(
        "qualityalert.raised",
        _("Quality alert"),
        {"order": ORDER, "product": "the product's SKU", "lot": "the lot", "check": "the check that failed"},
        webhook=True,
    ),
    EventType("qualityalert.closed", _("Closed"), {"state": STATE}, webhook=True),
)
