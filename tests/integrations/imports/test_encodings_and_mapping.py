"""Encodings (cp1251, cp1250, GBK, UTF-8 with and without BOM), delimiters, XLSX, header guesses."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook

from tandem.core.importing import specs
from tandem.core.jobs import services as jobs
from tandem.integrations.imports import mapping, services
from tandem.integrations.imports.models import ImportMapping, ImportRun
from tandem.integrations.imports.parsing import normalise_header
from tandem.partners.models import Partner

RUSSIAN = (
    "Название;Город;ИНН;Страна\nООО «Ромашка»;Москва;7707083893;Россия\nАО Северсталь;Череповец;;Россия\n"
)
POLISH = (
    "Nazwa;Miasto;Ulica\nPrzedsiębiorstwo Łódź;Gdańsk;ul. Żółwia 5\nZakład Świętokrzyski;Kraków;ul. Długa 7\n"
)
SLOVENIAN = "Naziv;Mesto\nŽelezarna Škofja;Ljubljana\nČebelarstvo Šuštar;Maribor\n"
CHINESE = "名称,城市,地址\n北京家具有限公司,北京,北京市朝阳区建国路88号\n上海木业公司,上海,\n"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (RUSSIAN, "cp1251", "cp1251"),
        (POLISH, "cp1250", "cp1250"),
        (SLOVENIAN, "cp1250", "cp1250"),
        (CHINESE, "gbk", "gb18030"),
        (POLISH, "utf-8", "utf-8"),
        (CHINESE, "utf-8-sig", "utf-8-sig"),
        (RUSSIAN, "utf-16", "utf-16"),
    ],
)
def test_encoding_is_detected_and_names_survive(
    run_import: Callable[..., ImportRun], text: str, encoding: str, expected: str
) -> None:
    run = run_import(text.encode(encoding))
    assert run.encoding == expected
    assert run.state == ImportRun.State.DONE, run.error
    names = set(Partner.objects.values_list("name", flat=True))
    first_name = text.splitlines()[1].split(";" if ";" in text else ",")[0]
    assert first_name in names


def test_company_language_decides_short_central_european_text(
    company: Any, manager: Any, upload: Callable[..., ImportRun]
) -> None:
    """Short Polish text is easily taken for another single-byte encoding; Polish companies get cp1250."""
    company.language = "pl"
    company.save()
    run = upload("Nazwa\nŁódź Żółw\n".encode("cp1250"))
    assert run.encoding == "cp1250"


def test_person_changes_the_encoding_and_sees_the_preview(
    client: Any, manager: Any, upload: Callable[..., ImportRun]
) -> None:
    run = upload(POLISH.encode("cp1250"))
    client.force_login(manager)
    response = client.post(f"/imports/{run.pk}/preview/", {"encoding": "cp1251", "delimiter": ";"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.encoding == "cp1251" and run.state == ImportRun.State.READING  # read again by a job
    assert "data-import-reading" in client.get(f"/imports/{run.pk}/preview/").content.decode()
    jobs.run(run.job_id)
    page = client.get(f"/imports/{run.pk}/preview/").content.decode()
    assert "Gdańsk" not in page and "Gda" in page  # read the wrong way, as the person asked
    client.post(f"/imports/{run.pk}/preview/", {"encoding": "cp1250", "delimiter": ";"})
    run.refresh_from_db()
    jobs.run(run.job_id)
    assert "Gdańsk" in client.get(f"/imports/{run.pk}/preview/").content.decode()


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(upload: Callable[..., ImportRun], delimiter: str) -> None:
    rows = [
        ["name", "email", "city"],
        ["Acme, Inc.", "a@acme.example", "Kraków"],
        ["Beta", "b@beta.example", "Ljubljana"],
    ]
    text = "\n".join(
        delimiter.join(f'"{c}"' if delimiter in c or "," in c else c for c in row) for row in rows
    )
    run = upload(text + "\n")
    assert run.delimiter == delimiter
    assert run.headers == ["name", "email", "city"]


def test_xlsx_file_is_imported(run_import: Callable[..., ImportRun]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nazwa", "NIP", "Telefon", "Kraj"])
    sheet.append(["Acme sp. z o.o.", 5260250995, 221234567, "Polska"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    run = run_import(buffer.getvalue(), name="klienci.xlsx")
    assert run.kind == "xlsx" and run.state == ImportRun.State.DONE, run.error
    partner = Partner.objects.get()
    assert (partner.tax_id, partner.phone, partner.country) == ("5260250995", "+48221234567", "PL")


HEADERS = {
    "en": ["Name", "E-mail", "Phone", "Tax ID", "External reference", "Address", "Contact person"],
    "ru": ["Название", "Электронная почта", "Телефон", "ИНН", "Внешний код", "Адрес", "Контактное лицо"],
    "pl": ["Nazwa", "Adres e-mail", "Telefon", "NIP", "Numer klienta", "Adres", "Osoba kontaktowa"],
    "sl": ["Naziv", "E-pošta", "Telefon", "Davčna številka", "Šifra", "Naslov", "Kontaktna oseba"],
    "zh-hans": ["名称", "电子邮件", "电话", "税号", "客户编号", "地址", "联系人"],
}


@pytest.mark.parametrize("language", list(HEADERS))
def test_headers_are_recognised_in_every_language(language: str) -> None:
    spec = specs()["partners.partner"]
    guessed = mapping.guess(spec, HEADERS[language])
    assert guessed == dict(enumerate(["name", "email", "phone", "tax_id", "ref", "address", "contact_name"]))


def test_headers_match_whatever_the_case_spaces_and_punctuation() -> None:
    spec = specs()["partners.partner"]
    assert mapping.guess(spec, ["  NAME ", "e_mail", "TAX-ID", "Postal code:", "reason"]) == {
        0: "name",
        1: "email",
        2: "tax_id",
        3: "postal_code",
    }


@pytest.mark.parametrize("key", ["partners.partner", "catalog.product", "catalog.pricelistitem"])
def test_no_header_name_points_at_two_fields(key: str) -> None:
    spec = specs()[key]
    owners: dict[str, str] = {}
    for field in spec.fields:
        for alias in (field.name, *field.aliases):
            normal = normalise_header(alias)
            assert owners.setdefault(normal, field.name) == field.name, (alias, field.name, owners[normal])


def test_mapping_is_saved_as_a_template_and_reused(
    upload: Callable[..., ImportRun], manager: Any, company: Any
) -> None:
    run = upload("Firma;Poczta;Kolumna X\nAcme;a@acme.example;ACM-1\n")
    services.set_mapping(
        run, manager, columns={0: "name", 1: "email", 2: "ref"},
        options={"match_key": "ref", "date_order": "auto", "decimal_separator": ","},
        template_name="Old CRM",
    )  # fmt: skip
    template = ImportMapping.objects.get(company=company, name="Old CRM")
    assert template.columns == {"firma": "name", "poczta": "email", "kolumnax": "ref"}
    again = upload("Firma;Kolumna X;Poczta\nBeta;B-2;b@beta.example\n", template=template)
    assert again.mapping == {"0": "name", "1": "ref", "2": "email"}
    assert again.options["match_key"] == "ref" and again.options["decimal_separator"] == ","


def test_another_companys_template_cannot_be_used(
    upload: Callable[..., ImportRun], other_company: Any, make_user: Callable[..., Any]
) -> None:
    from tandem.core import roles
    from tandem.core.errors import NotAllowed

    stranger = make_user("olga", roles.SALES_MANAGER, company=other_company)
    foreign = services.save_template(
        other_company,
        stranger,
        spec_key="partners.partner",
        name="Theirs",
        columns={"name": "name"},
        options={},
    )
    with pytest.raises(NotAllowed):
        upload("name\nAcme\n", template=foreign)
