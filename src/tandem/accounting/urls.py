from django.urls import path

from tandem.accounting.views import invoices, ledger, management, payments, reports, sepa, statements
from tandem.web.actions import action_urls
from tandem.web.generic.routes import model_urls

app_name = "accounting"

urlpatterns = [
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
    *model_urls(
        list=invoices.InvoiceListView,
        create=invoices.InvoiceCreateView,
        detail=invoices.InvoiceDetailView,
        edit=invoices.InvoiceEditView,
        route="invoices/",
        name="invoice_",
    ),
    path("invoices/<int:pk>/pdf/", invoices.InvoicePdfView.as_view(), name="invoice_pdf"),
    path(
        "invoices/<int:pk>/register-payment/",
        payments.RegisterPaymentView.as_view(),
        name="invoice_register_payment",
    ),
    *model_urls(
        list=payments.PaymentListView,
        create=payments.PaymentCreateView,
        detail=payments.PaymentDetailView,
        edit=payments.PaymentEditView,
        route="payments/",
        name="payment_",
    ),
    *action_urls(payments.ReconciliationActions, "reconciliations/<int:pk>/", "reconciliation_"),
    *model_urls(
        list=sepa.PaymentRunListView,
        create=sepa.PaymentRunCreateView,
        detail=sepa.PaymentRunDetailView,
        route="payment-runs/",
        name="payment_run_",
    ),
    path("payment-runs/<int:pk>/file/", sepa.PaymentRunFileView.as_view(), name="payment_run_file"),
    *model_urls(
        list=management.DunningLevelListView,
        create=management.DunningLevelCreateView,
        detail=management.DunningLevelDetailView,
        edit=management.DunningLevelEditView,
        route="dunning-levels/",
        name="dunning_level_",
    ),
    *model_urls(
        list=management.BudgetListView,
        create=management.BudgetCreateView,
        detail=management.BudgetDetailView,
        edit=management.BudgetEditView,
        route="budgets/",
        name="budget_",
    ),
    path("budget-lines/new/", management.BudgetLineCreateView.as_view(), name="budget_line_create"),
    path("budget-lines/<int:pk>/edit/", management.BudgetLineEditView.as_view(), name="budget_line_edit"),
    *action_urls(management.BudgetLineActions, "budget-lines/<int:pk>/", "budget_line_"),
    path("vat/", invoices.VatReportView.as_view(), name="vat_report"),
    path("vat/<int:pk>/", invoices.VatLinesView.as_view(), name="vat_lines"),
    *model_urls(
        list=statements.StatementListView,
        create=statements.StatementUploadView,
        detail=statements.StatementDetailView,
        route="statements/",
        name="statement_",
    ),
    *action_urls(statements.LineActions, "statements/lines/<int:pk>/", "statement_line_"),
    path(
        "statements/lines/<int:pk>/<slug:form>/form/",
        statements.LineFormView.as_view(),
        name="statement_line_form",
    ),
]
