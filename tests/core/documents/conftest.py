"""Fixtures of the documents tests: a letterhead company, a partner with a contact, a
template, and a signing certificate made on the spot (a root CA and a signer it issued)."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.partners.services import add_address


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def letterhead_company(company: Company) -> Company:
    for name, value in {
        "street": "Długa",
        "house": "5",
        "postal_code": "00-238",
        "city": "Warszawa",
        "tax_id": "5260001246",
        "vat_id": "PL5260001246",
        "registry_id": "0000123456",
        "email": "office@tandem.example",
        "phone": "+48 22 123 45 67",
        "website": "https://tandem.example",
        "bank_name": "mBank",
        "iban": "PL61109010140000071219812874",
        "bic": "BREXPLPW",
    }.items():
        setattr(company, name, value)
    company.save()
    return company


@pytest.fixture
def customer(letterhead_company: Company, make_partner: Callable[..., Partner], salesperson: User) -> Partner:
    partner = make_partner("Acme Trading", owner=salesperson, email="buy@acme.example", language="en")
    add_address(
        partner, None, street="Main Street", house="1", postal_code="30-001", city="Kraków", country="PL"
    )
    return partner


@pytest.fixture
def contact(customer: Partner, make_partner: Callable[..., Partner], salesperson: User) -> Partner:
    return make_partner(
        "Jan Kowalski", kind="person", organisation=customer, job_title="Buyer", owner=salesperson
    )


def pdf_text(pdf: bytes, tmp_path: Any) -> str:
    """The text of a PDF as poppler's pdftotext reads it (installed by ``setup.sh --test``)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; run scripts/setup.sh --test")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=30
    )
    return result.stdout.decode()


@dataclass(frozen=True)
class Certificates:
    root: x509.Certificate
    signer: x509.Certificate
    p12: bytes
    password: str


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tandem Furniture"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_certificates(*, days: int = 365, password: str = "p12-secret") -> Certificates:
    now = datetime.datetime.now(datetime.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Tandem Test Root"))
        .issuer_name(_name("Tandem Test Root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )  # fmt: skip
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name("Tandem Furniture documents"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=2 if days > 0 else 400))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )  # fmt: skip
    p12 = pkcs12.serialize_key_and_certificates(
        b"tandem",
        key,
        signer,
        [root],
        serialization.BestAvailableEncryption(password.encode()),
    )
    return Certificates(root=root, signer=signer, p12=p12, password=password)


@pytest.fixture(scope="session")
def certificates() -> Certificates:
    return make_certificates()
