"""Free-text postal address parsing (standard library only).

``parse_address`` splits a free-form address into street, house, unit, postal code, city, region
and country; ``detect_country`` returns only the ISO 3166-1 alpha-2 country.

Handles the usual written forms of Russia (big-to-small and small-to-big, with or without dots
after "г", "ул", "д", "корп", "кв"), Poland ("ul. Długa 5/7 m. 2, 80-831 Gdańsk"), Slovenia
("Slovenska cesta 15, 1000 Ljubljana"), Germany ("Hauptstraße 5, D-10115 Berlin"), China in
Chinese script ("北京市朝阳区建国路88号…1001室"; the district stays in front of the street) and in
pinyin ("No. 88 Jianguo Road, Chaoyang District, Beijing 100022"), the UK and the US; anything
else goes through a generic house-number / postal-code heuristic. The country comes from a
country name in the text, then from the script or postal-code shape, then from
``default_country``. Parsing never raises; text that fits no field is kept in ``street``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class ParsedAddress:
    """One address split into fields; every field is "" when absent."""

    street: str = ""
    house: str = ""
    unit: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

COUNTRY_NAMES: dict[str, str] = {
    "россия": "RU",
    "российская федерация": "RU",
    "рф": "RU",
    "russia": "RU",
    "russian federation": "RU",
    "polska": "PL",
    "poland": "PL",
    "rzeczpospolita polska": "PL",
    "slovenija": "SI",
    "slovenia": "SI",
    "republika slovenija": "SI",
    "中国": "CN",
    "中华人民共和国": "CN",
    "china": "CN",
    "prc": "CN",
    "pr china": "CN",
    "people's republic of china": "CN",
    "deutschland": "DE",
    "germany": "DE",
    "bundesrepublik deutschland": "DE",
    "brd": "DE",
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "britain": "GB",
    "gb": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "us": "US",
    "united states": "US",
    "united states of america": "US",
    "america": "US",
}
"""Country names and abbreviations (lower case, without dots) mapped to alpha-2 codes."""

# Names that are only trusted as a whole comma-separated part, never glued to other words.
SEGMENT_ONLY_COUNTRY_NAMES = frozenset({"us", "gb", "brd", "wales", "england", "america", "britain"})
# Short names trusted glued to other words only when written in capitals ("London W1 UK").
UPPER_CASE_ONLY_COUNTRY_NAMES = frozenset({"uk", "рф", "prc"})

US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
US_STATE_CODES_BY_NAME: dict[str, str] = {name.casefold(): code for code, name in US_STATES.items()}

GB_COUNTIES = frozenset(
    name.casefold()
    for name in (
        "Bedfordshire", "Berkshire", "Buckinghamshire", "Cambridgeshire", "Cheshire",
        "City of London", "Cornwall", "County Durham", "Cumbria", "Derbyshire", "Devon",
        "Dorset", "East Riding of Yorkshire", "East Sussex", "Essex", "Gloucestershire",
        "Greater London", "Greater Manchester", "Hampshire", "Herefordshire", "Hertfordshire",
        "Isle of Wight", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside",
        "Middlesex", "Norfolk", "North Yorkshire", "Northamptonshire", "Northumberland",
        "Nottinghamshire", "Oxfordshire", "Rutland", "Shropshire", "Somerset",
        "South Yorkshire", "Staffordshire", "Suffolk", "Surrey", "Tyne and Wear",
        "Warwickshire", "West Midlands", "West Sussex", "West Yorkshire", "Wiltshire",
        "Worcestershire", "Anglesey", "Clwyd", "Dyfed", "Gwent", "Gwynedd", "Powys",
        "Glamorgan", "South Glamorgan", "Mid Glamorgan", "West Glamorgan", "Angus", "Argyll",
        "Fife", "Highland", "Midlothian", "East Lothian", "West Lothian", "Moray",
        "Scottish Borders",
    )
)  # fmt: skip

DE_STATES = frozenset(
    name.casefold()
    for name in (
        "Baden-Württemberg", "Bayern", "Bavaria", "Brandenburg", "Hessen", "Hesse",
        "Mecklenburg-Vorpommern", "Niedersachsen", "Lower Saxony", "Nordrhein-Westfalen",
        "North Rhine-Westphalia", "NRW", "Rheinland-Pfalz", "Saarland", "Sachsen", "Saxony",
        "Sachsen-Anhalt", "Schleswig-Holstein", "Thüringen", "Thuringia",
    )
)  # fmt: skip

DE_CITIES = frozenset(
    name.casefold()
    for name in (
        "Berlin", "Hamburg", "München", "Munich", "Köln", "Cologne", "Frankfurt",
        "Frankfurt am Main", "Stuttgart", "Düsseldorf", "Dortmund", "Essen", "Leipzig",
        "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg", "Bochum", "Wuppertal",
        "Bielefeld", "Bonn", "Münster", "Mannheim", "Karlsruhe", "Augsburg", "Wiesbaden",
        "Aachen", "Kiel", "Freiburg", "Heidelberg", "Potsdam", "Mainz", "Rostock", "Erfurt",
    )
)  # fmt: skip

PL_VOIVODESHIPS = frozenset(
    (
        "dolnośląskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "łódzkie",
        "małopolskie", "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie",
        "śląskie", "świętokrzyskie", "warmińsko-mazurskie", "wielkopolskie",
        "zachodniopomorskie",
    )
)  # fmt: skip

SI_REGIONS = frozenset(
    name.casefold()
    for name in (
        "Pomurska", "Podravska", "Koroška", "Savinjska", "Zasavska", "Posavska",
        "Osrednjeslovenska", "Gorenjska", "Primorsko-notranjska", "Goriška", "Obalno-kraška",
    )
)  # fmt: skip

SI_CITIES = frozenset(
    name.casefold()
    for name in (
        "Ljubljana", "Maribor", "Celje", "Kranj", "Koper", "Velenje", "Novo mesto", "Ptuj",
        "Nova Gorica", "Murska Sobota", "Kamnik", "Jesenice", "Domžale", "Škofja Loka",
        "Izola", "Piran", "Postojna", "Bled", "Trbovlje",
    )
)  # fmt: skip

CN_PINYIN_PROVINCES = frozenset(
    name.casefold()
    for name in (
        "Anhui", "Fujian", "Gansu", "Guangdong", "Guizhou", "Hainan", "Hebei", "Heilongjiang",
        "Henan", "Hubei", "Hunan", "Jiangsu", "Jiangxi", "Jilin", "Liaoning", "Qinghai",
        "Shaanxi", "Shandong", "Shanxi", "Sichuan", "Yunnan", "Zhejiang", "Guangxi",
        "Inner Mongolia", "Ningxia", "Xinjiang", "Tibet", "Xizang",
    )
)  # fmt: skip

CN_PINYIN_CITIES = frozenset(
    name.casefold()
    for name in (
        "Beijing", "Shanghai", "Tianjin", "Chongqing", "Guangzhou", "Shenzhen", "Hangzhou",
        "Nanjing", "Suzhou", "Chengdu", "Wuhan", "Xi'an", "Xian", "Qingdao", "Dalian",
        "Xiamen", "Ningbo", "Shenyang", "Harbin", "Changsha", "Zhengzhou", "Jinan", "Kunming",
        "Hefei", "Fuzhou", "Dongguan", "Foshan", "Wuxi",
    )
)  # fmt: skip

RU_KNOWN_CITIES = frozenset(
    name.casefold()
    for name in (
        "Москва", "Санкт-Петербург", "Севастополь", "Новосибирск", "Екатеринбург", "Казань",
        "Нижний Новгород", "Челябинск", "Самара", "Омск", "Ростов-на-Дону", "Уфа",
        "Красноярск", "Воронеж", "Пермь", "Волгоград", "Краснодар", "Саратов", "Тюмень",
        "Сочи", "Калининград", "Владивосток",
    )
)  # fmt: skip

# Russian type abbreviations, by what they introduce.
RU_SETTLEMENT_TYPES = (
    "г", "гор", "город", "пгт", "рп", "пос", "посёлок", "поселок", "п", "с", "село", "дер",
    "деревня", "д", "ст-ца", "станица", "х", "хутор", "аул", "нп",
)  # fmt: skip
RU_STREET_TYPES = (
    "ул", "улица", "пр-т", "пр-кт", "просп", "проспект", "пр", "пер", "переулок", "ш",
    "шоссе", "наб", "набережная", "пл", "площадь", "б-р", "бульвар", "бул", "пр-д", "проезд",
    "туп", "тупик", "аллея", "мкр", "мкрн", "микрорайон", "линия", "тракт", "кв-л", "квартал",
)  # fmt: skip
RU_HOUSE_TYPES = ("д", "дом", "вл", "влд", "владение")
RU_BUILDING_TYPES = (
    "корп", "корпус", "к", "стр", "строение", "лит", "литера", "литер", "соор", "сооружение",
)  # fmt: skip
RU_UNIT_TYPES = ("кв", "квартира", "оф", "офис", "пом", "помещение", "комн", "комната", "ком")
RU_REGION_TYPES = (
    "обл", "область", "край", "респ", "республика", "ао", "автономный округ", "округ", "р-н",
    "район",
)  # fmt: skip

PL_STREET_TYPES = ("ul", "ulica", "al", "aleja", "aleje", "pl", "plac", "os", "osiedle", "rondo")
PL_UNIT_TYPES = ("m", "lok", "mieszk", "mieszkanie", "lokal")
PL_REGION_TYPES = ("woj", "województwo", "wojewodztwo")
DE_UNIT_TYPES = ("whg", "wohnung", "app", "apartment", "zimmer")
SI_UNIT_TYPES = ("stanovanje", "stan")
ENGLISH_UNIT_TYPES = ("flat", "apartment", "apt", "suite", "ste", "unit", "room", "rm", "office")
ENGLISH_STREET_TYPES = frozenset(
    (
        "street", "st", "avenue", "ave", "av", "road", "rd", "boulevard", "blvd", "drive", "dr",
        "lane", "ln", "way", "court", "ct", "place", "pl", "parkway", "pkwy", "highway", "hwy",
        "terrace", "ter", "circle", "cir", "square", "sq", "loop", "trail", "trl", "plaza",
        "crescent", "close", "row", "gardens", "grove", "mews", "walk", "broadway", "expressway",
        "freeway", "alley", "path",
    )
)  # fmt: skip
ENGLISH_DIRECTIONS = frozenset(("n", "s", "e", "w", "ne", "nw", "se", "sw"))
PINYIN_SUB_CITY_WORDS = ("district", "county", "new area", "new district", "zone", "town")
# "Floor 10", "Tower B 2": parts of a building, never a street with a house number.
BUILDING_PART_WORDS = ("floor", "fl", "level", "tower", "building", "bldg", "block", "blk")

# Abbreviations whose final dot is part of the value and must survive punctuation stripping.
DOTTED_ABBREVIATIONS = frozenset(
    (
        "г", "гор", "пгт", "рп", "пос", "дер", "ст-ца", "нп", "ул", "пр-т", "пр-кт", "просп",
        "пр", "пер", "ш", "наб", "пл", "б-р", "бул", "пр-д", "туп", "мкр", "мкрн", "кв-л", "вл",
        "влд", "корп", "стр", "лит", "соор", "кв", "оф", "пом", "комн", "ком", "обл", "респ",
        "р-н", "ul", "al", "os", "lok", "mieszk", "woj", "st", "ave", "av", "rd", "blvd", "dr",
        "ln", "ct", "pkwy", "hwy", "ter", "cir", "sq", "trl", "ste", "apt", "rm", "no", "nr",
        "mt", "ft", "jr", "sr", "whg", "app",
    )
)  # fmt: skip

# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
_KANA_OR_HANGUL_RE = re.compile("[\u3040-\u30ff\uac00-\ud7af]")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
_SEGMENT_SEPARATOR_RE = re.compile("[\r\n,;、]")
_LAST_WORD_RE = re.compile(r"([^\W\d_][\w'-]*)$")
_KEEP_AT_EDGES = frozenset("#()[]«»\"'")
_HOUSE = r"\d+(?:\s?[^\W\d_](?![^\W\d_]))?(?:\s?[/-]\s?\d+(?:\s?[^\W\d_](?![^\W\d_]))?)?"
_NUMBER_ONLY_RE = re.compile(rf"(?:(?:No|Nr|nr)\.?\s*)?(?P<house>{_HOUSE})")
_LETTER_RE = re.compile(r"[^\W\d_]")


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation of literal words, longest first so prefixes do not win."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


def _collapse_whitespace(text: str) -> str:
    return " ".join(text.split())  # str.split() and regex \s agree on what is whitespace


@lru_cache(maxsize=4096)
def _is_edge_punctuation(char: str) -> bool:
    return char.isspace() or (unicodedata.category(char).startswith("P") and char not in _KEEP_AT_EDGES)


def _keeps_final_dot(text: str) -> bool:
    """True when ``text`` (without its final dot) ends in an abbreviation such as "обл" or "St"."""
    match = _LAST_WORD_RE.search(text[-40:])  # abbreviations are short; keeps this O(1)
    if match is None:
        return False
    word = match.group(1).casefold()
    return len(word) == 1 or word in DOTTED_ABBREVIATIONS or word.endswith("str")


def _strip_edges(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_edge_punctuation(text[start]):
        start += 1
    while end > start and _is_edge_punctuation(text[end - 1]):
        if text[end - 1] == "." and _keeps_final_dot(text[start : end - 1]):
            break
        end -= 1
    return text[start:end]


def _clean(text: str) -> str:
    """Collapse whitespace and strip surrounding punctuation and wrapping brackets."""
    value = _strip_edges(_collapse_whitespace(text))
    while len(value) > 1 and value[0] == "(" and value[-1] == ")" and "(" not in value[1:]:
        value = _strip_edges(value[1:-1])
    return value


def _country_key(text: str) -> str:
    return _collapse_whitespace(text.casefold().replace(".", "").replace("’", "'"))


def _clean_parts(parts: Iterable[str]) -> list[str]:
    """Clean each part and drop empty ones.

    Where cleaning dropped punctuation ("д. 7.", "/", "-"), an "" placeholder is kept so that
    parts on either side of it do not count as neighbours (a house "7" followed by "корп. 2"
    is joined as "7 корп. 2" only when nothing else stood between them).
    """
    result: list[str] = []
    for part in parts:
        collapsed = _collapse_whitespace(part)
        value = _clean(collapsed)
        if collapsed and not (value and collapsed.startswith(value)):
            result.append("")
        if value:
            result.append(value)
        if value and not collapsed.endswith(value):
            result.append("")
    while result and not result[-1]:
        result.pop()
    while result and not result[0]:
        result.pop(0)
    return result


def _split_segments(text: str) -> list[str]:
    """Comma/semicolon/newline separated parts, cleaned; "" marks dropped punctuation."""
    return _clean_parts(_SEGMENT_SEPARATOR_RE.split(text))


def _has_digits(text: str) -> bool:
    return any(char.isdigit() for char in text)


def _is_letters_only(text: str) -> bool:
    """Has letters and no digits: a name rather than a numbered line."""
    return not _has_digits(text) and _LETTER_RE.search(text) is not None


def _has_chinese_script(text: str) -> bool:
    return _CJK_RE.search(text) is not None and _KANA_OR_HANGUL_RE.search(text) is None


def _has_cyrillic(text: str) -> bool:
    return _CYRILLIC_RE.search(text) is not None


def _marker_prefix_re(markers: Iterable[str], value: str = r"\S") -> re.Pattern[str]:
    """``<marker>[.] <value>`` at the start of a text; the value is the named group "value"."""
    return re.compile(
        rf"^(?:{_alternation(markers)})(?:\.\s*|\s+|(?=\d))(?P<value>{value}.*)$", re.IGNORECASE
    )


def _marker_suffix_re(markers: Iterable[str]) -> re.Pattern[str]:
    """`` <marker>[.] <value>`` at the end of a text (to be searched for, not matched)."""
    return re.compile(rf"\s+(?:{_alternation(markers)})(?:\.\s*|\s+|(?=\d))(?P<value>[\w-]+)$", re.IGNORECASE)


def _word_re(words: Iterable[str]) -> re.Pattern[str]:
    """Any of ``words`` as a whole word (a dash counts as part of a word)."""
    return re.compile(rf"(?<![\w-])(?:{_alternation(words)})(?:\.|(?![\w-]))", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Draft: mutable collector used while parsing
# --------------------------------------------------------------------------------------------


def _join_parts(parts: list[tuple[int, str]]) -> str:
    """Join (position, text) parts in position order with ", "."""
    return ", ".join(text for _, text in sorted(parts, key=lambda part: part[0]))


@dataclass
class _Draft:
    street: list[tuple[int, str]] = field(default_factory=list)
    region: list[tuple[int, str]] = field(default_factory=list)
    house: str = ""
    house_position: int = -2  # position of the last house part
    house_reads_on: bool = False  # the last house part ended where its text ended
    unit: str = ""
    postal_code: str = ""
    city: str = ""

    def add_street(self, position: int, text: str) -> None:
        value = _clean(text)
        if value:
            self.street.append((position, value))

    def set_house(self, position: int, text: str, raw: str = "") -> None:
        """The house number; a second one is kept (as written) in the street instead."""
        value = _clean(text)
        if value and not self.house:
            self.house = value
            self.house_position = position
            self.house_reads_on = text.rstrip().endswith(value)
        elif value:
            self.add_street(position, raw or value)

    def add_building(self, position: int, text: str) -> None:
        """Korpus/stroenie and similar, appended to the house: "7" + "корп. 2" -> "7 корп. 2"."""
        value = _clean(text)
        if not value:
            return
        if self.house:
            reads_on = self.house_reads_on and position == self.house_position + 1
            joins_on = reads_on and text.lstrip().startswith(value)
            self.house += (" " if joins_on else ", ") + value
        else:
            self.house = value
        self.house_position = position
        self.house_reads_on = text.rstrip().endswith(value)

    def add_region(self, position: int, text: str) -> None:
        value = _clean(text)
        if value:
            self.region.append((position, value))

    def set_unit(self, position: int, text: str, raw: str = "") -> None:
        value = _clean(text)
        if value and not self.unit:
            self.unit = value
        elif value:
            self.add_street(position, raw or value)

    def set_city(self, position: int, text: str) -> None:
        value = _clean(text)
        if value and not self.city:
            self.city = value
        elif value:
            self.add_street(position, value)

    def set_postal_code(self, position: int, code: str, raw: str) -> None:
        if not self.postal_code:
            self.postal_code = code
        else:
            self.add_street(position, raw)

    def take_number(self, position: int, text: str) -> None:
        """A bare number: the house if none yet, else the unit, else a leftover."""
        if not self.house:
            self.set_house(position, text)
        else:
            self.set_unit(position, text)

    def build(self, country: str) -> ParsedAddress:
        return ParsedAddress(
            street=_join_parts(self.street),
            house=self.house,
            unit=self.unit,
            postal_code=self.postal_code,
            city=self.city,
            region=_join_parts(self.region),
            country=country,
        )


# --------------------------------------------------------------------------------------------
# Country detection
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CountryMatch:
    country: str
    segments: list[str]  # the segments with the country name removed ("" keeps the position)


_COUNTRY_NAME_ALTERNATION = _alternation(
    name for name in COUNTRY_NAMES if name not in SEGMENT_ONLY_COUNTRY_NAMES
).replace(r"\ ", r"\s+")
_COUNTRY_SUFFIX_RE = re.compile(rf"\s(?P<name>{_COUNTRY_NAME_ALTERNATION})\.?$", re.IGNORECASE)
_COUNTRY_PREFIX_RE = re.compile(
    rf"^(?P<name>中华人民共和国|中国|{_alternation(('Россия', 'РФ'))})(?=[\s\d{CJK}])",
    re.IGNORECASE,
)


def _country_from_segment(segment: str) -> str:
    return COUNTRY_NAMES.get(_country_key(segment), "")


def _country_from_suffix(segment: str) -> tuple[str, str]:
    """("GB", "London W1A 1AA") for "London W1A 1AA UK"; ("", segment) when there is none."""
    match = _COUNTRY_SUFFIX_RE.search(segment)
    if match is None:
        return "", segment
    key = _country_key(match.group("name"))
    if key in UPPER_CASE_ONLY_COUNTRY_NAMES and not match.group("name").isupper():
        return "", segment
    return COUNTRY_NAMES.get(key, ""), segment[: match.start()]


def _country_from_prefix(segment: str) -> tuple[str, str]:
    """("CN", "北京市…") for "中国北京市…"; only Chinese and Cyrillic names count when glued."""
    match = _COUNTRY_PREFIX_RE.search(segment)
    if match is None:
        return "", segment
    return COUNTRY_NAMES.get(_country_key(match.group("name")), ""), segment[match.end() :]


def _find_country_name(segments: list[str]) -> _CountryMatch | None:
    """A country named as a whole part, glued to the end of the last part or start of the first."""
    for index in reversed(range(len(segments))):
        country = _country_from_segment(segments[index])
        if country:
            return _CountryMatch(country, [*segments[:index], "", *segments[index + 1 :]])
    if not segments:
        return None
    country, rest = _country_from_suffix(segments[-1])
    if country:
        return _CountryMatch(country, [*segments[:-1], _clean(rest)])
    country, rest = _country_from_prefix(segments[0])
    if country:
        return _CountryMatch(country, [_clean(rest), *segments[1:]])
    return None


_PL_POSTAL_RE = re.compile(r"(?<![\w-])(?:PL[\s-]?)?(?P<code>\d{2}\s?-\s?\d{3})(?![\w-])")
_US_STATE_NAME_ALTERNATION = _alternation(US_STATES.values()).replace(r"\ ", r"\s+")
_US_STATE_ZIP_RE = re.compile(
    rf"(?:^|(?<=[\s,]))(?P<state>[A-Za-z]{{2}}|{_US_STATE_NAME_ALTERNATION})\.?,?\s+"
    r"(?P<code>\d{5}(?:\s?-\s?\d{4})?)$",
    re.IGNORECASE,
)
_US_ZIP_RE = re.compile(r"\d{5}(?:-\d{4})?")
_UK_POSTCODE = r"(?<![A-Za-z0-9])(?P<code>GIR\s?0AA|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})(?![A-Za-z0-9])"
_UK_POSTCODE_RE = re.compile(_UK_POSTCODE, re.IGNORECASE)
_UK_POSTCODE_UPPER_RE = re.compile(_UK_POSTCODE)
_DE_PREFIXED_POSTAL_RE = re.compile(r"(?<![\w-])DE?\s?-\s?\d{5}(?![\w-])", re.IGNORECASE)
_DE_STREET_WORD_RE = re.compile(
    r"(?:straße|strasse|str\.|weg|platz|allee|gasse|damm|ring|ufer|chaussee|steig|markt)(?!\w)",
    re.IGNORECASE,
)
_SI_STREET_WORD_RE = re.compile(r"(?<!\w)(?:cesta|ulica|trg|pot|nabrežje|c\.)(?!\w)", re.IGNORECASE)
_CODE_BEFORE_CITY_RE = re.compile(r"(?:^|[\s,])(?P<code>\d{4,5})\s+(?P<city>[^\W\d_][^\d,]*)")
_CN_POSTAL_RE = re.compile(r"(?<![\d-])\d{6}(?![\d-])")
_PINYIN_HINT_RE = re.compile(r"\b(?:district|province|road|street|avenue|lu|jie)\b", re.IGNORECASE)


def _has_us_state_and_zip(text: str) -> bool:
    for segment in _split_segments(text):
        match = _US_STATE_ZIP_RE.search(segment)
        if match and _us_state_code(match.group("state")):
            return True
    return False


def _has_polish_postal_code(text: str) -> bool:
    return _PL_POSTAL_RE.search(text) is not None


def _has_uk_postcode(text: str) -> bool:
    return _UK_POSTCODE_UPPER_RE.search(text) is not None


def _has_german_prefixed_code(text: str) -> bool:
    return _DE_PREFIXED_POSTAL_RE.search(text) is not None


def _cities_after_codes(text: str, digits: int) -> list[str]:
    return [
        _clean(match.group("city")).casefold()
        for match in _CODE_BEFORE_CITY_RE.finditer(text)
        if len(match.group("code")) == digits
    ]


def _looks_german(text: str) -> bool:
    """A 5-digit code before the city plus a German street word or a big German city."""
    cities = _cities_after_codes(text, 5)
    if not cities:
        return False
    return _DE_STREET_WORD_RE.search(text) is not None or any(c in DE_CITIES for c in cities)


def _looks_slovenian(text: str) -> bool:
    """A 4-digit code before the city plus a Slovene street word or a Slovene city."""
    cities = _cities_after_codes(text, 4)
    if not cities:
        return False
    return _SI_STREET_WORD_RE.search(text) is not None or any(c in SI_CITIES for c in cities)


def _looks_like_pinyin_chinese(text: str) -> bool:
    """A pinyin city or province together with a 6-digit code or a District/Road word."""
    words = {word.casefold() for word in re.findall(r"[A-Za-z']+", text)}
    if not words & (CN_PINYIN_CITIES | CN_PINYIN_PROVINCES):
        return False
    return _CN_POSTAL_RE.search(text) is not None or _PINYIN_HINT_RE.search(text) is not None


# Ordered: the first detector that fires decides.
_SHAPE_DETECTORS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("CN", _has_chinese_script),
    ("RU", _has_cyrillic),
    ("PL", _has_polish_postal_code),
    ("US", _has_us_state_and_zip),
    ("GB", _has_uk_postcode),
    ("DE", _has_german_prefixed_code),
    ("DE", _looks_german),
    ("SI", _looks_slovenian),
    ("CN", _looks_like_pinyin_chinese),
)


def _detect_country_by_shape(text: str) -> str:
    for country, detector in _SHAPE_DETECTORS:
        if detector(text):
            return country
    return ""


def _normalise_country_code(value: str) -> str:
    """Alpha-2 code for a code ("pl") or a country name ("Poland"); "" for anything else."""
    cleaned = _clean(unicodedata.normalize("NFKC", value))
    named = COUNTRY_NAMES.get(_country_key(cleaned), "")
    if named:
        return named
    return cleaned.upper() if re.fullmatch(r"[A-Za-z]{2}", cleaned) else ""


def detect_country(text: str) -> str:
    """ISO 3166-1 alpha-2 code of the address's country, or "" when nothing points to one."""
    normalised = unicodedata.normalize("NFKC", text)
    match = _find_country_name(_split_segments(normalised))
    if match is not None:
        return match.country
    return _detect_country_by_shape(normalised)


