"""The company's signing certificate: what the PDF signer reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Company
from tandem.core.querysets import CompanyQuerySet


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
        permissions = [("sign_document", _("Can sign documents with the company certificate"))]

    def __str__(self) -> str:
        return self.subject
