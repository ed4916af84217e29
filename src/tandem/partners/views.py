"""Partner pages: list, card (detail), create/edit, addresses, merge. Thin: parse → service → render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import django_filters
from django import forms
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core import registry
from tandem.core.countries import countries, country_name
from tandem.core.identifiers import format_phone
from tandem.partners import queries, services
from tandem.partners.duplicates import find_duplicates
from tandem.partners.filters import PartnerFilter
from tandem.partners.forms import (
    AddressCreateForm,
    AddressForm,
    MergeForm,
    PartnerCreateForm,
    PartnerForm,
    organisation_choices,
    salesperson_choices,
)
from tandem.partners.models import Address, Partner, Tag, sees_all_partners
from tandem.web import autocomplete, history
from tandem.web.actions import Action, ActionView
from tandem.web.display import Link
from tandem.web.generic import (
    Column,
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table

MERGE_SEARCH_LIMIT = 20
PANEL_ROWS = 100


autocomplete.register(
    "partners.organisation",
    autocomplete.Source(
        rows=lambda request: organisation_choices(request.user),
        search=queries.search,
        order=("name_key", "id"),
    ),
)
autocomplete.register(
    "partners.salesperson",
    autocomplete.Source(
        rows=lambda request: salesperson_choices(request.user),
        search=queries.search_people,
        order=("first_name", "last_name", "username"),
    ),
)
autocomplete.register(
    "partners.tag",
    autocomplete.Source(
        rows=lambda request: Tag.objects.visible_to(request.user),
        search=lambda rows, text: rows.filter(name__icontains=text),
        order=("name", "id"),
    ),
)


def _country(partner: Partner) -> str:
    return country_name(partner.country)


def phone_link(e164: str) -> Link:
    """Tap to call: the number in international format, dialled as stored (E.164)."""
    return Link(format_phone(e164), f"tel:{e164}" if e164 else "")


def email_link(email: str) -> Link:
    return Link(email, f"mailto:{quote(email, safe='@')}" if email else "")


class PartnerListFilter(PartnerFilter):
    """The shared filter, with the country as a list of names for people."""

    country = django_filters.ChoiceFilter(
        choices=countries, method="filter_country", label=gettext_lazy("Country")
    )


class PartnerListView(ObjectListView):
    model = Partner
    filterset_class = PartnerListFilter
    search_function = queries.search
    search_placeholder = gettext_lazy("Name, e-mail, phone, tax ID…")
    filter_fields = ["kind", "is_customer", "is_supplier", "owner", "tag", "country", "active"]
    default_filters = {"active": "true"}
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("kind", gettext_lazy("Kind")),
        Column("city", gettext_lazy("City")),
        Column("country", gettext_lazy("Country")),
        Column("email", gettext_lazy("E-mail")),
        Column("phone", gettext_lazy("Phone"), shown=format_phone),
        Column("salesperson", gettext_lazy("Salesperson"), accessor="owner"),
        Column("tags", gettext_lazy("Tags")),
        Column("created_at", gettext_lazy("Created"), sort="created"),
    ]
    sorts = {
        "name": SortKey("name_key", gettext_lazy("Name")),
        "created": SortKey("created_at", gettext_lazy("Created"), descending=True),
    }
    default_sort = "name"
    create_url_name = "partners:create"
    create_label = gettext_lazy("New partner")
    export_url_name = "partners:export"
    template_name = "imports/list_with_import.html"  # the list, with an Import button

    def decorate(self, rows: QuerySet[Partner]) -> QuerySet[Partner]:
        invoice_city = (
            Address.objects.filter(partner=OuterRef("pk"), kind=Address.Kind.INVOICE, is_default=True)
            .order_by()  # one default per kind (a constraint): nothing to sort
            .values("city")[:1]
        )
        return rows.select_related("owner").prefetch_related("tags").annotate(city=Subquery(invoice_city))


class PartnerActions(ActionView):
    model = Partner
    url_name = "partners:{name}"
    actions = [
        Action(
            "archive",
            gettext_lazy("Archive"),
            lambda request, partner: services.archive_partner(partner, request.user),
            done=gettext_lazy("“%(name)s” is archived: it no longer shows in lists, and its history stays."),
            confirm=gettext_lazy("Archive this partner? Documents keep pointing at it."),
            available=lambda partner, user: partner.active,
            style="outline-danger",
        )
    ]


class PartnerDetailView(ObjectDetailView):
    model = Partner
    template_name = "partners/partner_detail.html"
    action_view = PartnerActions
    edit_url_name = "partners:edit"
    list_url_name = "partners:list"
    fields = [
        "kind", "organisation", "job_title", "is_customer", "is_supplier", "owner", "group", "tags",
        (gettext_lazy("E-mail"), lambda p: email_link(p.email)),
        (gettext_lazy("Phone"), lambda p: phone_link(p.phone)),
        (gettext_lazy("Mobile"), lambda p: phone_link(p.mobile)),
        "website", (gettext_lazy("Country"), _country),
        "tax_id", "registry_id", "ref",
        "language", "currency", "payment_term", "notes", "active", "created_at", "updated_at",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Partner]:
        return (
            super()
            .get_queryset()
            .select_related("organisation", "owner", "group", "currency", "payment_term", "merged_into")
        )

    def get_context(self) -> dict[str, Any]:
        partner: Partner = self.object  # type: ignore[assignment]
        visible = Partner.objects.visible_to(self.request.user)
        can_change = self.can("change")
        return {
            **super().get_context(),
            "addresses": list(partner.addresses.all()),
            "can_add_address": self.can("add", Address),
            "can_change_address": self.can("change", Address),
            "can_remove_address": self.can("delete", Address),
            "panels": partner_panels(partner, self.request),
            "duplicates": _visible_duplicates(partner, visible) if partner.active else [],
            "timeline": history.entries(queries.timeline(partner), partner),
            "can_merge": can_change and partner.active,
        }


@dataclass(frozen=True)
class Panel:
    key: str
    label: str
    table: Table


def partner_panels(partner: Partner, request: HttpRequest) -> list[Panel]:
    """The related-records panels every app registered for the card (its deals, orders…),
    for the user's permissions; a builder returns None where it has nothing to show."""
    panels = []
    for panel in registry.partner_panels():
        if not request.user.has_perm(panel.permission):
            continue
        table = import_string(panel.table)(partner, request)
        if table is not None:
            panels.append(Panel(panel.key, str(panel.label), table))
    return panels


