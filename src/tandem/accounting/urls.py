from django.urls import path

<<<<<<< HEAD
from tandem.accounting.views import ledger, reports
=======
from tandem.accounting.views import invoices, ledger
>>>>>>> 39f3661 (Invoice pages (list, detail with lines, form with a lines formset, PDF, VAT report with drill-down), ActionView actions post/send/credit/cancel/delete, API /api/v1/accounting/invoices/ with post/cancel/send/credit; kit: url_prefix for model_urls names, create_payload, empty multiple choices; ActionView GET is 404 for a record out of reach)
from tandem.web.generic.routes import model_urls

app_name = "accounting"

urlpatterns = [
<<<<<<< HEAD
    *model_urls(
        list=ledger.AccountListView,
        create=ledger.AccountCreateView,
        detail=ledger.AccountDetailView,
        edit=ledger.AccountEditView,
        route="accounts/",
        name="account_",
    ),
    *model_urls(
        list=ledger.JournalListView,
        create=ledger.JournalCreateView,
        detail=ledger.JournalDetailView,
        edit=ledger.JournalEditView,
        route="journals/",
        name="journal_",
    ),
    *model_urls(
        list=ledger.EntryListView,
        create=ledger.EntryCreateView,
        detail=ledger.EntryDetailView,
        edit=ledger.EntryEditView,
        route="entries/",
        name="entry_",
    ),
    path("reports/", reports.DashboardView.as_view(), name="dashboard"),
    path("reports/budgets/", reports.BudgetView.as_view(), name="budgets"),
    path("reports/forecast/", reports.ForecastView.as_view(), name="forecast"),
    path("reports/lines/", reports.ReportLinesView.as_view(), name="report_lines"),
    path("reports/<slug:name>/", reports.ReportView.as_view(), name="report"),
=======
    path("accounts/", ledger.AccountListView.as_view(), name="account_list"),
    path("accounts/<int:pk>/", ledger.AccountDetailView.as_view(), name="account_detail"),
    *model_urls(
        list=invoices.InvoiceListView,
        create=invoices.InvoiceCreateView,
        detail=invoices.InvoiceDetailView,
        edit=invoices.InvoiceEditView,
        route="invoices/",
        name="invoice_",
    ),
    path("invoices/<int:pk>/pdf/", invoices.InvoicePdfView.as_view(), name="invoice_pdf"),
    path("vat/", invoices.VatReportView.as_view(), name="vat_report"),
    path("vat/<int:pk>/", invoices.VatLinesView.as_view(), name="vat_lines"),
>>>>>>> 39f3661 (Invoice pages (list, detail with lines, form with a lines formset, PDF, VAT report with drill-down), ActionView actions post/send/credit/cancel/delete, API /api/v1/accounting/invoices/ with post/cancel/send/credit; kit: url_prefix for model_urls names, create_payload, empty multiple choices; ActionView GET is 404 for a record out of reach)
]
