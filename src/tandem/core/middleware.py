from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tandem.core.querysets import allowed_company


class ActiveCompanyMiddleware:
    """Puts the user's active company on ``request.company``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.company = allowed_company(request.user)  # type: ignore[attr-defined]
        return self.get_response(request)
