"""Sign-in rules applied to every request of a signed-in person.

* **Second step.** Someone with a confirmed authenticator who has not entered a code in this
  session reaches only the code page (and sign-out); everything else redirects there (htmx
  gets ``HX-Redirect``, the API a 403 problem).
* **Forced set-up.** An administrator whose active company requires two-factor sign-in and who
  has no authenticator reaches only the set-up page until they have one.
* **Idle expiry.** With ``TANDEM_SESSION_IDLE`` seconds set, a session unused for that long ends.

Whether a person has an authenticator is remembered in the session for a short while, so an
ordinary page costs no extra query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.core.security import has_two_factor, is_administrator

NO_DEVICE_KEY = "tandem.no_2fa_until"
SEEN_KEY = "tandem.seen"
NO_DEVICE_REMEMBER = 300  # seconds
SEEN_RESOLUTION = 60  # seconds between writes of the last-seen time


class SecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def verify_path(self) -> str:
        return reverse("administration:two_factor_verify")

    @cached_property
    def setup_path(self) -> str:
        return reverse("administration:two_factor_setup")

    @cached_property
    def open_paths(self) -> tuple[str, ...]:
        """Reachable in any state: signing out, languages, static files, health checks."""
        paths = [reverse("logout"), reverse("set_language"), f"/{settings.STATIC_URL.lstrip('/')}", "/health"]
        return tuple(paths)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self.check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        now = time.time()
        if self.idle_expired(request, now):
            logout(request)
            messages.info(request, _("You were signed out after a while without activity."))
            return self.redirect(request, reverse(settings.LOGIN_URL))
        path = request.path
        if path.startswith(self.open_paths):
            return None
        user = request.user
        if user.is_verified():  # type: ignore[union-attr]
            return None
        if now >= request.session.get(NO_DEVICE_KEY, 0):
            if has_two_factor(user):
                if path == self.verify_path:
                    return None
                return self.redirect(request, self.verify_path)
            request.session[NO_DEVICE_KEY] = now + NO_DEVICE_REMEMBER
        company = getattr(request, "company", None)
        if company is not None and company.require_two_factor and is_administrator(user):
            if path in (self.setup_path, self.verify_path):
                return None
            messages.warning(
                request,
                _(
                    "%(company)s requires administrators to sign in with a second factor. "
                    "Set it up to continue."
                )
                % {"company": company.name},
            )
            return self.redirect(request, self.setup_path)
        if path == self.verify_path:
            return HttpResponseRedirect(reverse(settings.LOGIN_REDIRECT_URL))
        return None

    def idle_expired(self, request: HttpRequest, now: float) -> bool:
        idle = getattr(settings, "TANDEM_SESSION_IDLE", 0)
        if not idle:
            return False
        seen = request.session.get(SEEN_KEY)
        if seen is not None and now - seen > idle:
            return True
        if seen is None or now - seen > min(SEEN_RESOLUTION, idle / 2):
            request.session[SEEN_KEY] = now
        return False

    def redirect(self, request: HttpRequest, target: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            problem = {
                "type": "https://tandem-erp.org/problems/not-allowed",
                "title": _("Finish signing in first."),
                "status": 403,
            }
            return JsonResponse(problem, status=403, content_type="application/problem+json")
        if target != reverse(settings.LOGIN_URL) and request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
