"""``{% attachment_panel object as panel %}``: what the attachments panel of a record shows."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tandem.core.attachments import services
from tandem.core.models import Company

register = template.Library()


@register.simple_tag(takes_context=True)
def attachment_panel(context: template.Context, record: Any) -> dict[str, Any] | None:
    """``None`` (no panel) for records that cannot carry files: no company or no record rules."""
    user = context.get("user")
    if (
        record is None
        or getattr(record, "pk", None) is None
        or not isinstance(getattr(record, "company", None), Company)
        or not hasattr(type(record)._default_manager, "visible_to")
        or user is None
    ):
        return None
    content_type = ContentType.objects.get_for_model(record)
    files = list(services.for_record(record))
    can_upload = services.can_upload(user, record)
    return {
        "id": f"attachments-{content_type.pk}-{record.pk}",
        "files": [(item, can_upload and services.can_remove(user, record, item)) for item in files],
        "can_upload": can_upload,
        "upload_url": reverse("attachments:upload", args=[content_type.pk, record.pk]),
        "max_size": settings.TANDEM_ATTACHMENT_MAX_BYTES,
    }
