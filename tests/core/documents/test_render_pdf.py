"""render_pdf: one way to print — letterhead, recipient's language, Chinese, no network."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from markupsafe import Markup

from tandem.core.documents import services as documents
from tandem.core.models import Company
from tests.core.documents.conftest import pdf_text

pytestmark = pytest.mark.django_db

# A 1×1 PNG: the smallest logo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d3c1a70000000049454e44ae426082"
)


def _letter(body: str = "<p>你好，世界 — Zażółć gęślą jaźń</p>") -> dict[str, Any]:
    return {
        "subject": "Offer 报价",
        "body": Markup(body),
        "date": "1 December 2026",
        "recipient": {
            "name": "Acme Trading",
            "contact": "",
            "address_lines": ["Main Street 1", "30-001 Kraków"],
        },
    }


def test_render_pdf_prints_the_letterhead_and_chinese(letterhead_company: Company, tmp_path: Any) -> None:
    pdf = documents.render_pdf("documents/letter.html", _letter(), company=letterhead_company, language="en")

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    text = pdf_text(pdf, tmp_path)
    assert "Tandem Furniture" in text
    assert "你好，世界" in text  # Chinese glyphs come from WenQuanYi Micro Hei, not boxes
    assert "报价" in text
    assert "Zażółć gęślą jaźń" in text
    for field in [
        "Długa 5",
        "00-238 Warszawa",
        "Poland",
        "Tax ID: 5260001246",
        "VAT ID: PL5260001246",
        "Company ID: 0000123456",
        "mBank",
        "IBAN: PL61109010140000071219812874",
        "BIC: BREXPLPW",
        "office@tandem.example",
        "+48 22 123 45 67",
        "Page 1 / 1",
    ]:
        assert field in text, field


def test_every_page_carries_the_letterhead_and_its_number(letterhead_company: Company, tmp_path: Any) -> None:
    body = "".join(f"<p>Paragraph {n}</p>" for n in range(150))
    pdf = documents.render_pdf(
        "documents/letter.html", _letter(body), company=letterhead_company, language="en"
    )

    pages = pdf_text(pdf, tmp_path).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Tandem Furniture" in page
        assert "IBAN: PL61109010140000071219812874" in page
        assert f"Page {number} / {len(pages)}" in page


def test_the_recipients_language_sets_texts_and_country_names(
    letterhead_company: Company, tmp_path: Any
) -> None:
    pdf = documents.render_pdf("documents/letter.html", _letter(), company=letterhead_company, language="ru")

    text = pdf_text(pdf, tmp_path)
    assert "Польша" in text  # the company's country, in Russian


def test_the_company_logo_comes_from_storage(letterhead_company: Company, tmp_path: Any) -> None:
    letterhead_company.logo.save("logo.png", ContentFile(PNG))
    html = documents.render_html(
        "documents/letter.html", _letter(), company=letterhead_company, language="en"
    )
    assert 'src="tandem-media:logo"' in html

    with_logo = documents.render_pdf(
        "documents/letter.html", _letter(), company=letterhead_company, language="en"
    )
    letterhead_company.logo = ""
    letterhead_company.save()
    without = documents.render_pdf(
        "documents/letter.html", _letter(), company=letterhead_company, language="en"
    )
    assert b"/Subtype /Image" in with_logo
    assert b"/Subtype /Image" not in without


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_receiver() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits = []
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_no_url_outside_the_company_logo_and_static_files_is_fetched(
    letterhead_company: Company, http_receiver: str, tmp_path: Any
) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    body = (
        f'<p>x</p><img src="{http_receiver}/tracker.png">'
        f'<link rel="stylesheet" href="{http_receiver}/remote.css">'
        f'<img src="file://{secret}"><img src="file:///etc/passwd">'
        '<img src="tandem-static:../../settings.py"><img src="tandem-media:company-logos/other.png">'
    )
    pdf = documents.render_pdf(
        "documents/letter.html", _letter(body), company=letterhead_company, language="en"
    )

    assert pdf.startswith(b"%PDF-")
    assert _Recorder.hits == []
    assert b"/Subtype /Image" not in pdf


def test_the_fetcher_serves_static_files_and_refuses_the_rest(letterhead_company: Company) -> None:
    from tandem.core.documents.pdf import LocalFetcher, RefusedURL

    fetcher = LocalFetcher(letterhead_company)
    css = fetcher.fetch("tandem-static:documents/letterhead.css")
    assert b"@page" in css.read()
    for url in [
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "file:///etc/passwd",
        "tandem-static:../../../../etc/passwd",
        "tandem-static:/etc/passwd",
        "tandem-media:company-logos/someone-else.png",
        "tandem-media:logo",  # this company has no logo
        "ftp://127.0.0.1/x",
    ]:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
