from django.urls import path

from tandem.accounting.views import ledger

app_name = "accounting"

urlpatterns = [
    path("accounts/", ledger.AccountListView.as_view(), name="account_list"),
    path("accounts/<int:pk>/", ledger.AccountDetailView.as_view(), name="account_detail"),
]
