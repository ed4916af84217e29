from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.translation import gettext as _

from tandem.api.errors import problem_response
from tandem.web.errors import error_page

urlpatterns = [
    path("api/", include("tandem.api.urls")),
    path("", include("tandem.web.urls")),
]

# DRF's own messages, translated by its catalogue.
API_PROBLEMS = {
    403: ("permission-denied", "You do not have permission to perform this action."),
    404: ("not-found", "Not found."),
    500: ("server-error", "A server error occurred."),
}


def _error(status: int, request: HttpRequest) -> HttpResponse:
    """The API keeps answering with problem details; every other path gets a page in the shell."""
    if request.path_info.startswith("/api/"):
        code, title = API_PROBLEMS[status]
        return problem_response(status, _(title), code)
    return error_page(request, status)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(403, request)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(404, request)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(500, request)


handler403 = permission_denied
handler404 = page_not_found
handler500 = server_error
