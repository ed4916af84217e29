"""The CRM mailbox from the environment; imported by ``settings.py``, so plain Python only.

``TANDEM_CRM_IMAP_HOST`` turns polling on. With it: ``TANDEM_CRM_IMAP_PORT`` (default 993 with
TLS, 143 otherwise), ``TANDEM_CRM_IMAP_USER``, ``TANDEM_CRM_IMAP_PASSWORD``,
``TANDEM_CRM_IMAP_FOLDER`` (default ``INBOX``), ``TANDEM_CRM_IMAP_TLS`` (``ssl`` — the default —,
``starttls`` or ``none``), ``TANDEM_CRM_IMAP_COMPANY`` (the code of the company whose partners
the mail is matched to; default: the only company) and ``TANDEM_CRM_IMAP_MAX_MB`` (the largest
message read, default 30; a larger one is left unread and reported).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TLS_MODES = ("ssl", "starttls", "none")


def mailbox(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The ``TANDEM_CRM_MAILBOX`` setting for the environment ``env`` (None: no polling)."""
    host = env.get("TANDEM_CRM_IMAP_HOST", "").strip()
    if not host:
        return None
    tls = env.get("TANDEM_CRM_IMAP_TLS", "").strip().lower() or "ssl"
    if tls not in TLS_MODES:
        raise ValueError(f"TANDEM_CRM_IMAP_TLS must be one of {', '.join(TLS_MODES)}")
    port = int(env.get("TANDEM_CRM_IMAP_PORT", "").strip() or (993 if tls == "ssl" else 143))
    if not 0 < port < 65536:
        raise ValueError("TANDEM_CRM_IMAP_PORT must be a TCP port")
    megabytes = float(env.get("TANDEM_CRM_IMAP_MAX_MB", "").strip() or "30")
    if megabytes <= 0:
        raise ValueError("TANDEM_CRM_IMAP_MAX_MB must be positive")
    return {
        "host": host,
        "port": port,
        "user": env.get("TANDEM_CRM_IMAP_USER", ""),
        "password": env.get("TANDEM_CRM_IMAP_PASSWORD", ""),
        "folder": env.get("TANDEM_CRM_IMAP_FOLDER", "").strip() or "INBOX",
        "tls": tls,
        "company": env.get("TANDEM_CRM_IMAP_COMPANY", "").strip(),
        "max_bytes": int(megabytes * 1024 * 1024),
    }
