"""Forms of the CRM's set-up lists: lost reasons."""

from __future__ import annotations

from typing import Any

from tandem.crm.models import LostReason
from tandem.web.forms import ServiceModelForm


class LostReasonForm(ServiceModelForm):
    class Meta:
        model = LostReason
        fields = ["name", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)  # a new reason is offered at once
