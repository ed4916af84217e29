"""The events sales records. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

STATE = "[from, to]: the state before and after"
NUMBER = "the order's number"

declare(
    EventType(
        "salesorder.created",
        _("Quotation created"),
        {"total": "a decimal string", "currency": "the currency code", "deal": "the deal's id or null"},
        webhook=True,
    ),
    EventType("salesorder.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType("salesorder.deleted", _("Deleted"), {"customer": "the customer's id"}, webhook=True),
    EventType(
        "salesorder.sent",
        _("Quotation sent"),
        {
            "state": STATE,
            "number": NUMBER,
            "to": "the addresses (empty: marked as sent)",
            "link": "the id of the customer's link that opens the quotation",
            "expires": "when the link stops working (ISO 8601)",
        },
        webhook=True,
    ),
    EventType(
        "salesorder.confirmed",
        _("Order confirmed"),
        {
            "state": STATE,
            "number": NUMBER,
            "total": "a decimal string",
            "currency": "the currency code",
            "deal": "the deal's id or null",
            "approved_by": "the sales manager's id when a limit was passed, else null",
            "approval": "why a sales manager had to confirm (sentences)",
        },
        webhook=True,
    ),
    EventType(
        "salesorder.delivered",
        _("Goods delivered"),
        {"number": NUMBER, "delivery": "the transfer's id", "transfer": "the transfer's number"},
        webhook=True,
    ),
    EventType(
        "salesorder.invoiced",
        _("Invoiced"),
        {
            "number": NUMBER,
            "invoice": "the draft invoice's id",
            "total": "a decimal string",
            "quantities": "{order line id: quantity invoiced}",
            "deducted": "down payments deducted, untaxed (a decimal string)",
        },
        webhook=True,
    ),
    EventType(
        "salesorder.down_payment_invoiced",
        _("Down payment invoiced"),
        {"number": NUMBER, "invoice": "the draft invoice's id", "total": "a decimal string, taxes included"},
        webhook=True,
    ),
    EventType(
        "salesorder.returned",
        _("Goods returned"),
        {
            "number": NUMBER,
            "transfers": "the ids of the return transfers",
            "quantities": "{order line id: quantity coming back, in the line's unit}",
            "credit_note": "the draft credit note's id, or null",
        },
        webhook=True,
    ),
    EventType(
        "salesorder.credited",
        _("Returned goods credited"),
        {
            "number": NUMBER,
            "credit_note": "the draft credit note's id",
            "quantities": "{order line id: quantity credited, in the line's unit}",
        },
        webhook=True,
    ),
    EventType(
        "salesorder.down_payments_credited",
        _("Down payments given back"),
        {
            "number": NUMBER,
            "credit_note": "the draft credit note's id",
            "total": "a decimal string, taxes included",
        },
        webhook=True,
    ),
    EventType(
        "salesorder.advance_exchange_settled",
        _("Exchange difference on advances posted"),
        {
            "number": NUMBER,
            "entry": "the exchange entry's number",
            "gain": "the realised gain in the company's currency, a decimal string (negative: a loss)",
            "currency": "the company's currency code",
        },
        webhook=True,
    ),
    EventType("salesorder.done", _("Completed"), {"state": STATE, "number": NUMBER}, webhook=True),
    EventType("salesorder.cancelled", _("Cancelled"), {"state": STATE, "number": NUMBER}, webhook=True),
    EventType(
        "salesorder.accepted",
        _("Accepted by the customer"),
        {
            "number": NUMBER,
            "name": "the name the customer typed",
            "address": "the IP address the acceptance came from",
            "signature": "the SHA-256 of the drawn signature (a PNG kept with the answer)",
            "response": "the answer's id",
        },
        webhook=True,
    ),
    EventType(
        "salesorder.declined",
        _("Declined by the customer"),
        {
            "number": NUMBER,
            "name": "the name the customer typed, or empty",
            "address": "the IP address the answer came from",
            "text": "the customer's reason",
            "response": "the answer's id",
        },
        webhook=True,
    ),
    EventType(
        "salesorder.link_revoked",
        _("Customer link revoked"),
        {"number": NUMBER, "links": "how many links stopped working"},
    ),
    EventType(
        "salesorder.customer_mailed",
        _("Customer e-mailed"),
        {
            "number": NUMBER,
            "kind": "confirmation, shipment or invoice",
            "to": "the addresses",
            "subject": "the e-mail's subject",
            "document": "the attached document's number (the delivery note, the invoice)",
        },
        webhook=True,
    ),
    EventType(
        "mailpreference.changed",
        _("Order e-mails changed"),
        {
            "confirmation": "true: order confirmations are e-mailed",
            "shipment": "true: shipments are e-mailed with the delivery note",
            "invoice": "true: invoices are e-mailed",
        },
    ),
    EventType("salessettings.updated", _("Sales settings changed"), {"changes": CHANGES}),
    EventType(
        "creditlimit.changed",
        _("Credit limit changed"),
        {"amount": "the new limit (company currency, a decimal string) or null: none"},
        webhook=True,
    ),
    EventType(
        "product.invoice_policy_changed",
        _("Invoice policy changed"),
        {"invoice_policy": "ordered or delivered, or null: the company's default"},
    ),
)
