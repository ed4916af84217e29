"""What every country's parser shares: the parsed fields, country names, text helpers, the
draft an address is built in, and the segment-by-segment parsing of Latin-script addresses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache


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


CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


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
    has_main_region: bool = False  # a state, province or voivodeship was found

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

    def add_region(self, position: int, text: str, *, main: bool = True) -> None:
        """A state, province or voivodeship (``main``), or a district that goes with it."""
        value = _clean(text)
        if value:
            self.region.append((position, value))
            self.has_main_region = self.has_main_region or main

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


_CODE_BEFORE_CITY_RE = re.compile(r"(?:^|[\s,])(?P<code>\d{4,5})\s+(?P<city>[^\W\d_][^\d,]*)")


def _cities_after_codes(text: str, digits: int) -> list[str]:
    return [
        _clean(match.group("city")).casefold()
        for match in _CODE_BEFORE_CITY_RE.finditer(text)
        if len(match.group("code")) == digits
    ]


def _normalise_country_code(value: str) -> str:
    """Alpha-2 code for a code ("pl") or a country name ("Poland"); "" for anything else."""
    cleaned = _clean(unicodedata.normalize("NFKC", value))
    named = COUNTRY_NAMES.get(_country_key(cleaned), "")
    if named:
        return named
    return cleaned.upper() if re.fullmatch(r"[A-Za-z]{2}", cleaned) else ""


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
    if region and not draft.has_main_region:
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
    region = "" if draft.has_main_region else rules.match_region(segment)
    unit = rules.unit_segment_re.fullmatch(segment)
    if region:
        draft.add_region(position, region)
    elif _is_letters_only(segment) and rules.is_sub_city(segment):
        draft.add_region(position, segment, main=False)  # a district goes with the region
    elif unit:
        draft.set_unit(position, unit.group("value"), segment)
    elif rules.parse_street(draft, position, segment):
        return
    elif _NUMBER_ONLY_RE.fullmatch(segment):
        draft.take_number(position, segment)
    elif _is_letters_only(segment):
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


def _code_before_city(pattern: re.Pattern[str], segment: str) -> _PostalMatch | None:
    """A code that is prefixed ("D-"), alone in its segment, or followed by the city name."""
    for match in pattern.finditer(segment):
        alone = match.group(0) == segment
        followed_by_name = segment[match.end() :].strip()[:1].isalpha()
        if match.group("prefix") or alone or followed_by_name:
            return _postal_match(match, re.sub(r"\s", "", match.group("code")))
    return None


def _match_nothing(segment: str) -> str:
    return ""


def _unit_segment_re(markers: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?:{_alternation(markers)})(?:\.\s*|\s+|(?=\d))(?P<value>[\w-]+)", re.I)


def _folded(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name.casefold() for name in names)


@dataclass(frozen=True)
class CodeBeforeCity:
    """A country written "street house, code city[, region]", declared as a table: the digits of
    its postal code and the pattern that finds it (with an optional country prefix), its region
    and big-city names, the words its streets end or start with, and its unit markers."""

    digits: int
    postal_re: re.Pattern[str]
    regions: frozenset[str]
    cities: frozenset[str]
    street_words: re.Pattern[str]
    unit_types: tuple[str, ...]

    def looks_like(self, text: str) -> bool:
        """A code before the city plus one of the country's street words or big cities."""
        cities = _cities_after_codes(text, self.digits)
        return bool(cities) and (
            self.street_words.search(text) is not None or any(c in self.cities for c in cities)
        )

    def parse(self, segments: list[str]) -> _Draft:
        return _parse_segments(segments, self.rules)

    @cached_property
    def rules(self) -> _SegmentRules:
        return _SegmentRules(
            find_postal=lambda segment: _code_before_city(self.postal_re, segment),
            match_region=lambda segment: segment if segment.casefold() in self.regions else "",
            parse_street=_european_street_parser(_marker_suffix_re(self.unit_types)),
            unit_segment_re=_unit_segment_re(self.unit_types),
        )
