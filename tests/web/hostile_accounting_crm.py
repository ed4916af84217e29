"""Hostile records for the accounting and CRM exports of ``test_exports``: each builder makes,
through the domain's services and its tests' own builders, one record whose exported text
column holds ``HOSTILE`` (cut to the column's length where it is shorter)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tandem.core.models import Company, Uom, User

HOSTILE = '\x01=HYPERLINK("http://evil.test","click")'


def _bank_statement(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.accounting.services import statements
    from tandem.accounting.services.statement_files import CAMT053, ParsedLine, ParsedStatement
    from tests.accounting.test_payment_views import DAY, bank, books_of

    books_of(company)
    line = ParsedLine(DAY, Decimal("25.00"), "Kowalski sp. z o.o.", "", "", "", "EVIL-1")
    parsed = ParsedStatement(
        CAMT053, HOSTILE[:64], DAY, company.currency_id, Decimal(0), Decimal("25.00"), "", [line]
    )
    return statements.import_statement(company, actor, parsed, journal=bank(company))


def _budget(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_budget_pages import TestBudgetPages

    return TestBudgetPages().make(company, actor, name=HOSTILE)


def _dunning_level(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_dunning_views import TestDunningLevelPages

    return TestDunningLevelPages().make(company, actor, name=HOSTILE[:64])


def _payment(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_payment_views import make_payment

    return make_payment(company, actor, reference=HOSTILE)


def _payment_run(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.accounting.services import ledger, sepa
    from tandem.partners.services import add_bank_account, create_partner
    from tests.accounting.test_payment_views import DAY, bank, books_of
    from tests.accounting.test_sepa import _bill

    books_of(company)
    # A run's message ID is made by the service and is the file's MsgId, so it is never
    # renamed; the text of a run people type is its bank journal ("code name"), exported beside it.
    journal = ledger.update_journal(
        bank(company), actor, code="=1+2", name=HOSTILE[:64],
        bank_iban="DE89370400440532013000", bank_bic="COBADEFFXXX",
    )  # fmt: skip
    supplier = create_partner(company, actor, name="Hrast d.o.o.", country="SI", is_supplier=True)
    add_bank_account(supplier, actor, iban="SI56191000000123438")
    return sepa.create_run(company, actor, journal=journal, date=DAY, bills=[_bill(company, supplier)])


def _activity(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.crm.test_views import TestActivityPages

    return TestActivityPages().make(company, actor, subject=HOSTILE)


def _deal(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.crm import services, targets
    from tests.crm.test_views import TestDealPages

    services.ensure_setup(company, actor)
    team = targets.create_team(company, actor, name=f"{HOSTILE[:90]} deals")  # the export's Team column
    return TestDealPages().make(company, actor, title=HOSTILE, team=team)


def _lead(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.crm import services

    return services.create_lead(company, actor, title=HOSTILE, contact_name=HOSTILE, need=HOSTILE)


def _pipeline(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.crm import services

    return services.create_pipeline(company, actor, name=HOSTILE, stages=services.DEFAULT_STAGES)


def _lost_reason(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.crm import services

    return services.create_lost_reason(company, actor, name=HOSTILE[:100])


def _sales_team(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.crm import targets

    return targets.create_team(company, actor, name=HOSTILE[:100])


def _sales_target(company: Company, actor: User, pcs: Uom) -> Any:
    import datetime

    from tandem.crm import targets

    team = targets.create_team(company, actor, name=HOSTILE[:100])
    return targets.set_target(company, actor, month=datetime.date(2026, 12, 1), team=team, revenue="100")


def _segment(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.crm import segments

    return segments.create_segment(company, actor, name=HOSTILE[:100], description=HOSTILE)


def _tax(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_setup_pages import TestTaxPages

    return TestTaxPages().make(company, actor, name=HOSTILE[:64], label=HOSTILE[:64])


def _tax_group(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_setup_pages import TestTaxGroupPages

    return TestTaxGroupPages().make(company, actor, name=HOSTILE[:64])


def _cost_centre(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_setup_pages import TestCostCentrePages

    return TestCostCentrePages().make(company, actor, code=HOSTILE[:32], name=HOSTILE)


def _fiscal_position(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_fiscal_positions import make_position

    return make_position(company, actor, name=HOSTILE[:64], countries="", note=HOSTILE)


def _payment_term(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_payment_terms import make_term

    return make_term(company, actor, name=HOSTILE[:64])


def _fiscal_year(company: Company, actor: User, pcs: Uom) -> Any:
    from tests.accounting.test_books_settings_pages import TestFiscalYearPages

    return TestFiscalYearPages().make(company, actor, name=HOSTILE[:32])


def hostile_books(company: Company, actor: User) -> None:
    """Posted books, today (the reports' default period), in which every name a report shows is
    ``HOSTILE``: a partner invoiced on an income account under a sales tax and billing us, and
    an entry on an asset account — for the report exports (every report, XLSX and CSV)."""
    from django.utils import timezone

    from tandem.accounting.models import Journal
    from tandem.accounting.services import charts, invoices, ledger, taxes
    from tandem.partners.services import create_partner

    today = timezone.localdate()
    charts.install_chart(company, actor, "ifrs", today=today)
    standard = next(t for t in taxes.install_taxes(company, actor) if t.use == "sale" and t.amount > 10)
    income = ledger.create_account(company, actor, code="4999", name=HOSTILE, type="income", subtype="income")
    asset = ledger.create_account(company, actor, code="1999", name=HOSTILE, type="asset", subtype="current")
    tax = taxes.create_tax(
        company, actor, name=HOSTILE[:64], use="sale", amount=Decimal(22), account=standard.account
    )
    partner = create_partner(company, actor, name=HOSTILE, allow_duplicate=True, is_supplier=True)
    line = invoices.LineData("Oak table", Decimal(1), Decimal("100.00"), account=income, taxes=[tax])
    draft = invoices.create_invoice(
        company, actor, kind="customer_invoice", partner=partner, invoice_date=today, lines=[line]
    )
    invoices.post_invoice(draft, actor)
    bill = invoices.create_invoice(
        company, actor, kind="supplier_bill", partner=partner, invoice_date=today,
        lines=[invoices.LineData("Planks", Decimal(1), Decimal("40.00"))],
    )  # fmt: skip
    invoices.post_invoice(bill, actor)
    lines = [ledger.Line(asset, debit=Decimal(10)), ledger.Line(income, credit=Decimal(10))]
    journal = Journal.objects.filter(company=company, kind="general").first()
    entry = ledger.create_entry(company, actor, journal=journal, date=today, lines=lines)
    ledger.post_entry(entry, actor)


def _journal_lines(company: Company, actor: User, pcs: Uom) -> Any:
    return hostile_books(company, actor)  # the drill-down's lines: hostile accounts and partner


RECORDS: dict[str, Callable[[Company, User, Uom], Any]] = {
    "accounting.journalline": _journal_lines,
    "accounting.bankstatement": _bank_statement,
    "accounting.bookspaymentterm": _payment_term,
    "accounting.budget": _budget,
    "accounting.costcentre": _cost_centre,
    "accounting.dunninglevel": _dunning_level,
    "accounting.fiscalposition": _fiscal_position,
    "accounting.fiscalyear": _fiscal_year,
    "accounting.payment": _payment,
    "accounting.paymentrun": _payment_run,
    "accounting.tax": _tax,
    "accounting.taxgroup": _tax_group,
    "crm.activity": _activity,
    "crm.deal": _deal,
    "crm.lead": _lead,
    "crm.lostreason": _lost_reason,
    "crm.pipeline": _pipeline,
    "crm.salesteam": _sales_team,
    "crm.salestarget": _sales_target,
    "crm.segment": _segment,
}
