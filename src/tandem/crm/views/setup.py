"""Pages of the CRM's set-up: the lost reasons a deal is lost for (settings area), the sales teams
(the sales director's) and the monthly targets of salespeople and teams."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy

from tandem.crm import services, targets
from tandem.crm.filters.setup import LostReasonFilter, SalesTargetFilter, SalesTeamFilter
from tandem.crm.forms.setup import COLLEAGUE, LostReasonForm, SalesTargetForm, SalesTeamForm
from tandem.crm.models import LostReason, SalesTarget, SalesTeam
from tandem.crm.models.rules import visible_people
from tandem.partners.queries import search_people
from tandem.web import autocomplete
from tandem.web.display import Column
from tandem.web.generic import ObjectCreateView, ObjectDetailView, ObjectEditView, ObjectListView, SortKey

autocomplete.register(
    COLLEAGUE,
    autocomplete.Source(
        rows=lambda request: visible_people(request.user),
        search=search_people,
        order=("first_name", "last_name", "username"),
    ),
)


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


class SalesTeamListView(ObjectListView):
    model = SalesTeam
    filterset_class = SalesTeamFilter
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("leader", gettext_lazy("Team leader")),
        Column("member_count", gettext_lazy("Members"), numeric=True),
    ]
    sorts = {"name": SortKey("name", gettext_lazy("Name"))}
    default_sort = "name"
    create_url_name = "crm:salesteam_create"
    create_label = gettext_lazy("New sales team")
    export_url_name = "crm:salesteam_export"

    def get_queryset(self) -> QuerySet[SalesTeam]:
        return super().get_queryset().select_related("leader").annotate(member_count=Count("members"))


def _members(team: SalesTeam) -> str:
    return ", ".join(str(person) for person in team.members.order_by("first_name", "last_name", "id"))


class SalesTeamDetailView(ObjectDetailView):
    model = SalesTeam
    edit_url_name = "crm:salesteam_edit"
    list_url_name = "crm:salesteam_list"
    fields = ["name", "leader", (gettext_lazy("Members"), _members)]


class SalesTeamCreateView(ObjectCreateView):
    model = SalesTeam
    form_class = SalesTeamForm
    title = gettext_lazy("New sales team")
    list_url_name = "crm:salesteam_list"
    service = targets.create_team


class SalesTeamEditView(ObjectEditView):
    model = SalesTeam
    form_class = SalesTeamForm
    service = targets.update_team


class SalesTargetListView(ObjectListView):
    model = SalesTarget
    filterset_class = SalesTargetFilter
    columns = [
        Column("month", gettext_lazy("Month"), link=True, sort="month", shown=lambda day: f"{day:%Y-%m}"),
        Column("user", gettext_lazy("Salesperson")),
        Column("team", gettext_lazy("Team")),
        Column("revenue", gettext_lazy("Revenue won"), numeric=True),
        Column("deals", gettext_lazy("Deals won"), numeric=True),
        Column("activities", gettext_lazy("Activities done"), numeric=True),
    ]
    sorts = {"month": SortKey("month", gettext_lazy("Month"), descending=True)}
    default_sort = "month"
    create_url_name = "crm:salestarget_create"
    create_label = gettext_lazy("New target")
    export_url_name = "crm:salestarget_export"

    def get_queryset(self) -> QuerySet[SalesTarget]:
        return super().get_queryset().select_related("user", "team")


class SalesTargetDetailView(ObjectDetailView):
    model = SalesTarget
    edit_url_name = "crm:salestarget_edit"
    list_url_name = "crm:salestarget_list"
    fields = ["month", "user", "team", "revenue", "deals", "activities"]


class SalesTargetCreateView(ObjectCreateView):
    model = SalesTarget
    form_class = SalesTargetForm
    title = gettext_lazy("New sales target")
    list_url_name = "crm:salestarget_list"
    service = targets.set_target


class SalesTargetEditView(ObjectEditView):
    model = SalesTarget
    form_class = SalesTargetForm
    service = targets.update_target
