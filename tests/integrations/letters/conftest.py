"""Fixtures of the document template tests: those of the PDF renderer and signing tests
(a letterhead company, a partner with a contact, a signing certificate), and a template."""

from __future__ import annotations

import pytest

from tandem.core.models import Company, User
from tandem.integrations.letters import services as letters
from tandem.integrations.letters.models import DocumentTemplate
from tests.core.documents.conftest import (  # noqa: F401 (fixtures)
    _media_in_tmp,
    certificates,
    contact,
    customer,
    letterhead_company,
)


@pytest.fixture
def letter(letterhead_company: Company, manager: User) -> DocumentTemplate:  # noqa: F811 (the fixture)
    return letters.create_template(
        letterhead_company,
        manager,
        name="Welcome letter",
        kind="letter",
        language="en",
        subject="Welcome, {{ partner.name }}",
        body=(
            "Dear {{ contact.name or partner.name }},\n\n"
            "thank you for choosing {{ company.name }}. 谢谢！\n"
            "Your address: {{ partner.address }}\n\n"
            "{{ user.name }}"
        ),
    )
