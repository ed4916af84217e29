"""Abstract model bases for what business rows share.

``CompanyOwned``: the row belongs to one company and is read through ``visible_to(user)``
(rule 7); a model with its own record rules subclasses :class:`CompanyQuerySet` and sets
``objects`` again. ``Versioned``: a version the UI and the API's ``ETag``/``If-Match`` compare,
bumped by :func:`tandem.core.versioning.update_versioned`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Company
from tandem.core.querysets import CompanyQuerySet


class CompanyOwned(models.Model):
    company = models.ForeignKey(Company, models.CASCADE, verbose_name=_("company"))

    objects = CompanyQuerySet.as_manager()

    class Meta:
        abstract = True


class Versioned(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True
