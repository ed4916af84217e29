from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tandem.core.services import authenticate_token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer tdm_…`` with a personal API token (stored hashed).

    A request without the header falls through to session authentication; a header with a
    wrong, revoked or malformed token is refused (401), never treated as anonymous.
    """

    keywords = frozenset({"bearer", "token"})

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        user = authenticate_token(header[1].decode(errors="replace"))
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API token."))
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
