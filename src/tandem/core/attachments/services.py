"""Attach files to records, list them, remove them; who may do what with them.

Rules: a person who can see a record (``visible_to``) and holds its model's *view*
permission sees and downloads its files; one who may also *change* the record uploads;
the uploader removes their own files, and a holder of ``attachments.delete_attachment``
(sales managers, administrators) removes any. Everyone else gets a 404, as for the record.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.attachments import checks
from tandem.core.attachments.models import Attachment
from tandem.core.errors import NotAllowed, ValidationFailed
from tandem.core.models import Company, User


@transaction.atomic
def attach(
    record: models.Model, *, name: str, content: bytes, actor: User | None, content_type: str | None = None
) -> Attachment:
    """Store ``content`` as a file on ``record``; the ``attachment.added`` event joins its history
    (and its partner's timeline). Raises :class:`ValidationFailed` if the file is empty, too
    large, a program, or not what its name or declared type says."""
    company = getattr(record, "company", None)
    if not isinstance(company, Company) or record.pk is None:
        raise ValidationFailed({"file": [_("Files can only be attached to a saved record of a company.")]})
    checked = checks.check(name, content, content_type)
    attachment = Attachment(
        company=company,
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        name=checked.name,
        size=len(content),
        mime_type=checked.mime_type,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    attachment.file.save(checked.name, ContentFile(content), save=False)
    try:
        attachment.save()
        events.record(
            "attachment.added",
            record,
            actor,
            {
                "attachment": attachment.pk,
                "name": attachment.name,
                "size": attachment.size,
                "mime_type": attachment.mime_type,
                "sha256": attachment.sha256,
            },
        )
    except BaseException:
        attachment.file.delete(save=False)  # no orphan file when the row is not written
        raise
    return attachment


def for_record(record: models.Model) -> models.QuerySet[Attachment]:
    """The files on ``record``, newest first."""
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk)
    ).select_related("uploaded_by")


@transaction.atomic
def remove(attachment: Attachment, actor: User | None) -> None:
    """Delete the file and its row; the ``attachment.removed`` event keeps who, what and its checksum."""
    record = attachment.record
    events.record(
        "attachment.removed",
        record,
        actor,
        {
            "attachment": attachment.pk,
            "name": attachment.name,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
        company=attachment.company,
    )
    name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- who may do what -------------------------------------------------------------------


def _perm(user: Any, action: str, model: type[models.Model]) -> bool:
    meta = model._meta
    return bool(user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}"))


def visible_record(user: Any, content_type: ContentType, object_id: str) -> models.Model | None:
    """The record, if ``user`` may see it (its model's ``visible_to`` and *view* permission)."""
    model = content_type.model_class()
    if model is None or not getattr(user, "is_authenticated", False) or not _perm(user, "view", model):
        return None
    manager: Any = model._default_manager
    if not hasattr(manager, "visible_to"):
        return None  # only records with record rules can carry files
    try:
        return manager.visible_to(user).filter(pk=object_id).first()  # type: ignore[no-any-return]
    except (ValueError, TypeError, models.ObjectDoesNotExist):
        return None


def record_of(user: Any, attachment: Attachment) -> models.Model | None:
    """The attachment's record if ``user`` may see it; ``None`` means "answer 404"."""
    if attachment.company_id is None:
        return None
    return visible_record(user, attachment.content_type, attachment.object_id)


def can_upload(user: Any, record: models.Model) -> bool:
    return _perm(user, "change", type(record))


def can_remove(user: Any, record: models.Model, attachment: Attachment) -> bool:
    if not can_upload(user, record):
        return False
    return attachment.uploaded_by_id == user.pk or bool(user.has_perm("attachments.delete_attachment"))


def check_can_upload(user: Any, record: models.Model) -> None:
    if not can_upload(user, record):
        raise NotAllowed(_("You may not attach files to this record."))


def check_can_remove(user: Any, record: models.Model, attachment: Attachment) -> None:
    if not can_remove(user, record, attachment):
        raise NotAllowed(_("You may not remove this file."))
