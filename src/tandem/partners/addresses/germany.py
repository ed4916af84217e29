"""Germany: "Hauptstraße 5, D-10115 Berlin", states."""

from __future__ import annotations

import re

from tandem.partners.addresses.common import CodeBeforeCity, _folded

_DE_PREFIXED_POSTAL_RE = re.compile(r"(?<![\w-])DE?\s?-\s?\d{5}(?![\w-])", re.IGNORECASE)

GERMANY = CodeBeforeCity(
    digits=5,
    postal_re=re.compile(r"(?<![\w-])(?P<prefix>DE?\s?-\s?)?(?P<code>\d{5})(?![\w/-])", re.IGNORECASE),
    regions=_folded((
        "Baden-Württemberg", "Bayern", "Bavaria", "Brandenburg", "Hessen", "Hesse",
        "Mecklenburg-Vorpommern", "Niedersachsen", "Lower Saxony", "Nordrhein-Westfalen",
        "North Rhine-Westphalia", "NRW", "Rheinland-Pfalz", "Saarland", "Sachsen", "Saxony",
        "Sachsen-Anhalt", "Schleswig-Holstein", "Thüringen", "Thuringia",
    )),
    cities=_folded((
        "Berlin", "Hamburg", "München", "Munich", "Köln", "Cologne", "Frankfurt",
        "Frankfurt am Main", "Stuttgart", "Düsseldorf", "Dortmund", "Essen", "Leipzig",
        "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg", "Bochum", "Wuppertal",
        "Bielefeld", "Bonn", "Münster", "Mannheim", "Karlsruhe", "Augsburg", "Wiesbaden",
        "Aachen", "Kiel", "Freiburg", "Heidelberg", "Potsdam", "Mainz", "Rostock", "Erfurt",
    )),
    street_words=re.compile(
        r"(?:straße|strasse|str\.|weg|platz|allee|gasse|damm|ring|ufer|chaussee|steig|markt)(?!\w)",
        re.IGNORECASE,
    ),
    unit_types=("whg", "wohnung", "app", "apartment", "zimmer"),
)  # fmt: skip


def _has_german_prefixed_code(text: str) -> bool:
    return _DE_PREFIXED_POSTAL_RE.search(text) is not None
