from django.contrib import admin

from tandem.accounting import models

admin.site.register(
    [
        models.AccountGroup,
        models.BooksSettings,
        models.FiscalYear,
        models.Period,
        models.CostCentre,
        models.TaxGroup,
        models.FiscalPosition,
        models.FiscalPositionTax,
        models.FiscalPositionAccount,
        models.ProductAccounting,
        models.PartnerAccounting,
        models.PaymentTermLine,
        models.Budget,
        models.BudgetLine,
        models.DunningLevel,
        models.DunningLetter,
    ]
)


@admin.register(models.Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "type", "subtype", "reconcilable", "company"]
    list_filter = ["type", "subtype"]
    search_fields = ["code", "name"]


@admin.register(models.Journal)
class JournalAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "company"]


@admin.register(models.Tax)
class TaxAdmin(admin.ModelAdmin):
    list_display = ["name", "use", "computation", "amount", "company"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows change only through the services (posted lines never)."""

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(models.JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["number", "journal", "date", "state", "company"]


@admin.register(models.JournalLine)
class JournalLineAdmin(ReadOnlyAdmin):
    list_display = ["entry", "account", "partner", "debit", "credit", "date"]


@admin.register(models.Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "partner", "invoice_date", "state", "amount_total"]


admin.site.register([models.InvoiceLine, models.Payment, models.Reconciliation], ReadOnlyAdmin)
admin.site.register([models.BankStatement, models.BankStatementLine], ReadOnlyAdmin)
