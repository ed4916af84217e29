"""E-mail settings from the environment; imported by ``settings.py``, so plain Python only.

``TANDEM_SMTP_URL`` names the server in one URL:

* ``smtp://user:password@host:587?starttls=1`` — plain SMTP, upgraded with STARTTLS;
* ``smtps://user:password@host:465`` — SMTP over TLS from the first byte;
* ``console://`` — print messages to the log (development);
* unset — the embedded default: every message is written as an ``.eml`` file under
  ``<data dir>/mail``.

User and password are percent-decoded (``%40`` for ``@``). Query options: ``starttls``
(1/0), ``timeout`` (seconds, default 30).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FILE_BACKEND = "tandem.core.notifications.backends.EmlFileBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
_TRUE = {"1", "true", "yes", "on"}


def email_settings(url: str | None, data_dir: Path) -> dict[str, Any]:
    """Django's ``EMAIL_*`` settings for ``url`` (``TANDEM_SMTP_URL``)."""
    if not url:
        return {"EMAIL_BACKEND": FILE_BACKEND, "EMAIL_FILE_PATH": str(data_dir / "mail")}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": CONSOLE_BACKEND}
    if scheme not in {"smtp", "smtps"}:
        raise ValueError(f"TANDEM_SMTP_URL must start with smtp://, smtps:// or console://, not {scheme!r}")
    if not parts.hostname:
        raise ValueError("TANDEM_SMTP_URL names no host")
    options = {key.lower(): values[-1] for key, values in parse_qs(parts.query).items()}
    ssl = scheme == "smtps"
    starttls = not ssl and options.get("starttls", "0").lower() in _TRUE
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if ssl else 587 if starttls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": ssl,
        "EMAIL_USE_TLS": starttls,
        "EMAIL_TIMEOUT": int(options.get("timeout", "30")),
    }
