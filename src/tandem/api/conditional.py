"""ETags and conditional requests (RFC 9110 §13) for records with a ``version`` counter.

The ETag is strong and opaque: a hash of the model, the primary key and the version that
every update service increments. A representation holds the record's own fields and the
ids of related rows, so it changes exactly when the version does.
"""

from __future__ import annotations

import hashlib

from django.db import models

ANY = "*"


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
