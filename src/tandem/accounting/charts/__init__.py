"""Shipped charts of accounts, one TOML file per chart: headings (groups), accounts (code,
name, type, subtype), journals (code, name, kind, default account) and the accounts the
company's settings point at. :func:`tandem.accounting.services.charts.install_chart` makes a
company's books from one."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

TEMPLATES = {"ifrs": "ifrs.toml", "si": "si.toml", "pl": "pl.toml", "ru": "ru.toml"}
BY_COUNTRY = {"SI": "si", "PL": "pl", "RU": "ru"}


@dataclass(frozen=True)
class ChartTemplate:
    key: str
    name: str
    language: str
    groups: list[tuple[str, str]]
    accounts: list[tuple[str, str, str, str]]
    journals: list[tuple[str, str, str, str]]
    defaults: dict[str, str]


@cache
def load(key: str) -> ChartTemplate:
    """The chart ``key`` (``KeyError`` for an unknown one)."""
    text = resources.files(__package__).joinpath(TEMPLATES[key]).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return ChartTemplate(
        key=key,
        name=data["name"],
        language=data["language"],
        groups=[(code, name) for code, name in data["groups"]],
        accounts=[(code, name, kind, subtype) for code, name, kind, subtype in data["accounts"]],
        journals=[(code, name, kind, account) for code, name, kind, account in data["journals"]],
        defaults=dict(data["defaults"]),
    )


def for_country(country: str) -> str:
    """The chart a company of ``country`` (ISO code) starts from: its own, or the generic one."""
    return BY_COUNTRY.get(country.upper(), "ifrs")
