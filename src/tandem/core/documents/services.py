"""Documents: the PDF renderer every domain uses, and signatures.

Other domains call::

    from tandem.core.documents import services as documents

    pdf = documents.render_pdf("sales/documents/quotation.html", context, company=c, language="pl")
    if documents.can_sign(c):
        pdf = documents.sign_pdf(pdf, c)

User-edited templates with merge fields sit higher, in :mod:`tandem.integrations.letters`.
Writes here follow the platform's shape: atomic, validate, write, record an event, return.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.documents.models import SigningCertificate
from tandem.core.documents.pdf import render_html, render_pdf
from tandem.core.documents.signing import (
    SigningFailed,
    can_sign,
    certificate_info,
    encrypt,
    read_bundle,
    sign_pdf,
)
from tandem.core.errors import BusinessError
from tandem.core.models import Company, User

__all__ = [
    "SigningFailed",
    "can_sign",
    "certificate_info",
    "remove_certificate",
    "render_html",
    "render_pdf",
    "sign_pdf",
    "upload_certificate",
]

SIGN_PERMISSION = "documents.sign_document"
LETTER_TEMPLATE = "documents/letter.html"


# --- the signing certificate ----------------------------------------------------------


@transaction.atomic
def upload_certificate(
    company: Company, actor: User | None, *, content: bytes, password: str, file_name: str = "certificate.p12"
) -> SigningCertificate:
    """Store (or replace) the company's PKCS#12 bundle, encrypted, after checking it opens."""
    info = read_bundle(content, password)
    if info.expired:
        raise SigningFailed(_("This certificate has expired."), field="file")
    existing = SigningCertificate.objects.select_for_update().filter(company=company).first()
    if existing is not None:
        old_name, storage = existing.file.name, existing.file.storage
        existing.delete()
        transaction.on_commit(lambda: storage.delete(old_name))
    stored = SigningCertificate(
        company=company,
        password_encrypted=encrypt(password.encode()),
        subject=info.subject[:500],
        issuer=info.issuer[:500],
        serial_number=info.serial_number[:100],
        not_before=info.not_before,
        not_after=info.not_after,
        uploaded_by=actor,
    )
    stored.file.save(f"{company.code}.p12.enc", ContentFile(encrypt(content)), save=False)
    stored.save()
    events.record(
        "signing_certificate.uploaded",
        stored,
        actor,
        {"subject": info.subject, "valid_until": info.not_after.isoformat(), "file": file_name[:200]},
        company=company,
    )
    return stored


@transaction.atomic
def remove_certificate(company: Company, actor: User | None) -> None:
    stored = SigningCertificate.objects.select_for_update().filter(company=company).first()
    if stored is None:
        raise BusinessError(_("No certificate is uploaded for this company."))
    events.record("signing_certificate.removed", stored, actor, {"subject": stored.subject}, company=company)
    name = stored.file.name
    storage = stored.file.storage
    stored.delete()
    transaction.on_commit(lambda: storage.delete(name))
