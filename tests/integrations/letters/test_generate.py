"""Writing a document to a partner: preview, PDF kept as an attachment, timeline entry, signing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core import roles
from tandem.core.attachments.models import Attachment
from tandem.core.documents import services as documents
from tandem.core.models import Company, Event, User
from tandem.crm import targets
from tandem.integrations.letters import services as letters
from tandem.integrations.letters.models import DocumentTemplate
from tandem.partners.models import Partner
from tests.core.documents.conftest import Certificates, pdf_text

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(partner: Partner) -> str:
    return f"{reverse('letters:generate')}?partner={partner.pk}"


def test_generate_keeps_the_pdf_on_the_partner_and_its_timeline(
    salesperson: User, customer: Partner, contact: Partner, letter: DocumentTemplate, tmp_path: Any
) -> None:
    client = _client(salesperson)
    page = client.get(_url(customer)).content.decode()
    assert "Welcome letter" in page
    assert "Jan Kowalski" in page
    assert 'name="sign"' not in page  # no certificate: no signing option

    response = client.post(
        _url(customer), {"template": letter.pk, "contact": contact.pk, "action": "generate"}
    )

    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    attachment = Attachment.objects.get()
    assert attachment.object_id == str(customer.pk)
    assert attachment.name.startswith("welcome-letter-acme-trading-")
    assert attachment.name.endswith(".pdf")
    with attachment.file.open("rb") as handle:
        text = pdf_text(handle.read(), tmp_path)
    assert "Welcome, Acme Trading" in text
    assert "Dear Jan Kowalski," in text
    assert "thank you for choosing Tandem Furniture. 谢谢！" in text
    assert "Main Street 1, 30-001 Kraków, Poland" in text
    assert "IBAN: PL61109010140000071219812874" in text  # the letterhead

    generated = Event.objects.get(name="document.generated")
    assert generated.partner_id == customer.pk
    assert generated.actor == salesperson
    assert generated.data["attachment_id"] == attachment.pk
    assert generated.data["template"] == "Welcome letter"
    assert generated.data["signed"] is False
    timeline = client.get(customer.get_absolute_url()).content.decode()
    assert "Write a document" in timeline  # the button on the partner card
    assert Event.objects.filter(name="attachment.added", partner_id=customer.pk).exists()


def test_preview_fills_the_fields_without_writing(
    salesperson: User, customer: Partner, contact: Partner, letter: DocumentTemplate
) -> None:
    response = _client(salesperson).post(
        _url(customer),
        {"template": letter.pk, "contact": contact.pk, "action": "preview"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "Welcome, Acme Trading" in page
    assert "Dear Jan Kowalski," in page
    assert not Attachment.objects.exists()
    assert not Event.objects.filter(name="document.generated").exists()


def test_a_partner_the_user_cannot_see_gives_404(
    other_salesperson: User, customer: Partner, letter: DocumentTemplate
) -> None:
    client = _client(other_salesperson)  # customer belongs to another salesperson
    assert client.get(_url(customer)).status_code == 404
    assert client.post(_url(customer), {"template": letter.pk, "action": "generate"}).status_code == 404
    assert not Attachment.objects.exists()


def test_a_user_of_another_company_gets_404(
    other_company: Company, make_user: Any, customer: Partner, letter: DocumentTemplate
) -> None:
    elsewhere = make_user("eve", roles.SALES_MANAGER, company=other_company)
    client = _client(elsewhere)
    assert client.get(_url(customer)).status_code == 404
    assert client.post(_url(customer), {"template": letter.pk, "action": "generate"}).status_code == 404
    assert not Attachment.objects.exists()


def test_a_user_without_the_right_is_refused(
    make_user: Any, customer: Partner, letter: DocumentTemplate
) -> None:
    keeper = make_user("wanda", roles.WAREHOUSE)  # sees partners, may not write documents
    assert (
        _client(keeper).post(_url(customer), {"template": letter.pk, "action": "generate"}).status_code == 403
    )
    assert "Write a document" not in _client(keeper).get(customer.get_absolute_url()).content.decode()
    assert not Attachment.objects.exists()


def test_bad_input_gets_a_clear_error_and_writes_nothing(
    manager: User,
    salesperson: User,
    customer: Partner,
    contact: Partner,
    letter: DocumentTemplate,
    other_company: Company,
    make_partner: Any,
) -> None:
    client = _client(salesperson)
    assert client.get(f"{reverse('letters:generate')}?partner=abc").status_code == 404
    assert client.get(reverse("letters:generate")).status_code == 404

    foreign = letters.create_template(
        other_company,
        None,
        name="Theirs",
        kind="letter",
        language="en",
        subject="",
        body="Hello",
        active=True,
    )
    stranger = make_partner("Someone else", kind="person", owner=salesperson)
    for data in [
        {"action": "generate"},  # no template
        {"template": foreign.pk, "action": "generate"},  # another company's template
        {"template": letter.pk, "contact": stranger.pk, "action": "generate"},  # not this partner's person
    ]:
        response = client.post(_url(customer), data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode() or "This field is required" in (
            response.content.decode()
        )

    letters.create_template(
        customer.company,
        manager,
        name="Other",
        kind="letter",
        language="en",
        subject="",
        body="Hi",
        active=True,
    )
    archived = letters.update_template(letter, manager, active=False)
    response = client.post(_url(customer), {"template": archived.pk, "action": "generate"})
    assert "Select a valid choice" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not Event.objects.filter(name="document.generated").exists()


def test_the_service_refuses_mismatched_records(
    manager: User, customer: Partner, letter: DocumentTemplate, other_company: Company, make_partner: Any
) -> None:
    from tandem.core.errors import BusinessError

    foreign = letters.create_template(
        other_company,
        None,
        name="Theirs",
        kind="letter",
        language="en",
        subject="",
        body="Hello",
        active=True,
    )
    stranger = make_partner("Lone person", kind="person")
    with pytest.raises(BusinessError, match="another company"):
        letters.generate_for_partner(customer, foreign, actor=manager)
    with pytest.raises(BusinessError, match="must belong to this partner"):
        letters.generate_for_partner(customer, letter, actor=manager, contact=stranger)
    assert not Attachment.objects.exists()


def test_signing_is_offered_with_a_certificate_and_signs(
    manager: User,
    salesperson: User,
    admin: User,
    customer: Partner,
    letter: DocumentTemplate,
    certificates: Certificates,
    settings: Any,
) -> None:
    settings.TANDEM_SIGNING_P12 = ""
    # Anna leads Sam's team: the customer is Sam's (issue 16: a manager sees the team's).
    targets.create_team(customer.company, None, name="North", leader=manager, members=[salesperson])
    documents.upload_certificate(
        customer.company, admin, content=certificates.p12, password=certificates.password
    )
    assert 'name="sign"' in _client(manager).get(_url(customer)).content.decode()
    # A salesperson may write documents but not sign in the company's name.
    assert 'name="sign"' not in _client(salesperson).get(_url(customer)).content.decode()

    response = _client(manager).post(
        _url(customer), {"template": letter.pk, "sign": "on", "action": "generate"}
    )

    assert response.status_code == 302
    with Attachment.objects.get().file.open("rb") as handle:
        assert b"/ETSI.CAdES.detached" in handle.read()
    assert Event.objects.get(name="document.generated").data["signed"] is True
