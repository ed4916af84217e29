"""Russia: big-to-small and small-to-big forms, with or without dots after "г", "ул", "д", "корп", "кв"."""

from __future__ import annotations

import re
from collections.abc import Callable

from tandem.partners.addresses.common import (
    _HOUSE,
    _alternation,
    _clean,
    _clean_parts,
    _Draft,
    _has_cyrillic,
    _is_letters_only,
    _marker_prefix_re,
    _split_house_last,
    _word_re,
)
from tandem.partners.addresses.generic import parse_generic

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


def parse_russia(segments: list[str]) -> _Draft:
    if not any(_has_cyrillic(segment) for segment in segments):
        return parse_generic(segments)
    chunks = [chunk for segment in segments for chunk in _split_russian_chunks(segment)]
    draft = _Draft()
    kinds = [_classify_russian_chunk(draft, index, chunk) for index, chunk in enumerate(chunks)]
    _resolve_russian_pending(draft, chunks, kinds)
    return draft
