"""The events of webhook subscriptions. None is published: they describe the subscriptions."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import EventType, declare

declare(
    EventType(
        "webhook.created",
        _("Created"),
        {"url": "where events are sent", "events": "the event names subscribed"},
    ),
    EventType(
        "webhook.changed",
        _("Changed"),
        {"url": "[old, new]", "events": "[old, new]", "description": "[old, new]", "active": "[old, new]"},
    ),
    EventType("webhook.secret_rotated", _("New signing secret")),
    EventType("webhook.reenabled", _("Sending again")),
    EventType("webhook.deleted", _("Deleted"), {"url": "where events were sent"}),
    EventType("webhook.disabled", _("Stopped after repeated failures"), {"reason": "why it was stopped"}),
)
