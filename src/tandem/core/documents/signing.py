"""PAdES signatures with the company's certificate (pyHanko).

A company's PKCS#12 bundle is uploaded by an administrator (:class:`SigningCertificate`,
stored encrypted, its password too) or, for every company without one, configured by
environment: ``TANDEM_SIGNING_P12`` (path to the ``.p12``/``.pfx`` file) and
``TANDEM_SIGNING_P12_PASSWORD``.

Secrets are encrypted with Fernet (AES + HMAC, from ``cryptography``) under a key derived
from ``SECRET_KEY`` with HKDF: a copy of the database or the storage alone reveals
neither the key nor its password. Changing ``SECRET_KEY`` means uploading the
certificate again.
"""

from __future__ import annotations

import base64
import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from tandem.core.documents.models import SigningCertificate
from tandem.core.errors import BusinessError
from tandem.core.models import Company

MAX_BUNDLE_BYTES = 256 * 1024


class SigningFailed(BusinessError):
    code = "signing"


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial_number: str
    not_before: datetime.datetime
    not_after: datetime.datetime

    @property
    def expired(self) -> bool:
        return self.not_after <= timezone.now()

    @property
    def not_yet_valid(self) -> bool:
        return self.not_before > timezone.now()


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tandem.documents.signing", info=b"p12").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken:
        raise SigningFailed(
            _("The stored certificate cannot be read (was the secret key changed?). Upload it again.")
        ) from None


def read_bundle(data: bytes, password: str) -> CertificateInfo:
    """Check a PKCS#12 bundle opens with ``password`` and holds a key and its certificate."""
    if not data:
        raise SigningFailed(_("The certificate file is empty."), field="file")
    if len(data) > MAX_BUNDLE_BYTES:
        raise SigningFailed(_("The certificate file is too large."), field="file")
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(data, password.encode() or None)
    except (ValueError, TypeError):
        raise SigningFailed(
            _("This is not a PKCS#12 (.p12/.pfx) file, or the password is wrong."), field="file"
        ) from None
    if key is None or certificate is None:
        raise SigningFailed(_("The file must hold a private key and its certificate."), field="file")
    return describe(certificate)


def describe(certificate: x509.Certificate) -> CertificateInfo:
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial_number=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


@dataclass(frozen=True)
class _Bundle:
    data: bytes
    password: str
    info: CertificateInfo


def _company_bundle(company: Company) -> _Bundle | None:
    stored = SigningCertificate.objects.filter(company=company).first()
    if stored is None:
        return None
    with stored.file.open("rb") as handle:
        data = decrypt(handle.read())
    password = decrypt(stored.password_encrypted).decode()
    return _Bundle(data, password, read_bundle(data, password))


def _environment_bundle() -> _Bundle | None:
    path = getattr(settings, "TANDEM_SIGNING_P12", "")
    if not path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    password = getattr(settings, "TANDEM_SIGNING_P12_PASSWORD", "")
    try:
        return _Bundle(data, password, read_bundle(data, password))
    except SigningFailed:
        return None


def bundle_for(company: Company) -> _Bundle | None:
    """The company's uploaded certificate, else the one configured by environment."""
    return _company_bundle(company) or _environment_bundle()


def certificate_info(company: Company) -> tuple[CertificateInfo, str] | None:
    """The certificate that would sign for ``company`` and where it comes from."""
    stored = _company_bundle(company)
    if stored is not None:
        return stored.info, "upload"
    configured = _environment_bundle()
    return (configured.info, "environment") if configured is not None else None


def can_sign(company: Company) -> bool:
    """Whether a usable (readable, currently valid) certificate exists for ``company``."""
    try:
        found = bundle_for(company)
    except SigningFailed:
        return False
    return found is not None and not found.info.expired and not found.info.not_yet_valid


def sign_pdf(pdf: bytes, company: Company, *, reason: str = "", location: str = "") -> bytes:
    """``pdf`` with a PAdES (B-B) signature by the company's certificate, as a new revision."""
    found = bundle_for(company)
    if found is None:
        raise SigningFailed(_("No signing certificate is configured for %(company)s.") % {"company": company})
    if found.info.expired or found.info.not_yet_valid:
        raise SigningFailed(_("The signing certificate is not valid today."))
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(
            found.data, other_certs=[], passphrase=found.password.encode() or None
        )
    except ValueError:
        raise SigningFailed(_("The signing certificate cannot be opened.")) from None
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=company.name,
        reason=reason or None,
        location=location or None,
    )
    output = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), metadata, signer=signer, output=output)
    return output.getvalue()
