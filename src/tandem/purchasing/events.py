"""The events purchasing records. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

STATE = "[from, to]: the state before and after"
NUMBER = "the order's number"

declare(
    EventType(
        "supplierprice.created",
        _("Supplier price added"),
        {
            "supplier": "the supplier's id",
            "product": "the product's SKU",
            "price": "a decimal string",
            "uom": "the code of the unit the price and minimum are per (empty: the product's)",
            "currency": "the currency code",
            "min_quantity": "a decimal string",
            "lead_time_days": "days",
        },
        webhook=True,
    ),
    EventType("supplierprice.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "purchaserequest.created",
        _("Purchase request"),
        {"product": "the product's SKU", "quantity": "a decimal string", "origin": "what asked for it"},
        webhook=True,
    ),
    EventType("purchaserequest.ordered", _("Put on an RFQ"), {"state": STATE, "order": "the RFQ's id"}),
    EventType("purchaserequest.cancelled", _("Cancelled"), {"state": STATE}),
    EventType("purchaserequest.reopened", _("Open again"), {"state": STATE}),
    EventType("purchaseorder.deleted", _("Deleted"), {"supplier": "the supplier's id"}, webhook=True),
    EventType(
        "purchaseorder.created",
        _("RFQ created"),
        {"total": "a decimal string", "currency": "the currency code"},
        webhook=True,
    ),
    EventType("purchaseorder.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "purchaseorder.sent",
        _("Sent to the supplier"),
        {"state": STATE, "number": NUMBER, "to": "the addresses"},
        webhook=True,
    ),
    EventType(
        "purchaseorder.submitted",
        _("Submitted for approval"),
        {"state": STATE, "number": NUMBER, "next_approver": "the approver's id"},
        webhook=True,
    ),
    EventType(
        "purchaseorder.approval_given",
        _("Approved"),
        {"number": NUMBER, "level": "the level's name", "approver": "the approver's id"},
        webhook=True,
    ),
    EventType(
        "purchaseorder.rejected",
        _("Approval refused"),
        {"state": STATE, "number": NUMBER, "reason": "why"},
        webhook=True,
    ),
    EventType(
        "purchaseorder.confirmed",
        _("Confirmed"),
        {"state": STATE, "number": NUMBER, "total": "a decimal string"},
        webhook=True,
    ),
    EventType(
        "purchaseorder.goods_received",
        _("Goods received"),
        {"number": NUMBER, "receipt": "the receipt's id", "quantities": "{product SKU: quantity}"},
        webhook=True,
    ),
    EventType(
        "purchaseorder.received", _("Fully received"), {"state": STATE, "number": NUMBER}, webhook=True
    ),
    EventType(
        "purchaseorder.bill_created",
        _("Supplier bill drafted"),
        {"number": NUMBER, "bill": "the bill's id", "mismatches": "the three-way match's warnings"},
        webhook=True,
    ),
    EventType("purchaseorder.billed", _("Billed"), {"state": STATE, "number": NUMBER}, webhook=True),
    EventType("purchaseorder.cancelled", _("Cancelled"), {"state": STATE, "number": NUMBER}, webhook=True),
    EventType("purchasesettings.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "approvallevel.created",
        _("Approval level added"),
        {"name": "the level", "min_amount": "a decimal string", "approver": "the approver's id"},
    ),
    EventType("approvallevel.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "approvallevel.removed",
        _("Approval level removed"),
        {"name": "the level", "min_amount": "a decimal string"},
    ),
)
