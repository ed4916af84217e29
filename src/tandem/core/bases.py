"""Abstract model bases for what business rows share.

``CompanyOwned``: the row belongs to one company and is read through ``visible_to(user)``
(rule 7); a model with its own record rules subclasses :class:`CompanyQuerySet` and sets
``objects`` again. ``Versioned``: a version the UI and the API's ``ETag``/``If-Match`` compare,
bumped by :func:`tandem.core.versioning.update_versioned`. ``PostedDocument``: who created,
posted and cancelled a document and when — the stamps its ``TRANSITIONS`` name
(``Transition(…, by="posted_by", at="posted_at")``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Company, Versioned
from tandem.core.querysets import CompanyQuerySet

__all__ = ["CompanyOwned", "PostedDocument", "Versioned"]  # Versioned is defined in core.models


class CompanyOwned(models.Model):
    company = models.ForeignKey(Company, models.CASCADE, verbose_name=_("company"))

    objects = CompanyQuerySet.as_manager()

    class Meta:
        abstract = True


class PostedDocument(models.Model):
    """A document that is drafted, posted and cancelled (an invoice, a payment): its stamps."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        abstract = True
