"""Tests for the free-text postal address parser (pure Python, no Django)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.partners.addresses import ParsedAddress, detect_country, parse_address


def _address(country: str, **fields: str) -> ParsedAddress:
    return ParsedAddress(country=country, **fields)


RUSSIA = [
    (
        "Россия, 125009, г. Москва, ул. Тверская, д. 7, кв. 15",
        _address("RU", street="ул. Тверская", house="7", unit="15", postal_code="125009", city="Москва"),
    ),
    (
        "ул. Ленина, д. 5, кв. 3, г. Екатеринбург, Свердловская обл., 620014",
        _address(
            "RU",
            street="ул. Ленина",
            house="5",
            unit="3",
            postal_code="620014",
            city="Екатеринбург",
            region="Свердловская обл.",
        ),
    ),
    (
        "Московская область, г. Химки, ул. Ленинградская, д. 1, корп. 2, кв. 10",
        _address(
            "RU",
            street="ул. Ленинградская",
            house="1 корп. 2",
            unit="10",
            city="Химки",
            region="Московская область",
        ),
    ),
    (
        "190000, Санкт-Петербург, Невский пр-т, д. 28",
        _address("RU", street="Невский пр-т", house="28", postal_code="190000", city="Санкт-Петербург"),
    ),
    (  # FIAS / DaData style: type abbreviations without dots
        "г Москва, ул Тверская, д 7 корп 2, кв 15",
        _address("RU", street="ул Тверская", house="7 корп 2", unit="15", city="Москва"),
    ),
    (
        "Республика Татарстан, г. Казань, ул. Баумана, д. 1, оф. 301",
        _address(
            "RU",
            street="ул. Баумана",
            house="1",
            unit="301",
            city="Казань",
            region="Республика Татарстан",
        ),
    ),
    (  # one line, no commas
        "125009 г. Москва ул. Тверская д. 7 корп. 2 стр. 1 кв. 15",
        _address(
            "RU",
            street="ул. Тверская",
            house="7 корп. 2 стр. 1",
            unit="15",
            postal_code="125009",
            city="Москва",
        ),
    ),
    (
        "Краснодарский край, г. Сочи, Курортный пр-т, д. 75",
        _address("RU", street="Курортный пр-т", house="75", city="Сочи", region="Краснодарский край"),
    ),
    (  # street type after the name, bare house number, country abbreviation
        "Тверская ул., 7, Москва, 125009, РФ",
        _address("RU", street="Тверская ул.", house="7", postal_code="125009", city="Москва"),
    ),
    (  # village ("д." followed by a name) in a district, no street
        "Россия, Московская обл., Одинцовский р-н, д. Ивановка, д. 5",
        _address("RU", house="5", city="Ивановка", region="Московская обл., Одинцовский р-н"),
    ),
]

POLAND = [
    (
        "ul. Marszałkowska 10/12 m. 5, 00-590 Warszawa",
        _address(
            "PL",
            street="ul. Marszałkowska",
            house="10/12",
            unit="5",
            postal_code="00-590",
            city="Warszawa",
        ),
    ),
    (
        "Al. Jerozolimskie 123A, 02-017 Warszawa, Polska",
        _address("PL", street="Al. Jerozolimskie", house="123A", postal_code="02-017", city="Warszawa"),
    ),
    (
        "ul. Piotrkowska 100, 90-001 Łódź, woj. łódzkie",
        _address(
            "PL",
            street="ul. Piotrkowska",
            house="100",
            postal_code="90-001",
            city="Łódź",
            region="łódzkie",
        ),
    ),
    (  # "5/7" without "m." is house 5, flat 7
        "ul. Długa 5/7, 80-831 Gdańsk",
        _address("PL", street="ul. Długa", house="5", unit="7", postal_code="80-831", city="Gdańsk"),
    ),
    (
        "Rynek Główny 1, 31-042 Kraków, woj. małopolskie, Polska",
        _address(
            "PL",
            street="Rynek Główny",
            house="1",
            postal_code="31-042",
            city="Kraków",
            region="małopolskie",
        ),
    ),
    (  # a street name that contains a number
        "ul. 3 Maja 12 lok. 4, 35-030 Rzeszów",
        _address("PL", street="ul. 3 Maja", house="12", unit="4", postal_code="35-030", city="Rzeszów"),
    ),
    (
        "Plac Defilad 1\n00-901 Warszawa\nmazowieckie\nPoland",
        _address(
            "PL",
            street="Plac Defilad",
            house="1",
            postal_code="00-901",
            city="Warszawa",
            region="mazowieckie",
        ),
    ),
    (
        "os. Tysiąclecia 45 m. 12, 40-871 Katowice, województwo śląskie",
        _address(
            "PL",
            street="os. Tysiąclecia",
            house="45",
            unit="12",
            postal_code="40-871",
            city="Katowice",
            region="śląskie",
        ),
    ),
]

SLOVENIA = [
    (
        "Slovenska cesta 15, 1000 Ljubljana, Slovenija",
        _address("SI", street="Slovenska cesta", house="15", postal_code="1000", city="Ljubljana"),
    ),
    (
        "Prešernova ulica 3a, 2000 Maribor",
        _address("SI", street="Prešernova ulica", house="3a", postal_code="2000", city="Maribor"),
    ),
    (
        "Trg republike 3, 1000 Ljubljana",
        _address("SI", street="Trg republike", house="3", postal_code="1000", city="Ljubljana"),
    ),
    (
        "Dunajska cesta 5, SI-1000 Ljubljana, Slovenia",
        _address("SI", street="Dunajska cesta", house="5", postal_code="1000", city="Ljubljana"),
    ),
    (
        "Kidričeva ulica 7, 4000 Kranj",
        _address("SI", street="Kidričeva ulica", house="7", postal_code="4000", city="Kranj"),
    ),
    (
        "Ulica heroja Staneta 1, 3000 Celje, Savinjska",
        _address(
            "SI",
            street="Ulica heroja Staneta",
            house="1",
            postal_code="3000",
            city="Celje",
            region="Savinjska",
        ),
    ),
    (  # detected by name only: no Slovene street word, not a listed city
        "Obala 55, 6320 Portorož, Slovenija",
        _address("SI", street="Obala", house="55", postal_code="6320", city="Portorož"),
    ),
]

CHINA = [
    (
        "中国北京市朝阳区建国路88号SOHO现代城A座1001室",
        _address(
            "CN", street="建国路", house="88号SOHO现代城A座", unit="1001", city="北京市", region="朝阳区"
        ),
    ),
    (
        "上海市浦东新区世纪大道100号",
        _address("CN", street="世纪大道", house="100", city="上海市", region="浦东新区"),
    ),
    (
        "广东省深圳市南山区深南大道10000号",
        _address("CN", street="深南大道", house="10000", city="深圳市", region="广东省, 南山区"),
    ),
    (
        "100020 北京市朝阳区建国路88号",
        _address("CN", street="建国路", house="88", postal_code="100020", city="北京市", region="朝阳区"),
    ),
    (
        "浙江省杭州市西湖区文三路478号华星时代广场A座5楼",
        _address(
            "CN",
            street="文三路",
            house="478号华星时代广场A座",
            unit="5楼",
            city="杭州市",
            region="浙江省, 西湖区",
        ),
    ),
    (
        "中华人民共和国广东省广州市天河区天河路208号",
        _address("CN", street="天河路", house="208", city="广州市", region="广东省, 天河区"),
    ),
    (  # full-width punctuation and a labelled postal code
        "北京市，海淀区，中关村大街27号，邮编：100080",
        _address("CN", street="中关村大街", house="27", postal_code="100080", city="北京市", region="海淀区"),
    ),
    (
        "No. 88 Jianguo Road, Chaoyang District, Beijing 100022, China",
        _address(
            "CN",
            street="Jianguo Road",
            house="88",
            postal_code="100022",
            city="Beijing",
            region="Chaoyang District",
        ),
    ),
    (
        "100 Century Avenue, Pudong New Area, Shanghai 200120, China",
        _address(
            "CN",
            street="Century Avenue",
            house="100",
            postal_code="200120",
            city="Shanghai",
            region="Pudong New Area",
        ),
    ),
    (
        "Room 1001, Building A, 88 Jianguo Road, Chaoyang District, Beijing 100022, PRC",
        _address(
            "CN",
            street="Building A, Jianguo Road",
            house="88",
            unit="1001",
            postal_code="100022",
            city="Beijing",
            region="Chaoyang District",
        ),
    ),
    (
        "Tianhe Road 208, Tianhe District, Guangzhou, Guangdong 510620, China",
        _address(
            "CN",
            street="Tianhe Road",
            house="208",
            postal_code="510620",
            city="Guangzhou",
            region="Tianhe District, Guangdong",
        ),
    ),
]

GERMANY = [
    (
        "Hauptstraße 5, 10115 Berlin",
        _address("DE", street="Hauptstraße", house="5", postal_code="10115", city="Berlin"),
    ),
    (
        "Unter den Linden 77, D-10117 Berlin, Deutschland",
        _address("DE", street="Unter den Linden", house="77", postal_code="10117", city="Berlin"),
    ),
    (
        "Friedrichstr. 123, 10117 Berlin",
        _address("DE", street="Friedrichstr.", house="123", postal_code="10117", city="Berlin"),
    ),
    (
        "Marienplatz 8, 80331 München, Bayern",
        _address(
            "DE",
            street="Marienplatz",
            house="8",
            postal_code="80331",
            city="München",
            region="Bayern",
        ),
    ),
    (
        "Königsallee 1a, 40212 Düsseldorf, Germany",
        _address("DE", street="Königsallee", house="1a", postal_code="40212", city="Düsseldorf"),
    ),
    (
        "Am Markt 12 b, 28195 Bremen",
        _address("DE", street="Am Markt", house="12 b", postal_code="28195", city="Bremen"),
    ),
    (  # a street name with a number in it
        "Straße des 17. Juni 135, 10623 Berlin",
        _address("DE", street="Straße des 17. Juni", house="135", postal_code="10623", city="Berlin"),
    ),
    (
        "Zeil 106\n60313 Frankfurt am Main\nDeutschland",
        _address("DE", street="Zeil", house="106", postal_code="60313", city="Frankfurt am Main"),
    ),
]

UNITED_KINGDOM = [
    (
        "221B Baker Street, London NW1 6XE, United Kingdom",
        _address("GB", street="Baker Street", house="221B", postal_code="NW1 6XE", city="London"),
    ),
    (
        "Flat 3, 12 High Street, Oxford, Oxfordshire OX1 4AA",
        _address(
            "GB",
            street="High Street",
            house="12",
            unit="3",
            postal_code="OX1 4AA",
            city="Oxford",
            region="Oxfordshire",
        ),
    ),
    (  # a locality line is kept with the street
        "10 Downing Street, Westminster, London SW1A 2AA, UK",
        _address(
            "GB",
            street="Downing Street, Westminster",
            house="10",
            postal_code="SW1A 2AA",
            city="London",
        ),
    ),
    (
        "Flat 2B, 5 Princes Street, Edinburgh EH2 2AN, Scotland",
        _address(
            "GB",
            street="Princes Street",
            house="5",
            unit="2B",
            postal_code="EH2 2AN",
            city="Edinburgh",
        ),
    ),
    (  # a building name is kept with the street
        "The Towers, 1 Canal Street, Manchester M1 3HE",
        _address(
            "GB",
            street="The Towers, Canal Street",
            house="1",
            postal_code="M1 3HE",
            city="Manchester",
        ),
    ),
    (  # lower case postcode is normalised
        "12 high street, london nw1 6xe, england",
        _address("GB", street="high street", house="12", postal_code="NW1 6XE", city="london"),
    ),
    (
        "Apartment 5, 27 Queen Street, Cardiff, CF10 2BU, Wales",
        _address(
            "GB",
            street="Queen Street",
            house="27",
            unit="5",
            postal_code="CF10 2BU",
            city="Cardiff",
        ),
    ),
]

UNITED_STATES = [
    (
        "1600 Amphitheatre Pkwy, Mountain View, CA 94043, USA",
        _address(
            "US",
            street="Amphitheatre Pkwy",
            house="1600",
            postal_code="94043",
            city="Mountain View",
            region="CA",
        ),
    ),
    (
        "350 Fifth Avenue, Suite 3300, New York, NY 10118",
        _address(
            "US",
            street="Fifth Avenue",
            house="350",
            unit="3300",
            postal_code="10118",
            city="New York",
            region="NY",
        ),
    ),
    (
        "233 S Wacker Dr Ste 9600, Chicago, IL 60606",
        _address(
            "US",
            street="S Wacker Dr",
            house="233",
            unit="9600",
            postal_code="60606",
            city="Chicago",
            region="IL",
        ),
    ),
    (
        "123 Main St Apt 4B, Boston, MA 02108-1234",
        _address(
            "US",
            street="Main St",
            house="123",
            unit="4B",
            postal_code="02108-1234",
            city="Boston",
            region="MA",
        ),
    ),
    (  # one line, no commas
        "1600 Pennsylvania Ave NW Washington DC 20500",
        _address(
            "US",
            street="Pennsylvania Ave NW",
            house="1600",
            postal_code="20500",
            city="Washington",
            region="DC",
        ),
    ),
    (  # full state name becomes its code
        "1 Infinite Loop, Cupertino, California 95014, United States",
        _address(
            "US",
            street="Infinite Loop",
            house="1",
            postal_code="95014",
            city="Cupertino",
            region="CA",
        ),
    ),
    (
        "742 Evergreen Terrace\nSpringfield, OR 97475",
        _address(
            "US",
            street="Evergreen Terrace",
            house="742",
            postal_code="97475",
            city="Springfield",
            region="OR",
        ),
    ),
    (
        "PO Box 123, Anchorage, AK 99501",
        _address("US", street="PO Box 123", postal_code="99501", city="Anchorage", region="AK"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), RUSSIA)
def test_parses_russian_addresses(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), POLAND)
def test_parses_polish_addresses(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), SLOVENIA)
def test_parses_slovenian_addresses(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), CHINA)
def test_parses_chinese_addresses(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), GERMANY)
def test_parses_german_addresses(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), UNITED_KINGDOM)
def test_parses_uk_addresses(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), UNITED_STATES)
def test_parses_us_addresses(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


# ---------------------------------------------------------------------------------------------
# Country detection
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Россия, г. Москва", "RU"),
        ("Russian Federation, Moscow", "RU"),
        ("Warszawa, Polska", "PL"),
        ("Ljubljana, Slovenija", "SI"),
        ("中华人民共和国北京市", "CN"),
        ("Beijing, P.R. China", "CN"),
        ("Berlin, Deutschland", "DE"),
        ("Glasgow, Scotland", "GB"),
        ("London W1A 1AA UK", "GB"),
        ("Austin, TX, U.S.A.", "US"),
        ("Boston, United States of America", "US"),
        # by script or postal-code shape
        ("上海市浦东新区世纪大道100号", "CN"),
        ("г. Казань, ул. Баумана, д. 1", "RU"),
        ("ul. Długa 5, 80-831 Gdańsk", "PL"),
        ("1 Infinite Loop, Cupertino, CA 95014", "US"),
        ("221B Baker Street, London NW1 6XE", "GB"),
        ("Unter den Linden 77, D-10117 Berlin", "DE"),
        ("Hauptstraße 5, 10115 Berlin", "DE"),
        ("Prešernova ulica 3a, 2000 Maribor", "SI"),
        ("No. 88 Jianguo Road, Beijing 100022", "CN"),
        # nothing to go on
        ("12 Main Street, Springfield", ""),
        ("東京都千代田区丸の内1-1", ""),  # kana: Japanese, not Chinese
        ("", ""),
        # a street named after a country is not the country
        ("Poland Street 12, London W1F 8QD", "GB"),
    ],
)
def test_detect_country(text: str, country: str) -> None:
    assert detect_country(text) == country


def test_country_name_is_removed_from_the_other_fields() -> None:
    parsed = parse_address("10115 Berlin Germany")
    assert parsed == _address("DE", postal_code="10115", city="Berlin")


def test_country_name_glued_to_the_last_line_is_removed() -> None:
    parsed = parse_address("No. 88 Jianguo Road, Beijing 100022 China")
    assert parsed == _address("CN", street="Jianguo Road", house="88", postal_code="100022", city="Beijing")


def test_six_digit_code_is_postal_code_and_house_number_is_not() -> None:
    parsed = parse_address("Россия, г. Москва, ул. Тверская, д. 125, 125009")
    assert parsed.postal_code == "125009"
    assert parsed.house == "125"


# ---------------------------------------------------------------------------------------------
# Formatting noise and edge cases
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n", " , ; ,", "!!!???"])
def test_empty_or_punctuation_only_gives_empty_fields(text: str) -> None:
    assert parse_address(text) == ParsedAddress()


def test_extra_whitespace_and_trailing_punctuation() -> None:
    parsed = parse_address("  Hauptstraße    5 ,   10115     Berlin . ")
    assert parsed == _address("DE", street="Hauptstraße", house="5", postal_code="10115", city="Berlin")


def test_mixed_case_input() -> None:
    parsed = parse_address("UL. MARSZAŁKOWSKA 10/12 M. 5, 00-590 WARSZAWA;")
    assert parsed == _address(
        "PL",
        street="UL. MARSZAŁKOWSKA",
        house="10/12",
        unit="5",
        postal_code="00-590",
        city="WARSZAWA",
    )


def test_newlines_work_like_commas() -> None:
    one_line = parse_address("221B Baker Street, London, NW1 6XE, United Kingdom")
    multi_line = parse_address("221B Baker Street\r\nLondon\nNW1 6XE\n\nUnited Kingdom\n")
    assert one_line == multi_line
    assert multi_line.postal_code == "NW1 6XE"


def test_abbreviation_dots_are_kept_but_trailing_dots_are_not() -> None:
    parsed = parse_address("ул. Ленина, д. 5., г. Екатеринбург., Свердловская обл.")
    assert parsed.region == "Свердловская обл."
    assert parsed.city == "Екатеринбург"
    assert parsed.house == "5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Warszawa", ParsedAddress(city="Warszawa")),
        ("Москва", _address("RU", city="Москва")),
        ("北京市", _address("CN", city="北京市")),
    ],
)
def test_only_a_city(text: str, expected: ParsedAddress) -> None:
    assert parse_address(text) == expected


def test_very_long_input_is_parsed_without_blowing_up() -> None:
    parsed = parse_address("a" * 20000 + " 5, " + "ул. " * 2000)
    assert parsed.country == "RU"


def test_garbage_is_kept_in_street() -> None:
    assert parse_address("lorem ipsum 42 dolor") == ParsedAddress(street="lorem ipsum 42 dolor")


def test_default_country_used_when_nothing_detects_the_country() -> None:
    parsed = parse_address("12 Main Street, Springfield", default_country="us")
    assert parsed == _address("US", street="Main Street", house="12", city="Springfield")


def test_default_country_accepts_a_country_name() -> None:
    assert parse_address("Springfield", default_country="Poland").country == "PL"


def test_default_country_without_any_hint_gives_empty_country() -> None:
    assert parse_address("12 Main Street, Springfield").country == ""


def test_detected_country_wins_over_default_country() -> None:
    parsed = parse_address("ul. Długa 5/7, 80-831 Gdańsk", default_country="DE")
    assert parsed.country == "PL"
    assert (parsed.house, parsed.unit) == ("5", "7")


def test_unknown_country_uses_generic_parsing() -> None:
    parsed = parse_address("10 rue de Rivoli, 75001 Paris")
    assert parsed == ParsedAddress(street="rue de Rivoli", house="10", postal_code="75001", city="Paris")


# ---------------------------------------------------------------------------------------------
# Property: never raises, never invents text
# ---------------------------------------------------------------------------------------------

_NORMALISED_POSTAL_CODE = re.compile(
    r"\d{4,6}|\d{2}-\d{3}|\d{5}-\d{4}|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|GIR 0AA"
)
_CODE = re.compile(r"[A-Z]{2}")

_ADDRESS_WORDS = [
    "ул.", "д.", "д", "кв.", "корп.", "стр.", "г.", "обл.", "р-н", "Москва", "Тверская",
    "ul.", "m.", "lok.", "woj.", "Warszawa", "00-590", "Polska", "cesta", "ulica",
    "1000", "Ljubljana", "Slovenija", "Hauptstraße", "Berlin", "D-10115", "Deutschland",
    "Flat", "Apt", "Suite", "#", "No.", "Street", "Road", "District", "London", "NW1 6XE",
    "sw1a1aa", "UK", "CA", "NY", "94043", "94105-1234", "USA", "New York", "中国", "北京市",
    "朝阳区", "建国路", "88号", "A座", "1001室", "省", "邮编", "China", "7", "12/3", "221B",
    "125009", "(", ")", ".", "-", "/", "’", "ß", "\u00a0", "\u3000", "，",
]  # fmt: skip
_SEPARATORS = [" ", ", ", ",", "\n", "; ", "  ", "", "、"]


@st.composite
def _address_like_text(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(st.sampled_from(_ADDRESS_WORDS), st.text(max_size=6)),
            max_size=12,
        )
    )
    separators = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(parts), max_size=len(parts)))
    return "".join(part + separator for part, separator in zip(parts, separators, strict=True))


def _squash(text: str) -> str:
    """NFKC plus whitespace normalisation; commas and semicolons count as whitespace."""
    return re.sub(r"[\s,;、]+", " ", unicodedata.normalize("NFKC", text)).strip()


def _is_taken_from(value: str, text: str) -> bool:
    """Every comma-separated piece of ``value`` occurs in the normalised input text.

    Fields built from several parts join them with ", " (street and region leftovers) or a space
    ("д. 7, корп. 2" -> "7 корп. 2"), hence pieces and commas-as-whitespace.
    """
    squashed_text = _squash(text)
    return all(_squash(piece) in squashed_text for piece in value.split(", "))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), _address_like_text()), st.sampled_from(["", "PL", "us", "xx", "Poland"]))
def test_parse_never_raises_and_never_invents_text(text: str, default_country: str) -> None:
    parsed = parse_address(text, default_country)
    detect_country(text)

    assert isinstance(parsed, ParsedAddress)
    for name in ("street", "house", "unit", "city"):
        value = getattr(parsed, name)
        assert value == "" or _is_taken_from(value, text), (name, value)
    assert (
        parsed.postal_code == ""
        or _is_taken_from(parsed.postal_code, text)
        or _NORMALISED_POSTAL_CODE.fullmatch(parsed.postal_code)
    ), parsed.postal_code
    assert parsed.region == "" or _is_taken_from(parsed.region, text) or _CODE.fullmatch(parsed.region)
    assert parsed.country == "" or _CODE.fullmatch(parsed.country)
