"""China: addresses in Chinese script (big to small, no separators) and in pinyin."""

from __future__ import annotations

import re

from tandem.partners.addresses.common import (
    _BUILDING_PART_RE,
    _ENGLISH_UNIT_SEGMENT_RE,
    _ENGLISH_UNIT_SUFFIX_RE,
    _KANA_OR_HANGUL_RE,
    CJK,
    _alternation,
    _clean,
    _Draft,
    _has_digits,
    _merge_street_line,
    _parse_english_street,
    _parse_segments,
    _postal_match,
    _PostalMatch,
    _SegmentRules,
    _strip_unit_suffix,
    _take_house_last,
)

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


PINYIN_SUB_CITY_WORDS = ("district", "county", "new area", "new district", "zone", "town")


_CJK_RE = re.compile(f"[{CJK}]")


def _has_chinese_script(text: str) -> bool:
    return _CJK_RE.search(text) is not None and _KANA_OR_HANGUL_RE.search(text) is None


_CN_POSTAL_RE = re.compile(r"(?<![\d-])\d{6}(?![\d-])")


_PINYIN_HINT_RE = re.compile(r"\b(?:district|province|road|street|avenue|lu|jie)\b", re.IGNORECASE)


def _looks_like_pinyin_chinese(text: str) -> bool:
    """A pinyin city or province together with a 6-digit code or a District/Road word."""
    words = {word.casefold() for word in re.findall(r"[A-Za-z']+", text)}
    if not words & (CN_PINYIN_CITIES | CN_PINYIN_PROVINCES):
        return False
    return _CN_POSTAL_RE.search(text) is not None or _PINYIN_HINT_RE.search(text) is not None


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


def _find_chinese_postal(segment: str) -> _PostalMatch | None:
    match = _CN_POSTAL_RE.search(segment)
    if match is None or _has_digits(segment[: match.start()] + segment[match.end() :]):
        return None
    return _postal_match(match, match.group(0))


_PINYIN_PROVINCE_RE = re.compile(r"\b(?:province|autonomous region)$", re.IGNORECASE)


_PINYIN_SUB_CITY_RE = re.compile(rf"\b(?:{_alternation(PINYIN_SUB_CITY_WORDS)})\b", re.IGNORECASE)


def _match_pinyin_province(segment: str) -> str:
    folded = segment.casefold()
    return segment if folded in CN_PINYIN_PROVINCES or _PINYIN_PROVINCE_RE.search(segment) else ""


def _is_pinyin_sub_city(segment: str) -> bool:
    return _PINYIN_SUB_CITY_RE.search(segment) is not None


PINYIN_RULES = _SegmentRules(
    find_postal=_find_chinese_postal,
    match_region=_match_pinyin_province,
    parse_street=_parse_pinyin_street,
    unit_segment_re=_ENGLISH_UNIT_SEGMENT_RE,
    is_sub_city=_is_pinyin_sub_city,
)


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
    """The street, then "88号SOHO现代城A座" as the house and "1001室" as the unit."""
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
    # The district (区/县/旗) is an administrative area, not part of the street: it joins
    # the province in the region ("广东省, 南山区"; in a municipality only "朝阳区").
    draft.add_region(0, admin.group("region") or "")
    draft.add_region(1, admin.group("district") or "", main=False)
    draft.set_city(0, admin.group("city") or "")
    _take_chinese_street_line(draft, text, admin.end(), admin.end())
    return draft


def parse_china(segments: list[str]) -> _Draft:
    if any(_has_chinese_script(segment) for segment in segments):
        return _parse_chinese_script(segments)
    return _parse_segments(segments, PINYIN_RULES)
