"""PAdES signatures with the company certificate: upload, sign, verify with pyHanko's validator."""

from __future__ import annotations

import io
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.test import Client
from django.urls import reverse
from markupsafe import Markup
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from tandem.core.documents import services as documents
from tandem.core.documents import signing
from tandem.core.documents.models import SigningCertificate
from tandem.core.errors import BusinessError
from tandem.core.models import Company, Event, User
from tests.core.documents.conftest import Certificates, make_certificates

pytestmark = pytest.mark.django_db


def _pdf(company: Company) -> bytes:
    context = {"subject": "Contract", "body": Markup("<p>签字 — signed</p>"), "date": "", "recipient": {}}
    return documents.render_pdf("documents/letter.html", context, company=company, language="en")


def _validate(pdf: bytes, certificates: Certificates) -> Any:
    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    signature = reader.embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    root = asn1_x509.Certificate.load(certificates.root.public_bytes(Encoding.DER))
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root], allow_fetching=False))


def test_without_a_certificate_nothing_signs(company: Company, settings: Any) -> None:
    settings.TANDEM_SIGNING_P12 = ""
    assert documents.can_sign(company) is False
    with pytest.raises(BusinessError, match="No signing certificate"):
        documents.sign_pdf(b"%PDF-1.7", company)


def test_an_uploaded_certificate_signs_a_weasyprint_pdf_verifiably(
    company: Company, admin: User, certificates: Certificates, settings: Any
) -> None:
    settings.TANDEM_SIGNING_P12 = ""
    stored = documents.upload_certificate(
        company, admin, content=certificates.p12, password=certificates.password, file_name="company.p12"
    )
    assert "CN=Tandem Furniture documents" in stored.subject
    assert "CN=Tandem Test Root" in stored.issuer
    assert stored.not_after > stored.not_before
    # Encrypted at rest: neither the bundle nor its password is stored as given.
    with stored.file.open("rb") as handle:
        assert handle.read() != certificates.p12
    assert certificates.password.encode() not in bytes(stored.password_encrypted)
    assert Event.objects.filter(name="signing_certificate.uploaded", company=company).exists()
    assert documents.can_sign(company)

    signed = documents.sign_pdf(_pdf(company), company)

    status = _validate(signed, certificates)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line


def test_a_signature_does_not_survive_a_change(
    company: Company, admin: User, certificates: Certificates
) -> None:
    documents.upload_certificate(company, admin, content=certificates.p12, password=certificates.password)
    signed = bytearray(documents.sign_pdf(_pdf(company), company))
    position = signed.index(b"/Producer")
    signed[position + 1 : position + 3] = b"XX"  # tamper with a signed byte (the Producer key)
    status = _validate(bytes(signed), certificates)
    assert not status.intact
    assert not status.bottom_line


def test_the_environment_certificate_serves_companies_without_their_own(
    company: Company, other_company: Company, certificates: Certificates, settings: Any, tmp_path: Any
) -> None:
    bundle = tmp_path / "server.p12"
    bundle.write_bytes(certificates.p12)
    settings.TANDEM_SIGNING_P12 = str(bundle)
    settings.TANDEM_SIGNING_P12_PASSWORD = certificates.password

    assert documents.can_sign(other_company)
    info, source = documents.certificate_info(other_company)  # type: ignore[misc]
    assert "Tandem Furniture documents" in info.subject
    assert source == "environment"
    status = _validate(documents.sign_pdf(_pdf(other_company), other_company), certificates)
    assert status.intact and status.valid and status.trusted

    settings.TANDEM_SIGNING_P12_PASSWORD = "wrong"
    assert documents.can_sign(other_company) is False


@pytest.mark.parametrize(
    ("content", "password", "message"),
    [
        (b"", "p12-secret", "empty"),
        (b"not a certificate at all", "p12-secret", "not a PKCS#12"),
        (None, "wrong password", "not a PKCS#12"),
        (b"x" * (signing.MAX_BUNDLE_BYTES + 1), "p12-secret", "too large"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    company: Company,
    admin: User,
    certificates: Certificates,
    content: bytes | None,
    password: str,
    message: str,
) -> None:
    with pytest.raises(BusinessError, match=message):
        documents.upload_certificate(
            company, admin, content=certificates.p12 if content is None else content, password=password
        )
    assert not SigningCertificate.objects.exists()
    assert not Event.objects.filter(name="signing_certificate.uploaded").exists()


def test_an_expired_certificate_is_refused(company: Company, admin: User) -> None:
    expired = make_certificates(days=-1)
    with pytest.raises(BusinessError, match="expired"):
        documents.upload_certificate(company, admin, content=expired.p12, password=expired.password)
    assert not SigningCertificate.objects.exists()


def test_a_changed_secret_key_makes_the_stored_certificate_unusable_not_readable(
    company: Company, admin: User, certificates: Certificates, settings: Any
) -> None:
    documents.upload_certificate(company, admin, content=certificates.p12, password=certificates.password)
    settings.SECRET_KEY = "another-secret-key-entirely-0123456789"
    assert documents.can_sign(company) is False
    with pytest.raises(BusinessError, match="Upload it again"):
        documents.sign_pdf(b"%PDF", company)


# --- the certificate page -------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_administrators_upload_see_and_remove_the_certificate(
    company: Company, admin: User, certificates: Certificates, settings: Any
) -> None:
    settings.TANDEM_SIGNING_P12 = ""
    client = _client(admin)
    url = reverse("documents:certificate")
    assert "No certificate" in client.get(url).content.decode()

    response = client.post(
        url,
        {"action": "upload", "file": io.BytesIO(certificates.p12), "password": certificates.password},
        format="multipart",
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "CN=Tandem Furniture documents" in page
    assert certificates.password not in page

    assert client.post(reverse("documents:certificate_remove"), {"confirmed": "1"}).status_code == 302
    assert not SigningCertificate.objects.exists()
    assert Event.objects.filter(name="signing_certificate.removed").exists()


def test_a_wrong_password_is_shown_on_the_form(
    company: Company, admin: User, certificates: Certificates
) -> None:
    upload = io.BytesIO(certificates.p12)
    upload.name = "company.p12"
    response = _client(admin).post(
        reverse("documents:certificate"), {"action": "upload", "file": upload, "password": "nope"}
    )
    assert response.status_code == 200
    assert "the password is wrong" in response.content.decode()
    assert not SigningCertificate.objects.exists()


def test_only_administrators_reach_the_certificate_page(manager: User, salesperson: User) -> None:
    for user in (manager, salesperson):
        assert _client(user).get(reverse("documents:certificate")).status_code == 403
        assert (
            _client(user).post(reverse("documents:certificate_remove"), {"confirmed": "1"}).status_code == 403
        )


def test_an_administrator_of_another_company_sees_only_their_own(
    company: Company,
    other_company: Company,
    admin: User,
    make_user: Any,
    certificates: Certificates,
    settings: Any,
) -> None:
    settings.TANDEM_SIGNING_P12 = ""
    documents.upload_certificate(company, admin, content=certificates.p12, password=certificates.password)
    from tandem.core import roles

    elsewhere = make_user("otto", roles.ADMINISTRATOR, company=other_company)
    page = _client(elsewhere).get(reverse("documents:certificate")).content.decode()
    assert "CN=Tandem Furniture documents" not in page
    assert (
        _client(elsewhere).post(reverse("documents:certificate_remove"), {"confirmed": "1"}).status_code
        == 404
    )
    assert SigningCertificate.objects.filter(company=company).exists()
