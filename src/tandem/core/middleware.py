from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control

from tandem.core.querysets import allowed_company


class ActiveCompanyMiddleware:
    """Puts the user's active company on ``request.company``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.company = allowed_company(request.user)  # type: ignore[attr-defined]
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in person or an API token: no
    shared cache or back-button cache keeps a page of business data after sign-out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) or "Authorization" in request.headers:
            patch_cache_control(response, private=True, no_store=True)
        return response


class UserLanguageMiddleware:
    """A signed-in person's saved language wins over the browser's cookie and headers.

    ``LocaleMiddleware`` (before authentication) chose from the request; once the user is
    known, the language saved on them (see ``core.services.choose_language``) is used, so it
    follows them to any browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if getattr(user, "is_authenticated", False) else ""
        if language and translation.check_for_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        return self.get_response(request)
