"""Upload a file to the import wizard and read it, as the upload request and its job do."""

from __future__ import annotations

from typing import Any

from tandem.core.models import Company, User
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun


def uploaded(company: Company, actor: User, **kwargs: Any) -> ImportRun:
    """``services.upload`` (screen and keep), then the ``imports.read`` job's work in-line."""
    return services.read(services.upload(company, actor, **kwargs), actor)
