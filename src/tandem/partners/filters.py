"""The one FilterSet per partner model, shared by the web list and the API.

Choice querysets depend on the request (the user's company and record rules), so a
filter can only name tags, groups and salespeople the user could pick in a form.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.core.filters import IdFilter, linked_to
from tandem.core.models import User
from tandem.core.querysets import allowed_company
from tandem.partners import queries
from tandem.partners.models import Address, CustomerGroup, Partner, Tag


def _user(request: Any) -> Any:
    return getattr(request, "user", None)


def _tags(request: Any) -> QuerySet[Tag]:
    return Tag.objects.visible_to(_user(request))


def _groups(request: Any) -> QuerySet[CustomerGroup]:
    return CustomerGroup.objects.visible_to(_user(request))


def _salespeople(request: Any) -> QuerySet[User]:
    company = allowed_company(_user(request))
    if company is None:
        return User.objects.none()
    return User.objects.filter(companies=company)


class PartnerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Partner.Kind.choices, label=_("Kind"))
    is_customer = django_filters.BooleanFilter(label=_("Customer"))
    is_supplier = django_filters.BooleanFilter(label=_("Supplier"))
    owner = django_filters.ModelChoiceFilter(queryset=_salespeople, label=_("Salesperson"))
    tag = django_filters.ModelChoiceFilter(queryset=_tags, method="filter_tag", label=_("Tag"))
    group = django_filters.ModelChoiceFilter(queryset=_groups, label=_("Customer group"))
    country = django_filters.CharFilter(method="filter_country", label=_("Country"))
    active = django_filters.BooleanFilter(label=_("Active"))
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Changed since")
    )

    class Meta:
        model = Partner
        fields = [
            "search",
            "kind",
            "is_customer",
            "is_supplier",
            "owner",
            "tag",
            "group",
            "country",
            "active",
        ]

    def filter_search(self, rows: QuerySet[Partner], name: str, value: str) -> QuerySet[Partner]:
        return queries.search(rows, value)

    def filter_tag(self, rows: QuerySet[Partner], name: str, value: Tag | None) -> QuerySet[Partner]:
        if value is None:
            return rows
        return linked_to(rows, Partner.tags.through.objects.filter(tag=value), "partner_id")

    def filter_country(self, rows: QuerySet[Partner], name: str, value: str) -> QuerySet[Partner]:
        return rows.filter(country=value.strip().upper())


class AddressFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", label=_("Partner"))
    kind = django_filters.ChoiceFilter(choices=Address.Kind.choices, label=_("Kind"))

    class Meta:
        model = Address
        fields = ["partner", "kind"]