PEOPLE_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("job_title", gettext_lazy("Job title")),
    Column("email", gettext_lazy("E-mail"), link=lambda p: email_link(p.email).url or None),
    Column(
        "phone",
        gettext_lazy("Phone"),
        accessor=lambda p: format_phone(p.phone or p.mobile),
        link=lambda p: phone_link(p.phone or p.mobile).url or None,
    ),
]


def people_panel(partner: Partner, request: HttpRequest) -> Table | None:
    """An organisation's contact people the user can see."""
    if partner.kind != Partner.Kind.ORGANISATION:
        return None
    people = Partner.objects.visible_to(request.user).filter(organisation=partner).order_by("name_key", "id")
    may_add = request.user.has_perm("partners.add_partner")
    return Table(
        PEOPLE_COLUMNS,
        people[:PANEL_ROWS],
        caption=gettext_lazy("People"),
        empty=gettext_lazy("No people yet."),
        add_url=f"{reverse('partners:create')}?kind=person&organisation={partner.pk}" if may_add else None,
        add_label=gettext_lazy("Add person"),
        key="people",
    )


def _visible_duplicates(partner: Partner, visible: QuerySet[Partner]) -> list[Partner]:
    """Probable duplicates of ``partner`` among the partners the user can see."""
    matches = find_duplicates(
        partner.company,
        name=partner.name,
        email=partner.email,
        phone=partner.phone,
        tax_id=partner.tax_id,
        exclude_id=partner.pk,
    )
    allowed = set(visible.filter(pk__in=[m.partner.pk for m in matches]).values_list("pk", flat=True))
    return [m.partner for m in matches if m.partner.pk in allowed]


class PartnerCreateView(ObjectCreateView):
    model = Partner
    form_class = PartnerCreateForm
    template_name = "partners/partner_form.html"
    errors_template = "partners/_duplicates.html"
    title = gettext_lazy("New partner")
    service = services.create_partner
    list_url_name = "partners:list"
    error_field_map = {"address": "address_text"}

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        if self.request.GET.get("kind") in Partner.Kind.values:
            initial["kind"] = self.request.GET["kind"]
        organisation = self.request.GET.get("organisation", "")
        if organisation.isdigit():
            initial["organisation"] = int(organisation)
        user = self.request.user
        if not sees_all_partners(user):
            initial["owner"] = user.pk
        return initial

    def form_context(self) -> dict[str, Any]:
        return _duplicate_context(self)


class PartnerEditView(ObjectEditView):
    model = Partner
    form_class = PartnerForm
    template_name = "partners/partner_form.html"
    service = services.update_partner


def _duplicate_context(view: ObjectFormView) -> dict[str, Any]:
    """The duplicates the service named (only those the user may open) and how many it did not."""
    error = view.business_error
    extra = error.extra if error is not None else {}
    return {"duplicates": extra.get("duplicates", []), "hidden_duplicates": extra.get("hidden_duplicates", 0)}


class AddressMixin(ModelView):
    """Addresses are reached through a partner the user can see."""

    model = Address

    def get_queryset(self) -> QuerySet[Address]:
        return Address.objects.filter(
            partner__in=Partner.objects.visible_to(self.request.user)
        ).select_related("partner")

    def success_url(self, result: Model) -> str:
        partner = result.partner if isinstance(result, Address) else cast(Partner, result)
        return f"{partner.get_absolute_url()}#addresses"


