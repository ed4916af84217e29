"""The company's signing certificate page: shown, uploaded (replacing), removed. Thin: parse →
service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tandem.core.documents import services
from tandem.core.documents.forms import CertificateForm
from tandem.core.documents.models import SigningCertificate
from tandem.core.errors import BusinessError
from tandem.core.querysets import allowed_company
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
        if request.POST.get("action") == "remove":
            try:
                services.remove_certificate(company, request.user)  # type: ignore[arg-type]
            except BusinessError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The signing certificate was removed."))
            return redirect("documents:certificate")
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
