"""The events of the company's signing certificate."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import EventType, declare

declare(
    EventType(
        "signing_certificate.uploaded",
        _("Signing certificate saved"),
        {
            "subject": "the certificate's subject",
            "valid_until": "its expiry, ISO 8601",
            "file": "the file name",
        },
    ),
    EventType(
        "signing_certificate.removed",
        _("Signing certificate removed"),
        {"subject": "the certificate's subject"},
    ),
)
