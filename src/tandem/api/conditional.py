"""ETags and conditional requests (RFC 9110 §13) for records with a ``version`` counter.

The ETag is strong and opaque: a hash of the model, the primary key and the version that
every update service increments. A representation holds the record's own fields and the
ids of related rows, so it changes exactly when the version does.
"""

from __future__ import annotations

import hashlib
import re

from django.db import models
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status

ANY = "*"
ENTITY_TAGS = r'^(\*|(W/)?"[!#-~]*"(\s*,\s*(W/)?"[!#-~]*")*)$'  # RFC 9110 §13.1.1


class MalformedCondition(exceptions.APIException):
    """An ``If-Match``/``If-None-Match`` that is not a list of entity tags (an empty one
    included): refused rather than read as absent, so a client's mistake never writes."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = gettext_lazy("A conditional header is not a list of quoted ETags or *.")
    default_code = "malformed-condition"


def entity_tags(header: str) -> str:
    """``header`` if it is a list of entity tags, else :class:`MalformedCondition`."""
    if not re.match(ENTITY_TAGS, header.strip()):
        raise MalformedCondition()
    return header


def etag_for(instance: models.Model) -> str | None:
    version = getattr(instance, "version", None)
    if version is None:
        return None
    seed = f"{instance._meta.label_lower}:{instance.pk}:{version}"
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def if_match_holds(header: str, etag: str | None) -> bool:
    """Strong comparison, as If-Match requires: a weak tag never matches."""
    tags = _tags(header)
    if ANY in tags:
        return etag is not None
    return etag is not None and etag in tags


def if_none_match_holds(header: str, etag: str | None) -> bool:
    """True when the client's copy is current (weak comparison), i.e. answer 304."""
    tags = _tags(header)
    if etag is None:
        return False
    return ANY in tags or _opaque(etag) in {_opaque(tag) for tag in tags}
