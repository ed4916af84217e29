"""Document templates that administrators edit: letters, offers and contracts with merge fields.

The table keeps the name it had when templates lived in ``core.documents`` (moved with
``SeparateDatabaseAndState``, no data copied).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned, Versioned


class DocumentTemplate(CompanyOwned, Versioned):
    """A letter, offer or contract whose body is a sandboxed template with merge fields."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter")
        OFFER = "offer", _("Offer")
        CONTRACT = "contract", _("Contract")
        REMINDER = "reminder", _("Payment reminder")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.LETTER)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        db_table = "documents_documenttemplate"
        permissions = [("generate_document", _("Can generate documents from templates"))]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name", "language"], name="documents_template_unique_name"
            ),
        ]
        indexes = [models.Index(fields=["company", "active", "name"], name="documents_template_list_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("letters:detail", args=[self.pk])
