"""Company settings: letterhead, identifiers and bank details validated, every change logged."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tandem.core.models import Company, Event, User

VALID = {
    "name": "Tandem Furniture Sp. z o.o.",
    "currency": "EUR",
    "language": "pl",
    "fiscal_year_start_month": "4",
    "street": "ul. Długa",
    "house": "5",
    "postal_code": "00-950",
    "city": "Warszawa",
    "region": "Mazowieckie",
    "country": "PL",
    "tax_id": "526-025-09-95",
    "vat_id": "PL 5260250995",
    "registry_id": "123456785",
    "email": "biuro@tandem.example",
    "phone": "22 123 45 67",
    "website": "tandem.example",
    "bank_name": "PKO BP",
    "iban": "PL61 1090 1014 0000 0712 1981 2874",
    "bic": "bpkoplpw",
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def test_company_settings_are_saved_normalised_and_logged_old_to_new(
    login: Callable[[User], Client], boss: User, company: Company
) -> None:
    client = login(boss)
    response = client.post(
        reverse("administration:company_edit", args=[company.pk]), {**VALID, "logo": _png()}
    )
    assert response.status_code == 302, response.context["form"].errors
    company.refresh_from_db()
    assert company.tax_id == "5260250995"
    assert company.vat_id == "PL5260250995"
    assert company.iban == "PL61109010140000071219812874"
    assert company.bic == "BPKOPLPW"
    assert company.phone == "+48221234567"
    assert company.fiscal_year_start_month == 4 and company.language == "pl"
    assert not company.require_two_factor
    assert company.logo.name.startswith("company-logos/")
    event = Event.objects.get(name="company.updated")
    assert event.actor == boss and event.company == company
    changes = event.data["changes"]
    assert changes["name"] == ["Tandem Furniture", "Tandem Furniture Sp. z o.o."]
    assert changes["iban"] == ["", "PL61109010140000071219812874"]
    assert changes["fiscal_year_start_month"] == [1, 4]
    assert changes["logo"][0] == "" and changes["logo"][1].startswith("company-logos/")
    logo = client.get(reverse("administration:company_logo", args=[company.pk]))
    assert logo.status_code == 200
    detail = client.get(reverse("administration:company_detail", args=[company.pk])).content.decode()
    assert "PL61109010140000071219812874" in detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "PL61 1090 1014 0000 0712 1981 2875", "is not a valid IBAN"),
        ("tax_id", "5260250994", "is not a valid tax ID"),
        ("vat_id", "PL5260250994", "is not a valid EU VAT number"),
        ("bic", "XX", "is not a valid BIC"),
        ("registry_id", "123456780", "is not a valid company registration number"),
        ("email", "biuro@", "is not a valid email"),
    ],
)
def test_bad_identifiers_are_refused_and_nothing_is_written(
    login: Callable[[User], Client], boss: User, company: Company, field: str, value: str, message: str
) -> None:
    response = login(boss).post(
        reverse("administration:company_edit", args=[company.pk]), {**VALID, field: value}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    company.refresh_from_db()
    assert company.name == "Tandem Furniture" and company.iban == "" and not company.require_two_factor
    assert not Event.objects.filter(name="company.updated").exists()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("logo.png", b"%PDF-1.4 not a picture", content_type="image/png"),
        SimpleUploadedFile(
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            content_type="image/svg+xml",
        ),
    ],
    ids=["pdf-named-png", "svg"],
)
def test_a_logo_that_is_not_a_picture_is_refused(
    login: Callable[[User], Client], boss: User, company: Company, upload: SimpleUploadedFile, settings: Any
) -> None:
    upload.seek(0)
    response = login(boss).post(
        reverse("administration:company_edit", args=[company.pk]), {**VALID, "logo": upload}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["logo"]
    company.refresh_from_db()
    assert not company.logo and company.name == "Tandem Furniture"
    assert not Event.objects.filter(name="company.updated").exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*")) if Path(settings.MEDIA_ROOT).exists() else True


def test_creating_a_company_grants_it_to_its_creator(
    login: Callable[[User], Client], boss: User, company: Company
) -> None:
    data = {
        **VALID,
        "name": "Tandem Trade",
        "code": "trade",
        "country": "DE",
        "tax_id": "",
        "vat_id": "DE136695976",
    }
    data.update(registry_id="HRB 12345", phone="", iban="DE89370400440532013000", bic="COBADEFFXXX")
    response = login(boss).post(reverse("administration:company_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    trade = Company.objects.get(code="trade")
    assert trade.vat_id == "DE136695976"
    assert boss.companies.filter(pk=trade.pk).exists()
    assert Event.objects.filter(name="company.created", subject_id=str(trade.pk)).exists()
    duplicate = login(boss).post(reverse("administration:company_create"), {**data, "name": "Again"})
    assert duplicate.status_code == 200 and "exists already" in duplicate.content.decode()
    assert Company.objects.filter(code="trade").count() == 1


def test_the_company_list_shows_only_administered_companies(
    login: Callable[[User], Client], boss: User, admin: User, company: Company, other_company: Company
) -> None:
    rows = login(boss).get(reverse("administration:companies")).context["rows"]
    assert [row.code for row, _cells in rows] == ["tandem"]
    rows = login(admin).get(reverse("administration:companies")).context["rows"]
    assert {row.code for row, _cells in rows} == {"tandem", "elsewhere"}
