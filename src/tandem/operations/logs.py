"""Request context for log lines: the request ID and the user ID, and the two log formats.

:class:`~tandem.operations.middleware.RequestContextMiddleware` puts the current request in a
context variable; :class:`RequestContextFilter` (on every handler, see ``config.logging_settings``)
copies its ID and — when the request already knows who is signed in — the user's ID onto each
record. Reading the user never triggers a query: a user Django has not loaded yet is "unknown".
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
NO_VALUE = "-"
# What we accept from a proxy or client: a token, not arbitrary text in our logs.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,127}")

current_request: ContextVar[Any] = ContextVar("tandem_request", default=None)
current_request_id: ContextVar[str] = ContextVar("tandem_request_id", default=NO_VALUE)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The client's ``X-Request-ID`` if it is a sane token, else a fresh one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return new_request_id()


def known_user_id(request: Any) -> Any:
    """The signed-in user's primary key if the request has loaded the user, else None."""
    if request is None:
        return None
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        wrapped = user.__dict__.get("_wrapped", empty)
        user = None if wrapped is empty else wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        if not hasattr(record, "user_id"):
            user_id = known_user_id(current_request.get())
            record.user_id = NO_VALUE if user_id is None else user_id
        return True


_CONTEXT_DEFAULTS = {"request_id": NO_VALUE, "user_id": NO_VALUE}


class PlainFormatter(logging.Formatter):
    """One human-readable line; works on records that did not pass the filter too."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s user=%(user_id)s] %(message)s",
            defaults=_CONTEXT_DEFAULTS,
        )


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: timestamp, level, logger, message, request_id, user_id and any
    ``extra=`` fields (python-json-logger)."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
            defaults=_CONTEXT_DEFAULTS,
            json_ensure_ascii=False,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        for key, default in _CONTEXT_DEFAULTS.items():
            if log_data.get(key) is None:
                log_data[key] = default  # a record that did not pass the filter
