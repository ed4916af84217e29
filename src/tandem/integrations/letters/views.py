"""Document template pages (list, detail, form, preview) and writing a document for a partner
(preview, generate, sign). Thin: parse → service → render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.documents import services as documents
from tandem.core.errors import BusinessError
from tandem.core.querysets import allowed_company
from tandem.integrations.letters import merge, services
from tandem.integrations.letters.forms import DocumentTemplateForm, GenerateForm, TemplatePreviewForm
from tandem.integrations.letters.models import DocumentTemplate
from tandem.partners.models import Partner
from tandem.web.forms import add_business_error
from tandem.web.generic import (
    Column,
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)

GENERATE_PERMISSION = "letters.generate_document"
EDIT_PERMISSIONS = ("letters.add_documenttemplate", "letters.change_documenttemplate")


def _search(rows: QuerySet[DocumentTemplate], text: str) -> QuerySet[DocumentTemplate]:
    return rows.filter(Q(name__icontains=text) | Q(subject__icontains=text))


class TemplateListView(ObjectListView):
    model = DocumentTemplate
    search_function = _search
    search_placeholder = gettext_lazy("Name or subject")
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("kind", gettext_lazy("Kind")),
        Column("language", gettext_lazy("Language")),
        Column("active", gettext_lazy("Active")),
        Column("updated_at", gettext_lazy("Updated"), sort="updated"),
    ]
    sorts = {
        "name": SortKey("name", gettext_lazy("Name")),
        "updated": SortKey("updated_at", gettext_lazy("Updated"), descending=True),
    }
    default_sort = "name"
    create_url_name = "letters:create"
    create_label = gettext_lazy("New template")
    export_url_name = "letters:export"
    template_name = "letters/template_list.html"

    def list_context(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().list_context(*args, **kwargs),
            "can_manage_certificate": self.request.user.has_perm("documents.add_signingcertificate"),
        }


class TemplateDetailView(ObjectDetailView):
    model = DocumentTemplate
    template_name = "letters/template_detail.html"
    edit_url_name = "letters:edit"
    list_url_name = "letters:list"
    fields = ["kind", "language", "active", "subject", "created_at", "updated_at"]

    def get_context(self) -> dict[str, Any]:
        template: DocumentTemplate = self.object  # type: ignore[assignment]
        try:
            sample = services.render_template(template, user=self.request.user, sample=True)  # type: ignore[arg-type]
            error = None
        except BusinessError as exc:
            sample, error = None, exc.message
        return {**super().get_context(), "sample": sample, "sample_error": error}


class TemplateFormMixin:
    form_class: type[forms.BaseForm] = DocumentTemplateForm
    template_name = "letters/template_form.html"

    def form_context(self) -> dict[str, Any]:
        return {"merge_fields": merge.field_list()}


class TemplateCreateView(TemplateFormMixin, ObjectCreateView):
    model = DocumentTemplate
    title = gettext_lazy("New document template")
    service = services.create_template
    list_url_name = "letters:list"

    def get_initial(self) -> dict[str, Any]:
        company = getattr(self.request, "company", None)
        return {"language": company.language if company is not None else "en"}


class TemplateEditView(TemplateFormMixin, ObjectEditView):
    model = DocumentTemplate
    service = services.update_template
    list_url_name = "letters:list"


class TemplatePreviewView(ModelView):
    """htmx: the subject and body being edited, filled with sample values.

    Only for those who may add or change templates: it renders any text it is sent.
    """

    model = DocumentTemplate

    def permission_name(self) -> str:
        user = self.request.user
        return next((name for name in EDIT_PERMISSIONS if user.has_perm(name)), EDIT_PERMISSIONS[0])

    def post(self, request: HttpRequest) -> HttpResponse:
        if allowed_company(request.user) is None:
            raise Http404
        form = TemplatePreviewForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        languages = {code for code, _name in DocumentTemplate._meta.get_field("language").choices}  # type: ignore[union-attr]
        language = data.get("language") if data.get("language") in languages else None
        try:
            rendered = services.render_template(
                None,
                user=request.user,  # type: ignore[arg-type]
                subject=data.get("subject", ""),
                body=data.get("body", ""),
                language=language,
                sample=True,
            )
        except BusinessError as exc:
            return render(request, "letters/_preview.html", {"error": exc.message})
        return render(request, "letters/_preview.html", {"rendered": rendered})


class GenerateView(ModelView):
    """Write a document for a partner: pick a template (+ contact), preview, generate."""

    model = DocumentTemplate
    template_name = "letters/generate.html"
    partner: Partner

    def permission_name(self) -> str:
        return GENERATE_PERMISSION

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and request.user.has_perm(GENERATE_PERMISSION):
            self.partner = self._partner(request)
        return super().dispatch(request, *args, **kwargs)

    def _partner(self, request: HttpRequest) -> Partner:
        """Only a partner the user can see (404 otherwise, as for any hidden record)."""
        if not request.user.has_perm("partners.view_partner"):
            raise Http404
        partner_id = request.GET.get("partner", "")
        if not partner_id.isdigit():
            raise Http404
        return get_object_or_404(Partner.objects.visible_to(request.user), pk=int(partner_id))

    def templates(self) -> QuerySet[DocumentTemplate]:
        return self.get_queryset().filter(active=True).order_by("name", "language", "id")

    def contacts(self) -> QuerySet[Model]:
        return (
            Partner.objects.visible_to(self.request.user)
            .filter(organisation=self.partner, active=True)
            .order_by("name_key", "id")
        )

    def can_sign(self) -> bool:
        may_sign = self.request.user.has_perm(documents.SIGN_PERMISSION)
        return bool(may_sign) and documents.can_sign(self.partner.company)

    def make_form(self, data: Any = None) -> GenerateForm:
        templates = self.templates()
        preferred = (
            templates.filter(language=getattr(self.partner, "language", "")).first() or templates.first()
        )
        return GenerateForm(
            data,
            templates=templates,
            contacts=self.contacts(),
            can_sign=self.can_sign(),
            initial={"template": preferred.pk if preferred else None},
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(self.make_form())

    def post(self, request: HttpRequest) -> HttpResponseBase:
        form = self.make_form(request.POST)
        previewing = request.POST.get("action") == "preview"
        if not form.is_valid():
            if previewing:
                return render(request, "letters/_preview.html", {"error": _first_error(form)})
            return self.render_page(form)
        template = form.cleaned_data["template"]
        contact = form.cleaned_data.get("contact")
        if previewing:
            try:
                rendered = services.render_template(
                    template,
                    user=request.user,  # type: ignore[arg-type]
                    partner=self.partner,
                    contact=contact,
                    mark_empty=True,
                )
            except BusinessError as exc:
                return render(request, "letters/_preview.html", {"error": exc.message})
            return render(request, "letters/_preview.html", {"rendered": rendered})
        try:
            attachment = services.generate_for_partner(
                self.partner,
                template,
                actor=request.user,  # type: ignore[arg-type]
                contact=contact,
                sign=bool(form.cleaned_data.get("sign")),
                allow_empty_fields=bool(request.POST.get("confirm_empty")),
            )
        except services.EmptyMergeFields as exc:
            return self.render_page(form, empty_fields=exc.fields)
        except BusinessError as exc:
            add_business_error(form, exc)
            return self.render_page(form)
        messages.success(
            request, _("“%(name)s” was saved to the partner's attachments.") % {"name": attachment.name}
        )
        return redirect(self.partner.get_absolute_url())

    def render_page(self, form: forms.Form, empty_fields: tuple[str, ...] = ()) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                **self.base_context(),
                "title": _("Write a document to %(name)s") % {"name": self.partner},
                "partner": self.partner,
                "form": form,
                "empty_fields": empty_fields,
                "has_templates": self.templates().exists(),
                "can_edit_templates": self.request.user.has_perm("letters.add_documenttemplate"),
            },
        )


def _first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("Check the form.")