# --------------------------------------------------------------------------------------------
# Segment-based parsing shared by the Latin-script countries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PostalMatch:
    code: str  # normalised postal code
    raw: str  # the code as written
    before: str  # segment text before the code
    after: str  # segment text after the code
    region: str = ""  # a US state code found next to the ZIP


def _never(segment: str) -> bool:
    return False


@dataclass(frozen=True)
class _SegmentRules:
    """What differs between the Latin-script countries parsed segment by segment."""

    find_postal: Callable[[str], _PostalMatch | None]
    match_region: Callable[[str], str]
    parse_street: Callable[[_Draft, int, str], bool]
    unit_segment_re: re.Pattern[str]
    is_sub_city: Callable[[str], bool] = _never


def _postal_match(match: re.Match[str], code: str, region: str = "") -> _PostalMatch:
    text = match.string
    return _PostalMatch(
        code=code,
        raw=match.group(0),
        before=_clean(text[: match.start()]),
        after=_clean(text[match.end() :]),
        region=region,
    )


def _split_at_street_type(text: str) -> tuple[str, str] | None:
    """Split a one-line "1600 Pennsylvania Ave NW Washington" after the street type."""
    words = text.split(" ")
    for index in reversed(range(1, len(words) - 1)):
        if _clean(words[index]).casefold() not in ENGLISH_STREET_TYPES:
            continue
        end = index + 1
        if end < len(words) - 1 and _clean(words[end]).casefold() in ENGLISH_DIRECTIONS:
            end += 1
        return " ".join(words[:end]), " ".join(words[end:])
    return None


