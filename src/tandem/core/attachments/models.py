"""Files attached to any record (a partner, a product, later an invoice or an order)."""

from __future__ import annotations

import uuid
from typing import Any, Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Company, User
from tandem.core.querysets import allowed_company


def storage_path(instance: Attachment, filename: str) -> str:
    """Stored under a random name: a person's file name never becomes a path."""
    now = timezone.now()
    return f"attachments/{instance.company_id}/{now:%Y/%m}/{uuid.uuid4().hex}"


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def visible_to(self, user: User | Any) -> Self:
        """Rows of the user's company. Whether the person may see the *record* is checked
        per record (``tandem.core.attachments.services.visible_record``)."""
        company = allowed_company(user)
        if company is None:
            return self.none()
        return self.filter(company=company)


class Attachment(models.Model):
    company = models.ForeignKey(Company, models.CASCADE, verbose_name=_("company"))
    content_type = models.ForeignKey(ContentType, models.CASCADE, verbose_name=_("record type"))
    object_id = models.CharField(_("record"), max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=storage_path, max_length=255)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    mime_type = models.CharField(_("type"), max_length=127)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-created_at"], name="attachment_record_idx")
        ]

    def __str__(self) -> str:
        return self.name
