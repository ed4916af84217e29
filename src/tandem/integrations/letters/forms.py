"""Forms of the document template pages: shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.integrations.letters.models import DocumentTemplate
from tandem.web.forms import SectionsMixin, ServiceModelForm, style_fields


class DocumentTemplateForm(ServiceModelForm):
    fieldsets = [
        (_("Template"), ["name", "kind", "language", "active"]),
        (_("Text"), ["subject", "body"]),
    ]

    class Meta:
        model = DocumentTemplate
        fields = ["name", "kind", "language", "subject", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "class": "font-monospace merge-target"})}
        help_texts = {
            "subject": _("May use merge fields, e.g. {{ partner.name }}."),
            "body": _(
                "Plain text: a blank line starts a new paragraph. Merge fields in double braces, "
                "e.g. {{ contact.name }}; conditions and loops with {% if … %}…{% endif %} "
                "and {% for … %}…{% endfor %}."
            ),
        }


class TemplatePreviewForm(SectionsMixin, forms.Form):
    """The subject and body being edited, previewed with sample values."""

    language = forms.CharField(required=False)
    subject = forms.CharField(required=False, max_length=300)
    body = forms.CharField(required=False, strip=False)


class GenerateForm(SectionsMixin, forms.Form):
    template = forms.ModelChoiceField(queryset=DocumentTemplate.objects.none(), label=_("Template"))
    contact = forms.ModelChoiceField(
        queryset=DocumentTemplate.objects.none(), required=False, label=_("Contact person")
    )
    sign = forms.BooleanField(
        required=False,
        label=_("Sign with the company certificate"),
        help_text=_("A PAdES signature that PDF readers verify."),
    )

    def __init__(
        self,
        *args: Any,
        templates: QuerySet[DocumentTemplate],
        contacts: QuerySet[Model],
        can_sign: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        template_field: forms.ModelChoiceField = self.fields["template"]  # type: ignore[assignment]
        template_field.queryset = templates
        template_field.label_from_instance = _template_label  # type: ignore[assignment,method-assign]
        contact_field: forms.ModelChoiceField = self.fields["contact"]  # type: ignore[assignment]
        contact_field.queryset = contacts
        contact_field.empty_label = _("Nobody in particular")
        if not contacts.exists():
            del self.fields["contact"]
        if not can_sign:
            del self.fields["sign"]
        style_fields(self)


def _template_label(template: DocumentTemplate) -> str:
    return f"{template.name} · {template.get_kind_display()} · {template.get_language_display()}"
