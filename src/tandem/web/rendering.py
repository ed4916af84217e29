"""The form renderer: Django's templates for every widget but the select, drawn in Python.

A select renders an included template per option; the partner list's filters (a country
select of ~250 options among them) spent about half of the page's CPU time there. The HTML
is the same as Django's ``select.html`` and ``select_option.html`` produce (a test compares).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget", {})
        if template_name == SELECT and _plain_options(widget.get("optgroups", ())):
            return select_html(widget)
        return super().render(template_name, context, request=request)


def _plain_options(optgroups: Iterable[Any]) -> bool:
    return all(option["template_name"] == OPTION for _, options, _ in optgroups for option in options)


def select_html(widget: Mapping[str, Any]) -> SafeString:
    parts = [f'<select name="{_escape(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{_escape(group_name)}">')
        parts.extend(_option_html(option) for option in options)
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("\n".join(parts))  # every value above went through _escape


def _option_html(option: Mapping[str, Any]) -> str:
    value, attrs, label = _escape(option["value"]), attrs_html(option["attrs"]), _escape(option["label"])
    return f'<option value="{value}"{attrs}>{label}</option>'


def attrs_html(attrs: Mapping[str, Any]) -> str:
    """Django's ``attrs.html``: False leaves an attribute out, True writes it bare."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _escape(value: Any) -> str:
    """``conditional_escape`` without its lazy-string wrapper, which is most of its cost."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))