def _take_place(draft: _Draft, position: int, place: str, rules: _SegmentRules) -> None:
    """The non-code part of a postal-code segment: a region, a city, or "street city"."""
    region = rules.match_region(place)
    if region and not draft.region:
        draft.add_region(position, region)
        return
    split = _split_at_street_type(place) if _has_digits(place) else None
    if split is not None and rules.parse_street(draft, position, split[0]):
        draft.set_city(position, split[1])
    elif _has_digits(place) and rules.parse_street(draft, position, place):
        return
    else:
        draft.set_city(position, place)


def _take_postal_segment(draft: _Draft, position: int, found: _PostalMatch, rules: _SegmentRules) -> None:
    draft.set_postal_code(position, found.code, found.raw)
    draft.add_region(position, found.region)
    if found.before and found.after:
        if not (_has_digits(found.before) and rules.parse_street(draft, position, found.before)):
            draft.add_street(position, found.before)
        _take_place(draft, position, found.after, rules)
    elif found.before or found.after:
        _take_place(draft, position, found.before or found.after, rules)


def _find_postal_segment(segments: list[str], rules: _SegmentRules) -> tuple[int, _PostalMatch] | None:
    """The last segment holding a postal code (codes come after the street)."""
    for position in reversed(range(len(segments))):
        found = rules.find_postal(segments[position]) if segments[position] else None
        if found is not None:
            return position, found
    return None


