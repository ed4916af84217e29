"""Report pages: each report with the previous period beside it, drill-down from every figure
to its lines, XLSX and PDF of the same figures. Only accountants and administrators (they
hold ``view_journalline``); the company is always the reader's, so another company's books
are never reachable (a cost centre or account of theirs is a 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import RedirectView

from tandem.accounting.models import Budget, CostCentre, DunningLetter, JournalLine
from tandem.accounting.queries import budgets as budget_queries
from tandem.accounting.queries import forecast, reports
from tandem.core.documents import services as documents
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.core.querysets import allowed_company
from tandem.web.display import as_text
from tandem.web.exports import csv_table_response, xlsx_table_response
from tandem.web.generic import Column, ModelView, ObjectListView, SortKey
from tandem.web.tables import Table

PDF_TEMPLATE = "accounting/report_pdf.html"


class MovedVatView(RedirectView):
    """The VAT report's old addresses, ``/accounting/vat/`` and a tax's lines at
    ``/accounting/vat/<id>/``, answer a permanent redirect to the report and to its drill-down,
    the query string (``start``, ``end``) kept, so bookmarks and links that were passed around
    still open the same period. Whoever follows them meets the report's own checks."""

    permanent = True
    query_string = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        if "pk" not in kwargs:
            return super().get_redirect_url(*args, **kwargs) or ""
        query = self.request.GET.copy()
        query["tax"] = str(kwargs["pk"])
        start, end = reports.default_period(timezone.localdate())  # what the old page read without them
        query.setdefault("start", start.isoformat())
        query.setdefault("end", end.isoformat())
        return f"{reverse('accounting:report_lines')}?{query.urlencode()}"


PANEL_ROWS = 10


class ReportView(ModelView):
    """``/accounting/reports/<name>/?start=…&end=…&cost_centre=…[&format=xlsx|csv|pdf]``: any
    report of the registry (``reports.REPORTS``)."""

    model = JournalLine
    template_name = "accounting/report.html"

    def get(self, request: HttpRequest, name: str) -> HttpResponseBase:
        kind = reports.REPORTS.get(name)
        company = allowed_company(request.user)
        if kind is None or company is None:
            raise Http404
        try:
            params = kind.read(company, request.GET, timezone.localdate())
            errors: dict[str, list[str]] = {}
        except ValidationFailed as refused:
            params = reports.read_params(company, {}, timezone.localdate())
            errors = refused.errors
        report = kind(params)
        wanted = request.GET.get("format", "")
        if wanted and errors:
            return HttpResponseBadRequest(_refused(errors), content_type="text/plain; charset=utf-8")
        if wanted == "xlsx":
            return xlsx_table_response(*table(report), stem=report.name, title=report.title)
        if wanted == "csv":
            header, rows = table(report)
            written = ([reports.figure_text(v) if isinstance(v, Decimal) else v for v in row] for row in rows)
            return csv_table_response(header, written, stem=report.name)
        if wanted == "pdf":
            return _pdf(report, company)
        context = {
            **self.base_context(),
            **_context(report),
            "takes_cost_centre": kind.cost_centre,
            "errors": errors,
            "refused": _refused(errors),
        }
        return render(request, self.template_name, context, status=400 if errors else 200)


def _refused(errors: dict[str, list[str]]) -> str:
    if not errors:
        return ""
    parts = "; ".join(f"{name}: {' '.join(reasons)}" for name, reasons in errors.items())
    return _("These parameters were not applied: %(parameters)s") % {"parameters": parts}


def columns(report: reports.Report) -> list[tuple[str, str]]:
    """(figure, label) of each number column, in order."""
    shown = [(key, str(label)) for key, label in report.columns]
    if reports.REPORTS[report.name].sided:
        shown += [("debit", _("Debit")), ("credit", _("Credit"))]
    balance, previous = (report.labels.get(key) for key in ("balance", "previous"))
    return [
        *shown,
        ("balance", str(balance or _("Balance"))),
        ("previous", str(previous or _("Previous period"))),
    ]


def _figure(row: reports.Row, key: str) -> Any:
    return getattr(row, key) if key in {"debit", "credit", "balance", "previous"} else row.extra.get(key)


