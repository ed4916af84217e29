"""The subscription form: shape only; the service validates and writes."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.web.forms import SectionsMixin, style_fields


class SubscriptionForm(SectionsMixin, forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.CharField(
        label=_("Events"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Event names, one per line or separated by commas: partner.created, partner.* or * for all."
        ),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, request: Any = None, with_active: bool = False, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        if not with_active:
            del self.fields["active"]
        style_fields(self)

    def clean_events(self) -> list[str]:
        return [name for name in re.split(r"[\s,;]+", self.cleaned_data["events"]) if name]

    def service_data(self) -> dict[str, Any]:
        data = {
            "url": self.cleaned_data["url"],
            "events_": self.cleaned_data["events"],
            "description": self.cleaned_data.get("description", ""),
        }
        if "active" in self.fields:
            data["active"] = bool(self.cleaned_data.get("active"))
        return data
