"""Reference data every database starts with: ISO 4217 currencies and units of measure."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import get_currency_name, get_currency_precision, get_territory_currencies

# (category, code, name, factor in the category's reference unit, rounding)
UNITS: list[tuple[str, str, str, str, str]] = [
    ("Unit", "pcs", "Piece", "1", "1"),
    ("Unit", "pair", "Pair", "2", "1"),
    ("Unit", "dozen", "Dozen", "12", "1"),
    ("Weight", "kg", "Kilogram", "1", "0.001"),
    ("Weight", "g", "Gram", "0.001", "0.01"),
    ("Weight", "t", "Tonne", "1000", "0.001"),
    ("Weight", "lb", "Pound", "0.45359237", "0.01"),
    ("Length", "m", "Metre", "1", "0.001"),
    ("Length", "cm", "Centimetre", "0.01", "0.1"),
    ("Length", "mm", "Millimetre", "0.001", "1"),
    ("Area", "m2", "Square metre", "1", "0.001"),
    ("Volume", "l", "Litre", "1", "0.001"),
    ("Volume", "m3", "Cubic metre", "1000", "0.001"),
    ("Time", "h", "Hour", "1", "0.01"),
    ("Time", "day", "Day", "8", "0.01"),
]


def current_currencies() -> dict[str, dict[str, Any]]:
    """Legal-tender ISO 4217 currencies in use today, with English names and minor units."""
    codes: set[str] = set()
    for territory in map(str, Locale("en").territories):
        if territory.isalpha() and len(territory) == 2:
            codes.update(get_territory_currencies(territory, tender=True))
    return {
        code: {"name": get_currency_name(code, locale="en"), "minor_unit": get_currency_precision(code)}
        for code in sorted(codes)
    }


def seed(apps: Any) -> None:
    """Create or update reference rows; called from a data migration with historical models."""
    currency_model = apps.get_model("core", "Currency")
    for code, info in current_currencies().items():
        currency_model.objects.update_or_create(code=code, defaults=info)
    category_model = apps.get_model("core", "UomCategory")
    uom_model = apps.get_model("core", "Uom")
    for category_name, code, name, factor, rounding in UNITS:
        category, _ = category_model.objects.get_or_create(name=category_name)
        uom_model.objects.update_or_create(
            code=code,
            defaults={
                "category": category,
                "name": name,
                "factor": Decimal(factor),
                "rounding": Decimal(rounding),
                "is_reference": factor == "1",
            },
        )
