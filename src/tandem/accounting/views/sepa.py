"""Payment runs: the list, a run's page with its payments and its pain.001 file to download,
and the form that pays the supplier bills due by a date. Accountants and administrators."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.accounting.forms.sepa import DAYS_AHEAD, PaymentRunForm
from tandem.accounting.models import PaymentRun
from tandem.accounting.services import sepa
from tandem.accounting.views.payments import PAYMENT_COLUMNS
from tandem.web.generic import Column, ModelView, ObjectCreateView, ObjectDetailView, ObjectListView, SortKey
from tandem.web.tables import Table


class PaymentRunListView(ObjectListView):
    model = PaymentRun
    title = gettext_lazy("Payment runs")
    columns = [
        Column("name", gettext_lazy("Message ID"), link=True),
        Column("date", gettext_lazy("Execution date"), sort="date"),
        Column("journal", gettext_lazy("Pay from")),
        Column("due_until", gettext_lazy("Bills due by")),
        Column("amount", gettext_lazy("Total"), numeric=True),
        Column("currency", gettext_lazy("Currency")),
    ]
    sorts = {"date": SortKey("date", gettext_lazy("Execution date"), descending=True)}
    default_sort = "date"
    create_url_name = "accounting:payment_run_create"
    create_label = gettext_lazy("Pay supplier bills")
    export_url_name = "accounting:payment_run_export"

    def decorate(self, rows: QuerySet[PaymentRun]) -> QuerySet[PaymentRun]:
        return rows.select_related("journal", "currency").defer("xml")  # the file is not listed


class PaymentRunDetailView(ObjectDetailView):
    model = PaymentRun
    template_name = "accounting/payment_run_detail.html"
    list_url_name = "accounting:payment_run_list"
    fields = ["journal", "date", "due_until", "amount", "currency", "file_name", "created_by", "created_at"]

    def get_queryset(self) -> QuerySet[PaymentRun]:
        return super().get_queryset().select_related("journal", "currency", "created_by")

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        run: PaymentRun = self.object  # type: ignore[assignment]
        rows = run.payments.select_related("partner", "currency").order_by("id")
        context["payments"] = Table(
            PAYMENT_COLUMNS, list(rows), caption=gettext_lazy("Payments"), key="payments"
        )
        context["download_url"] = reverse("accounting:payment_run_file", args=[run.pk])
        return context


class PaymentRunCreateView(ObjectCreateView):
    model = PaymentRun
    form_class = PaymentRunForm
    title = gettext_lazy("Pay supplier bills by SEPA transfer")
    service = sepa.create_run
    list_url_name = "accounting:payment_run_list"
    template_name = "accounting/payment_run_form.html"

    def form_context(self) -> dict[str, Any]:
        return {"due_until": self.get_initial()["due_until"]}

    def get_initial(self) -> dict[str, Any]:
        today = timezone.localdate()
        until = self.request.POST.get("due_until") or self.request.GET.get("due_until", "")
        try:
            due = datetime.date.fromisoformat(until)
        except ValueError:
            due = today + datetime.timedelta(days=DAYS_AHEAD)
        return {"date": today, "due_until": due}

    def success_message(self, result: Any) -> str:
        return _("Payment run %(name)s: %(count)d payments made; download the file for the bank.") % {
            "name": result,
            "count": result.payments.count(),
        }


class PaymentRunFileView(ModelView):
    """The run's pain.001 file, as the bank takes it."""

    model = PaymentRun

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = get_object_or_404(self.get_queryset(), pk=pk)
        response = HttpResponse(run.xml, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{run.file_name}"'
        return response