def _classify_segment(
    draft: _Draft, position: int, segment: str, rules: _SegmentRules, candidates: list[int]
) -> None:
    region = "" if draft.region else rules.match_region(segment)
    unit = rules.unit_segment_re.fullmatch(segment)
    if region:
        draft.add_region(position, region)
    elif unit:
        draft.set_unit(position, unit.group("value"), segment)
    elif rules.parse_street(draft, position, segment):
        return
    elif _NUMBER_ONLY_RE.fullmatch(segment):
        draft.take_number(position, segment)
    elif _is_letters_only(segment) and not rules.is_sub_city(segment):
        candidates.append(position)
    else:
        draft.add_street(position, segment)


def _resolve_city(draft: _Draft, segments: list[str], candidates: list[int]) -> None:
    """The last city-like segment becomes the city when none is known; the rest are street."""
    if not draft.city and candidates:
        draft.set_city(candidates[-1], segments[candidates[-1]])
        candidates = candidates[:-1]
    for position in candidates:
        draft.add_street(position, segments[position])


def _parse_segments(segments: list[str], rules: _SegmentRules) -> _Draft:
    draft = _Draft()
    postal = _find_postal_segment(segments, rules)
    if postal is not None:
        _take_postal_segment(draft, postal[0], postal[1], rules)
    candidates: list[int] = []
    for position, segment in enumerate(segments):
        if segment and (postal is None or position != postal[0]):
            _classify_segment(draft, position, segment, rules, candidates)
    _resolve_city(draft, segments, candidates)
    return draft


