"""Chart of accounts, journals and journal entries: lists, details, forms, post and reverse."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from tandem.accounting.filters.ledger import AccountFilter, EntryFilter, JournalFilter
from tandem.accounting.forms.ledger import AccountForm, EntryForm, JournalForm, RevaluationForm
from tandem.accounting.models import Account, Journal, JournalEntry
from tandem.accounting.queries import ledger as queries
from tandem.accounting.services import ledger as services
from tandem.partners.models import Partner
from tandem.partners.queries import search as search_partners
from tandem.web import autocomplete
from tandem.web.actions import Action, ActionView
from tandem.web.generic import (
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectFormView,
    ObjectListView,
    SortKey,
)

autocomplete.register(
    "accounting.account",
    autocomplete.Source(
        rows=lambda request: Account.objects.visible_to(request.user).filter(active=True),
        search=queries.search_accounts,
        order=("code", "id"),
    ),
)
autocomplete.register(
    "accounting.partner",
    autocomplete.Source(
        rows=lambda request: Partner.objects.visible_to(request.user).filter(active=True),
        search=search_partners,
        order=("name_key", "id"),
    ),
)


# --- accounts -----------------------------------------------------------------------------


class AccountListView(ObjectListView):
    model = Account
    filterset_class = AccountFilter
    search_function = queries.search_accounts
    search_placeholder = gettext_lazy("Code or name")
    filter_fields = ["type", "subtype", "reconcilable", "active"]
    default_filters = {"active": "true"}
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
    create_url_name = "accounting:account_create"
    create_label = gettext_lazy("New account")
    export_url_name = "accounting:account_export"


class AccountDetailView(ObjectDetailView):
    model = Account
    edit_url_name = "accounting:account_edit"
    list_url_name = "accounting:account_list"
    fields = [
        "code", "name", "type", "subtype", "group", "reconcilable", "currency", "active",
        (gettext_lazy("Balance"), lambda account: queries.balance(account.lines.filter(posted=True))),
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Account]:
        return super().get_queryset().select_related("group", "currency")


class AccountCreateView(ObjectCreateView):
    model = Account
    form_class = AccountForm
    title = gettext_lazy("New account")
    service = services.create_account
    list_url_name = "accounting:account_list"


class AccountEditView(ObjectEditView):
    model = Account
    form_class = AccountForm
    service = services.update_account


# --- journals -----------------------------------------------------------------------------


class JournalListView(ObjectListView):
    model = Journal
    filterset_class = JournalFilter
    filter_fields = ["kind", "active"]
    columns = [
        Column("code", gettext_lazy("Code"), link=True, sort="code"),
        Column("name", gettext_lazy("Name"), sort="name"),
        Column("kind", gettext_lazy("Kind")),
        Column("default_account", gettext_lazy("Default account")),
        Column("currency", gettext_lazy("Currency")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {
        "code": SortKey("code", gettext_lazy("Code")),
        "name": SortKey("name", gettext_lazy("Name")),
    }
    default_sort = "code"
    create_url_name = "accounting:journal_create"
    create_label = gettext_lazy("New journal")
    export_url_name = "accounting:journal_export"

    def decorate(self, rows: QuerySet[Journal]) -> QuerySet[Journal]:
        return rows.select_related("default_account", "currency")


class JournalDetailView(ObjectDetailView):
    model = Journal
    edit_url_name = "accounting:journal_edit"
    list_url_name = "accounting:journal_list"
    fields = ["code", "name", "kind", "default_account", "currency", "bank_iban", "bank_bic", "active"]

    def get_queryset(self) -> QuerySet[Journal]:
        return super().get_queryset().select_related("default_account", "currency")


class JournalCreateView(ObjectCreateView):
    model = Journal
    form_class = JournalForm
    title = gettext_lazy("New journal")
    service = services.create_journal
    list_url_name = "accounting:journal_list"


class JournalEditView(ObjectEditView):
    model = Journal
    form_class = JournalForm
    service = services.update_journal


# --- entries ------------------------------------------------------------------------------


def _draft(entry: JournalEntry, user: Any) -> bool:
    return entry.state == JournalEntry.State.DRAFT


def _reversible(entry: JournalEntry, user: Any) -> bool:
    return (
        entry.state == JournalEntry.State.POSTED
        and not hasattr(entry, "reversed_by")
        and services.owner_of(entry) is None
    )


class EntryActions(ActionView):
    model = JournalEntry
    url_name = "accounting:entry_{name}"
    actions = [
        Action(
            "post",
            gettext_lazy("Post"),
            lambda request, entry: services.post_entry(entry, request.user),
            done=gettext_lazy("Posted as %(name)s."),
            confirm=gettext_lazy("Post this entry? A posted entry can only be reversed, never changed."),
            available=_draft,
            style="primary",
        ),
        Action(
            "reverse",
            gettext_lazy("Reverse"),
            lambda request, entry: services.reverse_entry(entry, request.user),
            done=gettext_lazy("“%(name)s” is reversed."),
            confirm=gettext_lazy("Post a reversal of this entry on its date?"),
            available=_reversible,
        ),
        Action(
            "delete",
            gettext_lazy("Delete"),
            lambda request, entry: services.delete_entry(entry, request.user),
            done=gettext_lazy("The draft is deleted."),
            permission="accounting.delete_journalentry",
            confirm=gettext_lazy("Delete this draft entry?"),
            available=_draft,
            style="outline-danger",
            next_url=lambda entry: reverse("accounting:entry_list"),
        ),
    ]


class EntryListView(ObjectListView):
    model = JournalEntry
    filterset_class = EntryFilter
    search_function = queries.search_entries
    search_placeholder = gettext_lazy("Number or reference")
    filter_fields = ["journal", "state", "origin", "date_from", "date_to"]
    columns = [
        Column("date", gettext_lazy("Date"), sort="date"),
        Column("number", gettext_lazy("Number"), link=True),
        Column("journal", gettext_lazy("Journal")),
        Column("reference", gettext_lazy("Reference")),
        Column("origin", gettext_lazy("Origin")),
        Column("state", gettext_lazy("State")),
    ]
    sorts = {"date": SortKey("date", gettext_lazy("Date"), descending=True)}
    default_sort = "date"
    create_url_name = "accounting:entry_create"
    create_label = gettext_lazy("New entry")
    export_url_name = "accounting:entry_export"

    def decorate(self, rows: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
        return rows.select_related("journal")


class EntryDetailView(ObjectDetailView):
    model = JournalEntry
    template_name = "accounting/entry_detail.html"
    action_view = EntryActions
    list_url_name = "accounting:entry_list"
    fields = ["journal", "date", "reference", "narration", "origin", "reversal_of", "posted_by", "posted_at"]

    @property
    def edit_url_name(self) -> str | None:  # type: ignore[override]
        return "accounting:entry_edit" if self.object.state == JournalEntry.State.DRAFT else None  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[JournalEntry]:
        return (
            super().get_queryset().select_related("journal", "reversal_of", "posted_by", "company__currency")
        )

    def get_context(self) -> dict[str, Any]:
        entry: JournalEntry = self.object  # type: ignore[assignment]
        lines = list(entry.lines.select_related("account", "partner", "currency", "cost_centre"))
        debit = sum((line.debit for line in lines), queries.ZERO)
        credit = sum((line.credit for line in lines), queries.ZERO)
        return {**super().get_context(), "lines": lines, "total_debit": debit, "total_credit": credit}


class EntryCreateView(ObjectCreateView):
    model = JournalEntry
    form_class = EntryForm
    form_template = "accounting/_entry_form.html"
    title = gettext_lazy("New journal entry")
    service = services.create_entry
    list_url_name = "accounting:entry_list"

    def success_message(self, result: Model) -> str:
        return str(gettext_lazy("The draft entry is saved; post it when it is right."))


class EntryEditView(ObjectEditView):
    model = JournalEntry
    form_class = EntryForm
    form_template = "accounting/_entry_form.html"
    service = services.update_entry


# --- period-end revaluation ---------------------------------------------------------------


class RevaluationView(ObjectFormView):
    """An accountant restates the open foreign-currency items at a day's rates
    (``ledger.revalue``): the posted entry opens, or, when nothing moved, the settings page
    says so. Posting rights on entries are what it takes; the lock date refuses as posting does."""

    model = JournalEntry
    action = "add"
    form_class = RevaluationForm
    title = gettext_lazy("Revalue foreign currency")

    def get_initial(self) -> dict[str, Any]:
        return {"date": timezone.localdate().replace(day=1) - datetime.timedelta(days=1)}

    def perform(self, form: forms.BaseForm) -> Model:
        company = self.request.company  # type: ignore[attr-defined]
        if company is None:
            raise Http404
        on = form.cleaned_data["date"]
        entry = services.revalue(company, self.request.user, on)  # type: ignore[arg-type]
        return entry if entry is not None else queries.settings_of(company)

    def success_url(self, result: Model) -> str:
        if isinstance(result, JournalEntry):
            return str(result.get_absolute_url())
        return reverse("accounting:books_settings")

    def success_message(self, result: Model) -> str:
        if isinstance(result, JournalEntry):
            return gettext("Posted the revaluation %(name)s; it is reversed the next day.") % {"name": result}
        return gettext("Nothing to revalue: no open foreign-currency item changed its value.")

    def cancel_url(self) -> str:
        return reverse("accounting:books_settings")
