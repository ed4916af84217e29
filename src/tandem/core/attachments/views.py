"""Upload (drag and drop or a plain form), download and remove files on a record."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tandem.core.attachments import checks, services
from tandem.core.attachments.models import Attachment
from tandem.core.errors import BusinessError
from tandem.core.models import User

PANEL_BODY = "attachments/_panel_body.html"


@login_required
@require_POST
def upload(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponseBase:
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    record = services.visible_record(request.user, content_type, object_id)
    if record is None:
        raise Http404
    if not services.can_upload(request.user, record):
        raise PermissionDenied
    errors: list[str] = []
    added: list[Attachment] = []
    files = request.FILES.getlist("file")
    if not files:
        errors.append(_("Choose a file to attach."))
    limit = settings.TANDEM_ATTACHMENT_MAX_BYTES
    for upload in files:
        name = checks.clean_name(upload.name or "")
        if upload.size is not None and upload.size > limit:  # refused before reading it into memory
            errors.append(
                _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
                % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
            continue
        try:
            added.append(
                services.attach(
                    record,
                    name=name,
                    content=upload.read(),
                    actor=cast(User, request.user),
                    content_type=upload.content_type,
                )
            )
        except BusinessError as exc:
            errors.extend(_messages(exc))
    return _respond(request, record, errors, added_message(added))


def added_message(added: list[Attachment]) -> str:
    if not added:
        return ""
    return _("Attached %(names)s.") % {"names": ", ".join(f"“{item.name}”" for item in added)}


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = get_object_or_404(
        Attachment.objects.visible_to(request.user).select_related("content_type"), pk=pk
    )
    record = services.record_of(request.user, attachment)
    if record is None:
        raise Http404
    if not services.can_remove(request.user, record, attachment):
        raise PermissionDenied
    services.remove(attachment, cast(User, request.user))
    return _respond(request, record, [], _("Removed “%(name)s”.") % {"name": attachment.name})


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = get_object_or_404(
        Attachment.objects.visible_to(request.user).select_related("content_type"), pk=pk
    )
    if services.record_of(request.user, attachment) is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.mime_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


def _messages(exc: BusinessError) -> list[str]:
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict):
        return [str(message) for values in errors.values() for message in values]
    return [exc.message]


def _respond(request: HttpRequest, record: Any, errors: list[str], success: str) -> HttpResponseBase:
    if getattr(request, "htmx", False):
        response: HttpResponse = render(
            request, PANEL_BODY, {"object": record, "upload_errors": errors, "upload_success": success}
        )
        return response
    for error in errors:
        messages.error(request, error)
    if success:
        messages.success(request, success)
    return redirect(_back(request, record))


def _back(request: HttpRequest, record: Any) -> str:
    if hasattr(record, "get_absolute_url"):
        return str(record.get_absolute_url())
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return "/"