# ----- street line forms --------------------------------------------------------------------

# Searched, not matched from the start: the leftmost hit leaves the shortest street.
_HOUSE_TAIL_RE = re.compile(rf"(?:\s+|(?<=\.))(?:(?:No|Nr|nr)\.?\s*)?(?P<house>{_HOUSE})$")
_HOUSE_FIRST_RE = re.compile(
    r"^(?:(?:No|Nr)\.?\s*)?(?P<house>\d+[A-Za-z]?(?:\s?[/-]\s?\d+[A-Za-z]?)?)\s+"
    r"(?P<street>[^\W\d_].*)$",
    re.IGNORECASE,
)
# "Apt 4B", "Suite #300", "#12": a unit type needs a dot, a space or a digit after it.
_ENGLISH_UNIT = rf"(?:(?:{_alternation(ENGLISH_UNIT_TYPES)})(?:\.\s*|\s+|(?=[\d#]))#?\s*|#\s*)"
_ENGLISH_UNIT_PREFIX_RE = re.compile(rf"^{_ENGLISH_UNIT}(?P<value>[\w-]+)\s+(?P<rest>\d.*)$", re.IGNORECASE)
_ENGLISH_UNIT_SUFFIX_RE = re.compile(rf"\s+{_ENGLISH_UNIT}(?P<value>[\w-]+)$", re.IGNORECASE)
_BUILDING_PART_RE = re.compile(rf"(?:{_alternation(BUILDING_PART_WORDS)})\b", re.IGNORECASE)
_ENGLISH_UNIT_SEGMENT_RE = re.compile(rf"{_ENGLISH_UNIT}(?P<value>[\w-]+)", re.IGNORECASE)


def _split_house_last(text: str) -> tuple[str, str] | None:
    """("Straße des 17. Juni", "135") for "Straße des 17. Juni 135"; None without a number."""
    match = _HOUSE_TAIL_RE.search(text)
    if match is None or _LETTER_RE.search(text, 0, match.start()) is None:
        return None
    return text[: match.start()], match.group("house")


def _take_house_last(draft: _Draft, position: int, text: str) -> bool:
    split = _split_house_last(text)
    if split is None:
        return False
    draft.add_street(position, split[0])
    draft.set_house(position, split[1])
    return True


def _take_house_first(draft: _Draft, position: int, text: str) -> bool:
    match = _HOUSE_FIRST_RE.match(text)
    if match is None:
        return False
    draft.set_house(position, match.group("house"))
    draft.add_street(position, match.group("street"))
    return True


def _strip_unit_prefix(draft: _Draft, position: int, text: str) -> str:
    """Take a unit written before the street line ("Flat 3 12 High St"); return the rest."""
    match = _ENGLISH_UNIT_PREFIX_RE.match(text)
    if match is None:
        return text
    draft.set_unit(position, match.group("value"))
    return match.group("rest")


def _strip_unit_suffix(draft: _Draft, position: int, text: str, unit_re: re.Pattern[str]) -> str:
    """Take a unit written after the street line ("Main St Apt 4B"); return the rest."""
    match = unit_re.search(text)
    if match is None or match.start() == 0:
        return text
    draft.set_unit(position, match.group("value"))
    return text[: match.start()]


def _parse_english_street(draft: _Draft, position: int, text: str) -> bool:
    """House-first lines: "221B Baker Street", "Flat 3 12 High St", "233 S Wacker Dr Ste 96"."""
    if _HOUSE_FIRST_RE.match(text) is None and _ENGLISH_UNIT_PREFIX_RE.match(text) is None:
        return False
    trial = _Draft()
    line = _strip_unit_prefix(trial, position, text)
    line = _strip_unit_suffix(trial, position, line, _ENGLISH_UNIT_SUFFIX_RE)
    if not _take_house_first(trial, position, line):
        return False
    _merge_street_line(draft, position, trial, text)
    return True


def _merge_street_line(draft: _Draft, position: int, line: _Draft, raw: str) -> None:
    """Copy a street line parsed into a scratch draft; a second numbered line stays raw."""
    if draft.house and line.house:
        draft.add_street(position, raw)
        return
    for _, text in line.street:
        draft.add_street(position, text)
    draft.set_house(position, line.house)
    draft.set_unit(position, line.unit)


def _parse_pinyin_street(draft: _Draft, position: int, text: str) -> bool:
    """English-style line, also "Jianguo Road No. 88" (house last)."""
    if _parse_english_street(draft, position, text):
        return True
    if _BUILDING_PART_RE.match(text):
        return False
    trial = _Draft()
    line = _strip_unit_suffix(trial, position, text, _ENGLISH_UNIT_SUFFIX_RE)
    if not _take_house_last(trial, position, line):
        return False
    _merge_street_line(draft, position, trial, text)
    return True


