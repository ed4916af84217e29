"""The signing certificate form: shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.web.forms import SectionsMixin, style_fields

MAX_CERTIFICATE_UPLOAD = 256 * 1024


class CertificateForm(SectionsMixin, forms.Form):
    file = forms.FileField(
        label=_("Certificate (PKCS#12: .p12 or .pfx)"),
        help_text=_("The private key and certificate the company signs documents with."),
    )
    password = forms.CharField(
        label=_("Password of the file"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CERTIFICATE_UPLOAD:
            raise forms.ValidationError(_("The certificate file is too large."))
        return upload
