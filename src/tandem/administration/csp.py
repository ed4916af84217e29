"""Content-Security-Policy helpers read by settings (no Django models imported here)."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.util import find_spec
from pathlib import Path

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def swagger_ui_style_hashes() -> list[str]:
    """``'sha256-…'`` sources for the inline ``<style>`` of drf-spectacular's Swagger UI page.

    That page (``/api/docs/``) resets ``box-sizing`` in a static inline stylesheet. Allowing
    exactly that text by its hash keeps ``style-src`` free of ``'unsafe-inline'``; the hash is
    computed from the installed package, so it follows upgrades.
    """
    spec = find_spec("drf_spectacular")
    if spec is None or spec.origin is None:
        return []
    template = Path(spec.origin).parent / "templates" / "drf_spectacular" / "swagger_ui.html"
    try:
        text = template.read_text(encoding="utf-8")
    except OSError:
        return []
    hashes = []
    for body in _STYLE.findall(text):
        if "{" in body and "{%" not in body and "{{" not in body:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            hashes.append(f"'sha256-{digest}'")
    return hashes
