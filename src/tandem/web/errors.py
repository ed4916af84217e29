"""403, 404 and 500 pages inside the application shell: the menu, a way back, in the reader's language.

Routed as Django's ``handler403``/``handler404``/``handler500`` by ``tandem.urls``, which answers
API paths with problem details instead. A 500 page first tries the full shell; if the shell
itself fails (the database is down, say), it falls back to a page that needs nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _texts(status: int) -> tuple[str, str]:
    if status == 403:
        return _("You may not open this page"), _(
            "Your role does not allow it, or the record belongs to another company or salesperson. "
            "Ask an administrator if you need it."
        )
    if status == 404:
        return _("Page not found"), _(
            "The page or record does not exist, or it is not in the company you work in now."
        )
    return _("Something went wrong"), _(
        "The server could not finish this request; nothing was half-saved. Try again in a moment; "
        "if it keeps happening, tell your administrator the time it happened."
    )


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    title, message = _texts(status)
    context: dict[str, Any] = {"title": title, "message": message, "status": status}
    try:
        return render(request, "web/error.html", context, status=status)
    except Exception:  # the shell needs the database and the session; the error page must not fail
        if status != 500:
            raise
        logger.exception("the error page could not be shown in the shell")
        return HttpResponse(render_to_string("web/error_bare.html", context), status=status)