def _european_street_parser(
    unit_re: re.Pattern[str], slash_is_unit: bool = False, house_first: bool = False
) -> Callable[[_Draft, int, str], bool]:
    """Street-then-number lines ("Hauptstraße 5", "ul. Długa 5/7 m. 2") for one country."""

    def parse(draft: _Draft, position: int, text: str) -> bool:
        if _BUILDING_PART_RE.match(text):
            return False
        trial = _Draft()
        line = _strip_unit_suffix(trial, position, text, unit_re)
        parsed = _take_house_last(trial, position, line) or (
            house_first and _take_house_first(trial, position, line)
        )
        if not parsed:
            return False
        if slash_is_unit and not trial.unit:
            _split_slash_unit(trial)
        _merge_street_line(draft, position, trial, text)
        return True

    return parse


def _split_slash_unit(line: _Draft) -> None:
    """Polish "5/7" without "m." means house 5, flat 7."""
    number, slash, unit = line.house.partition("/")
    if slash:
        line.house = _clean(number)
        line.unit = _clean(unit)


# ----- postal code finders ------------------------------------------------------------------

_SI_POSTAL_RE = re.compile(r"(?<![\w-])(?P<prefix>SI\s?-?\s?)?(?P<code>\d{4})(?![\w/-])", re.IGNORECASE)
_DE_POSTAL_RE = re.compile(r"(?<![\w-])(?P<prefix>DE?\s?-\s?)?(?P<code>\d{5})(?![\w/-])", re.IGNORECASE)
_GENERIC_POSTAL_RE = re.compile(
    r"(?<![\w/-])(?P<prefix>[A-Z]{1,3}-)?(?P<code>\d{4,6}|\d{2,3}-\d{3,4})(?![\w/-])"
)
_GENERIC_STREET_WORD_RE = re.compile(
    rf"(?<!\w)(?:{_alternation(ENGLISH_STREET_TYPES)}|ulica|ul|cesta|trg|rue|via|calle|avenida"
    r"|straße|strasse|str|weg|platz|allee|gasse)(?:\.|(?!\w))",
    re.IGNORECASE,
)


def _code_before_city(pattern: re.Pattern[str], segment: str) -> _PostalMatch | None:
    """A code that is prefixed ("D-"), alone in its segment, or followed by the city name."""
    for match in pattern.finditer(segment):
        alone = match.group(0) == segment
        followed_by_name = segment[match.end() :].strip()[:1].isalpha()
        if match.group("prefix") or alone or followed_by_name:
            return _postal_match(match, re.sub(r"\s", "", match.group("code")))
    return None


def _find_polish_postal(segment: str) -> _PostalMatch | None:
    match = _PL_POSTAL_RE.search(segment)
    return _postal_match(match, re.sub(r"\s", "", match.group("code"))) if match else None


def _find_slovenian_postal(segment: str) -> _PostalMatch | None:
    return _code_before_city(_SI_POSTAL_RE, segment)


def _find_german_postal(segment: str) -> _PostalMatch | None:
    return _code_before_city(_DE_POSTAL_RE, segment)


def _find_uk_postcode(segment: str) -> _PostalMatch | None:
    match = _UK_POSTCODE_RE.search(segment)
    if match is None:
        return None
    compact = re.sub(r"\s", "", match.group("code")).upper()
    return _postal_match(match, f"{compact[:-3]} {compact[-3:]}")


def _find_us_zip(segment: str) -> _PostalMatch | None:
    if _US_ZIP_RE.fullmatch(segment):
        return _PostalMatch(code=segment, raw=segment, before="", after="")
    match = _US_STATE_ZIP_RE.search(segment)
    state = _us_state_code(match.group("state")) if match else ""
    if match is None or not state:
        return None
    code = re.sub(r"\s", "", match.group("code"))
    return _PostalMatch(code, match.group(0), _clean(segment[: match.start()]), "", state)


def _find_chinese_postal(segment: str) -> _PostalMatch | None:
    match = _CN_POSTAL_RE.search(segment)
    if match is None or _has_digits(segment[: match.start()] + segment[match.end() :]):
        return None
    return _postal_match(match, match.group(0))


def _find_generic_postal(segment: str) -> _PostalMatch | None:
    if _GENERIC_STREET_WORD_RE.search(segment):
        return None
    for match in _GENERIC_POSTAL_RE.finditer(segment):
        before, after = segment[: match.start()].strip(), segment[match.end() :].strip()
        if (after and after[0].isalpha()) or not (after or _has_digits(before)):
            return _postal_match(match, match.group("code"))
    return None


# ----- region matchers ----------------------------------------------------------------------

_PL_REGION_PREFIX_RE = _marker_prefix_re(PL_REGION_TYPES, r"[^\W\d_]")
_GB_COUNTY_PREFIX_RE = re.compile(r"^(?:County|Co\.)\s+[^\W\d_]", re.IGNORECASE)
_PINYIN_PROVINCE_RE = re.compile(r"\b(?:province|autonomous region)$", re.IGNORECASE)
_PINYIN_SUB_CITY_RE = re.compile(rf"\b(?:{_alternation(PINYIN_SUB_CITY_WORDS)})\b", re.IGNORECASE)


def _us_state_code(text: str) -> str:
    cleaned = _collapse_whitespace(text).strip(".")
    if cleaned.upper() in US_STATES and len(cleaned) == 2:
        return cleaned.upper()
    return US_STATE_CODES_BY_NAME.get(cleaned.casefold(), "")


def _match_us_state(segment: str) -> str:
    return _us_state_code(segment)


def _match_gb_county(segment: str) -> str:
    folded = segment.casefold()
    is_county = folded in GB_COUNTIES or folded.endswith("shire")
    return segment if is_county or _GB_COUNTY_PREFIX_RE.match(segment) else ""


def _match_polish_voivodeship(segment: str) -> str:
    match = _PL_REGION_PREFIX_RE.match(segment)
    if match:
        return match.group("value")
    return segment if segment.casefold() in PL_VOIVODESHIPS else ""


def _match_german_state(segment: str) -> str:
    return segment if segment.casefold() in DE_STATES else ""


def _match_slovenian_region(segment: str) -> str:
    return segment if segment.casefold() in SI_REGIONS else ""


def _match_pinyin_province(segment: str) -> str:
    folded = segment.casefold()
    return segment if folded in CN_PINYIN_PROVINCES or _PINYIN_PROVINCE_RE.search(segment) else ""


def _match_nothing(segment: str) -> str:
    return ""


def _is_pinyin_sub_city(segment: str) -> bool:
    return _PINYIN_SUB_CITY_RE.search(segment) is not None


# ----- per-country rules --------------------------------------------------------------------

_PL_UNIT_SUFFIX_RE = _marker_suffix_re(PL_UNIT_TYPES)
_DE_UNIT_SUFFIX_RE = _marker_suffix_re(DE_UNIT_TYPES)
_SI_UNIT_SUFFIX_RE = _marker_suffix_re(SI_UNIT_TYPES)
_GENERIC_UNIT_TYPES = ENGLISH_UNIT_TYPES + PL_UNIT_TYPES + DE_UNIT_TYPES + SI_UNIT_TYPES
_GENERIC_UNIT_SUFFIX_RE = _marker_suffix_re(_GENERIC_UNIT_TYPES)


def _unit_segment_re(markers: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?:{_alternation(markers)})(?:\.\s*|\s+|(?=\d))(?P<value>[\w-]+)", re.I)


