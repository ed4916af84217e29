"""What the books add to the shell: menu, API, pages, demo part."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

VIEW_ACCOUNTS = "accounting.view_account"
VIEW_BOOKS = "accounting.view_journalline"  # the reports: accountants and administrators
VIEW_ENTRIES = "accounting.view_journalentry"
API = "tandem.accounting.api"
PANELS = "tandem.accounting.views.payments"
BUDGET_WARNINGS = "tandem.accounting.queries.budgets.overrun_sentences"

registry.register(
    registry.Manifest(
        app="accounting",
        menu=[
            registry.MenuEntry(_("Journal entries"), "accounting:entry_list", VIEW_ENTRIES, order=40),
            registry.MenuEntry(_("Accounting reports"), "accounting:dashboard", VIEW_BOOKS, order=41),
            registry.MenuEntry(_("Chart of accounts"), "accounting:account_list", VIEW_ACCOUNTS, order=48),
            registry.MenuEntry(_("Journals"), "accounting:journal_list", "accounting.view_journal", order=49),
            registry.MenuEntry(_("Invoices"), "accounting:invoice_list", "accounting.view_invoice", order=42),
            registry.MenuEntry(_("Payments"), "accounting:payment_list", "accounting.view_payment", order=43),
            registry.MenuEntry(
                _("Payment runs"), "accounting:payment_run_list", "accounting.view_paymentrun", order=45
            ),
            registry.MenuEntry(_("VAT report"), "accounting:vat_report", VIEW_BOOKS, order=44),
            registry.MenuEntry(
                _("Dunning levels"), "accounting:dunning_level_list", "accounting.view_dunninglevel", order=47
            ),
            registry.MenuEntry(_("Budgets"), "accounting:budget_list", "accounting.view_budget", order=46),
            registry.MenuEntry(
                _("Bank statements"), "accounting:statement_list", "accounting.view_bankstatement", order=43
            ),
            registry.MenuEntry(
                _("Accounting settings"),
                "accounting:books_settings",
                "accounting.view_bookssettings",
                order=49,
            ),
            # The books' settings, in the settings area: accountants change them, auditors read.
            registry.MenuEntry(
                _("Accounting settings"),
                "accounting:books_settings",
                "accounting.view_bookssettings",
                area=registry.SETTINGS,
                order=49,
            ),
            registry.MenuEntry(
                _("Taxes"), "accounting:tax_list", "accounting.view_tax", area=registry.SETTINGS, order=50
            ),
            registry.MenuEntry(
                _("Tax groups"),
                "accounting:tax_group_list",
                "accounting.view_taxgroup",
                area=registry.SETTINGS,
                order=51,
            ),
            registry.MenuEntry(
                _("Fiscal positions"),
                "accounting:fiscal_position_list",
                "accounting.view_fiscalposition",
                area=registry.SETTINGS,
                order=52,
            ),
            registry.MenuEntry(
                _("Payment terms"),
                "accounting:payment_term_list",
                "accounting.view_bookspaymentterm",
                area=registry.SETTINGS,
                order=53,
            ),
            registry.MenuEntry(
                _("Cost centres"),
                "accounting:cost_centre_list",
                "accounting.view_costcentre",
                area=registry.SETTINGS,
                order=54,
            ),
            registry.MenuEntry(
                _("Fiscal years"),
                "accounting:fiscal_year_list",
                "accounting.view_fiscalyear",
                area=registry.SETTINGS,
                order=55,
            ),
        ],
        shortcuts=[
            registry.Shortcut(
                _("New journal entry"), "accounting:entry_create", "accounting.add_journalentry", order=40
            )
        ],
        partner_panels=[
            registry.PartnerPanel(
                "balance", _("Open balance"), "partners.view_partner", f"{PANELS}.balance_panel", order=20
            ),
            registry.PartnerPanel(
                "invoices", _("Invoices"), "accounting.view_invoice", f"{PANELS}.invoices_panel", order=21
            ),
            registry.PartnerPanel(
                "payments", _("Payments"), "accounting.view_payment", f"{PANELS}.payments_panel", order=22
            ),
            registry.PartnerPanel(
                "dunning",
                _("Payment reminders"),
                "accounting.view_dunningletter",
                "tandem.accounting.views.reports.dunning_panel",
                order=60,
            ),
        ],
        record_panels=[
            registry.RecordPanel(
                "catalog.product",
                "accounting",
                _("Accounting"),
                "accounting.view_productaccounting",
                "tandem.accounting.views.setup.product_accounting_panel",
                order=60,
            ),
        ],
        api=[
            registry.ApiRoute("accounting/accounts", f"{API}.ledger.AccountViewSet", "api-account"),
            registry.ApiRoute("accounting/journals", f"{API}.ledger.JournalViewSet", "api-journal"),
            registry.ApiRoute("accounting/entries", f"{API}.ledger.EntryViewSet", "api-entry"),
            registry.ApiRoute("accounting/reports", f"{API}.reports.ReportViewSet", "accounting-report"),
            registry.ApiRoute("accounting/invoices", f"{API}.invoices.InvoiceViewSet", "api-invoice"),
            registry.ApiRoute("accounting/payments", f"{API}.payments.PaymentViewSet", "api-payment"),
            registry.ApiRoute(
                "accounting/reconciliations", f"{API}.payments.ReconciliationViewSet", "api-reconciliation"
            ),
            registry.ApiRoute(
                "accounting/bank-statements", f"{API}.statements.StatementViewSet", "api-bank-statement"
            ),
            registry.ApiRoute(
                "accounting/bank-statement-lines",
                f"{API}.statements.StatementLineViewSet",
                "api-bank-statement-line",
            ),
            registry.ApiRoute("accounting", f"{API}.setup.BooksSettingsViewSet", "api-books-settings"),
            registry.ApiRoute("accounting/taxes", f"{API}.setup.TaxViewSet", "api-tax"),
            registry.ApiRoute("accounting/tax-groups", f"{API}.setup.TaxGroupViewSet", "api-tax-group"),
            registry.ApiRoute(
                "accounting/fiscal-positions", f"{API}.setup.FiscalPositionViewSet", "api-fiscal-position"
            ),
            registry.ApiRoute(
                "accounting/payment-terms", f"{API}.setup.PaymentTermViewSet", "api-payment-term"
            ),
            registry.ApiRoute("accounting/cost-centres", f"{API}.setup.CostCentreViewSet", "api-cost-centre"),
            registry.ApiRoute("accounting/payment-runs", f"{API}.sepa.PaymentRunViewSet", "api-payment-run"),
        ],
        urls=[registry.UrlMount("accounting/", "tandem.accounting.urls")],
        demo=[
            registry.DemoPart("tandem.accounting.demo.build", order=40),
            registry.DemoPart("tandem.accounting.demo_invoices.build", order=41),
            registry.DemoPart("tandem.accounting.demo_payments.build", order=42),
            registry.DemoPart("tandem.accounting.demo_statements.build", order=43),
            registry.DemoPart("tandem.accounting.demo_reports.build", order=49),
        ],
        record_warnings=[
            registry.RecordWarnings(model, "accounting.view_budget", BUDGET_WARNINGS)
            for model in ("accounting.journalentry", "accounting.invoice")
        ],
        # Monthly balances kept by the database for the reports (models/balances.py).
        internal_models=[
            "accounting.accountbalance",
            "accounting.partnerbalance",
            "accounting.costcentrebalance",
        ],
    )
)
