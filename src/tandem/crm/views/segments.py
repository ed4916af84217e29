"""Segment pages: the list, the form (filters over partners), the card with the live count and
the first members, and the members list with the platform's CSV/XLSX export."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.models import User
from tandem.core.querysets import allowed_company
from tandem.crm import segments
from tandem.crm.models import Segment, Stage
from tandem.partners.models import Partner, Tag
from tandem.web.autocomplete import AutocompleteSelectMultiple
from tandem.web.display import Column
from tandem.web.forms import ServiceModelForm
from tandem.web.generic import ObjectCreateView, ObjectDetailView, ObjectEditView, ObjectListView, SortKey
from tandem.web.tables import Table

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PREVIEW_ROWS = 20


class SegmentFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="find", label=_("Search"))

    class Meta:
        model = Segment
        fields: list[str] = []

    def find(self, rows: QuerySet[Segment], name: str, value: str) -> QuerySet[Segment]:
        for word in value.split():
            rows = rows.filter(Q(name__icontains=word) | Q(description__icontains=word))
        return rows


class SegmentForm(ServiceModelForm):
    tags = forms.ModelMultipleChoiceField(
        Tag.objects.none(),
        required=False,
        label=_("Tags (any)"),
        widget=AutocompleteSelectMultiple("partners.tag"),
    )
    countries = forms.CharField(
        required=False,
        max_length=600,
        label=_("Countries"),
        help_text=_("Two-letter codes, e.g. PL, SI, DE."),
    )
    city = forms.CharField(required=False, max_length=100, label=_("City"))
    owners = forms.ModelMultipleChoiceField(User.objects.none(), required=False, label=_("Salespeople"))
    created_from = forms.DateField(required=False, label=_("Created from"), widget=DATE)
    created_to = forms.DateField(required=False, label=_("Created until"), widget=DATE)
    active_since = forms.DateField(required=False, label=_("An activity done since"), widget=DATE)
    inactive_since = forms.DateField(required=False, label=_("No activity done since"), widget=DATE)
    stages = forms.ModelMultipleChoiceField(
        Stage.objects.none(), required=False, label=_("Has an open deal in")
    )
    won_min = forms.DecimalField(
        required=False, min_value=0, max_digits=18, decimal_places=2, label=_("Won revenue at least")
    )
    won_max = forms.DecimalField(
        required=False, min_value=0, max_digits=18, decimal_places=2, label=_("Won revenue at most")
    )

    class Meta:
        model = Segment
        fields = ["name", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        company = allowed_company(user)
        for name, rows in (
            ("tags", Tag.objects.visible_to(user)),
            ("owners", User.objects.filter(companies=company, is_active=True)),
            (
                "stages",
                Stage.objects.visible_to(user).filter(is_won=False, is_lost=False).select_related("pipeline"),
            ),
        ):
            self.choice_field(name).queryset = rows
        criteria = (self.instance.criteria or {}) if self.instance.pk else {}
        for key in ("tags", "owners", "stages", "city", *segments.DATE_KEYS, *segments.MONEY_KEYS):
            if key in criteria:
                self.initial[key] = criteria[key]
        if criteria.get("countries"):
            self.initial["countries"] = ", ".join(criteria["countries"])

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        criteria: dict[str, Any] = {
            "tags": [t.pk for t in data.get("tags") or []],
            "owners": [u.pk for u in data.get("owners") or []],
            "stages": [s.pk for s in data.get("stages") or []],
            "countries": [
                c.strip() for c in (data.get("countries") or "").replace(";", ",").split(",") if c.strip()
            ],
            "city": data.get("city") or "",
        }
        for key in segments.DATE_KEYS:
            criteria[key] = data[key].isoformat() if data.get(key) else ""
        for key in segments.MONEY_KEYS:
            criteria[key] = str(data[key]) if data.get(key) is not None else ""
        return {
            "name": data.get("name", ""),
            "description": data.get("description", ""),
            "criteria": criteria,
        }


class SegmentListView(ObjectListView):
    model = Segment
    filterset_class = SegmentFilter
    search_placeholder = _("Segment")
    columns = [
        Column("name", _("Name"), link=True, sort="name"),
        Column("description", _("Description")),
        # counted for a page or an export batch at once (``prepare``: one query), as the reader
        # sees the partners
        Column("member_count", _("Members"), numeric=True),
        Column("created_by", _("Created by")),
        Column("updated_at", _("Updated")),
    ]
    sorts = {"name": SortKey("name", _("Name"))}
    default_sort = "name"
    create_url_name = "crm:segment_create"
    create_label = _("New segment")
    export_url_name = "crm:segment_export"

    def decorate(self, rows: QuerySet[Segment]) -> QuerySet[Segment]:
        return rows.select_related("created_by")

    def prepare(self, rows: list[Any]) -> None:
        """Each segment of the page (or of an export batch) with its live member count, all
        counted in one query."""
        segments.set_member_counts(rows, self.request.user)


MEMBER_COLUMNS = [
    Column("name", _("Name"), link=True, sort="name"),
    Column("email", _("E-mail")),
    Column("phone", _("Phone")),
    Column("country", _("Country")),
    Column("owner", _("Salesperson")),
]


class SegmentDetailView(ObjectDetailView):
    model = Segment
    template_name = "crm/segment_detail.html"
    edit_url_name = "crm:segment_edit"
    list_url_name = "crm:segment_list"
    fields = ["name", "description", "created_by", "updated_at"]

    def get_context(self) -> dict[str, Any]:
        segment: Segment = self.object  # type: ignore[assignment]
        rows = segments.members(segment.criteria, self.request.user)
        return {
            **super().get_context(),
            "count": rows.count(),
            "criteria": sorted(segment.criteria.items()),
            "members": Table(
                MEMBER_COLUMNS,
                rows.select_related("owner").order_by("name_key", "id")[:PREVIEW_ROWS],
                caption=_("Members"),
                empty=_("No partner you can see matches."),
                key="members",
            ),
            "members_url": reverse("crm:segment_members", args=[segment.pk]),
        }


class SegmentCreateView(ObjectCreateView):
    model = Segment
    form_class = SegmentForm
    title = _("New segment")
    service = segments.create_segment
    list_url_name = "crm:segment_list"


class SegmentEditView(ObjectEditView):
    model = Segment
    form_class = SegmentForm
    service = segments.update_segment


class SegmentMembersView(ObjectListView):
    """The segment's members as a partner list: search, sort, pages and the platform's export."""

    model = Partner
    search_placeholder = _("Name")
    columns = MEMBER_COLUMNS
    sorts = {"name": SortKey("name_key", _("Name"))}
    default_sort = "name"

    def segment(self) -> Segment:
        return get_object_or_404(Segment.objects.visible_to(self.request.user), pk=self.kwargs["pk"])

    def base_context(self) -> dict[str, Any]:
        return {**super().base_context(), "title": _("Members of %(segment)s") % {"segment": self.segment()}}

    def get_queryset(self) -> QuerySet[Partner]:
        if not self.request.user.has_perm("crm.view_segment"):
            raise Http404
        return segments.members(self.segment().criteria, self.request.user)

    def filtered(self, filterset: Any) -> QuerySet[Partner]:
        rows = self.get_queryset()
        for word in self.search_text().split():
            rows = rows.filter(name__icontains=word)
        return rows

    def has_search(self, filterset: Any) -> bool:
        return True

    def decorate(self, rows: QuerySet[Partner]) -> QuerySet[Partner]:
        return rows.select_related("owner")

    def export_urls(self) -> list[tuple[str, str]]:
        path = reverse("crm:segment_members_export", args=[self.kwargs["pk"]])
        query = self.request.GET.copy()
        for name in ("after", "before", "format"):
            query.pop(name, None)
        links = []
        for fmt, label in [("csv", "CSV"), ("xlsx", "Excel (XLSX)")]:
            query["format"] = fmt
            links.append((label, f"{path}?{query.urlencode()}"))
        return links


class SegmentMembersExportView(SegmentMembersView):
    """The members list's CSV/XLSX file (``?format=``), through the platform's export."""

    export = True


SEGMENT_PANEL_COLUMNS = [
    Column("name", _("Segment"), link=True),
    Column("description", _("Description")),
]


def segments_panel(partner: Partner, request: Any) -> Table:
    """The card's segments: those of the company this partner is a member of, as the reader
    sees it (their partners, deals and activities) — every segment tested in one query."""
    company_segments = list(Segment.objects.visible_to(request.user).order_by("name", "id"))
    member_of = segments.member_counts(company_segments, request.user, partner)
    return Table(
        SEGMENT_PANEL_COLUMNS,
        [segment for segment in company_segments if member_of[segment.pk]],
        caption=_("Segments"),
        empty=_("Not in any segment."),
        key="segments",
    )
