"""Filters of accounts, journals and journal entries."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Account, Journal, JournalEntry
from tandem.accounting.queries import ledger as queries


def _journals(request: Any) -> QuerySet[Journal]:
    return Journal.objects.visible_to(getattr(request, "user", None))


def _accounts(request: Any) -> QuerySet[Account]:
    return Account.objects.visible_to(getattr(request, "user", None))


class AccountFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    type = django_filters.ChoiceFilter(choices=Account.Type.choices, label=_("Type"))
    subtype = django_filters.ChoiceFilter(choices=Account.Subtype.choices, label=_("Subtype"))
    reconcilable = django_filters.BooleanFilter(label=_("Reconcilable"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Account
        fields = ["search", "type", "subtype", "reconcilable", "active"]

    def filter_search(self, rows: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return queries.search_accounts(rows, value)


class JournalFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Journal.Kind.choices, label=_("Kind"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Journal
        fields = ["kind", "active"]


class EntryFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    journal = django_filters.ModelChoiceFilter(queryset=_journals, label=_("Journal"))
    state = django_filters.ChoiceFilter(choices=JournalEntry.State.choices, label=_("State"))
    origin = django_filters.ChoiceFilter(choices=JournalEntry.Origin.choices, label=_("Origin"))
    account = django_filters.ModelChoiceFilter(
        queryset=_accounts, method="filter_account", label=_("Account")
    )
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("To"))

    class Meta:
        model = JournalEntry
        fields = ["search", "journal", "state", "origin", "account", "date_from", "date_to"]

    def filter_search(self, rows: QuerySet[JournalEntry], name: str, value: str) -> QuerySet[JournalEntry]:
        return queries.search_entries(rows, value)

    def filter_account(
        self, rows: QuerySet[JournalEntry], name: str, value: Account
    ) -> QuerySet[JournalEntry]:
        return rows.filter(lines__account=value).distinct() if value else rows
