"""The events of document templates and of documents written from them. Payload
descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import CHANGES, EventType, declare

declare(
    EventType(
        "document_template.created",
        _("Created"),
        {"name": "the template's name", "kind": "letter, offer, reminder…"},
    ),
    EventType("document_template.updated", _("Changed"), {"changes": CHANGES}),
    EventType(
        "document.generated",
        _("Document generated"),
        {
            "template": "the template's name",
            "template_id": "the template's id",
            "kind": "the template's kind",
            "language": "the language it was written in",
            "file": "the PDF's file name",
            "attachment_id": "the attachment holding the PDF",
            "contact": "the contact person it was addressed to, or empty",
            "signed": "whether the PDF carries the company's signature",
        },
        webhook=True,
    ),
)
