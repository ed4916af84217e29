"""Dunning level form: shape only; ``services.dunning`` validates and writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import DunningLevel
from tandem.accounting.services.dunning import LEVEL_FIELDS
from tandem.web.forms import ServiceModelForm


class DunningLevelForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Level"), ["sequence", "name", "days_overdue", "fee", "send_email", "active"]),
        (_("Letter"), ["subject", "body"]),
    ]

    class Meta:
        model = DunningLevel
        fields = list(LEVEL_FIELDS)
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"body": _("May use {partner}, {amount}, {fee}, {days}, {date} and {company}.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)
