"""Document templates: user-edited letters, offers and contracts, filled with the merge fields
the domains declare, printed by the ``core`` PDF renderer and optionally signed.

Writes here follow the platform's shape: atomic, validate, write, record an event, return.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from markupsafe import Markup, escape

from tandem.core import events
from tandem.core.attachments import services as attachments
from tandem.core.documents import services as documents
from tandem.core.errors import BusinessError, NotAllowed, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.versioning import update_versioned
from tandem.integrations.letters import merge, sandbox
from tandem.integrations.letters.models import DocumentTemplate

TEMPLATE_FIELDS = ["name", "kind", "language", "subject", "body", "active"]
SUBJECT_LIMIT = 500


# --- user-edited templates ------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: Markup
    body: Markup  # safe HTML: paragraphs of escaped text
    language: str
    empty_fields: tuple[str, ...] = ()  # printed merge fields that came out blank ("partner.vat_id")


class EmptyMergeFields(BusinessError):
    """Merge fields the document prints came out blank; the person confirms to make it anyway."""

    code = "empty-merge-fields"

    def __init__(self, fields: tuple[str, ...]) -> None:
        super().__init__(
            _("These merge fields are empty for this document: %(fields)s.") % {"fields": ", ".join(fields)},
            field="template",
        )
        self.fields = fields


_EMPTY_MARK = re.compile("\ue000([\\w.]+)\ue001")


def render_template(
    template: DocumentTemplate | None,
    *,
    user: User,
    partner: Model | None = None,
    contact: Model | None = None,
    subject: str | None = None,
    body: str | None = None,
    language: str | None = None,
    sample: bool = False,
    mark_empty: bool = False,
) -> Rendered:
    """Fill a template's merge fields in the sandbox (``sample``: with the fields' names).

    ``empty_fields`` of the result names the printed fields that came out blank; with
    ``mark_empty`` (the preview) each shows as a highlighted mark with its name.
    """
    company: Company = template.company if template is not None else user.active_company  # type: ignore[assignment]
    language = language or (template.language if template is not None else company.language)
    subject = subject if subject is not None else (template.subject if template else "")
    body = body if body is not None else (template.body if template else "")
    if sample:
        context = merge.sample_context(company=company, user=user, language=language)
    else:
        context = merge.context_for(
            company=company, user=user, language=language, records={"partner": partner, "contact": contact}
        )
    empty = () if sample else _empty_fields(context, [subject, body])
    if mark_empty and empty:
        context = _marked(context, empty)
    rendered_subject = sandbox.render_text(subject, context, field="subject", limit=SUBJECT_LIMIT)
    rendered_body = sandbox.render_text(body, context, field="body")
    return Rendered(
        subject=_show_marks(Markup(" ".join(str(rendered_subject).split()))),  # escaped by the sandbox
        body=_show_marks(sandbox.paragraphs(rendered_body)),
        language=language,
        empty_fields=tuple(" / ".join(alternatives) for alternatives in empty),
    )


def _value(context: dict[str, sandbox.Group], field: str) -> Any:
    group, _dot, name = field.partition(".")
    return context[group].get(name) if group in context else None


def _empty_fields(context: dict[str, sandbox.Group], sources: list[str]) -> list[tuple[str, ...]]:
    """The printed merge fields (each with its ``or`` alternatives) that are all blank here."""
    printed = [item for source in sources for item in sandbox.printed_fields(source)]
    empty = [item for item in printed if all(_value(context, field) == "" for field in item)]
    return list(dict.fromkeys(empty))


def _marked(context: dict[str, sandbox.Group], empty: list[tuple[str, ...]]) -> dict[str, sandbox.Group]:
    """The context with each blank printed field replaced by a mark the preview shows."""
    marks: dict[str, dict[str, str]] = {}
    for field in (field for item in empty for field in item):
        group, _dot, name = field.partition(".")
        marks.setdefault(group, {})[name] = f"\ue000{field}\ue001"
    return {
        name: sandbox.Group(name, {**group, **marks[name]}) if name in marks else group
        for name, group in context.items()
    }


def _show_marks(html: Markup) -> Markup:
    """A blank field's mark (escaped text of a field name) as a highlighted ``<mark>``."""
    title = escape(_("Empty for this document"))
    return Markup(_EMPTY_MARK.sub(lambda m: f'<mark class="merge-empty" title="{title}">{m[1]}</mark>', html))


def check_template(*, company: Company, user: User | None, language: str, subject: str, body: str) -> None:
    """Refuse a template that would not render: syntax, forbidden constructs, unknown fields."""
    errors: dict[str, list[str]] = {}
    context = merge.sample_context(company=company, user=user, language=language)
    for field, source, limit in (("subject", subject, SUBJECT_LIMIT), ("body", body, sandbox.MAX_OUTPUT)):
        try:
            sandbox.render_text(source, context, field=field, limit=limit)
        except sandbox.TemplateFailed as exc:
            errors[field] = [exc.message]
    if errors:
        raise ValidationFailed(errors)