def table(report: reports.Report) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the report as plain values (the XLSX sheet and the CSV file; the API
    shapes its own)."""
    figures = columns(report)
    header = [_("Code"), _("Name"), *[label for _key, label in figures]]
    rows = [
        [row.key if not row.total else "", row.name, *[_figure(row, key) for key, _l in figures]]
        for row in report.rows
    ]
    return header, rows


def _context(report: reports.Report) -> dict[str, Any]:
    figures = columns(report)
    lines = reverse("accounting:report_lines")
    rows = [
        {
            "row": row,
            "cells": [as_text(_figure(row, key)) for key, _label in figures],
            "link": f"{lines}?{urlencode(row.drill)}" if row.drill else "",
        }
        for row in report.rows
    ]
    params = report.params
    previous = params.previous()
    return {
        "title": report.title,
        "report": report,
        "columns": [label for _key, label in figures],
        "rows": rows,
        "period": {
            "start": params.start,
            "end": params.end,
            "previous_start": previous.start,
            "previous_end": previous.end,
        },
        "cost_centre": params.cost_centre,
        "cost_centres": CostCentre.objects.filter(company=params.company, active=True).order_by("code"),
        "names": _names(),
        "period_query": urlencode({"start": params.start, "end": params.end}),
        "query": urlencode(
            {
                k: v
                for k, v in (
                    ("start", params.start),
                    ("end", params.end),
                    ("cost_centre", params.cost_centre.pk if params.cost_centre else ""),
                )
                if v
            }
        ),
    }


def _names() -> list[tuple[str, Any, bool]]:
    """(name, label, narrows by cost centre) of every registered report, for the links between them."""
    return [(key, kind.label, kind.cost_centre) for key, kind in reports.REPORTS.items()]


def _pdf(report: reports.Report, company: Company) -> HttpResponse:
    language = translation.get_language() or company.language
    pdf = documents.render_pdf(PDF_TEMPLATE, _context(report), company=company, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.name}-{report.params.end:%Y%m%d}.pdf"'
    return response


def _document(line: JournalLine) -> Any:
    """The invoice or bill a line was posted from, if any (``entry__invoice`` is selected)."""
    return getattr(line.entry, "invoice", None)


def _document_url(line: JournalLine) -> str | None:
    invoice = _document(line)
    return invoice.get_absolute_url() if invoice is not None else None


class ReportLinesView(ObjectListView):
    """The posted lines behind one figure of a report (its drill-down link's filters), in keyset
    pages like every list: a figure made of a hundred thousand lines is read a page at a time;
    CSV and XLSX of all of them (``report_lines_export``, the same filters)."""

    model = JournalLine
    title = gettext_lazy("Journal lines")
    export_url_name = "accounting:report_lines_export"
    columns = [
        Column("date", gettext_lazy("Date"), sort="date"),
        Column("entry.number", gettext_lazy("Entry")),
        Column("document", gettext_lazy("Document"), accessor=_document, link=_document_url),
        Column("account", gettext_lazy("Account")),
        Column("partner", gettext_lazy("Partner")),
        Column("label", gettext_lazy("Label")),
        Column("debit", gettext_lazy("Debit"), numeric=True),
        Column("credit", gettext_lazy("Credit"), numeric=True),
    ]
    # the file splits the account into its code and name, each a column a spreadsheet can filter
    export_columns = [
        *columns[:3],
        Column("account.code", gettext_lazy("Account code")),
        Column("account.name", gettext_lazy("Account")),
        *columns[4:],
    ]
    sorts = {"date": SortKey("date", gettext_lazy("Date"))}
    default_sort = "date"

    def refused_filters(self, filterset: Any) -> dict[str, list[str]]:
        refused = super().refused_filters(filterset)
        try:
            self.drill = reports.read_drill(self.request.GET)
        except ValidationFailed as error:
            self.drill = {}
            refused.update(error.errors)
        return refused

    def get_queryset(self) -> QuerySet[JournalLine]:
        return reports.narrow(super().get_queryset().filter(posted=True), getattr(self, "drill", {}))

    def decorate(self, rows: QuerySet[JournalLine]) -> QuerySet[JournalLine]:
        return rows.select_related("entry__invoice", "account", "partner")


# --- the dashboard: P&L and cash by month, drawn as SVG on the server --------------------

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 200, 24


def bar_chart(labels: list[str], series: list[tuple[str, str, list[Decimal]]]) -> dict[str, Any]:
    """Geometry of a grouped bar chart (negative values hang below the zero line): the template
    draws it as inline SVG, so the page loads no script and no chart library."""
    values = [v for _name, _css, data in series for v in data] or [Decimal(0)]
    top, bottom = max(max(values), Decimal(0)), min(min(values), Decimal(0))
    span = (top - bottom) or Decimal(1)
    inner = CHART_HEIGHT - 2 * CHART_PAD
    zero = CHART_PAD + float(top / span) * inner
    slot = (CHART_WIDTH - CHART_PAD) / max(len(labels), 1)
    width = slot * 0.8 / max(len(series), 1)
    bars = []
    for s, (name, css, data) in enumerate(series):
        for i, value in enumerate(data):
            height = float(abs(value) / span) * inner
            bars.append(
                {
                    "x": round(CHART_PAD + i * slot + slot * 0.1 + s * width, 1),
                    "width": round(width, 1),
                    "y": round(zero - height if value >= 0 else zero, 1),
                    "height": round(height, 1),
                    "css": css,
                    "title": f"{labels[i]} · {name}: {as_text(value)}",
                }
            )
    ticks = [
        {"x": round(CHART_PAD + i * slot + slot / 2, 1), "label": label} for i, label in enumerate(labels)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "zero": round(zero, 1),
        "bars": bars,
        "ticks": ticks,
        "legend": [(name, css) for name, _css2, _d in series for css in [_css2]],
        "top": as_text(top),
        "bottom": as_text(bottom),
    }


class DashboardView(ModelView):
    """Profit and loss and the cash position of the last twelve months, as charts; links to every report."""

    model = JournalLine
    template_name = "accounting/dashboard.html"
    title = gettext_lazy("Accounting")

    def get(self, request: HttpRequest) -> HttpResponse:
        company = allowed_company(request.user)
        if company is None:
            raise Http404
        today = timezone.localdate()
        start = reports.add_months(today.replace(day=1), -11)
        months = reports.monthly(reports.Params(company, start, today))
        labels = [formats.date_format(m["month"], "YEAR_MONTH_FORMAT") for m in months]
        profit = bar_chart(
            labels,
            [
                (str(_("Income")), "chart-income", [m["income"] for m in months]),
                (str(_("Expenses")), "chart-expense", [m["expenses"] for m in months]),
                (str(_("Result")), "chart-result", [m["result"] for m in months]),
            ],
        )
        cash = bar_chart(
            labels, [(str(_("Cash at the end of the month")), "chart-cash", [m["cash"] for m in months])]
        )
        context = {
            **self.base_context(),
            "profit": profit,
            "cash": cash,
            "names": _names(),
            "months": months,
        }
        return render(request, self.template_name, context)


class BudgetView(ModelView):
    """Budget against actual: every line of the company's active budgets with what was posted."""

    model = Budget
    template_name = "accounting/budgets.html"
    title = gettext_lazy("Budget against actual")

    def get(self, request: HttpRequest) -> HttpResponse:
        chosen = self.get_queryset().filter(active=True).select_related("fiscal_year").order_by("name")
        shown = [
            {
                "budget": budget,
                "rows": [
                    {**row, "cells": [as_text(row[key]) for key in ("amount", "actual", "difference")]}
                    for row in budget_queries.budget_vs_actual(budget)
                ],
            }
            for budget in chosen
        ]
        return render(request, self.template_name, {**self.base_context(), "budgets": shown})


class ForecastView(ModelView):
    """The 13-week cash forecast; ``?late=N`` is the scenario "customers pay N days late"."""

    model = JournalLine
    template_name = "accounting/forecast.html"
    title = gettext_lazy("Cash-flow forecast, 13 weeks")

    def get(self, request: HttpRequest) -> HttpResponse:
        company = allowed_company(request.user)
        if company is None:
            raise Http404
        text = request.GET.get("late", "") or "0"
        refused = (
            "" if text.isdigit() and int(text) <= 365 else _("late: Enter a number of days from 0 to 365.")
        )
        late = 0 if refused else int(text)
        plan = forecast.forecast(company, timezone.localdate(), days_late=late)
        labels = [formats.date_format(week.start, "SHORT_DATE_FORMAT") for week in plan.weeks]
        chart = bar_chart(
            labels,
            [
                (str(_("Receipts")), "chart-income", [week.receipts for week in plan.weeks]),
                (str(_("Payments")), "chart-expense", [week.payments for week in plan.weeks]),
                (str(_("Cash at the end of the week")), "chart-cash", [week.balance for week in plan.weeks]),
            ],
        )
        rows = [
            {
                "week": week,
                "cells": [as_text(v) for v in (week.receipts, week.payments, week.net, week.balance)],
            }
            for week in plan.weeks
        ]
        context = {
            **self.base_context(),
            "plan": plan,
            "rows": rows,
            "chart": chart,
            "late": late,
            "refused": refused,
            "opening": as_text(plan.opening),
        }
        return render(request, self.template_name, context, status=400 if refused else 200)


# --- the customer card: its payment reminders, flagged with the level it is on -----------

DUNNING_COLUMNS = [
    Column("date", gettext_lazy("Date")),
    Column("level", gettext_lazy("Level")),
    Column("channel", gettext_lazy("Sent by"), accessor=lambda letter: letter.get_channel_display()),
    Column("amount_due", gettext_lazy("Overdue amount"), numeric=True),
    Column("fee", gettext_lazy("Fee"), numeric=True),
]


def dunning_panel(partner: Any, request: HttpRequest) -> Table | None:
    """A customer's payment reminders; shown (the flag) only once it is on a dunning level."""
    letters = list(
        DunningLetter.objects.filter(company_id=partner.company_id, partner=partner)
        .select_related("level")
        .order_by("-date", "-id")[:PANEL_ROWS]
    )
    if not letters:
        return None
    level = letters[0].level
    caption = _("On dunning level %(sequence)d: %(name)s") % {"sequence": level.sequence, "name": level.name}
    return Table(DUNNING_COLUMNS, letters, caption=caption, key="dunning")
