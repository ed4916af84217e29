"""Storage of uploaded files from the environment; imported by ``settings.py``, so plain Python only.

By default files live in Django's file-system storage under ``MEDIA_ROOT`` (``<data dir>/media``).
``TANDEM_S3_BUCKET`` switches to S3-compatible storage (AWS, MinIO, Ceph, Garage, …) through
django-storages, with ``TANDEM_S3_ENDPOINT_URL``, ``TANDEM_S3_ACCESS_KEY``,
``TANDEM_S3_SECRET_KEY``, ``TANDEM_S3_REGION`` and optionally ``TANDEM_S3_PREFIX``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

S3_BACKEND = "storages.backends.s3.S3Storage"
FILE_SYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"


def default_storage(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry for the environment ``env``."""
    bucket = env.get("TANDEM_S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": FILE_SYSTEM_BACKEND}
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "file_overwrite": False,  # never replace a stored file with another of the same name
        "default_acl": None,  # private objects: downloads go through Tandem's permission check
        "querystring_auth": True,
        "location": env.get("TANDEM_S3_PREFIX", "").strip("/"),
    }
    for option, variable in (
        ("endpoint_url", "TANDEM_S3_ENDPOINT_URL"),
        ("access_key", "TANDEM_S3_ACCESS_KEY"),
        ("secret_key", "TANDEM_S3_SECRET_KEY"),
        ("region_name", "TANDEM_S3_REGION"),
    ):
        if value := env.get(variable, "").strip():
            options[option] = value
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def max_upload_bytes(env: Mapping[str, str]) -> int:
    """``TANDEM_ATTACHMENT_MAX_MB`` (default 25) in bytes."""
    raw = env.get("TANDEM_ATTACHMENT_MAX_MB", "").strip() or "25"
    megabytes = float(raw)
    if megabytes <= 0:
        raise ValueError("TANDEM_ATTACHMENT_MAX_MB must be positive")
    return int(megabytes * 1024 * 1024)
