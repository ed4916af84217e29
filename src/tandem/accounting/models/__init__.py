"""The accounting schema, one module per part of the books (so owners rarely touch one file).

``books``: settings, accounts, journals, fiscal years and periods, cost centres, entries and
lines. ``taxes``: taxes, tax groups, fiscal positions, product and partner defaults.
``invoices``: payment-term instalments, invoices and their lines. ``payments``: payments,
reconciliations, bank statements. ``management``: budgets and dunning. ``balances``: monthly
balances of the posted lines, kept by the database for the reports.
"""

from tandem.accounting.models.balances import UNITS, AccountBalance, CostCentreBalance, PartnerBalance
from tandem.accounting.models.books import (
    MONEY_DIGITS,
    MONEY_PLACES,
    RATE_DIGITS,
    RATE_PLACES,
    Account,
    AccountGroup,
    BooksSettings,
    CostCentre,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    Period,
)
from tandem.accounting.models.invoices import BooksPaymentTerm, Invoice, InvoiceLine, PaymentTermLine
from tandem.accounting.models.management import Budget, BudgetLine, DunningLetter, DunningLevel
from tandem.accounting.models.payments import (
    BankStatement,
    BankStatementLine,
    Payment,
    PaymentRun,
    Reconciliation,
)
from tandem.accounting.models.taxes import (
    FiscalPosition,
    FiscalPositionAccount,
    FiscalPositionTax,
    PartnerAccounting,
    ProductAccounting,
    Tax,
    TaxGroup,
)

__all__ = [
    "MONEY_DIGITS",
    "MONEY_PLACES",
    "RATE_DIGITS",
    "RATE_PLACES",
    "UNITS",
    "Account",
    "AccountBalance",
    "AccountGroup",
    "BankStatement",
    "BankStatementLine",
    "BooksPaymentTerm",
    "BooksSettings",
    "Budget",
    "BudgetLine",
    "CostCentre",
    "CostCentreBalance",
    "DunningLetter",
    "DunningLevel",
    "FiscalPosition",
    "FiscalPositionAccount",
    "FiscalPositionTax",
    "FiscalYear",
    "Invoice",
    "InvoiceLine",
    "Journal",
    "JournalEntry",
    "JournalLine",
    "PartnerAccounting",
    "PartnerBalance",
    "Payment",
    "PaymentRun",
    "PaymentTermLine",
    "Period",
    "ProductAccounting",
    "Reconciliation",
    "Tax",
    "TaxGroup",
]
