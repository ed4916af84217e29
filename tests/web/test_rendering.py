"""The Python-drawn select writes the HTML Django's own select templates write."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from tandem.web.rendering import FormRenderer

CHOICES = [
    ("", "—"),
    ("si", "Slovenia"),
    ("x", '<script>alert("x")</script> & "quotes"'),
    ("Europe", [("pl", "Poland"), ("de", "Germany")]),
]


def _both(widget: forms.Widget, value: object) -> tuple[str, str]:
    ours = widget.render(
        "country", value, attrs={"id": "id_country", "hx-get": "/x?a=1&b=2"}, renderer=FormRenderer()
    )
    django = widget.render(
        "country", value, attrs={"id": "id_country", "hx-get": "/x?a=1&b=2"}, renderer=DjangoTemplates()
    )
    return _compact(ours), _compact(django)


def _compact(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (
            forms.Select(
                choices=CHOICES, attrs={"class": "form-select", "required": True, "disabled": False}
            ),
            "pl",
        ),
        (forms.Select(choices=CHOICES), None),
        (forms.SelectMultiple(choices=CHOICES), ["si", "de"]),
        (forms.NullBooleanSelect(), True),
    ],
)
def test_a_select_is_the_html_djangos_templates_write(widget: forms.Widget, value: object) -> None:
    ours, django = _both(widget, value)

    assert ours == django
    assert "<script>" not in ours


def test_a_widget_with_its_own_option_template_is_left_to_the_templates() -> None:
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    ours, django = _both(Custom(choices=[("a", "A")]), "a")

    assert ours == django
