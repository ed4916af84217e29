"""Template helpers of the shared layout: widgets with error state, field widths, alert classes, phones."""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

from tandem.core.identifiers import format_phone
from tandem.core.importing import duplicate_reasons
from tandem.web.display import as_text

register = template.Library()

_WIDE = (forms.Textarea, forms.SelectMultiple, forms.CheckboxSelectMultiple)


@register.simple_tag
def widget(field: forms.BoundField) -> SafeString:
    """The field's widget, marked invalid and described by its help and errors for screen readers."""
    attrs: dict[str, str | bool] = {}
    css = field.field.widget.attrs.get("class", "")
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        css = f"{css} is-invalid"
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_errors")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if css:
        attrs["class"] = css.strip()
    return field.as_widget(attrs=attrs)


@register.simple_tag
def field_col(field: forms.BoundField) -> str:
    wide = isinstance(field.field.widget, _WIDE) or getattr(field.field, "wide", False)
    return "col-12" if wide else "col-md-6"


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def alert_class(level_tag: str) -> str:
    return {"error": "danger", "debug": "secondary"}.get(level_tag, level_tag or "info")


@register.filter(name="duplicate_reasons")
def duplicate_reasons_filter(codes: list[str]) -> list[str]:
    """A stored duplicate hint's reason codes in the reader's language."""
    return duplicate_reasons(codes)


@register.filter
def phone(e164: str) -> str:
    """A stored (E.164) number in international format with spacing."""
    return format_phone(e164)


@register.filter
def number(value: object) -> str:
    """An amount or quantity the way every table shows it: the reader's separators and grouping,
    trimmed to two places where nothing is lost (``web.display.as_text``)."""
    return as_text(value)