POLAND_RULES = _SegmentRules(
    find_postal=_find_polish_postal,
    match_region=_match_polish_voivodeship,
    parse_street=_european_street_parser(_PL_UNIT_SUFFIX_RE, slash_is_unit=True),
    unit_segment_re=_unit_segment_re(PL_UNIT_TYPES),
)
SLOVENIA_RULES = _SegmentRules(
    find_postal=_find_slovenian_postal,
    match_region=_match_slovenian_region,
    parse_street=_european_street_parser(_SI_UNIT_SUFFIX_RE),
    unit_segment_re=_unit_segment_re(SI_UNIT_TYPES),
)
GERMANY_RULES = _SegmentRules(
    find_postal=_find_german_postal,
    match_region=_match_german_state,
    parse_street=_european_street_parser(_DE_UNIT_SUFFIX_RE),
    unit_segment_re=_unit_segment_re(DE_UNIT_TYPES),
)
UK_RULES = _SegmentRules(
    find_postal=_find_uk_postcode,
    match_region=_match_gb_county,
    parse_street=_parse_english_street,
    unit_segment_re=_ENGLISH_UNIT_SEGMENT_RE,
)
US_RULES = _SegmentRules(
    find_postal=_find_us_zip,
    match_region=_match_us_state,
    parse_street=_parse_english_street,
    unit_segment_re=_ENGLISH_UNIT_SEGMENT_RE,
)
PINYIN_RULES = _SegmentRules(
    find_postal=_find_chinese_postal,
    match_region=_match_pinyin_province,
    parse_street=_parse_pinyin_street,
    unit_segment_re=_ENGLISH_UNIT_SEGMENT_RE,
    is_sub_city=_is_pinyin_sub_city,
)
GENERIC_RULES = _SegmentRules(
    find_postal=_find_generic_postal,
    match_region=_match_nothing,
    parse_street=_european_street_parser(_GENERIC_UNIT_SUFFIX_RE, house_first=True),
    unit_segment_re=_unit_segment_re(_GENERIC_UNIT_TYPES),
)


def _parse_poland(segments: list[str]) -> _Draft:
    return _parse_segments(segments, POLAND_RULES)


def _parse_slovenia(segments: list[str]) -> _Draft:
    return _parse_segments(segments, SLOVENIA_RULES)


def _parse_germany(segments: list[str]) -> _Draft:
    return _parse_segments(segments, GERMANY_RULES)


def _parse_united_kingdom(segments: list[str]) -> _Draft:
    return _parse_segments(segments, UK_RULES)


def _parse_united_states(segments: list[str]) -> _Draft:
    return _parse_segments(segments, US_RULES)


def _parse_generic(segments: list[str]) -> _Draft:
    return _parse_segments(segments, GENERIC_RULES)


# --------------------------------------------------------------------------------------------
# Russia
# --------------------------------------------------------------------------------------------

_RU_ALL_TYPES = RU_SETTLEMENT_TYPES + RU_STREET_TYPES + RU_HOUSE_TYPES + RU_BUILDING_TYPES + RU_UNIT_TYPES
_RU_CHUNK_BOUNDARY_RE = re.compile(
    rf"\s+(?=(?:{_alternation(RU_SETTLEMENT_TYPES)})\.\s*[^\W\d_]"
    rf"|(?:{_alternation(RU_HOUSE_TYPES + RU_BUILDING_TYPES + RU_UNIT_TYPES)})\.?\s*\d"
    rf"|(?:{_alternation(RU_STREET_TYPES)})\.?\s+(?!(?:{_alternation(_RU_ALL_TYPES)})(?![\w-]))"
    r"[^\W\d_])",
    re.IGNORECASE,
)
_RU_UNIT_RE = _marker_prefix_re(RU_UNIT_TYPES)
_RU_HOUSE_RE = _marker_prefix_re(RU_HOUSE_TYPES, r"\d")
_RU_BUILDING_RE = _marker_prefix_re(RU_BUILDING_TYPES)
_RU_SETTLEMENT_RE = _marker_prefix_re(RU_SETTLEMENT_TYPES, r"[^\W\d_]")
_RU_STREET_PREFIX_RE = _marker_prefix_re(RU_STREET_TYPES)
_RU_STREET_WORD_RE = _word_re(RU_STREET_TYPES)
_RU_REGION_WORD_RE = _word_re(RU_REGION_TYPES)
_RU_POSTAL_RE = re.compile(r"\d{6}")
_RU_EDGE_POSTAL_RE = re.compile(r"^(?P<code>\d{6})\s+(?P<rest>.+)$|^(?P<rest2>\D.*?)\s+(?P<code2>\d{6})$")
_RU_NUMBER_RE = re.compile(rf"{_HOUSE}")

_HOUSE_KIND = "house"
_PENDING_KIND = "pending"
_OTHER_KIND = "other"


def _split_russian_chunks(segment: str) -> list[str]:
    """One chunk per marker in "г. Москва ул. Тверская д. 7 кв. 15"; "" stays one empty chunk."""
    return _clean_parts(_RU_CHUNK_BOUNDARY_RE.split(segment)) or [""]


def _take_ru_postal(draft: _Draft, index: int, chunk: str) -> str:
    if _RU_POSTAL_RE.fullmatch(chunk):
        draft.set_postal_code(index, chunk, chunk)
        return _OTHER_KIND
    return ""


def _take_ru_unit(draft: _Draft, index: int, chunk: str) -> str:
    match = _RU_UNIT_RE.match(chunk)
    if match is None:
        return ""
    draft.set_unit(index, match.group("value"), chunk)
    return _OTHER_KIND


def _take_ru_house(draft: _Draft, index: int, chunk: str) -> str:
    match = _RU_HOUSE_RE.match(chunk)
    if match is None:
        return ""
    draft.set_house(index, match.group("value"), chunk)
    return _HOUSE_KIND


def _take_ru_building(draft: _Draft, index: int, chunk: str) -> str:
    if _RU_BUILDING_RE.match(chunk) is None:
        return ""
    draft.add_building(index, chunk)
    return _HOUSE_KIND


def _take_ru_edge_postal(draft: _Draft, index: int, chunk: str) -> str:
    """A code glued to a name ("125009 Москва"); the name is then classified on its own."""
    match = _RU_EDGE_POSTAL_RE.match(chunk)
    if match is None:
        return ""
    code = match.group("code") or match.group("code2")
    draft.set_postal_code(index, code, code)
    return _classify_russian_chunk(draft, index, _clean(match.group("rest") or match.group("rest2")))


def _take_ru_settlement(draft: _Draft, index: int, chunk: str) -> str:
    match = _RU_SETTLEMENT_RE.match(chunk)
    if match is None:
        return ""
    draft.set_city(index, match.group("value"))
    return _OTHER_KIND


def _take_ru_street(draft: _Draft, index: int, chunk: str) -> str:
    if _RU_STREET_PREFIX_RE.match(chunk) is None and _RU_STREET_WORD_RE.search(chunk) is None:
        return ""
    split = _split_house_last(chunk)
    if split is not None and not draft.house and _RU_STREET_WORD_RE.search(split[0]):
        draft.add_street(index, split[0])
        draft.set_house(index, split[1])
        return _HOUSE_KIND
    draft.add_street(index, chunk)
    return _OTHER_KIND


def _take_ru_region(draft: _Draft, index: int, chunk: str) -> str:
    if _RU_REGION_WORD_RE.search(chunk) is None:
        return ""
    draft.add_region(index, chunk)
    return _OTHER_KIND