class AddressCreateView(AddressMixin, ObjectFormView):
    action = "add"
    form_class = AddressCreateForm
    template_name = "partners/address_form.html"
    error_field_map = {"address": "address_text"}
    partner: Partner

    def get_object(self) -> None:
        self.partner = get_object_or_404(Partner.objects.visible_to(self.request.user), pk=self.kwargs["pk"])
        return None

    def base_context(self) -> dict[str, Any]:
        return {**super().base_context(), "title": _("New address for %(name)s") % {"name": self.partner}}

    def cancel_url(self) -> str:
        return self.partner.get_absolute_url()

    def perform(self, form: forms.BaseForm) -> Model:
        cleaned = form.cleaned_data
        typed = {name: cleaned[name] for name in services.ADDRESS_FIELDS if name in cleaned}
        text = cleaned.get("address_text", "")
        return services.add_address(self.partner, self.request.user, address_text=text, **typed)  # type: ignore[arg-type]

    def success_message(self, result: Model) -> str:
        return _("Address added.")


class AddressEditView(AddressMixin, ObjectFormView):
    action = "change"
    form_class = AddressForm
    template_name = "partners/address_form.html"

    def get_object(self) -> Address:
        return get_object_or_404(
            self.get_queryset(), pk=self.kwargs["address_pk"], partner_id=self.kwargs["pk"]
        )

    def base_context(self) -> dict[str, Any]:
        address: Address = self.object  # type: ignore[assignment]
        return {**super().base_context(), "title": _("Address of %(name)s") % {"name": address.partner}}

    def cancel_url(self) -> str:
        return self.success_url(self.object)  # type: ignore[arg-type]

    def perform(self, form: forms.BaseForm) -> Model:
        return services.update_address(
            self.object,  # type: ignore[arg-type]
            self.request.user,  # type: ignore[arg-type]
            expected_version=self.expected_version(form),
            **form.service_data(),  # type: ignore[attr-defined]
        )

    def success_message(self, result: Model) -> str:
        return _("Address saved.")


class AddressActions(AddressMixin, ActionView):
    url_name = "partners:address_{name}"
    actions = [
        Action(
            "remove",
            gettext_lazy("Remove"),
            lambda request, address: services.remove_address(address, request.user),
            done=gettext_lazy("Address removed."),
            permission="partners.delete_address",
            confirm=gettext_lazy("Remove this address?"),
            style="outline-danger",
        )
    ]

    def get_object(self) -> Address:
        return get_object_or_404(
            self.get_queryset(), pk=self.kwargs["address_pk"], partner_id=self.kwargs["pk"]
        )

    def url_args(self, obj: Model) -> list[Any]:
        return [obj.partner_id, obj.pk]  # type: ignore[attr-defined]

    def object_url(self, obj: Model) -> str:
        return self.success_url(obj)


class PartnerMergeView(ObjectFormView):
    """Choose partners (suggested duplicates, or found by search) to fold into this one."""

    model = Partner
    action = "change"
    form_class = MergeForm
    template_name = "partners/partner_merge.html"

    def get_object(self) -> Partner:
        return get_object_or_404(self.get_queryset().filter(active=True), pk=self.kwargs["pk"])

    def make_form(self, **kwargs: Any) -> forms.BaseForm:
        survivor = cast(Partner, self.object)
        return MergeForm(request=self.request, survivor=survivor, data=kwargs.get("data"))

    def base_context(self) -> dict[str, Any]:
        return {
            **super().base_context(),
            "title": _("Merge duplicates into %(name)s") % {"name": self.object},
        }

    def form_context(self) -> dict[str, Any]:
        survivor: Partner = self.object  # type: ignore[assignment]
        visible = Partner.objects.visible_to(self.request.user).filter(active=True).exclude(pk=survivor.pk)
        query = self.request.GET.get("q", "").strip()
        candidates = _visible_duplicates(survivor, visible) if not query else []
        if query:
            candidates = list(queries.search(visible, query).order_by("name_key", "id")[:MERGE_SEARCH_LIMIT])
        chosen = [pk for pk in self.request.POST.getlist("duplicates") if pk.isdigit()]
        known = {p.pk for p in candidates}
        candidates += list(visible.filter(pk__in=chosen).exclude(pk__in=known))
        return {"candidates": candidates, "chosen": set(chosen), "query": query, "suggested": not query}

    def perform(self, form: forms.BaseForm) -> Model:
        return services.merge_partners(self.object, list(form.cleaned_data["duplicates"]), self.request.user)  # type: ignore[arg-type]

    def success_message(self, result: Model) -> str:
        return _("Merged the chosen partners into “%(name)s”.") % {"name": result}
