"""``Idempotency-Key`` on POST: a retried request replays the first answer instead of acting twice.

The key is claimed by inserting an :class:`~tandem.core.models.IdempotencyRecord` in the
same transaction as the action, before the action runs; the response is written into it
before commit. A concurrent request with the same key blocks on the unique constraint
until the first commits, then replays its answer (or proceeds if the first rolled back).
A crash rolls back the action and the claim together, so the retry runs afresh. Only
business answers (2xx, 4xx) are kept; 5xx leave nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.errors import IdempotencyInProgress, IdempotencyKeyReused
from tandem.core.models import IdempotencyRecord, User

KEY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
TTL = datetime.timedelta(hours=24)
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,128}")
IN_PROGRESS = 0
REPLAYED_HEADERS = ("Location", "ETag")


class Replay(Exception):
    """Raised before the action runs when the stored answer should be sent instead."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


def requested_key(request: Request) -> str | None:
    if request.method != "POST":
        return None
    key = request.headers.get(KEY_HEADER)
    if key is None:
        return None
    if not _VALID_KEY.fullmatch(key):
        raise ValidationError({KEY_HEADER: [_("Use 1 to 128 visible ASCII characters.")]})
    return key


def fingerprint(request: Request) -> str:
    """Method, full path and the parsed body in a canonical form (key order does not matter)."""
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    seed = "\n".join([request.method or "", request.get_full_path(), body])
    return hashlib.sha256(seed.encode("utf-8", errors="surrogatepass")).hexdigest()


def claim(request: Request, key: str) -> IdempotencyRecord:
    """Reserve ``key`` for this request, or raise :class:`Replay` / a 409 or 422 problem."""
    digest = fingerprint(request)
    existing = _current(request.user, key)
    if existing is not None:
        raise _verdict(existing, digest)
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=cast(User, request.user), key=key, method=request.method or "POST",
                path=request.get_full_path()[:512], request_hash=digest, status=IN_PROGRESS, body=b"",
                content_type="",
            )  # fmt: skip
    except IntegrityError:
        winner = _current(request.user, key)
        if winner is None:
            raise IdempotencyInProgress() from None
        raise _verdict(winner, digest) from None


def _current(user: Any, key: str) -> IdempotencyRecord | None:
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is not None and record.created_at < timezone.now() - TTL:
        record.delete()
        return None
    return record


def _verdict(record: IdempotencyRecord, digest: str) -> Exception:
    if record.request_hash != digest:
        return IdempotencyKeyReused()
    if record.status == IN_PROGRESS:
        return IdempotencyInProgress()
    return Replay(record)


def keeps(status_code: int) -> bool:
    return 200 <= status_code < 300 or 400 <= status_code < 500


def store(record: IdempotencyRecord, response: HttpResponseBase) -> None:
    """Write the answer into the claimed record (same transaction as the action)."""
    if not isinstance(response, HttpResponse):
        record.delete()  # a streamed answer cannot be kept: release the key
        return
    if isinstance(response, Response):
        response.render()
    record.status = response.status_code
    record.body = bytes(response.content)
    record.content_type = response.get("Content-Type", "")[:128]
    record.headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    record.save(update_fields=["status", "body", "content_type", "headers"])


def replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status)
    if record.content_type:
        response["Content-Type"] = record.content_type
    else:
        del response["Content-Type"]
    for name, value in record.headers.items():
        response[name] = value
    response[REPLAY_HEADER] = "true"
    return response
