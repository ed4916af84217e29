"""User-edited templates run in a sandbox: only the offered fields, no calls, no files, bounded work."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.integrations.letters import sandbox
from tandem.integrations.letters.sandbox import Group, TemplateFailed

CONTEXT = {
    "partner": Group("partner", {"name": "Acme <b>&</b>", "city": "Kraków"}),
    "contact": Group("contact", {"name": ""}),
}


def render(source: str) -> str:
    return str(sandbox.paragraphs(sandbox.render_text(source, CONTEXT)))


def test_merge_fields_conditions_and_loops_render_as_escaped_paragraphs() -> None:
    source = (
        "Dear {{ contact.name or partner.name }},\n\n"
        "{% if partner.city %}see you in {{ partner.city|upper }}{% endif %}\n"
        "{% for letter in 'ab' %}{{ loop.index }}{{ letter }}{% endfor %} <i>literal</i>"
    )
    assert render(source) == (
        "<p>Dear Acme &lt;b&gt;&amp;&lt;/b&gt;,</p>"
        "<p>see you in KRAKÓW<br>1a2b &lt;i&gt;literal&lt;/i&gt;</p>"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ ''.__class__.__mro__ }}", "“__class__” cannot be used here; only the offered merge fields can"),
        ("{{ partner.__class__ }}", "“partner.__class__” is not a merge field"),
        ("{{ partner['__init__'] }}", "“partner.__init__” is not a merge field"),
        ("{{ partner.items }}", "“partner.items” is not a merge field"),
        ("{{ partner.delete() }}", "Calling functions or methods is not allowed"),
        ("{{ partner.name.upper() }}", "Calling functions or methods is not allowed"),
        ("{{ range(10**9)|list }}", "Calling functions or methods is not allowed"),
        ("{% include '/etc/passwd' %}", "Including other templates is not allowed"),
        ("{% import 'x.html' as x %}", "Importing templates is not allowed"),
        ("{% from 'x.html' import y %}", "Importing templates is not allowed"),
        ("{% extends '/etc/passwd' %}", "Extending other templates is not allowed"),
        ("{% macro m() %}x{% endmacro %}", "Macros are not allowed"),
        (
            "{% autoescape false %}{{ partner.name }}{% endautoescape %}",
            "Switching escaping off is not allowed",
        ),
        ("{{ config }}", "“config” is not a merge field"),
        ("{{ settings.SECRET_KEY }}", "“settings” is not a merge field"),
        ("{{ request }}", "“request” is not a merge field"),
        ("{{ lipsum }}", "“lipsum” is not a merge field"),
        ("{{ partner.nmae }}", "“partner.nmae” is not a merge field"),
        ("{{ partner.name|safe }}", "There is no filter “safe”"),
        ("{{ partner|attr('__class__') }}", "There is no filter “attr”"),
        ("{{ 'x'|center(999999999) }}", "There is no filter “center”"),
        ("{{ '%0999999999d' % 1 }}", "Formatting text with “%” is not allowed"),
        ("{{ 'x' * 999999999 }}", "The result would be too long"),
        ("{{ [1] * 999999999 }}", "The result would be too long"),
        ("{{ 2 ** 100000 }}", "The exponent is too large"),
        (
            "{% for a in 'ab' %}{% for b in 'ab' %}{% for c in 'ab' %}{% endfor %}{% endfor %}{% endfor %}",
            "Loops may be nested at most 2 deep",
        ),
        ("{% set s = 'x' * 50000 %}{% for a in s %}{{ s }}{% endfor %}", "The document would be too long"),
        ("x" * (sandbox.MAX_SOURCE + 1), "The template is too long"),
    ],
)
def test_escapes_are_refused_with_a_clear_message(source: str, message: str) -> None:
    with pytest.raises(TemplateFailed) as failure:
        render(source)
    assert message in failure.value.message


def test_an_endless_loop_stops_at_the_time_limit(settings: Any) -> None:
    settings.TANDEM_DOCUMENTS_RENDER_SECONDS = 0.2
    source = "{% set s = 'x' * 90000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}done"
    with pytest.raises(TemplateFailed) as failure:
        render(source)
    assert "took too long" in failure.value.message


def test_errors_name_their_line() -> None:
    with pytest.raises(TemplateFailed) as syntax:
        render("Dear customer,\n\n{% if %}\nthe end")
    assert syntax.value.line == 3
    assert syntax.value.message.startswith("Line 3: The template has a syntax error")

    with pytest.raises(TemplateFailed) as unknown:
        render("one\ntwo\n{{ partner.vat }}")
    assert unknown.value.line == 3
    assert unknown.value.message == "Line 3: “partner.vat” is not a merge field."


def test_the_trace_function_in_place_before_is_restored() -> None:
    import sys

    def tracer(*args: Any) -> None:
        return None

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        render("{{ partner.name }}")
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(before)
