"""RFC 9457 problem details for every API error, business or framework.

Every error body has ``type``, ``title``, ``status`` and ``detail``; validation errors
add ``errors`` (``{field: [message, …]}``), business errors add what the service put in
``extra`` (``duplicates`` for a probable duplicate). The media type is
``application/problem+json`` whenever the client gets JSON.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from tandem.core.errors import BusinessError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://tandem-erp.org/problems/"

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The resource changed since you read it. Reload it and try again.")
    default_code = "stale-version"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy("This Idempotency-Key was already used for a different request.")
    default_code = "idempotency-key-reused"


class IdempotencyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "A request with this Idempotency-Key is still being processed. Retry later."
    )
    default_code = "idempotency-in-progress"


def problem_details_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: business errors, DRF and Django errors, integrity races."""
    if isinstance(exc, BusinessError):
        return _respond(exc.as_problem(), exc.status, context)
    if isinstance(exc, IntegrityError):
        logger.warning("integrity error answered as 409: %s", exc)
        return _respond(_conflict_problem(), status.HTTP_409_CONFLICT, context)
    if isinstance(exc, SuspiciousOperation):  # a body too big, too many fields…
        return _respond(*_suspicious_problem(exc), context)
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = framework_problem(exc, response.status_code, response.data)
    _use_problem_media_type(response, context)
    return response


def framework_problem(exc: Exception, status_code: int, data: Any) -> dict[str, Any]:
    problem: dict[str, Any] = {"type": PROBLEM_BASE + _code(exc), "status": status_code}
    if isinstance(exc, exceptions.ValidationError):
        problem["title"] = str(_("The request is invalid."))
        problem["detail"] = str(_first_message(exc.detail))
        problem["errors"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        problem["title"] = str(detail)
        problem["detail"] = str(detail)
    return problem


def _code(exc: Exception) -> str:
    if isinstance(exc, Http404):
        code = "not_found"
    elif isinstance(exc, PermissionDenied):
        code = "permission_denied"
    elif isinstance(exc, exceptions.ValidationError):
        code = "validation"
    else:
        code = str(getattr(exc, "default_code", "error"))
    return code.replace("_", "-")


def _first_message(detail: Any) -> Any:
    if isinstance(detail, dict):
        return _first_message(next(iter(detail.values()), ""))
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return detail


def _conflict_problem() -> dict[str, Any]:
    message = str(_("The change conflicts with another one made at the same time. Try again."))
    return {"type": PROBLEM_BASE + "conflict", "title": message, "status": 409, "detail": message}


def _suspicious_problem(exc: SuspiciousOperation) -> tuple[dict[str, Any], int]:
    status_code: int
    if isinstance(exc, RequestDataTooBig):
        code, status_code = "payload-too-large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        message = str(_("The request body is too large."))
    else:
        code, status_code = "bad-request", status.HTTP_400_BAD_REQUEST
        message = str(_("The request is malformed."))
    problem = {"type": PROBLEM_BASE + code, "title": message, "status": status_code, "detail": message}
    return problem, status_code


def _respond(data: dict[str, Any], status_code: int, context: dict[str, Any]) -> Response:
    response = Response(data, status=status_code)
    _use_problem_media_type(response, context)
    return response


def _use_problem_media_type(response: Response, context: dict[str, Any]) -> None:
    """problem+json for JSON clients; the browsable API keeps rendering HTML."""
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or isinstance(renderer, JSONRenderer):
        response.content_type = PROBLEM_JSON


def problem_response(status_code: int, title: str, code: str) -> JsonResponse:
    """A problem-details answer outside DRF's views (an unknown API URL)."""
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status_code, "detail": title}
    return JsonResponse(body, status=status_code, content_type=PROBLEM_JSON)


@csrf_exempt  # it writes nothing; a CSRF refusal would be an HTML page where JSON is promised
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any URL under ``/api/`` that no route answers (no HTML page, no slash redirect of a POST)."""
    title = str(_("Not found."))
    if not request.path.endswith("/") and _resolves(request.path + "/"):
        title = str(_("Not found. API URLs end with a slash: %(path)s/")) % {"path": request.path}
    return problem_response(404, title, "not-found")


def _resolves(path: str) -> bool:
    try:
        return resolve(path).func is not not_found
    except Resolver404:
        return False
