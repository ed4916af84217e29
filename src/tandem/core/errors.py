"""The one error type of business rules.

Services raise a subclass of :class:`BusinessError` with a translated, human message.
The web UI shows it on the form; the API renders it as RFC 9457 problem details with
``status`` as the HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tandem.core.messages import Message


class BusinessError(Exception):
    status = 400
    code = "business-rule"

    def __init__(self, message: str | Message, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)
        # What to store when the message is kept for later readers (a job's error): the
        # Message if one was given, so that it is translated for each reader.
        self.stored: str | Message = message
        self.field = field
        self.extra = extra

    def as_problem(self) -> dict[str, Any]:
        problem: dict[str, Any] = {
            "type": f"https://tandem-erp.org/problems/{self.code}",
            "title": self.message,
            "status": self.status,
            "detail": self.message,
        }
        if self.field:
            problem["errors"] = {self.field: [self.message]}
        problem.update(self.extra)
        return problem


class ValidationFailed(BusinessError):
    code = "validation"

    def __init__(self, errors: Mapping[str, Sequence[str | Message]], message: str | None = None) -> None:
        # ``errors`` as given (Messages kept for a later reader: an import's row reasons) and,
        # in ``errors``, as text in the active language for forms and the API.
        self.stored_errors = {name: list(messages) for name, messages in errors.items()}
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        first = next((msgs[0] for msgs in self.errors.values() if msgs), "")
        super().__init__(message or first)

    def as_problem(self) -> dict[str, Any]:
        problem = super().as_problem()
        problem["errors"] = self.errors
        return problem


class NotAllowed(BusinessError):
    status = 403
    code = "not-allowed"


class Conflict(BusinessError):
    status = 409
    code = "conflict"


class DuplicateFound(Conflict):
    code = "duplicate"


class StaleVersion(BusinessError):
    status = 412
    code = "stale-version"


class IllegalTransition(Conflict):
    code = "illegal-transition"
