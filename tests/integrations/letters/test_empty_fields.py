"""A merge field that renders empty is marked in the preview and warned about before a PDF is made."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core.attachments.models import Attachment
from tandem.core.models import User
from tandem.integrations.letters import sandbox
from tandem.integrations.letters import services as letters
from tandem.integrations.letters.models import DocumentTemplate
from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db


def test_printed_fields_leave_out_what_the_template_guards() -> None:
    source = (
        "{{ partner.name }} {{ contact.name or partner.name }}\n"
        "{% if partner.vat_id %}VAT {{ partner.vat_id }}{% else %}{{ partner.tax_id }}{% endif %}\n"
        "{{ partner.phone if partner.phone else company.phone }} {{ partner.email | default('-', true) }}"
    )
    assert sandbox.printed_fields(source) == [
        ("partner.name",),
        ("contact.name", "partner.name"),
        ("partner.tax_id",),
        ("company.phone",),
    ]


@pytest.fixture
def offer(letterhead_company: object, manager: User) -> DocumentTemplate:
    return letters.create_template(
        letterhead_company,  # type: ignore[arg-type]
        manager,
        name="Offer",
        kind="offer",
        language="en",
        subject="Offer for {{ partner.name }}",
        body="Dear {{ contact.name or partner.name }},\nyour tax ID: {{ partner.tax_id }}",
    )


def _url(partner: Partner) -> str:
    return f"{reverse('letters:generate')}?partner={partner.pk}"


def test_the_preview_marks_an_empty_field_and_names_it(
    salesperson: User, customer: Partner, offer: DocumentTemplate
) -> None:
    client = Client()
    client.force_login(salesperson)
    page = client.post(
        _url(customer), {"template": offer.pk, "action": "preview"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "These merge fields are empty for this document:" in page
    assert "<code>partner.tax_id</code>" in page
    assert '<mark class="merge-empty" title="Empty for this document">partner.tax_id</mark>' in page
    assert "Dear Acme Trading," in page  # the contact is empty but the partner's name stands in


def test_a_pdf_with_empty_fields_asks_first_then_is_made_on_confirmation(
    salesperson: User, customer: Partner, offer: DocumentTemplate
) -> None:
    client = Client()
    client.force_login(salesperson)
    response = client.post(_url(customer), {"template": offer.pk, "action": "generate"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="empty-merge-fields"' in page and "<code>partner.tax_id</code>" in page
    assert 'name="confirm_empty"' in page
    assert not Attachment.objects.exists()

    confirmed = client.post(_url(customer), {"template": offer.pk, "confirm_empty": "1"})
    assert confirmed.status_code == 302
    assert Attachment.objects.count() == 1


def test_the_service_refuses_empty_fields_unless_allowed(
    manager: User, customer: Partner, offer: DocumentTemplate
) -> None:
    with pytest.raises(letters.EmptyMergeFields) as refused:
        letters.generate_pdf(customer, offer, actor=manager, allow_empty_fields=False)
    assert refused.value.fields == ("partner.tax_id",)
    customer.tax_id = "PL1234567890"
    customer.save()
    rendered = letters.render_template(offer, user=manager, partner=customer)
    assert rendered.empty_fields == ()
