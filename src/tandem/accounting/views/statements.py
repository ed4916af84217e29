"""Bank statements and the reconciliation screen.

The list (with Upload for CAMT.053 and MT940 files, Import for CSV), and a statement's page:
its lines, each waiting line with the open items it probably pays (best first, with why),
reconciled lines with their entry. On a line the accountant confirms the top suggestion (one
key: Enter), uses another suggestion, splits the line across open items, settles them in
full writing off a small difference (a bank fee, rounding) to an account, books it to an
account, or undoes it; each is a business action (:class:`LineActions`) answered in place by
htmx with the redrawn line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext

from tandem.accounting.forms.statements import BookLineForm, StatementUploadForm, WriteOffForm, split_data
from tandem.accounting.models import BankStatement, BankStatementLine, BooksSettings
from tandem.accounting.queries import ledger as ledger_queries
from tandem.accounting.queries import statements as queries
from tandem.accounting.services import statements as services
from tandem.core.money import MissingRate
from tandem.web.actions import Action, ActionView
from tandem.web.generic import Column, ModelView, ObjectCreateView, ObjectDetailView, ObjectListView, SortKey

LINE_TEMPLATE = "accounting/_statement_line.html"


def _progress(statement: Any) -> str:
    return f"{getattr(statement, 'done_count', 0)} / {getattr(statement, 'line_count', 0)}"


class StatementListView(ObjectListView):
    model = BankStatement
    title = gettext_lazy("Bank statements")
    template_name = "imports/list_with_import.html"  # the list, with Import for CSV files
    filter_fields = ["journal"]
    columns = [
        Column("name", gettext_lazy("Reference"), link=True),
        Column("journal", gettext_lazy("Journal")),
        Column("date", gettext_lazy("Date"), sort="date"),
        Column("source", gettext_lazy("Source")),
        Column("balance_start", gettext_lazy("Opening balance"), numeric=True),
        Column("balance_end", gettext_lazy("Closing balance"), numeric=True),
        Column("progress", gettext_lazy("Reconciled"), accessor=_progress, export=False),
    ]
    sorts = {"date": SortKey("date", gettext_lazy("Date"), descending=True)}
    default_sort = "date"
    create_url_name = "accounting:statement_create"
    create_label = gettext_lazy("Upload a statement")
    export_url_name = "accounting:statement_export"

    def decorate(self, rows: QuerySet[BankStatement]) -> QuerySet[BankStatement]:
        return queries.with_progress(rows.select_related("journal"))


class StatementActions(ActionView):
    model = BankStatement
    url_name = "accounting:statement_{name}"
    actions = [
        Action(
            "delete",
            gettext_lazy("Remove statement"),
            lambda request, statement: services.delete_statement(statement, request.user),
            done=gettext_lazy("The statement was removed."),
            permission="accounting.delete_bankstatement",
            confirm=gettext_lazy(
                "Remove this statement and its lines? Only one with no line reconciled can go."
            ),
            next_url=lambda statement: reverse("accounting:statement_list"),
            style="outline-danger",
        ),
    ]


class StatementDetailView(ObjectDetailView):
    model = BankStatement
    template_name = "accounting/statement_detail.html"
    action_view = StatementActions
    list_url_name = "accounting:statement_list"
    fields = [
        "journal",
        "date",
        "source",
        "file_name",
        "balance_start",
        "balance_end",
        "created_by",
        "created_at",
    ]

    def get_queryset(self) -> QuerySet[BankStatement]:
        return (
            super().get_queryset().select_related("journal__currency", "journal__default_account", "company")
        )

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        statement: BankStatement = self.object  # type: ignore[assignment]
        lines = list(
            statement.lines.select_related("partner", "entry", "counter_account", "statement").order_by(
                "sequence", "pk"
            )
        )
        for line in lines:
            line.statement = statement  # one statement (company, journal) for every line
        found = queries.suggest(lines)
        books = BooksSettings.objects.filter(company=statement.company_id).first()
        context["rows"] = [line_context(self.request, found[line.pk], books=books) for line in lines]
        context["currency"] = queries.statement_currency(statement)
        context["waiting"] = sum(1 for line in lines if line.entry_id is None)
        return context


def line_context(
    request: HttpRequest,
    found: queries.LineSuggestions,
    error: str = "",
    *,
    books: BooksSettings | None = None,
) -> dict[str, Any]:
    line = found.line
    may = request.user.has_perm("accounting.change_bankstatementline")
    return {
        "line": line,
        "suggestions": found.suggestions,
        "suggested": _with_write_offs(line, found.suggestions, books),
        "write_off_account": books.write_off_account_id if books is not None else None,
        "top": found.top,
        "error": error,
        "may_reconcile": may,
    }


def _with_write_offs(
    line: BankStatementLine, suggestions: list[queries.Suggestion], books: BooksSettings | None
) -> list[tuple[queries.Suggestion, Decimal | None]]:
    """Each suggestion with the difference settling it in full would write off (what is open
    of it less the line, either way, in the line's currency) when that difference, converted at
    the line's date, is within the company's tolerance (in the company's currency) and the
    company has a write-off account to book it to; else None. The service converts and checks
    the same way; the exchange difference on the items is realised apart from it."""
    statement = line.statement
    rows: list[tuple[queries.Suggestion, Decimal | None]] = []
    offer = books is not None and books.write_off_account_id is not None
    currency = queries.statement_currency(statement)
    company = statement.company
    for suggestion in suggestions:
        difference = suggestion.open_amount - abs(line.amount)
        fits = False
        if offer and difference and books is not None:
            try:
                converted = (
                    abs(difference)
                    if currency.pk == company.currency_id
                    else abs(ledger_queries.to_company(company, difference, currency, line.date))
                )
            except MissingRate:  # no rate for the line's date: the split form still offers it
                converted = None
            fits = converted is not None and converted <= books.write_off_tolerance
        rows.append((suggestion, abs(difference) if fits else None))
    return rows


class StatementUploadView(ObjectCreateView):
    model = BankStatement
    form_class = StatementUploadForm
    template_name = "accounting/statement_upload.html"
    list_url_name = "accounting:statement_list"
    service = services.upload_statement
    title = gettext_lazy("Upload a bank statement")
    error_field_map = {"journal": "journal"}

    def success_message(self, result: Model) -> str:
        count = BankStatementLine.objects.filter(statement=result.pk).count()
        return ngettext(
            "Imported %(name)s: %(count)s transaction to reconcile.",
            "Imported %(name)s: %(count)s transactions to reconcile.",
            count,
        ) % {"name": result, "count": count}


# --- the lines' actions --------------------------------------------------------------------


def _match(request: HttpRequest, line: BankStatementLine) -> BankStatementLine:
    items, amounts = split_data(request.POST)
    return services.match_line(line, request.user, items=items, amounts=amounts)  # type: ignore[arg-type]


def _write_off(request: HttpRequest, line: BankStatementLine) -> BankStatementLine:
    items, _amounts = split_data(request.POST)  # each ticked item is settled in full
    data = WriteOffForm(request.POST, request=request).service_data()
    return services.match_with_write_off(line, request.user, items=items, **data)  # type: ignore[arg-type]


def _book(request: HttpRequest, line: BankStatementLine) -> BankStatementLine:
    data = BookLineForm(request.POST, request=request).service_data()
    return services.book_line(line, request.user, **data)  # type: ignore[arg-type]


def _waiting(line: BankStatementLine, user: Any) -> bool:
    return line.entry_id is None


class LineActions(ActionView):
    """What the accountant does with one bank line; answered in place with the line redrawn."""

    model = BankStatementLine
    url_name = "accounting:statement_line_{name}"
    template_name = LINE_TEMPLATE
    in_place = True
    actions = [
        Action(
            "match",
            gettext_lazy("Match"),
            _match,
            done=gettext_lazy("Reconciled."),
            available=_waiting,
        ),
        Action(
            "write_off",
            gettext_lazy("Match with write-off"),
            _write_off,
            done=gettext_lazy("Reconciled: the difference was written off."),
            available=_waiting,
            route="write-off",
        ),
        Action(
            "book",
            gettext_lazy("Book to account"),
            _book,
            done=gettext_lazy("Booked."),
            available=_waiting,
        ),
        Action(
            "undo",
            gettext_lazy("Undo"),
            lambda request, line: services.undo_line(line, request.user),
            done=gettext_lazy("Undone: the line waits to be reconciled again."),
            confirm=gettext_lazy("Undo this line's reconciliation? Its entry is reversed."),
            available=lambda line, user: line.entry_id is not None,
            style="outline-danger",
        ),
    ]

    def get_queryset(self) -> QuerySet[BankStatementLine]:
        return super().get_queryset().select_related("statement__journal", "statement__company")

    def object_url(self, obj: Model) -> str:
        line: BankStatementLine = obj  # type: ignore[assignment]
        return f"{line.statement.get_absolute_url()}#line-{line.pk}"

    def render_in_place(self, obj: Model, error: str = "") -> HttpResponse:
        line = get_object_or_404(
            self.get_queryset().select_related("partner", "entry", "counter_account"), pk=obj.pk
        )
        found = queries.suggest([line])[line.pk]
        books = BooksSettings.objects.filter(company=line.company_id).first()
        return render(self.request, self.template_name, line_context(self.request, found, error, books=books))


class LineFormView(ModelView):
    """GET a line's split or book-to-account form (drawn under the line by htmx)."""

    model = BankStatementLine
    action = "change"

    def get(self, request: HttpRequest, pk: int, form: str) -> HttpResponse:
        line = get_object_or_404(
            self.get_queryset().select_related("statement__journal", "statement__company", "partner"), pk=pk
        )
        if form not in ("split", "book"):
            raise Http404
        found = queries.suggest([line])[line.pk]
        context: dict[str, Any] = {"line": line, "kind": form}
        if form == "split":
            items = {s.item.pk: s for s in found.suggestions}
            extra = [item for item in queries.partner_open_items(line) if item.pk not in items]
            currency = queries.statement_currency(line.statement)
            context["choices"] = [(s.item, s.open_amount, s.document) for s in found.suggestions] + [
                (item, queries.open_amount(item, currency, line.company, line.date), item.entry.number)
                for item in extra
            ]
            books = BooksSettings.objects.filter(company=line.company_id).first()
            context["write_off_form"] = WriteOffForm(
                request=request, initial_account=books.write_off_account_id if books else None
            )
            context["tolerance"] = books.write_off_tolerance if books else None
        else:
            context["form"] = BookLineForm(request=request)
        return render(request, "accounting/_statement_line_form.html", context)
