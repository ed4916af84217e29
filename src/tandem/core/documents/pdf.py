"""The one way to produce a printed document: a Django template → HTML → PDF (WeasyPrint).

Every document template extends ``documents/letterhead.html`` (the company's logo, name,
address, tax and registry IDs, bank details, page numbers) and is rendered in the
recipient's language, so dates and numbers follow that locale too.

WeasyPrint fetches nothing from the network or the file system: its URL fetcher serves
only ``tandem-static:<path>`` (a static file of an installed app), ``tandem-media:logo``
(this company's logo from the default storage) and inline ``data:`` URLs, and refuses
every other URL.
"""

from __future__ import annotations

import logging
import mimetypes
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from tandem.core.countries import country_name
from tandem.core.models import Company

log = logging.getLogger(__name__)

STATIC_SCHEME = "tandem-static:"
MEDIA_SCHEME = "tandem-media:"
LOGO_URL = f"{MEDIA_SCHEME}logo"
LOGO_MAX_BYTES = 2 * 1024 * 1024


class RefusedURL(ValueError):
    pass


class LocalFetcher(URLFetcher):
    """Serves the company logo and static files from local storage; refuses everything else."""

    def __init__(self, company: Company) -> None:
        super().__init__(allowed_protocols=["data"], allow_redirects=False)
        self.company = company

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(STATIC_SCHEME):
            return self._static(url.removeprefix(STATIC_SCHEME))
        if url == LOGO_URL:
            return self._logo()
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory by urllib's data handler
        log.warning("PDF rendering refused to fetch %s", url[:200])
        raise RefusedURL(f"refused: {url[:200]}")

    def _static(self, path: str) -> URLFetcherResponse:
        path = path.lstrip("/")
        if ".." in path.split("/"):
            raise RefusedURL(f"refused: {path}")
        try:
            found = finders.find(path)
        except SuspiciousFileOperation as exc:
            raise RefusedURL(f"refused: {path}") from exc
        if not found or isinstance(found, list):
            raise RefusedURL(f"no static file {path}")
        with open(found, "rb") as handle:
            body = handle.read()
        return URLFetcherResponse(
            STATIC_SCHEME + path, body, {"Content-Type": mimetypes.guess_type(path)[0] or "text/css"}
        )

    def _logo(self) -> URLFetcherResponse:
        logo = self.company.logo
        if not logo:
            raise RefusedURL("no logo")
        with logo.open("rb") as handle:
            body = handle.read(LOGO_MAX_BYTES + 1)
        if len(body) > LOGO_MAX_BYTES:
            raise RefusedURL("logo too large")
        content_type = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
        return URLFetcherResponse(LOGO_URL, body, {"Content-Type": content_type})


def letterhead(company: Company, language: str) -> dict[str, Any]:
    """What the letterhead prints about the company (plain values)."""
    street = " ".join(p for p in [company.street, company.house] if p)
    place = " ".join(p for p in [company.postal_code, company.city] if p)
    return {
        "name": company.name,
        "logo_url": LOGO_URL if company.logo else "",
        "address_lines": [line for line in [street, place, company.region] if line],
        "country": country_name(company.country, language),
        "tax_id": company.tax_id,
        "vat_id": company.vat_id,
        "registry_id": company.registry_id,
        "email": company.email,
        "phone": company.phone,
        "website": company.website,
        "bank_name": company.bank_name,
        "iban": company.iban,
        "bic": company.bic,
    }


def render_html(template_name: str, context: dict[str, Any], *, company: Company, language: str) -> str:
    with translation.override(language):
        return render_to_string(
            template_name,
            {
                **context,
                "letterhead": letterhead(company, language),
                "document_language": translation.get_language(),
            },
        )


def render_pdf(template_name: str, context: dict[str, Any], *, company: Company, language: str) -> bytes:
    """Render ``template_name`` (extending ``documents/letterhead.html``) to PDF bytes.

    ``language`` is the recipient's: the template's texts, dates and numbers follow it.
    """
    html = render_html(template_name, context, company=company, language=language)
    with translation.override(language):
        document = HTML(string=html, base_url=None, url_fetcher=LocalFetcher(company))
        pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
