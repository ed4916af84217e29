"""The events partners record. Payload descriptions are for integrators (webhooks, API docs)."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

ADDRESS = "the address on one line"

declare(
    EventType(
        "partner.created",
        _("Created"),
        {"name": "the partner's name", "kind": "organisation or person"},
        webhook=True,
    ),
    EventType("partner.updated", _("Changed"), {"changes": CHANGES}, webhook=True),
    EventType(
        "partner.merged",
        _("Merged duplicates into this record"),
        {"merged": "the partners folded into this one, each as {id, name}"},
        webhook=True,
    ),
    EventType(
        "partner.address_added",
        _("Address added"),
        {"address": ADDRESS, "kind": "invoice or delivery"},
        webhook=True,
    ),
    EventType("partner.address_changed", _("Address changed"), {"changes": CHANGES}, webhook=True),
    EventType("partner.address_removed", _("Address removed"), {"address": ADDRESS}, webhook=True),
    EventType("partner.bank_account_added", _("Bank account added"), {"iban": "the account's IBAN"}),
)
