"""``{% import_url view.model as url %}``: the Import button of a list, if the user may import."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from tandem.core.importing import specs_for_model

register = template.Library()


@register.simple_tag(takes_context=True)
def import_url(context: dict[str, Any], model: Any) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or model is None:
        return ""
    for spec in specs_for_model(model._meta.label):
        if spec.allowed(user):
            return f"{reverse('imports:start')}?spec={spec.key}"
    return ""
