"""Dunning levels: list, page, form (the delay, fee and letter of each reminder level)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from tandem.accounting.forms.management import DunningLevelForm
from tandem.accounting.models import DunningLevel
from tandem.accounting.services import dunning
from tandem.web.generic import (
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)


class DunningLevelListView(ObjectListView):
    model = DunningLevel
    title = gettext_lazy("Dunning levels")
    columns = [
        Column("sequence", gettext_lazy("Level"), sort="sequence"),
        Column("name", gettext_lazy("Name"), link=True),
        Column("days_overdue", gettext_lazy("Days overdue"), numeric=True),
        Column("fee", gettext_lazy("Fee"), numeric=True),
        Column("send_email", gettext_lazy("By e-mail")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {"sequence": SortKey("sequence", gettext_lazy("Level"))}
    default_sort = "sequence"
    create_url_name = "accounting:dunning_level_create"
    create_label = gettext_lazy("New level")
    export_url_name = "accounting:dunning_level_export"


class DunningLevelDetailView(ObjectDetailView):
    model = DunningLevel
    edit_url_name = "accounting:dunning_level_edit"
    list_url_name = "accounting:dunning_level_list"
    fields = ["sequence", "name", "days_overdue", "fee", "send_email", "active", "subject", "body"]


class DunningLevelCreateView(ObjectCreateView):
    model = DunningLevel
    form_class = DunningLevelForm
    title = gettext_lazy("New dunning level")
    service = dunning.create_level
    list_url_name = "accounting:dunning_level_list"


class DunningLevelEditView(ObjectEditView):
    model = DunningLevel
    form_class = DunningLevelForm
    service = dunning.update_level