def _template_data(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValueError(f"unknown template fields: {sorted(unknown)}")
    data = {k: (v.strip() if isinstance(v, str) and k != "body" else v) for k, v in fields.items()}
    errors: dict[str, list[str]] = {}
    if "name" in data and not data["name"]:
        errors["name"] = [_("A template needs a name.")]
    if "body" in data and not str(data["body"]).strip():
        errors["body"] = [_("A template needs a text.")]
    if "kind" in data and data["kind"] not in DocumentTemplate.Kind.values:
        errors["kind"] = [_("Choose a kind of document.")]
    if errors:
        raise ValidationFailed(errors)
    return data


def _refuse_same_name(company: Company, name: str, language: str, exclude_id: int | None) -> None:
    clash = DocumentTemplate.objects.filter(company=company, name=name, language=language)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise ValidationFailed({"name": [_("A template with this name and language already exists.")]})


@transaction.atomic
def create_template(company: Company, actor: User | None, **fields: Any) -> DocumentTemplate:
    data = _template_data(fields)
    template = DocumentTemplate(company=company, **data)
    _refuse_same_name(company, template.name, template.language, None)
    check_template(
        company=company,
        user=actor,
        language=template.language,
        subject=template.subject,
        body=template.body,
    )
    template.save()
    events.record(
        "document_template.created", template, actor, {"name": template.name, "kind": template.kind}
    )
    return template


@transaction.atomic
def update_template(
    template: DocumentTemplate, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> DocumentTemplate:
    data = _template_data(fields)

    def check(changed: DocumentTemplate) -> None:
        _refuse_same_name(changed.company, changed.name, changed.language, changed.pk)
        if {"subject", "body"} & data.keys():
            check_template(
                company=changed.company, user=actor, language=changed.language,
                subject=changed.subject, body=changed.body,
            )  # fmt: skip

    return update_versioned(
        template,
        actor,
        data,
        expected_version=expected_version,
        event="document_template.updated",
        check=check,
    )


# --- generating a document for a partner ----------------------------------------------


def _check_generation(partner: Model, template: DocumentTemplate, contact: Model | None) -> None:
    if template.company_id != partner.company_id:  # type: ignore[attr-defined]
        raise NotAllowed(_("This template belongs to another company."), field="template")
    if not template.active:
        raise BusinessError(_("This template is archived."), field="template")
    if contact is not None and contact.organisation_id != partner.pk:  # type: ignore[attr-defined]
        raise BusinessError(_("The contact person must belong to this partner."), field="contact")


def letter_context(partner: Model, contact: Model | None, rendered: Rendered, user: User) -> dict[str, Any]:
    fields = merge.context_for(
        company=partner.company,  # type: ignore[attr-defined]
        user=user,
        language=rendered.language,
        records={"partner": partner, "contact": contact},
    )
    address = fields["partner"]
    street = " ".join(p for p in [address["street"], address["house"]] if p)
    place = " ".join(p for p in [address["postal_code"], address["city"]] if p)
    return {
        "subject": rendered.subject,
        "body": rendered.body,
        "date": fields["document"]["date"],
        "recipient": {
            "name": address["name"],
            "contact": fields["contact"]["name"],
            "address_lines": [p for p in [street, place, address["region"], address["country"]] if p],
        },
    }


def generate_pdf(
    partner: Model,
    template: DocumentTemplate,
    *,
    actor: User,
    contact: Model | None = None,
    sign: bool = False,
    allow_empty_fields: bool = True,
) -> tuple[str, bytes]:
    """The file name and PDF of ``template`` filled for ``partner`` (nothing is stored).

    Without ``allow_empty_fields`` a printed merge field that is blank raises
    :class:`EmptyMergeFields` before anything is rendered to PDF.
    """
    _check_generation(partner, template, contact)
    rendered = render_template(template, user=actor, partner=partner, contact=contact)
    if rendered.empty_fields and not allow_empty_fields:
        raise EmptyMergeFields(rendered.empty_fields)
    company: Company = partner.company  # type: ignore[attr-defined]
    pdf = documents.render_pdf(
        documents.LETTER_TEMPLATE,
        letter_context(partner, contact, rendered, actor),
        company=company,
        language=rendered.language,
    )
    if sign:
        if not actor.has_perm(documents.SIGN_PERMISSION):
            raise NotAllowed(_("You may not sign documents with the company certificate."), field="sign")
        pdf = documents.sign_pdf(pdf, company, reason=str(rendered.subject)[:200] or template.name)
    return _file_name(template, partner, timezone.localdate()), pdf


def _file_name(template: DocumentTemplate, partner: Model, day: datetime.date) -> str:
    stem = slugify(f"{template.name} {partner} {day.isoformat()}", allow_unicode=True)[:120]
    return f"{stem or 'document'}.pdf"


def generate_for_partner(
    partner: Model,
    template: DocumentTemplate,
    *,
    actor: User,
    contact: Model | None = None,
    sign: bool = False,
    allow_empty_fields: bool = True,
) -> Any:
    """Render, optionally sign, and keep the PDF as an attachment on the partner.

    Returns the attachment. The partner's timeline gets ``document.generated`` (and the
    attachments service records ``attachment.added``).
    """
    name, pdf = generate_pdf(
        partner, template, actor=actor, contact=contact, sign=sign, allow_empty_fields=allow_empty_fields
    )
    with transaction.atomic():
        attachment = attachments.attach(
            partner, name=name, content=pdf, actor=actor, content_type="application/pdf"
        )
        events.record(
            "document.generated",
            partner,
            actor,
            {
                "template": template.name,
                "template_id": template.pk,
                "kind": template.kind,
                "language": template.language,
                "file": name,
                "attachment_id": attachment.pk,
                "contact": str(contact) if contact is not None else "",
                "signed": sign,
            },
        )
    return attachment
