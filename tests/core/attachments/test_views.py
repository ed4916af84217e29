"""Upload, download and remove on detail pages: only for people who can see (and change) the record."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.attachments import services as attachments
from tandem.core.attachments.models import Attachment
from tandem.core.models import Company, Event, Uom, User
from tandem.crm import targets
from tandem.partners.models import Partner
from tests.core.attachments.conftest import ELF, PDF, PNG
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(make_partner: Callable[..., Partner], salesperson: User) -> Partner:
    return make_partner("Kowalski Sp. z o.o.", owner=salesperson)


@pytest.fixture
def stranger(make_user: Callable[..., User], other_company: Company) -> User:
    """A sales manager of another company: sees partners there, none here."""
    return make_user("stranger", roles.SALES_MANAGER, company=other_company)


def _upload_url(record: Any) -> str:
    return reverse("attachments:upload", args=[ContentType.objects.get_for_model(record).pk, record.pk])


def _upload(client: Client, record: Any, name: str = "offer.pdf", content: bytes = PDF, **extra: Any) -> Any:
    declared = mimetypes.guess_type(name)[0] or "application/octet-stream"  # as a browser would
    return client.post(_upload_url(record), {"file": SimpleUploadedFile(name, content, declared)}, **extra)


def test_the_panel_is_on_the_partner_detail_page(partner: Partner, salesperson: User) -> None:
    attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)
    page = signed_in(salesperson).get(partner.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    assert "attachments-panel" in page and "offer.pdf" in page
    assert (
        _upload_url(partner) in page and 'enctype="multipart/form-data"' in page and "data-dropzone" in page
    )
    assert "attachments/attachments.js" in page


def test_the_owner_uploads_downloads_and_removes(partner: Partner, salesperson: User) -> None:
    client = signed_in(salesperson)
    response = _upload(client, partner)
    assert response.status_code == 302 and response["Location"] == partner.get_absolute_url()  # type: ignore[attr-defined]
    attachment = Attachment.objects.get()
    assert attachment.name == "offer.pdf" and attachment.uploaded_by == salesperson

    download = client.get(reverse("attachments:download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert (
        download["Content-Disposition"].startswith("attachment;")
        and "offer.pdf" in download["Content-Disposition"]
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"

    assert client.post(reverse("attachments:remove", args=[attachment.pk])).status_code == 302
    assert not Attachment.objects.exists()


def test_another_salesperson_and_another_company_get_404(
    partner: Partner, salesperson: User, other_salesperson: User, stranger: User
) -> None:
    attachment = attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)
    for user in (other_salesperson, stranger):
        client = signed_in(user)
        assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 404
        assert client.post(reverse("attachments:remove", args=[attachment.pk])).status_code == 404
        assert _upload(client, partner).status_code == 404
    assert Attachment.objects.count() == 1


def test_the_manager_sees_uploads_and_removes_anyones_files(
    partner: Partner, salesperson: User, manager: User
) -> None:
    # Anna leads Sam's team: she sees his customer (issue 16: a manager sees the team's).
    targets.create_team(partner.company, None, name="North", leader=manager, members=[salesperson])
    attachment = attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)
    client = signed_in(manager)
    assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 200
    assert _upload(client, partner, "logo.png", PNG).status_code == 302
    assert client.post(reverse("attachments:remove", args=[attachment.pk])).status_code == 302
    assert list(Attachment.objects.values_list("name", flat=True)) == ["logo.png"]


def test_a_salesperson_cannot_remove_a_colleagues_file_on_a_shared_record(
    make_partner: Callable[..., Partner], salesperson: User, other_salesperson: User
) -> None:
    supplier = make_partner("Supplier", is_customer=False, is_supplier=True)  # unowned: everyone sees it
    attachment = attachments.attach(supplier, name="offer.pdf", content=PDF, actor=salesperson)
    client = signed_in(other_salesperson)
    assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 200
    assert client.post(reverse("attachments:remove", args=[attachment.pk])).status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    page = client.get(supplier.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    assert reverse("attachments:remove", args=[attachment.pk]) not in page


def test_who_may_only_view_a_record_downloads_but_does_not_upload(
    company: Company, manager: User, salesperson: User, pcs: Uom
) -> None:
    product: Product = create_product(company, manager, name="Chair", sku="CH-1", uom=pcs)
    attachment = attachments.attach(product, name="drawing.pdf", content=PDF, actor=manager)
    client = signed_in(salesperson)  # salespeople see products but do not change them
    page = client.get(product.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    assert "drawing.pdf" in page and _upload_url(product) not in page
    assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 200
    assert _upload(client, product).status_code == 403
    assert client.post(reverse("attachments:remove", args=[attachment.pk])).status_code == 403
    assert Attachment.objects.count() == 1


def test_anonymous_people_are_sent_to_sign_in(partner: Partner, salesperson: User) -> None:
    attachment = attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)
    response = Client().get(reverse("attachments:download", args=[attachment.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Client().post(_upload_url(partner), {}).status_code == 302


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.pdf", PNG, "does not match"),
        ("invoice.pdf", ELF, "program"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_bad_upload_shows_the_reason_and_writes_nothing(
    partner: Partner, salesperson: User, name: str, content: bytes, message: str
) -> None:
    response = _upload(signed_in(salesperson), partner, name, content, follow=True)
    assert message in response.content.decode()
    assert not Attachment.objects.exists() and not Event.objects.filter(name="attachment.added").exists()


def test_an_oversized_upload_is_refused_before_it_is_read(
    partner: Partner, salesperson: User, settings: Any
) -> None:
    settings.TANDEM_ATTACHMENT_MAX_BYTES = 10
    response = _upload(signed_in(salesperson), partner, follow=True)
    assert "at most" in response.content.decode()
    assert not Attachment.objects.exists()


def test_no_file_chosen(partner: Partner, salesperson: User) -> None:
    response = signed_in(salesperson).post(_upload_url(partner), {}, follow=True)
    assert "Choose a file" in response.content.decode()


def test_an_htmx_upload_returns_the_panel_with_the_outcome(partner: Partner, salesperson: User) -> None:
    client = signed_in(salesperson)
    response = _upload(client, partner, "logo.png", PNG, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "logo.png" in body and "Attached" in body
    bad = _upload(client, partner, "logo.pdf", PNG, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "does not match" in bad.content.decode()
    assert Attachment.objects.count() == 1


def test_unknown_record_types_and_ids_are_404(partner: Partner, salesperson: User) -> None:
    client = signed_in(salesperson)
    file = {"file": SimpleUploadedFile("a.pdf", PDF)}
    assert client.post(reverse("attachments:upload", args=[999999, partner.pk]), file).status_code == 404
    content_type = ContentType.objects.get_for_model(partner).pk
    assert client.post(reverse("attachments:upload", args=[content_type, "nope"]), file).status_code == 404
    assert client.post(reverse("attachments:upload", args=[content_type, 999999]), file).status_code == 404
    user_type = ContentType.objects.get_for_model(User).pk  # a model without record rules
    assert (
        client.post(reverse("attachments:upload", args=[user_type, salesperson.pk]), file).status_code == 404
    )
    assert client.get(reverse("attachments:download", args=[999999])).status_code == 404


def test_downloads_and_removal_need_the_right_method(partner: Partner, salesperson: User) -> None:
    attachment = attachments.attach(partner, name="offer.pdf", content=PDF, actor=salesperson)
    client = signed_in(salesperson)
    assert client.get(reverse("attachments:remove", args=[attachment.pk])).status_code == 405
    assert client.get(_upload_url(partner)).status_code == 405
