from django.urls import path

from tandem.accounting.views import ledger, reports

app_name = "accounting"

urlpatterns = [
    path("accounts/", ledger.AccountListView.as_view(), name="account_list"),
    path("accounts/<int:pk>/", ledger.AccountDetailView.as_view(), name="account_detail"),
    path("reports/", reports.DashboardView.as_view(), name="dashboard"),
    path("reports/lines/", reports.ReportLinesView.as_view(), name="report_lines"),
    path("reports/<slug:name>/", reports.ReportView.as_view(), name="report"),
]
