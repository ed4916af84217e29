"""Template bombs: a few hundred bytes of template must not build gigabytes or run past the limit.

The sandbox sizes the filters and operators that can grow a value before they run; whatever
still grows (concatenation with ``~``, a long call the clock cannot interrupt) is stopped by
the limited child process each render runs in. Only the roles that edit templates may preview
a template they typed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core.models import User
from tandem.integrations.letters import sandbox
from tandem.integrations.letters.sandbox import Group, TemplateFailed
from tests.security.costs import measure

CONTEXT = {"partner": Group("partner", {"name": "Acme"})}
REFUSAL_MEMORY_MB = 100  # a document is at most 100,000 characters

# ~200 bytes that made a 10⁹-character string (1.22 GB) as a salesperson.
CHAINED_REPLACE = "{{ 'aaaaaaaaaa'" + "|replace('a','aaaaaaaaaa')" * 8 + " }}"
GROWERS = [
    pytest.param(CHAINED_REPLACE, id="chained-replace"),
    pytest.param("{{ ('x' * 90000)|replace('', 'y' * 90000) }}", id="replace-between-every-letter"),
    pytest.param("{% set s = ('x' * 90000)|list %}{{ [s, s, s]|sum(start=[])|join }}", id="sum-of-lists"),
    pytest.param("{% set s = 'x' * 90000 %}{{ [s, s, s, s]|join('y' * 90000) }}", id="join"),
    pytest.param("{% set s = 'x' * 90000 %}{% set s = s + s %}{{ s|length }}", id="plus"),
]


@pytest.mark.parametrize("source", GROWERS)
def test_growing_filters_and_operators_are_refused_before_they_grow(settings: Any, source: str) -> None:
    """In-process (no child): the sandbox's own checks stop the growth before it happens."""
    assert len(source) < 250
    settings.TANDEM_DOCUMENTS_RENDER_ISOLATED = False
    cost = measure(lambda: sandbox.render_text(source, CONTEXT), TemplateFailed)
    assert cost.refusal is not None
    assert "too long" in cost.refusal
    assert cost.peak_mb < REFUSAL_MEMORY_MB, cost


def test_a_number_multiplied_into_millions_of_digits_is_refused(settings: Any) -> None:
    """One multiplication of huge integers runs in C for seconds, unseen by the clock."""
    settings.TANDEM_DOCUMENTS_RENDER_ISOLATED = False
    source = "{% set n = 7 ** 60 %}" + "{% set n = n * n %}" * 26 + "{{ n > 1 }}"
    cost = measure(lambda: sandbox.render_text(source, CONTEXT), TemplateFailed)
    assert cost.refusal is not None
    assert "too large" in cost.refusal
    assert cost.cpu_seconds < 2


def test_concatenation_that_outgrows_the_memory_limit_is_stopped_by_the_child() -> None:
    """``~`` is not sized by the sandbox: the child's memory limit stops it, and the server
    process that asked for the render never holds the string."""
    doublings = "".join("{% set s = s ~ s %}" for _ in range(14))  # 90,000 × 2¹⁴ ≈ 1.5 × 10⁹
    source = "{% set s = 'x' * 90000 %}" + doublings + "{{ s|length }}"
    cost = measure(lambda: sandbox.render_text(source, CONTEXT), TemplateFailed)
    assert cost.refusal is not None
    assert "too much memory" in cost.refusal
    assert cost.peak_mb < REFUSAL_MEMORY_MB, cost


def test_a_render_past_the_time_limit_is_stopped(settings: Any) -> None:
    settings.TANDEM_DOCUMENTS_RENDER_SECONDS = 0.5
    source = "{% set s = 'x' * 90000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}done"
    with pytest.raises(TemplateFailed) as failure:
        sandbox.render_text(source, CONTEXT)
    assert "too long" in failure.value.message or "time" in failure.value.message


def test_errors_from_the_child_name_their_line() -> None:
    with pytest.raises(TemplateFailed) as unknown:
        sandbox.render_text("one\ntwo\n{{ partner.vat }}", CONTEXT)
    assert unknown.value.line == 3
    assert unknown.value.message == "Line 3: “partner.vat” is not a merge field."
    assert str(sandbox.render_text("Dear {{ partner.name }} <b>", CONTEXT)) == "Dear Acme &lt;b&gt;"


@pytest.mark.django_db
def test_only_the_roles_that_edit_templates_preview_one(salesperson: User, manager: User) -> None:
    url = reverse("letters:template_preview")
    data = {"subject": "Hi", "body": CHAINED_REPLACE, "language": "en"}
    seller = Client()
    seller.force_login(salesperson)
    assert seller.post(url, data).status_code == 403
    editor = Client()
    editor.force_login(manager)
    answer = editor.post(url, data)
    assert answer.status_code == 200
    assert "too long" in answer.content.decode()
