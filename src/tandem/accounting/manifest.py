"""What the books add to the shell: menu, API, pages, demo part."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

VIEW_ACCOUNTS = "accounting.view_account"
VIEW_BOOKS = "accounting.view_journalline"  # the reports: accountants and administrators

registry.register(
    registry.Manifest(
        app="accounting",
        menu=[
            registry.MenuEntry(_("Chart of accounts"), "accounting:account_list", VIEW_ACCOUNTS, order=40),
            registry.MenuEntry(_("Accounting reports"), "accounting:dashboard", VIEW_BOOKS, order=41),
        ],
        api=[
            registry.ApiRoute(
                "accounting/reports", "tandem.accounting.api.reports.ReportViewSet", "accounting-report"
            )
        ],
        urls=[registry.UrlMount("accounting/", "tandem.accounting.urls")],
    )
)
