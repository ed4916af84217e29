"""The company's signing certificate page: shown, uploaded (replacing), removed. Thin: parse →
service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.documents import services
from tandem.core.documents.forms import CertificateForm
from tandem.core.documents.models import SigningCertificate
from tandem.core.errors import BusinessError
from tandem.core.querysets import allowed_company
from tandem.web.actions import Action, ActionView
from tandem.web.forms import add_business_error
from tandem.web.generic import ModelView


class CertificateView(ModelView):
    """The company's signing certificate: shown, uploaded (replacing), removed. Administrators."""

    model = SigningCertificate
    action = "add"
    template_name = "documents/certificate.html"

    def company(self) -> Any:
        company = allowed_company(self.request.user)
        if company is None:
            raise PermissionDenied
        return company

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(CertificateForm())

    def post(self, request: HttpRequest) -> HttpResponseBase:
        company = self.company()
        form = CertificateForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.upload_certificate(
                    company,
                    request.user,  # type: ignore[arg-type]
                    content=upload.read(),
                    password=form.cleaned_data["password"],
                    file_name=upload.name,
                )
            except BusinessError as exc:
                add_business_error(form, exc)
            else:
                messages.success(request, _("The signing certificate was saved."))
                return redirect("documents:certificate")
        return self.render_page(form)

    def render_page(self, form: CertificateForm) -> HttpResponse:
        company = self.company()
        try:
            current = services.certificate_info(company)
            error = None
        except BusinessError as exc:
            current, error = None, exc.message
        return render(
            self.request,
            self.template_name,
            {
                **self.base_context(),
                "title": _("Signing certificate"),
                "company": company,
                "form": form,
                "info": current[0] if current else None,
                "source": current[1] if current else None,
                "error": error,
                "uploaded": SigningCertificate.objects.filter(company=company).first(),
            },
        )


class CertificateActions(ActionView):
    """Remove the company's uploaded certificate (administrators, as the page)."""

    model = SigningCertificate
    action = "add"
    url_name = "documents:certificate_{name}"
    actions = [
        Action(
            "remove",
            gettext_lazy("Remove"),
            lambda request, stored: services.remove_certificate(stored.company, request.user),
            done=gettext_lazy("The signing certificate was removed."),
            permission="documents.delete_signingcertificate",
            confirm=gettext_lazy("Remove the signing certificate? Documents can no longer be signed."),
            style="outline-danger",
        )
    ]

    def get_object(self) -> Model:
        return get_object_or_404(SigningCertificate, company=allowed_company(self.request.user))

    def url_args(self, obj: Model) -> list[Any]:
        return []

    def object_url(self, obj: Model) -> str:
        return reverse("documents:certificate")
