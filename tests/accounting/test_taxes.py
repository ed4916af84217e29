"""Tax computation (percent, fixed, included, compound, groups, rounding), fiscal positions,
tax accounts and the shipped templates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting import tax_templates
from tandem.accounting.models import Account, BooksSettings, FiscalPosition, Tax, TaxGroup
from tandem.accounting.services import charts, taxes
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency

from .conftest import DAY

D = Decimal
pytestmark = pytest.mark.django_db


def _tax(company: Company, name: str, amount: str, **extra: object) -> Tax:
    extra.setdefault("use", Tax.Use.SALE)
    return Tax.objects.create(company=company, name=name, amount=D(amount), **extra)


def test_percent_excluded_is_added_to_the_price(company: Company, eur: Currency) -> None:
    vat = _tax(company, "VAT 22", "22")
    found = taxes.compute(D("10.00"), D(3), [vat], eur, discount=D(10))
    assert (found.untaxed, found.taxes[0].amount, found.total) == (D("27.00"), D("5.94"), D("32.94"))


def test_an_included_tax_is_taken_out_of_the_price(company: Company, eur: Currency) -> None:
    vat = _tax(company, "VAT 22 incl", "22", price_included=True)
    found = taxes.compute(D("122.00"), D(1), [vat], eur)
    assert (found.untaxed, found.taxes[0].amount, found.total) == (D("100.00"), D("22.00"), D("122.00"))
    odd = taxes.compute(D("9.99"), D(1), [vat], eur)
    assert odd.total == D("9.99")  # the printed price stays what it was


def test_fixed_and_compound_taxes(company: Company, eur: Currency) -> None:
    eco = _tax(company, "Eco fee", "0.50", computation=Tax.Computation.FIXED, affects_base=True, sequence=1)
    vat = _tax(company, "VAT 20", "20", sequence=2)
    found = taxes.compute(D("10.00"), D(2), [vat, eco], eur)
    assert [t.amount for t in found.taxes] == [D("1.00"), D("4.20")]  # VAT on price plus the fee
    assert found.total == D("25.20")


def test_included_compound_taxes_come_out_last_one_first(company: Company, eur: Currency) -> None:
    excise = _tax(company, "Excise 10", "10", price_included=True, affects_base=True, sequence=1)
    vat = _tax(company, "VAT 20", "20", price_included=True, sequence=2)
    found = taxes.compute(D("132.00"), D(1), [excise, vat], eur)
    assert found.untaxed == D("100.00")
    assert [t.amount for t in found.taxes] == [D("10.00"), D("22.00")]


def test_a_group_is_its_taxes_in_order(company: Company, eur: Currency) -> None:
    state = _tax(company, "State 6.25", "6.25", sequence=1)
    local = _tax(company, "Local 2", "2", sequence=2)
    group = _tax(company, "Sales tax 8.25", "0", computation=Tax.Computation.GROUP)
    group.children.set([state, local])
    found = taxes.compute(D("100.00"), D(1), [group], eur)
    assert [t.amount for t in found.taxes] == [D("6.25"), D("2.00")]


def test_rounding_per_line_or_per_document(company: Company, eur: Currency) -> None:
    vat = _tax(company, "VAT 22", "22")
    lines = [taxes.compute(D("0.10"), D(1), [vat], eur, round_line=rounded) for rounded in (True, False)]
    per_line = taxes.totals([lines[0]] * 3, eur)[1][0].amount
    per_document = taxes.totals([lines[1]] * 3, eur)[1][0].amount
    assert (per_line, per_document) == (D("0.06"), D("0.07"))  # 3 × 0.02 against round(0.066)


def test_a_tax_on_an_account_that_is_not_a_tax_account_is_refused(
    company: Company, books: BooksSettings
) -> None:
    income = Account.objects.get(company=company, code="4000")
    with pytest.raises(ValidationFailed) as refused:
        taxes.create_tax(company, None, name="VAT", use="sale", amount=D(22), account=income)
    assert "account" in refused.value.errors
    assert not Tax.objects.filter(company=company).exists()
    tax_account = Account.objects.get(company=company, code="2100")
    assert taxes.create_tax(company, None, name="VAT", use="sale", amount=D(22), account=tax_account).pk


@pytest.mark.parametrize(
    ("country", "chart", "rates"),
    [
        ("SI", "si", {"22", "9.5", "5"}),
        ("PL", "pl", {"23", "8", "5", "0"}),
        ("DE", "ifrs", {"19", "7"}),
        ("GB", "ifrs", {"20", "5", "0"}),
        ("RU", "ru", {"20", "10", "0"}),
        ("CN", "ifrs", {"13", "9", "6"}),
        ("US", "ifrs", {"6.25", "2", "0"}),
    ],
)
def test_shipped_templates_post_to_tax_accounts(
    company: Company, country: str, chart: str, rates: set[str]
) -> None:
    charts.install_chart(company, None, chart, today=DAY)
    made = taxes.install_taxes(company, None, country)
    sales = {f"{t.amount.normalize():f}" for t in made if t.use == Tax.Use.SALE}
    assert rates <= sales
    assert all(t.account is not None and t.account.subtype == Account.Subtype.TAX for t in made)
    sides = {t.use: t.account.type for t in made if not t.reverse_charge_account_id}  # type: ignore[union-attr]
    assert sides.get("sale") == Account.Type.LIABILITY
    assert FiscalPosition.objects.filter(company=company, kind="export").exists()
    assert (country in tax_templates.EU) == FiscalPosition.objects.filter(
        company=company, kind="eu_reverse_charge"
    ).exists()
    with pytest.raises(BusinessError):
        taxes.install_taxes(company, None, country)  # once per company


def test_shipped_taxes_total_per_rate_on_documents(company: Company, books: BooksSettings) -> None:
    """Each rate's taxes (sales, purchase, self-assessed) are one tax group, named as a document
    totals them; a sale at 23 % and at 8 % and an export line show a line per rate, in order,
    and a tax of no group shows under its own name after them."""
    made = {t.name: t for t in taxes.install_taxes(company, None, "PL")}
    assert (
        made["VAT 23 %"].group
        == made["VAT 23 % (naliczony)"].group
        == made["VAT 23 % EU reverse charge"].group
    )
    assert made["VAT 0 % export"].group == made["VAT 0 % EU"].group != made["VAT 23 %"].group
    eco = taxes.create_tax(
        company, None, name="Eco fee", use="sale", computation="fixed", amount=Decimal("2"),
        account=made["VAT 23 %"].account,
    )  # fmt: skip
    eur = company.currency
    lines = [
        taxes.compute(Decimal(100), Decimal(1), [made["VAT 23 %"]], eur),
        taxes.compute(Decimal(50), Decimal(2), [made["VAT 23 %"], eco], eur),
        taxes.compute(Decimal(10), Decimal(1), [made["VAT 8 %"]], eur),
    ]
    _untaxed, rows = taxes.totals(lines, eur)
    shown = [(row.name, row.base, row.amount) for row in taxes.shown_totals(rows)]
    assert shown == [
        ("VAT 23 %", Decimal("200.00"), Decimal("46.00")),
        ("VAT 8 %", Decimal("10.00"), Decimal("0.80")),
        ("Eco fee", Decimal("100.00"), Decimal("4.00")),
    ]


def test_fiscal_positions_map_the_partner_taxes(company: Company, books: BooksSettings) -> None:
    made = {t.name: t for t in taxes.install_taxes(company, None, "PL")}
    standard = made["VAT 23 %"]
    eu = taxes.position_for(company, "DE", True)
    assert eu is not None and eu.kind == "eu_reverse_charge"
    assert taxes.map_taxes(eu, [standard]) == [made["VAT 0 % EU"]]
    assert taxes.position_for(company, "DE", False).kind == "domestic"  # type: ignore[union-attr]
    assert taxes.position_for(company, "PL", True).kind == "domestic"  # type: ignore[union-attr]
    export = taxes.position_for(company, "US", False)
    assert taxes.map_taxes(export, [standard]) == [made["VAT 0 % export"]]
    purchase = taxes.map_taxes(eu, [made["VAT 23 % (naliczony)"]])
    assert purchase[0].reverse_charge_account is not None


T = tax_templates


@pytest.mark.parametrize(
    ("template", "field", "row"),
    [
        (
            T.TaxTemplate(
                (T.TaxRow("s", "VAT 22 %", "sale", "22"), T.TaxRow("x", "VAT 250 %", "sale", "250")), ()
            ),
            "amount",
            "VAT 250 %",
        ),
        (T.TaxTemplate((T.TaxRow("s", "VAT 22 %", "both", "22"),), ()), "use", "VAT 22 %"),
        (
            T.TaxTemplate(
                (T.TaxRow("s", "VAT 22 %", "sale", "22"), T.TaxRow("t", "VAT 22 %", "sale", "9.5")), ()
            ),
            "name",
            "VAT 22 %",
        ),
        (
            T.TaxTemplate(
                (
                    T.TaxRow("s", "VAT 22 %", "sale", "22"),
                    T.TaxRow("p", "VAT 22 % (input)", "purchase", "22"),
                ),
                (T.PositionRow("Export", "export", (), (("s", "p"),)),),
            ),
            "tax_map.0",  # the position's first mapping
            "Export",
        ),
        (
            T.TaxTemplate(
                (T.TaxRow("s", "VAT 22 %", "sale", "22"),), (T.PositionRow("EU", "domestic", ("SI", "EL")),)
            ),
            "countries",
            "EU",
        ),
    ],
)
def test_a_tax_template_is_held_to_the_checks_of_a_tax_typed_by_hand(
    company: Company,
    books: BooksSettings,
    monkeypatch: pytest.MonkeyPatch,
    template: Any,
    field: str,
    row: str,
) -> None:
    """``install_taxes`` writes through ``create_tax`` and ``create_fiscal_position``: a template row
    they refuse is named in a clear error (not a database error, not a tax saved unchecked) and
    nothing of the template is written."""
    monkeypatch.setitem(tax_templates.TEMPLATES, "XX", template)
    with pytest.raises(ValidationFailed) as refused:
        taxes.install_taxes(company, None, "XX")
    assert field in refused.value.errors and row in refused.value.message
    assert not Tax.objects.filter(company=company).exists()
    assert not FiscalPosition.objects.filter(company=company).exists()
    assert not TaxGroup.objects.filter(company=company).exists()
