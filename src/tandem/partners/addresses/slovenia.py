"""Slovenia: "Slovenska cesta 15, 1000 Ljubljana"."""

from __future__ import annotations

import re

from tandem.partners.addresses.common import CodeBeforeCity, _folded

SLOVENIA = CodeBeforeCity(
    digits=4,
    postal_re=re.compile(r"(?<![\w-])(?P<prefix>SI\s?-?\s?)?(?P<code>\d{4})(?![\w/-])", re.IGNORECASE),
    regions=_folded((
        "Pomurska", "Podravska", "Koroška", "Savinjska", "Zasavska", "Posavska",
        "Osrednjeslovenska", "Gorenjska", "Primorsko-notranjska", "Goriška", "Obalno-kraška",
    )),
    cities=_folded((
        "Ljubljana", "Maribor", "Celje", "Kranj", "Koper", "Velenje", "Novo mesto", "Ptuj",
        "Nova Gorica", "Murska Sobota", "Kamnik", "Jesenice", "Domžale", "Škofja Loka",
        "Izola", "Piran", "Postojna", "Bled", "Trbovlje",
    )),
    street_words=re.compile(r"(?<!\w)(?:cesta|ulica|trg|pot|nabrežje|c\.)(?!\w)", re.IGNORECASE),
    unit_types=("stanovanje", "stan"),
)  # fmt: skip
