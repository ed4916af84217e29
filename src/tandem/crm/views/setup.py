"""Pages of the CRM's set-up lists: the lost reasons a deal is lost for (settings area)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from tandem.crm import services
from tandem.crm.filters.setup import LostReasonFilter
from tandem.crm.forms.setup import LostReasonForm
from tandem.crm.models import LostReason
from tandem.web.display import Column
from tandem.web.generic import ObjectCreateView, ObjectDetailView, ObjectEditView, ObjectListView, SortKey


class LostReasonListView(ObjectListView):
    model = LostReason
    filterset_class = LostReasonFilter
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {"name": SortKey("name", gettext_lazy("Name"))}
    default_sort = "name"
    create_url_name = "crm:lostreason_create"
    create_label = gettext_lazy("New lost reason")
    export_url_name = "crm:lostreason_export"


class LostReasonDetailView(ObjectDetailView):
    model = LostReason
    edit_url_name = "crm:lostreason_edit"
    list_url_name = "crm:lostreason_list"
    fields = ["name", "active"]


class LostReasonCreateView(ObjectCreateView):
    model = LostReason
    form_class = LostReasonForm
    title = gettext_lazy("New lost reason")
    list_url_name = "crm:lostreason_list"
    service = services.create_lost_reason


class LostReasonEditView(ObjectEditView):
    model = LostReason
    form_class = LostReasonForm
    service = services.update_lost_reason
