"""Shipped tax templates: the current VAT rates of Slovenia, Poland, Germany, the United
Kingdom, Russia and China, and a US sales-tax example, with the fiscal positions each needs
(domestic, EU intra-community reverse charge, export at 0 %).

A tax names the account it posts to by the code of the country's chart; a chart without that
code gets its first tax account on the right side (``services.taxes.install_taxes``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

EU = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]


@dataclass(frozen=True)
class TaxRow:
    key: str
    name: str
    use: str  # "sale" | "purchase"
    amount: str
    account: str = ""
    computation: str = "percent"
    price_included: bool = False
    reverse_charge: str = ""  # the output-tax account of a self-assessed purchase tax
    box: str = ""
    label: str = ""
    group: str = ""  # how documents total it: the taxes of one rate add up on one line


@dataclass(frozen=True)
class PositionRow:
    name: str
    kind: str
    countries: tuple[str, ...]
    taxes: tuple[tuple[str, str], ...] = ()  # (source key, target key or "" to drop)
    vat_required: bool = False
    note: str = ""


@dataclass(frozen=True)
class TaxTemplate:
    taxes: tuple[TaxRow, ...]
    positions: tuple[PositionRow, ...]


def _vat(
    country: str,
    rates: tuple[str, ...],
    *,
    word: str,
    sale: str,
    purchase: str,
    sale_accounts: tuple[str, ...] = (),
    purchase_accounts: tuple[str, ...] = (),
    eu_accounts: tuple[str, str] = ("", ""),
    eu_note: str = "",
) -> TaxTemplate:
    """A VAT country: a sales and a purchase tax per rate (the first is the standard one),
    intra-EU 0 % sales and self-assessed purchases for EU members, and exports at 0 %."""
    taxes: list[TaxRow] = []
    for n, rate in enumerate(rates):
        group = f"{word} {rate} %"
        taxes.append(TaxRow(f"s{rate}", group, "sale", rate, _at(sale_accounts, n, sale), group=group))
        taxes.append(
            TaxRow(
                f"p{rate}",
                f"{group} ({purchase})",
                "purchase",
                rate,
                _at(purchase_accounts, n, ""),
                group=group,
            )
        )
    standard = rates[0]
    taxes.append(TaxRow("s-export", f"{word} 0 % export", "sale", "0", group=f"{word} 0 %"))
    positions = [PositionRow("Domestic", "domestic", (country,))]
    if country in EU:
        taxes.append(TaxRow("s-eu", f"{word} 0 % EU", "sale", "0", group=f"{word} 0 %"))
        taxes.append(
            TaxRow(
                "p-eu",
                f"{word} {standard} % EU reverse charge",
                "purchase",
                standard,
                eu_accounts[0],
                reverse_charge=eu_accounts[1] or "2100",
                group=f"{word} {standard} %",
            )
        )
        others = tuple(c for c in EU if c != country)
        positions.append(
            PositionRow(
                "EU intra-community",
                "eu_reverse_charge",
                others,
                tuple((f"s{r}", "s-eu") for r in rates) + tuple((f"p{r}", "p-eu") for r in rates),
                vat_required=True,
                note=eu_note or "Reverse charge: the customer accounts for the VAT.",
            )
        )
        positions.append(PositionRow("EU consumers", "domestic", others))  # taxed as at home
    positions.append(
        PositionRow(
            "Export",
            "export",
            (),
            tuple((f"s{r}", "s-export") for r in rates) + tuple((f"p{r}", "") for r in rates),
        )
    )
    return TaxTemplate(tuple(taxes), tuple(positions))


def _at(codes: tuple[str, ...], n: int, default: str) -> str:
    return codes[n] if n < len(codes) else default


TEMPLATES: dict[str, TaxTemplate] = {
    "SI": _vat(
        "SI",
        ("22", "9.5", "5"),
        word="DDV",
        sale="2600",
        purchase="vstopni",
        sale_accounts=("2600", "2601", "2602"),
        purchase_accounts=("1600", "1601", "1602"),
        eu_accounts=("1605", "2605"),
        eu_note="Obrnjena davčna obveznost (76.a člen ZDDV-1).",
    ),
    "PL": _vat(
        "PL",
        ("23", "8", "5", "0"),
        word="VAT",
        sale="221-1",
        purchase="naliczony",
        purchase_accounts=("221-2",) * 4,
        eu_accounts=("221-2", "221-1"),
        eu_note="Odwrotne obciążenie.",
    ),
    "DE": _vat(
        "DE",
        ("19", "7"),
        word="USt",
        sale="2100",
        purchase="Vorsteuer",
        purchase_accounts=("1160", "1160"),
        eu_accounts=("1160", "2100"),
        eu_note="Steuerschuldnerschaft des Leistungsempfängers.",
    ),
    "GB": _vat(
        "GB", ("20", "5", "0"), word="VAT", sale="2100", purchase="input", purchase_accounts=("1160",) * 3
    ),
    "RU": _vat(
        "RU", ("20", "10", "0"), word="НДС", sale="68.02", purchase="входящий", purchase_accounts=("19",) * 3
    ),
    "CN": _vat(
        "CN", ("13", "9", "6"), word="增值税", sale="2100", purchase="进项", purchase_accounts=("1160",) * 3
    ),
    "US": TaxTemplate(
        (
            TaxRow("state", "Texas state sales tax 6.25 %", "sale", "6.25", "2100"),
            TaxRow("local", "Austin local sales tax 2 %", "sale", "2", "2100"),
            TaxRow("exempt", "Sales tax exempt (resale)", "sale", "0", "2100"),
        ),
        (
            PositionRow("In state", "domestic", ("US",)),
            PositionRow("Export", "export", (), (("state", "exempt"), ("local", ""))),
        ),
    ),
}


def group_taxes(
    template: TaxTemplate,
    company_id: int,
    tax_model: Any,
    group_model: Any,
    *,
    taxes: Iterable[Any] | None = None,
    make_group: Callable[[str, int], Any] | None = None,
) -> int:
    """Put the company's taxes of no group in the group of the ``template`` row they were made
    from (matched by use and name), as installing the template does: a group the company has
    already by that name is taken, a missing one made by ``make_group(name, sequence)`` (the
    services' ``create_tax_group`` on installing; a plain row in a migration), its ``sequence``
    the group's place among the template's groups (10, 11, …: the order documents total them).
    ``taxes``: the rows to group (default: the company's taxes of no group). Takes the models
    as arguments, so a data migration calls it with its historical ones. How many were grouped."""
    rows = (
        list(taxes)
        if taxes is not None
        else list(
            tax_model.objects.filter(company_id=company_id, group__isnull=True).exclude(computation="group")
        )
    )
    ungrouped = {(tax.use, tax.name): tax for tax in rows if tax.group_id is None}
    places: dict[str, int] = {}
    for row in template.taxes:
        if row.group:
            places.setdefault(row.group, 10 + len(places))
    found = {
        group.name: group for group in group_model.objects.filter(company_id=company_id, name__in=places)
    }

    def make(name: str) -> Any:
        if make_group is not None:
            return make_group(name, places[name])
        return group_model.objects.create(company_id=company_id, name=name, sequence=places[name])

    grouped = 0
    for row in template.taxes:
        tax = ungrouped.pop((row.use, row.name), None)
        if tax is None or not row.group:
            continue
        if row.group not in found:
            found[row.group] = make(row.group)
        tax.group = found[row.group]
        tax_model.objects.filter(pk=tax.pk).update(group=tax.group)
        grouped += 1
    return grouped
