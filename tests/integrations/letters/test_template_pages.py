"""Document templates in the UI: who edits them, company walls, errors shown on the form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core import roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.integrations.letters import services as letters
from tandem.integrations.letters.models import DocumentTemplate

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _fields(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Offer letter",
        "kind": "offer",
        "language": "pl",
        "subject": "Oferta dla {{ partner.name }}",
        "body": "Szanowni Państwo,\n\n{{ company.name }} ma przyjemność…",
        "active": "on",
        **overrides,
    }


@pytest.mark.parametrize("role_user", ["admin", "manager"])
def test_administrators_and_sales_managers_create_and_edit_templates(
    role_user: str, request: pytest.FixtureRequest, company: Company
) -> None:
    user: User = request.getfixturevalue(role_user)
    client = _client(user)

    response = client.post(reverse("letters:create"), _fields())
    template = DocumentTemplate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == template.get_absolute_url()
    assert (template.company, template.kind, template.language) == (company, "offer", "pl")
    assert Event.objects.filter(name="document_template.created", subject_id=str(template.pk)).exists()

    response = client.post(
        reverse("letters:edit", args=[template.pk]), _fields(name="Offer", version=template.version)
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "Offer"
    assert Event.objects.filter(name="document_template.updated").exists()

    page = client.get(template.get_absolute_url()).content.decode()
    assert "Oferta dla [partner.name]" in page  # the sample preview

    listing = client.get(reverse("letters:list")).content.decode()
    assert "Offer" in listing


def test_a_syntax_error_is_shown_on_the_form_with_its_line_and_nothing_is_written(manager: User) -> None:
    response = _client(manager).post(
        reverse("letters:create"), _fields(body="Dear {{ partner.name }},\n\n{% if partner.name %}\nno end")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 3: The template has a syntax error" in page
    assert not DocumentTemplate.objects.exists()
    assert not Event.objects.filter(name="document_template.created").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ partner.delete() }}", "Calling functions or methods is not allowed"),
        ("{% include '/etc/passwd' %}", "Including other templates is not allowed"),
        ("{{ config }}", "“config” is not a merge field"),
        ("{{ ''.__class__.__mro__ }}", "cannot be used here"),
    ],
)
def test_sandbox_escapes_are_refused_on_the_form(manager: User, body: str, message: str) -> None:
    response = _client(manager).post(reverse("letters:create"), _fields(body=body))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_an_unknown_field_in_the_subject_is_reported_on_the_subject(manager: User, company: Company) -> None:
    with pytest.raises(ValidationFailed) as failure:
        letters.create_template(
            company, manager, **{**_fields(subject="Hi {{ partner.nam }}"), "active": True}
        )
    assert failure.value.errors == {"subject": ["Line 1: “partner.nam” is not a merge field."]}


def test_the_preview_shows_sample_values_or_the_error(manager: User) -> None:
    client = _client(manager)
    url = reverse("letters:template_preview")
    ok = client.post(url, {"subject": "Hi", "body": "Dear {{ contact.name }} <b>", "language": "en"})
    assert "Dear [contact.name] &lt;b&gt;" in ok.content.decode()
    bad = client.post(url, {"subject": "", "body": "{{ partner.phone() }}", "language": "en"})
    assert "Calling functions or methods is not allowed" in bad.content.decode()


def test_salespeople_read_templates_but_do_not_edit_them(
    salesperson: User, manager: User, company: Company
) -> None:
    template = letters.create_template(company, manager, **{**_fields(), "active": True})
    client = _client(salesperson)
    assert client.get(reverse("letters:list")).status_code == 200
    assert client.get(template.get_absolute_url()).status_code == 200
    assert client.get(reverse("letters:create")).status_code == 403
    assert client.post(reverse("letters:create"), _fields(name="Mine")).status_code == 403
    assert (
        client.post(reverse("letters:edit", args=[template.pk]), _fields(name="Changed")).status_code == 403
    )
    template.refresh_from_db()
    assert template.name == "Offer letter"
    assert DocumentTemplate.objects.count() == 1


def test_a_warehouse_user_does_not_see_templates(make_user: Any) -> None:
    keeper = make_user("wanda", roles.WAREHOUSE)
    assert _client(keeper).get(reverse("letters:list")).status_code == 403


def test_another_companys_templates_are_invisible(
    manager: User, company: Company, other_company: Company, make_user: Any
) -> None:
    ours = letters.create_template(company, manager, **{**_fields(), "active": True})
    elsewhere = make_user("eve", roles.SALES_MANAGER, company=other_company)
    client = _client(elsewhere)
    assert "Offer letter" not in client.get(reverse("letters:list")).content.decode()
    assert client.get(ours.get_absolute_url()).status_code == 404
    assert client.post(reverse("letters:edit", args=[ours.pk]), _fields(name="Stolen")).status_code == 404
    ours.refresh_from_db()
    assert ours.name == "Offer letter"


def test_the_same_name_and_language_twice_is_refused(manager: User, company: Company) -> None:
    letters.create_template(company, manager, **{**_fields(), "active": True})
    response = _client(manager).post(reverse("letters:create"), _fields())
    assert "already exists" in response.content.decode()
    assert DocumentTemplate.objects.count() == 1
