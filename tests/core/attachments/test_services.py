"""Files on any record: the content must match its type, within the size limit; never a program."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tandem.core.attachments import services as attachments
from tandem.core.attachments.checks import clean_name
from tandem.core.attachments.config import default_storage, max_upload_bytes
from tandem.core.attachments.models import Attachment
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.partners.models import Partner
from tandem.partners.queries import timeline
from tests.core.attachments.conftest import CSV, ELF, PDF, PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(make_partner: Callable[..., Partner], salesperson: User) -> Partner:
    return make_partner("Kowalski Sp. z o.o.", owner=salesperson)


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["name", "city"])  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_only(value: object) -> str:
    """A test's id from its text arguments, not the file's bytes: a workbook's zip carries the
    second it was made, and xdist workers that collect a second apart must name the same tests."""
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize(
    ("name", "content", "declared", "stored_as"),
    [
        ("offer.pdf", PDF, "application/pdf", "application/pdf"),
        ("logo.png", PNG, None, "image/png"),
        ("clients.csv", CSV, "text/csv", "text/csv"),
        ("notes.txt", "Zamówienie nr 5\n".encode("cp1250"), None, "text/plain"),
        ("README", b"plain words", None, "text/plain"),
        ("prices.xlsx", _xlsx(), None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("scan.PNG", PNG, "application/octet-stream", "image/png"),
    ],
    ids=_text_only,
)
def test_files_whose_content_matches_are_stored(
    partner: Partner,
    salesperson: User,
    media_root: Path,
    name: str,
    content: bytes,
    declared: str | None,
    stored_as: str,
) -> None:
    attachment = attachments.attach(
        partner, name=name, content=content, actor=salesperson, content_type=declared
    )
    assert attachment.mime_type == stored_as
    assert attachment.size == len(content) and attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.company == partner.company and attachment.uploaded_by == salesperson
    assert attachment.record == partner
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(media_root) and stored.read_bytes() == content
    assert name not in stored.name  # a person's file name never becomes a path
    assert list(attachments.for_record(partner)) == [attachment]


def test_adding_a_file_joins_the_record_history_and_the_partner_timeline(
    partner: Partner, salesperson: User
) -> None:
    attachment = attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)
    event = Event.objects.get(name="attachment.added")
    assert event.partner_id == partner.pk and event.actor == salesperson and event.company == partner.company
    assert event.data["name"] == "offer.pdf" and event.data["attachment"] == attachment.pk
    assert event in list(timeline(partner))


@pytest.mark.parametrize(
    ("name", "content", "declared", "reason"),
    [
        ("offer.pdf", PNG, None, "does not match"),  # a PNG named .pdf
        ("offer.pdf", PDF, "image/png", "does not match"),  # the declared type lies
        ("report.pdf", ELF, None, "program"),  # an ELF binary in disguise
        ("tool", ELF, None, "program"),
        ("setup.exe", b"MZ" + b"\x00" * 200, None, "program"),
        ("run.sh", b"echo hi\n", None, "program"),
        ("notes.txt", b"#!/bin/sh\nrm -rf /\n", None, "program"),
        ("macho", b"\xcf\xfa\xed\xfe" + b"\x00" * 64, None, "program"),
        ("data.csv", b"a,b\x00\x01\x02", None, "not a file type"),
        ("photo.jpg", b"just some text", None, "plain text"),
        ("empty.pdf", b"", None, "empty"),
    ],
    ids=_text_only,
)
def test_files_that_are_not_what_they_claim_are_refused_and_nothing_is_written(
    partner: Partner,
    salesperson: User,
    media_root: Path,
    name: str,
    content: bytes,
    declared: str | None,
    reason: str,
) -> None:
    with pytest.raises(ValidationFailed) as error:
        attachments.attach(partner, name=name, content=content, actor=salesperson, content_type=declared)
    assert reason in error.value.message
    assert not Attachment.objects.exists() and not Event.objects.filter(name="attachment.added").exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_the_size_limit(partner: Partner, salesperson: User, settings: Any) -> None:
    settings.TANDEM_ATTACHMENT_MAX_BYTES = len(PDF) - 1
    with pytest.raises(ValidationFailed, match="at most"):
        attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)
    settings.TANDEM_ATTACHMENT_MAX_BYTES = len(PDF)
    attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)


def test_a_record_without_a_company_cannot_carry_files(salesperson: User) -> None:
    with pytest.raises(ValidationFailed):
        attachments.attach(salesperson, name="a.txt", content=b"hi", actor=salesperson)


def test_removing_deletes_the_file_after_commit_and_records_it(
    partner: Partner, manager: User, salesperson: User, django_capture_on_commit_callbacks: Any
) -> None:
    attachment = attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)
    path = Path(attachment.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        attachments.remove(attachment, manager)
    assert not path.exists() and not Attachment.objects.exists()
    event = Event.objects.get(name="attachment.removed")
    assert event.partner_id == partner.pk and event.data["name"] == "offer.pdf" and event.actor == manager


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\jan\\offer.pdf", "offer.pdf"),
        ("bad\x00name\n.txt", "bad_name_.txt"),
        ("   ", "file"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
        ("Zamówienie 5.pdf", "Zamówienie 5.pdf"),
    ],
)
def test_file_names_are_cleaned(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


def test_storage_is_the_data_directory_by_default_and_s3_when_configured() -> None:
    assert default_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    s3 = default_storage(
        {
            "TANDEM_S3_BUCKET": "tandem-files",
            "TANDEM_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "TANDEM_S3_ACCESS_KEY": "key",
            "TANDEM_S3_SECRET_KEY": "secret",
            "TANDEM_S3_REGION": "eu-central-1",
        }
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"] == {
        "bucket_name": "tandem-files",
        "endpoint_url": "http://127.0.0.1:9000",
        "access_key": "key",
        "secret_key": "secret",
        "region_name": "eu-central-1",
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
        "location": "",
    }
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**s3["OPTIONS"])  # django-storages accepts every option (no network yet)
    assert storage.bucket_name == "tandem-files"


def test_the_size_limit_setting(settings: Any) -> None:
    assert max_upload_bytes({}) == 25 * 1024 * 1024
    assert max_upload_bytes({"TANDEM_ATTACHMENT_MAX_MB": "2"}) == 2 * 1024 * 1024
    with pytest.raises(ValueError, match="positive"):
        max_upload_bytes({"TANDEM_ATTACHMENT_MAX_MB": "0"})


def test_company_is_taken_from_the_record(partner: Partner, company: Company, salesperson: User) -> None:
    assert attachments.attach(partner, name="a.txt", content=b"hi", actor=salesperson).company == company
