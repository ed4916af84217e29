"""Forms of the CRM's set-up: lost reasons, sales teams and the monthly sales targets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.models import User
from tandem.crm.models import LostReason, SalesTarget, SalesTeam
from tandem.crm.models.rules import sees_all, visible_people
from tandem.web.autocomplete import AutocompleteSelect, AutocompleteSelectMultiple
from tandem.web.forms import ServiceModelForm

COLLEAGUE = "crm.colleague"


class LostReasonForm(ServiceModelForm):
    class Meta:
        model = LostReason
        fields = ["name", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)  # a new reason is offered at once


class SalesTeamForm(ServiceModelForm):
    class Meta:
        model = SalesTeam
        fields = ["name", "leader", "members"]
        widgets = {"leader": AutocompleteSelect(COLLEAGUE), "members": AutocompleteSelectMultiple(COLLEAGUE)}

    def limit_choices(self) -> None:
        people = visible_people(getattr(self.request, "user", None))
        self.choice_field("leader").queryset = people
        self.choice_field("members").queryset = people


def teams_for(user: Any) -> Any:
    """The teams whose targets ``user`` sets: every team for the sales director, the teams they
    lead for a sales manager."""
    teams = SalesTeam.objects.visible_to(user)
    return teams if sees_all(user) else teams.filter(leader=user)


class SalesTargetForm(ServiceModelForm):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    user = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=User.objects.none(), required=False,
        widget=AutocompleteSelect(COLLEAGUE),
    )  # fmt: skip

    class Meta:
        model = SalesTarget
        fields = ["month", "user", "team", "revenue", "deals", "activities"]
        widgets = {"revenue": forms.NumberInput(attrs={"step": "0.01", "min": "0"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:  # whose target and which month stay; the figures change
            for name in ("month", "user", "team"):
                self.fields.pop(name)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("user").queryset = visible_people(user)
        self.choice_field("team").queryset = teams_for(user)
