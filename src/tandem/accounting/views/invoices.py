"""Invoices and bills: list, detail (lines, taxes, the entry), form with lines, the actions
(post, cancel, credit note, send, delete a draft), the PDF, and the VAT report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tandem.accounting.forms.invoices import InvoiceForm
from tandem.accounting.models import Invoice, Payment, Reconciliation
from tandem.accounting.queries import payments as payment_queries
from tandem.accounting.services import invoices as services
from tandem.accounting.views import payments as payment_views
from tandem.core.money import round_money
from tandem.web.actions import Action, ActionView
from tandem.web.generic import (
    Column,
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)

DRAFT, POSTED = Invoice.State.DRAFT, Invoice.State.POSTED


def _latest_credit_note(invoice: Invoice) -> str:
    note = invoice.credit_notes.order_by("-pk").first()
    return str((note or invoice).get_absolute_url())


class InvoiceActions(ActionView):
    model = Invoice
    url_name = "accounting:invoice_{name}"
    actions = [
        Action(
            "post",
            gettext_lazy("Post"),
            lambda request, inv: services.post_invoice(inv, request.user),
            done=gettext_lazy("Posted: the entry is in the books."),
            confirm=gettext_lazy("Post this invoice? A posted invoice cannot be changed."),
            available=lambda inv, user: inv.state == DRAFT,
            style="primary",
        ),
        Action(
            "send",
            gettext_lazy("Send by e-mail"),
            lambda request, inv: services.send_invoice(inv, request.user),
            done=gettext_lazy("The invoice is on its way, with its PDF."),
            available=lambda inv, user: inv.state == POSTED,
        ),
        Action(
            "credit",
            gettext_lazy("Credit note"),
            lambda request, inv: services.credit_note(inv, request.user),
            done=gettext_lazy("A draft credit note was created."),
            available=lambda inv, user: inv.state == POSTED and inv.kind in services.CREDIT_OF,
            next_url=_latest_credit_note,
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, inv: services.cancel_invoice(inv, request.user),
            done=gettext_lazy("Cancelled: a posted invoice's entry was reversed."),
            confirm=gettext_lazy(
                "Cancel this invoice? A posted one is reversed in the books; this cannot be undone."
            ),
            available=lambda inv, user: inv.state == POSTED,
            style="outline-danger",
        ),
        Action(
            "delete",
            gettext_lazy("Delete draft"),
            lambda request, inv: services.delete_draft(inv, request.user),
            done=gettext_lazy("The draft was deleted."),
            permission="accounting.delete_invoice",
            confirm=gettext_lazy("Delete this draft?"),
            available=lambda inv, user: inv.state == DRAFT,
            next_url=lambda inv: reverse("accounting:invoice_list"),
            style="outline-danger",
        ),
    ]


class InvoiceListView(ObjectListView):
    model = Invoice
    title = gettext_lazy("Invoices and bills")
    filter_fields = ["kind", "state", "partner", "currency"]
    columns = [
        Column("number", gettext_lazy("Number")),
        Column("kind", gettext_lazy("Kind")),
        Column("payment_reference", gettext_lazy("Reference")),
        Column("partner", gettext_lazy("Partner")),
        Column("invoice_date", gettext_lazy("Date"), sort="date", link=True),
        Column("due_date", gettext_lazy("Due"), sort="due"),
        Column("state", gettext_lazy("State")),
        Column("amount_total", gettext_lazy("Total"), numeric=True),
        Column("currency", gettext_lazy("Currency")),
    ]
    sorts = {
        "date": SortKey("invoice_date", gettext_lazy("Date"), descending=True),
        "due": SortKey("due_date", gettext_lazy("Due")),
    }
    default_sort = "date"
    create_url_name = "accounting:invoice_create"
    create_label = gettext_lazy("New invoice")
    export_url_name = "accounting:invoice_export"

    def decorate(self, rows: QuerySet[Invoice]) -> QuerySet[Invoice]:
        return rows.select_related("partner", "currency")


class InvoiceDetailView(ObjectDetailView):
    model = Invoice
    template_name = "accounting/invoice_detail.html"
    action_view = InvoiceActions
    list_url_name = "accounting:invoice_list"
    fields = [
        "kind", "partner", "state", "invoice_date", "accounting_date", "due_date", "currency", "rate",
        "payment_term", "fiscal_position", "credited_invoice", "payment_reference", "supplier_reference",
        "amount_untaxed", "amount_tax", "amount_total", "amount_total_company", "entry", "sent_at", "notes",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[Invoice]:
        return super().get_queryset().select_related("partner", "currency", "entry", "fiscal_position")

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        invoice: Invoice = self.object  # type: ignore[assignment]
        context["edit_url"] = context["edit_url"] if invoice.state == DRAFT else None
        computed = services.line_taxes(invoice)
        context["lines"] = [line for line, _taxes in computed]
        context["tax_rows"] = services.tax_breakdown(computed, invoice.currency)
        context["pdf_url"] = reverse("accounting:invoice_pdf", args=[invoice.pk])
        if invoice.state == POSTED:
            status, left = payment_queries.statuses([invoice], timezone.localdate())[invoice.pk]
            context["payment_status"] = payment_queries.STATUS_LABELS.get(status, "")
            context["left"] = round_money(left, invoice.currency)
            if left and self.can("add", Payment):
                context["register_url"] = reverse("accounting:invoice_register_payment", args=[invoice.pk])
            context["show_matches"] = self.can("view", Reconciliation)
            context["matches"] = payment_views.matches_of(invoice.entry_id) if context["show_matches"] else []
            context["unreconcile"] = self.can("delete", Reconciliation)
        return context


class InvoiceCreateView(ObjectCreateView):
    model = Invoice
    form_class = InvoiceForm
    form_template = "accounting/_invoice_form.html"
    list_url_name = "accounting:invoice_list"
    service = services.create_invoice
    title = gettext_lazy("New invoice")

    def get_initial(self) -> dict[str, Any]:
        return {"kind": Invoice.Kind.CUSTOMER_INVOICE, "invoice_date": timezone.localdate()}

    def service_data(self, form: forms.BaseForm) -> dict[str, Any]:
        data = super().service_data(form)
        for name in ("fiscal_position", "payment_term", "currency"):  # empty: the partner's defaults
            if data.get(name) is None:
                data.pop(name, None)
        return data


class InvoiceEditView(ObjectEditView):
    model = Invoice
    form_class = InvoiceForm
    form_template = "accounting/_invoice_form.html"
    service = services.update_draft


class InvoicePdfView(ModelView):
    model = Invoice

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = get_object_or_404(
            self.get_queryset().select_related("partner", "company", "currency"), pk=pk
        )
        response = HttpResponse(services.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{services.pdf_name(invoice)}"'
        return response