def _take_ru_number(draft: _Draft, index: int, chunk: str) -> str:
    if _RU_NUMBER_RE.fullmatch(chunk) is None:
        return ""
    draft.take_number(index, chunk)
    return _HOUSE_KIND


def _take_ru_known_city(draft: _Draft, index: int, chunk: str) -> str:
    if chunk.casefold() not in RU_KNOWN_CITIES or draft.city:
        return ""
    draft.set_city(index, chunk)
    return _OTHER_KIND


def _take_ru_pending(draft: _Draft, index: int, chunk: str) -> str:
    return _PENDING_KIND if _is_letters_only(chunk) else ""


_RU_CHUNK_HANDLERS: tuple[Callable[[_Draft, int, str], str], ...] = (
    _take_ru_postal,
    _take_ru_unit,
    _take_ru_house,
    _take_ru_building,
    _take_ru_edge_postal,
    _take_ru_settlement,
    _take_ru_street,
    _take_ru_region,
    _take_ru_number,
    _take_ru_known_city,
    _take_ru_pending,
)


def _classify_russian_chunk(draft: _Draft, index: int, chunk: str) -> str:
    """Record the chunk in the draft and return its kind (house / pending / other)."""
    if not chunk:
        return _OTHER_KIND
    for handler in _RU_CHUNK_HANDLERS:
        kind = handler(draft, index, chunk)
        if kind:
            return kind
    draft.add_street(index, chunk)
    return _OTHER_KIND


def _resolve_russian_pending(draft: _Draft, chunks: list[str], kinds: list[str]) -> None:
    """Unmarked names: a street when a house number follows, else the city, else street."""
    for index, kind in enumerate(kinds):
        if kind != _PENDING_KIND:
            continue
        next_kind = kinds[index + 1] if index + 1 < len(kinds) else ""
        if next_kind == _HOUSE_KIND or draft.city:
            draft.add_street(index, chunks[index])
        else:
            draft.set_city(index, chunks[index])


def _parse_russia(segments: list[str]) -> _Draft:
    if not any(_has_cyrillic(segment) for segment in segments):
        return _parse_generic(segments)
    chunks = [chunk for segment in segments for chunk in _split_russian_chunks(segment)]
    draft = _Draft()
    kinds = [_classify_russian_chunk(draft, index, chunk) for index, chunk in enumerate(chunks)]
    _resolve_russian_pending(draft, chunks, kinds)
    return draft


# --------------------------------------------------------------------------------------------
# China
# --------------------------------------------------------------------------------------------

_CN_ADMIN_RE = re.compile(
    rf"(?P<region>[{CJK}]{{2,10}}?(?:省|自治区|特别行政区))?[\s,]*"
    rf"(?P<city>[{CJK}]{{1,10}}?(?:市|自治州|地区|盟)|(?:北京|上海|天津|重庆)(?![路街道]))?[\s,]*"
    rf"(?P<district>[{CJK}]{{1,10}}?(?:区|县|旗))?[\s,]*"
)
_CN_POSTAL_LABEL_RE = re.compile(r"(?:邮编|邮政编码)\s*:?\s*(?P<code>\d{6})(?!\d)")
_CN_EDGE_POSTAL_RE = re.compile(r"^(?P<code>\d{6})(?!\d)|(?<!\d)(?P<code2>\d{6})$")
_CN_UNIT_RE = re.compile(
    r"(?<![\dA-Za-z])(?:(?P<unit>(?:\d+(?:单元|楼|层))*[A-Za-z]?\d+[A-Za-z]?)[室房]|(?P<floor>\d+[楼层]))$"
)
_CN_UNIT_WINDOW = 40  # a unit is short; searching only the tail keeps long inputs linear
_CN_HOUSE_RE = re.compile(r"(?<![\dA-Za-z])\d+(?:[-之]\d+)?号")
_CN_STREET_END_RE = re.compile(r"(?:大道|大街|路|街|道|巷|弄|胡同|里)(?=\s*\d)")


def _take_chinese_postal_code(draft: _Draft, text: str) -> str:
    """Remove a "邮编 100020" or a leading/trailing 6-digit code; return the rest of the text."""
    match = _CN_POSTAL_LABEL_RE.search(text) or _CN_EDGE_POSTAL_RE.search(text)
    if match is None:
        return text
    draft.set_postal_code(0, match.group("code") or match.group("code2"), match.group(0))
    parts = (_clean(text[: match.start()]), _clean(text[match.end() :]))
    return ", ".join(part for part in parts if part)


def _take_chinese_street_line(draft: _Draft, text: str, street_start: int, rest_start: int) -> None:
    """District + street, then "88号SOHO现代城A座" as the house and "1001室" as the unit."""
    end = len(text)
    unit = _CN_UNIT_RE.search(text, max(rest_start, end - _CN_UNIT_WINDOW))
    if unit is not None:
        draft.set_unit(0, unit.group("unit") or unit.group("floor"))
        end = unit.start()
    house_start = end
    numbered = _CN_HOUSE_RE.search(text, rest_start, end)
    street_end = _CN_STREET_END_RE.search(text, rest_start, end)
    if numbered is not None:
        house_start = numbered.start()
        house = text[house_start:end].strip()
        draft.set_house(0, house[:-1] if house == numbered.group(0) else house)
    elif street_end is not None:
        house_start = street_end.end()
        draft.set_house(0, text[house_start:end])
    draft.add_street(0, text[street_start:house_start])


def _parse_chinese_script(segments: list[str]) -> _Draft:
    draft = _Draft()
    text = _take_chinese_postal_code(draft, ", ".join(segment for segment in segments if segment))
    admin = _CN_ADMIN_RE.match(text)
    if admin is None:  # the pattern is all-optional, so this never happens
        draft.add_street(0, text)
        return draft
    draft.add_region(0, admin.group("region") or "")
    draft.set_city(0, admin.group("city") or "")
    street_start = admin.start("district") if admin.group("district") else admin.end()
    _take_chinese_street_line(draft, text, street_start, admin.end())
    return draft


def _parse_china(segments: list[str]) -> _Draft:
    if any(_has_chinese_script(segment) for segment in segments):
        return _parse_chinese_script(segments)
    return _parse_segments(segments, PINYIN_RULES)


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------

COUNTRY_PARSERS: dict[str, Callable[[list[str]], _Draft]] = {
    "RU": _parse_russia,
    "PL": _parse_poland,
    "SI": _parse_slovenia,
    "CN": _parse_china,
    "DE": _parse_germany,
    "GB": _parse_united_kingdom,
    "US": _parse_united_states,
}


def parse_address(text: str, default_country: str = "") -> ParsedAddress:
    """Split a free-text postal address into its fields; never raises.

    The country is taken from a country name in the text, else from its script or postal-code
    shape, else from ``default_country`` (a code or a country name).
    """
    normalised = unicodedata.normalize("NFKC", text)
    segments = _split_segments(normalised)
    if not segments:
        return ParsedAddress()
    named = _find_country_name(segments)
    if named is not None:
        country, segments = named.country, named.segments
    else:
        country = _detect_country_by_shape(normalised) or _normalise_country_code(default_country)
    parser = COUNTRY_PARSERS.get(country, _parse_generic)
    return parser(segments).build(country)
