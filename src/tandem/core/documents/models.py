"""Document templates that administrators edit, and the company's signing certificate."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.models import Company
from tandem.core.querysets import CompanyQuerySet


class DocumentTemplate(CompanyOwned, Versioned):
    """A letter, offer or contract whose body is a sandboxed template with merge fields."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter")
        OFFER = "offer", _("Offer")
        CONTRACT = "contract", _("Contract")

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
        permissions = [
            ("generate_document", _("Can generate documents from templates")),
            ("sign_document", _("Can sign documents with the company certificate")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name", "language"], name="documents_template_unique_name"
            ),
        ]
        indexes = [models.Index(fields=["company", "active", "name"], name="documents_template_list_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:detail", args=[self.pk])


class SigningCertificate(models.Model):
    """A company's PKCS#12 bundle (key + certificate) for PAdES signatures.

    The bundle is stored encrypted in the default storage and its password encrypted in
    the database, both with a key derived from ``SECRET_KEY``.
    """

    company = models.OneToOneField(
        Company, models.CASCADE, related_name="signing_certificate", verbose_name=_("company")
    )
    file = models.FileField(_("certificate file"), upload_to="signing-certificates/", max_length=200)
    password_encrypted = models.BinaryField(editable=False)
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial_number = models.CharField(_("serial number"), max_length=100)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")

    def __str__(self) -> str:
        return self.subject
