"""Chart of accounts, journals and journal entries: lists, details, forms, actions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from tandem.accounting.models import Account
from tandem.web.generic import Column, ObjectDetailView, ObjectListView, SortKey


class AccountListView(ObjectListView):
    model = Account
    columns = [
        Column("code", gettext_lazy("Code"), link=True, sort="code"),
        Column("name", gettext_lazy("Name"), sort="name"),
        Column("type", gettext_lazy("Type")),
        Column("subtype", gettext_lazy("Subtype")),
        Column("reconcilable", gettext_lazy("Reconcilable")),
        Column("currency", gettext_lazy("Currency")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {
        "code": SortKey("code", gettext_lazy("Code")),
        "name": SortKey("name", gettext_lazy("Name")),
    }
    default_sort = "code"

    def decorate(self, rows: QuerySet[Account]) -> QuerySet[Account]:
        return rows.select_related("currency")


class AccountDetailView(ObjectDetailView):
    model = Account
    list_url_name = "accounting:account_list"
    fields = ["code", "name", "type", "subtype", "group", "reconcilable", "currency", "active"]
